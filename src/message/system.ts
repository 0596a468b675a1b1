/**
 * Message types the runtime itself sends. Components receive them through
 * `onmessage` like any other and may ignore the ones they do not need.
 */
import { defineMessage } from './message.js';
import { t } from './schema.js';

/** First message a component handles; the sender is its parent. */
export const Spawned = defineMessage('circo.Spawned', { parent: t.address });

/**
 * Delivered to the new behaviour right after `become`, before any other
 * message. `previous` is the registered name of the replaced component.
 */
export const Became = defineMessage('circo.Became', { previous: t.string });

/**
 * Delivered right after the handler that called `die` returns; the last
 * message the component handles. Messages still queued for it become dead
 * letters.
 */
export const Died = defineMessage('circo.Died', {});

/** Sent to every watcher of a component that died (or never existed). */
export const Terminated = defineMessage('circo.Terminated', {
  who: t.address,
});

/** Asks a component to end; `Component.onterminate` handles it (dies). */
export const Terminate = defineMessage('circo.Terminate', {});

/**
 * Sent to a requester whose request got no reply in time. `token` on the
 * message is the request's token.
 */
export const Timeout = defineMessage('circo.Timeout', {
  requestType: t.string,
});

/** Reply to `lookup`: `address` is NOBODY when the name is not bound. */
export const NameFound = defineMessage('circo.NameFound', {
  name: t.string,
  address: t.address,
});

/** Sent to a component whose `register` found the name held by another. */
export const NameTaken = defineMessage('circo.NameTaken', {
  name: t.string,
  holder: t.address,
});

/** Strict mode: sent each step to components that asked to be woken. */
export const Tick = defineMessage('circo.Tick', { step: t.u32 });

/**
 * To a component that asked to move with `ctx.migrate`, once it has: the
 * worker it left and the one it is on now.
 */
export const Migrated = defineMessage('circo.Migrated', {
  from: t.u32,
  to: t.u32,
});
