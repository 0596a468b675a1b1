/**
 * A scheduler's running totals, and what it does with failures and dead
 * letters: count them, publish them, and (for the `stop` policy) throw.
 */
import { type Address, formatAddress } from '../address.js';
import type { ErrorPolicy } from '../component.js';
import {
  deadLetterChannel,
  debug,
  handlerErrorChannel,
} from '../diagnostics.js';
import { AsyncHandlerError, HandlerError } from '../errors.js';
import type { Envelope } from './envelope.js';

/** A handler that threw, with the policy its class chose. */
export interface Failure {
  readonly address: Address;
  readonly component: string;
  readonly messageType: string;
  readonly error: unknown;
  readonly policy: ErrorPolicy;
}

export class Counters {
  /** Messages queued or handed straight to a handler. */
  sent = 0;
  /** Handler turns, plus messages handed to the outside. */
  delivered = 0;
  spawned = 0;
  died = 0;
  /** Messages to components that never existed or have died. */
  deadLetters = 0;
  readonly deadLettersByType = new Map<string, number>();
  /** Replies that arrived after their request had timed out. */
  lateReplies = 0;
  /** Requests that got no reply in time. */
  timeouts = 0;
  /** Handlers that threw (or returned a Promise). */
  handlerErrors = 0;
  /** Events that arrived after their subscription ended. */
  eventsDropped = 0;
  /** Events a subscriber's filter turned down. */
  eventsFiltered = 0;

  recordDeadLetter(envelope: Envelope): void {
    this.deadLetters++;
    const name = envelope.type.name;
    this.deadLettersByType.set(
      name,
      (this.deadLettersByType.get(name) ?? 0) + 1,
    );
    if (deadLetterChannel.hasSubscribers) {
      deadLetterChannel.publish({
        target: envelope.target,
        sender: envelope.sender,
        messageType: name,
      });
    }
    if (debug.enabled) {
      debug('dead letter %s to %s', name, formatAddress(envelope.target));
    }
  }

  /** Counts and publishes a failure; throws HandlerError under `stop`. */
  recordFailure(failure: Failure): void {
    this.handlerErrors++;
    if (handlerErrorChannel.hasSubscribers) {
      handlerErrorChannel.publish(failure);
    }
    const site = {
      component: failure.component,
      address: formatAddress(failure.address),
      messageType: failure.messageType,
    };
    debug(
      'handler of %s at %s failed on %s (policy %s): %s',
      site.component,
      site.address,
      site.messageType,
      failure.policy,
      failure.error,
    );
    if (failure.policy !== 'stop') return;
    if (failure.error instanceof AsyncHandlerError) throw failure.error;
    throw new HandlerError(site, failure.error);
  }
}
