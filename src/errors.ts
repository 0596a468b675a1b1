/**
 * Every error Circo raises on purpose. Each class has a stable `code`
 * (`ERR_CIRCO_...`) that callers can switch on, a message that names the
 * offending value, and a `cause` where one exists.
 *
 * Errors cross thread boundaries as plain `{ code, message, stack }` records
 * (see `toRecord` / `fromRecord`), never as live objects.
 */

export abstract class CircoError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option or argument at the public edge has the wrong type or value. */
export class InvalidArgumentError extends CircoError {
  readonly code = 'ERR_CIRCO_INVALID_ARGUMENT';
}

/** A string that should hold an address does not parse as one. */
export class InvalidAddressError extends CircoError {
  readonly code = 'ERR_CIRCO_INVALID_ADDRESS';
}

/** A send used a message type that was never defined with defineMessage. */
export class UnknownMessageTypeError extends CircoError {
  readonly code = 'ERR_CIRCO_UNKNOWN_MESSAGE_TYPE';
}

/** Two message definitions clash: same name, other schema, or same id. */
export class DuplicateMessageTypeError extends CircoError {
  readonly code = 'ERR_CIRCO_DUPLICATE_MESSAGE_TYPE';
}

/** A message body does not match the schema of its type. */
export class InvalidBodyError extends CircoError {
  readonly code = 'ERR_CIRCO_INVALID_BODY';
}

/** A component class is not registered, or a name matches no class. */
export class UnknownComponentError extends CircoError {
  readonly code = 'ERR_CIRCO_UNKNOWN_COMPONENT';
}

/** Two different component classes were registered under one name. */
export class DuplicateComponentError extends CircoError {
  readonly code = 'ERR_CIRCO_DUPLICATE_COMPONENT';
}

/** No live component has the given address. */
export class NoSuchComponentError extends CircoError {
  readonly code = 'ERR_CIRCO_NO_SUCH_COMPONENT';
}

/** A component's state could not be copied (not cloneable, encode threw). */
export class StateNotCloneableError extends CircoError {
  readonly code = 'ERR_CIRCO_STATE_NOT_CLONEABLE';
}

/** A context verb was called outside the handler it belongs to. */
export class OutOfTurnError extends CircoError {
  readonly code = 'ERR_CIRCO_OUT_OF_TURN';
}

/** The component module could not be imported. */
export class ModuleLoadError extends CircoError {
  readonly code = 'ERR_CIRCO_MODULE_LOAD';
}

/** What a handler was doing when it failed. */
export interface HandlerSite {
  /** Registered name of the component class. */
  readonly component: string;
  /** The failing component's address, printed. */
  readonly address: string;
  /** Name of the message type being handled. */
  readonly messageType: string;
}

/** A handler threw. `cause` holds the original error with its stack. */
export class HandlerError extends CircoError {
  readonly code = 'ERR_CIRCO_HANDLER_FAILED';
  readonly component: string;
  readonly address: string;
  readonly messageType: string;

  constructor(site: HandlerSite, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `component ${site.component} at ${site.address} failed handling ` +
        `${site.messageType}: ${reason}`,
      { cause },
    );
    this.component = site.component;
    this.address = site.address;
    this.messageType = site.messageType;
    if (cause instanceof Error && cause.stack !== undefined) {
      this.stack = `${this.name}: ${this.message}\n  caused by ${cause.stack}`;
    }
  }
}

/** A handler returned a Promise: handlers must be synchronous. */
export class AsyncHandlerError extends CircoError {
  readonly code = 'ERR_CIRCO_ASYNC_HANDLER';
}

/** The machine was stopped; no further calls are accepted. */
export class MachineStoppedError extends CircoError {
  readonly code = 'ERR_CIRCO_MACHINE_STOPPED';
}

/** An ask got no reply before its timeout (in machine time). */
export class AskTimeoutError extends CircoError {
  readonly code = 'ERR_CIRCO_ASK_TIMEOUT';
}

/** The machine went quiet while an ask was still waiting for its reply. */
export class NoReplyError extends CircoError {
  readonly code = 'ERR_CIRCO_NO_REPLY';
}

/** A feature of the strict step mode was used in the loose mode. */
export class StrictModeOnlyError extends CircoError {
  readonly code = 'ERR_CIRCO_STRICT_ONLY';
}

/** How an error travels between threads or hosts. */
export interface ErrorRecord {
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
  readonly cause?: ErrorRecord;
  /** The HandlerSite fields of a HandlerError. */
  readonly site?: HandlerSite;
}

