/**
 * Observability. Debug text goes to `util.debuglog('circo')` (enable with
 * NODE_DEBUG=circo); events go to named diagnostics channels, published only
 * when someone subscribes. Nothing here runs per delivered message.
 */
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';

export const debug = debuglog('circo');

/** `{ address, component, messageType, error, policy }` per failed handler. */
export const handlerErrorChannel = channel('circo:handler-error');

/** `{ target, sender, messageType }` per message to a missing component. */
export const deadLetterChannel = channel('circo:dead-letter');

/**
 * The machine's figures, published at the end of each run and, in a
 * threaded machine, at every barrier round while a run goes on.
 */
export const figuresChannel = channel('circo:figures');

/**
 * Per-round records (RoundFigures): each round the machine reads, when
 * someone subscribes; see Machine.onRound for one machine's rounds.
 */
export const roundChannel = channel('circo:round');