export function toRecord(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) {
    return { code: 'ERR_CIRCO_FOREIGN', message: String(error) };
  }
  const code = (error as { code?: unknown }).code;
  const site =
    error instanceof HandlerError
      ? {
          component: error.component,
          address: error.address,
          messageType: error.messageType,
        }
      : undefined;
  return {
    code: typeof code === 'string' ? code : 'ERR_CIRCO_FOREIGN',
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.cause === undefined ? {} : { cause: toRecord(error.cause) }),
    ...(site === undefined ? {} : { site }),
  };
}

/**
 * An error that arrived from another thread or host, rebuilt from a record:
 * same code, message, stack and cause chain, and the handler site if any.
 */
export class RemoteError extends CircoError {
  readonly code: string;
  readonly component?: string;
  readonly address?: string;
  readonly messageType?: string;

  constructor(record: ErrorRecord) {
    super(
      record.message,
      record.cause === undefined ? {} : { cause: fromRecord(record.cause) },
    );
    this.code = record.code;
    if (record.stack !== undefined) this.stack = record.stack;
    if (record.site !== undefined) {
      this.component = record.site.component;
      this.address = record.site.address;
      this.messageType = record.site.messageType;
    }
  }
}

/**
 * Rebuilds an error that crossed a thread: the same class when its code is
 * one of Circo's (so `instanceof` and `code` work the same on both sides),
 * with the original message, stack and cause chain; a RemoteError else.
 */
export function fromRecord(record: ErrorRecord): CircoError {
  const cause =
    record.cause === undefined ? undefined : fromRecord(record.cause);
  let error: CircoError;
  if (record.code === 'ERR_CIRCO_HANDLER_FAILED' && record.site) {
    error = new HandlerError(record.site, cause);
  } else {
    const cls = classesByCode().get(record.code);
    if (cls === undefined) return new RemoteError(record);
    error = new cls(record.message, cause === undefined ? {} : { cause });
  }
  error.message = record.message;
  if (record.stack !== undefined) error.stack = record.stack;
  return error;
}

type PlainErrorClass = new (
  message: string,
  options?: { cause?: unknown },
) => CircoError;

let byCode: Map<string, PlainErrorClass> | undefined;

function classesByCode(): Map<string, PlainErrorClass> {
  if (byCode === undefined) {
    const classes: PlainErrorClass[] = [
      InvalidArgumentError,
      InvalidAddressError,
      UnknownMessageTypeError,
      DuplicateMessageTypeError,
      InvalidBodyError,
      UnknownComponentError,
      DuplicateComponentError,
      NoSuchComponentError,
      StateNotCloneableError,
      OutOfTurnError,
      ModuleLoadError,
      AsyncHandlerError,
      MachineStoppedError,
      AskTimeoutError,
      NoReplyError,
      StrictModeOnlyError,
      WorkerExitError,
      RegistryMismatchError,
      BarrierTimeoutError,
    ];
    byCode = new Map(classes.map((cls) => [new cls('').code, cls]));
  }
  return byCode;
}

/** A worker thread ended while the machine needed it. */
export class WorkerExitError extends CircoError {
  readonly code = 'ERR_CIRCO_WORKER_EXIT';
}

/** Threads disagree on the message types they know (fingerprints differ). */
export class RegistryMismatchError extends CircoError {
  readonly code = 'ERR_CIRCO_REGISTRY_MISMATCH';
}

/**
 * A ring holds bytes that cannot be a frame: a length prefix or a published
 * position out of range. The ring is unusable afterwards; nothing is decoded.
 */
export class CorruptFrameError extends CircoError {
  readonly code = 'ERR_CIRCO_CORRUPT_FRAME';
  /** Name of the ring. */
  readonly ring: string;
  /** Byte offset in the ring's data area where the bad value was read. */
  readonly offset: number;
  /** The bad length as read (for a bad write position: its distance). */
  readonly length: number;

  constructor(ring: string, offset: number, length: number, reason: string) {
    super(
      `ring ${ring}: corrupt frame at offset ${offset}, length ${length}: ` +
        reason,
    );
    this.ring = ring;
    this.offset = offset;
    this.length = length;
  }
}

/**
 * A barrier party waited past its timeout. The barrier is then broken: every
 * party waiting or arriving later, and the coordinator, get this error too.
 */
export class BarrierTimeoutError extends CircoError {
  readonly code = 'ERR_CIRCO_BARRIER_TIMEOUT';
}
