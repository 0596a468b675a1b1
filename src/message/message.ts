/**
 * Message definitions. A definition pairs a stable name with a runtime
 * schema; its numeric id is a hash of the name, so every thread (and every
 * host) that loads the same modules computes the same ids, and the registry
 * fingerprint tells them whether they agree on the whole set.
 */
import type { Address } from '../address.js';
import {
  DuplicateMessageTypeError,
  InvalidArgumentError,
  InvalidBodyError,
  UnknownMessageTypeError,
} from '../errors.js';
import { fnv1a32 } from './hash.js';
import {
  type Body,
  bodyProblem,
  describeSchema,
  isFieldKind,
  type Schema,
} from './schema.js';

/** A message as a handler receives it. */
export interface Message<B = unknown> {
  readonly type: MessageType<B>;
  readonly body: B;
  /** Who sent it; for timers and lifecycle messages, the component itself. */
  readonly sender: Address;
  readonly target: Address;
  /** Request token on requests, replies and timeouts; 0 elsewhere. */
  readonly token: number;
  /** The topic an event was fired under; undefined for other messages. */
  readonly topic: string | undefined;
}

/** Passed by the registry alone, so that only its types are defined. */
const DEFINING = Symbol('defining');

/** A defined message type: use it to send, and to recognise what arrived. */
export class MessageType<B = unknown> {
  /** Phantom member: carries the body type. */
  declare readonly __body?: B;
  /** Whether the registry made this type (checked at every send). */
  readonly #defined: boolean;

  /** @internal Use defineMessage. */
  constructor(
    readonly name: string,
    readonly id: number,
    readonly schema: Schema,
    defining?: symbol,
  ) {
    this.#defined = defining === DEFINING;
    Object.freeze(this);
  }

  /**
   * @internal Whether `type` was made by defineMessage. A brand check and
   * a field load: the registry's map keyed by 32-bit ids cost a tenth of
   * a same-thread send.
   */
  static defined(type: unknown): type is MessageType {
    return typeof type === 'object' && type !== null && #defined in type
      ? (type as MessageType).#defined
      : false;
  }

  /** Narrows `message` to this type. */
  is(message: Message): message is Message<B> {
    return message.type === this;
  }

  toString(): string {
    return this.name;
  }
}

const NAME = /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)*$/;

/** All message types defined in this thread, by id and by name. */
class MessageRegistry {
  private readonly byId = new Map<number, MessageType>();
  private fingerprintCache: string | undefined;

  define<S extends Schema>(name: string, schema: S): MessageType<Body<S>> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new InvalidArgumentError(
        `a message name must be dotted identifiers like "app.Ping", ` +
          `got ${JSON.stringify(name)}`,
      );
    }
    if (typeof schema !== 'object' || schema === null) {
      throw new InvalidArgumentError(
        `the schema of message ${name} must be an object of field kinds`,
      );
    }
    for (const field of Object.keys(schema)) {
      if (!isFieldKind(schema[field])) {
        throw new InvalidArgumentError(
          `field ${field} of message ${name} is not a field kind from t`,
        );
      }
    }
    const id = fnv1a32(name);
    const existing = this.byId.get(id);
    if (existing !== undefined) {
      // The same module loaded twice (say, once by a test runner and once by
      // the machine) defines the same types again: hand back the first.
      const same =
        existing.name === name &&
        describeSchema(existing.schema) === describeSchema(schema);
      if (same) return existing as MessageType<Body<S>>;
      throw new DuplicateMessageTypeError(
        existing.name === name
          ? `message ${name} is already defined with another schema ` +
              `(${describeSchema(existing.schema)})`
          : `message ${name} hashes to id ${id}, already taken by ` +
              `${existing.name}: rename one of them`,
      );
    }
    const type = new MessageType<Body<S>>(
      name,
      id,
      Object.freeze(schema),
      DEFINING,
    );
    this.byId.set(id, type);
    this.fingerprintCache = undefined;
    return type;
  }

  get(id: number): MessageType | undefined {
    return this.byId.get(id);
  }

  /** Whether `type` is a definition of this registry (not a look-alike). */
  has(type: unknown): type is MessageType {
    return MessageType.defined(type);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * A digest of every (id, name, schema) defined here. Two threads that
   * loaded the same modules have the same fingerprint.
   */
  fingerprint(): string {
    if (this.fingerprintCache === undefined) {
      const lines = [...this.byId.values()]
        .map((t) => `${t.id}:${t.name}:${describeSchema(t.schema)}`)
        .sort()
        .join('\n');
      const hi = fnv1a32(lines).toString(16).padStart(8, '0');
      const lo = fnv1a32(lines, 0x01234567).toString(16).padStart(8, '0');
      this.fingerprintCache = `${this.byId.size}-${hi}${lo}`;
    }
    return this.fingerprintCache;
  }
}

export const messageTypes = new MessageRegistry();

/**
 * Defines a message type. `name` must be unique across the modules a
 * machine loads; prefix it with your module's name (`"tree.Grow"`).
 *
 *     const Ping = defineMessage('demo.Ping', { seq: t.u32 });
 *     ctx.send(peer, Ping, { seq: 1 });
 */
export function defineMessage<S extends Schema>(
  name: string,
  schema: S,
): MessageType<Body<S>> {
  return messageTypes.define(name, schema);
}

/** Throws UnknownMessageTypeError unless `type` was defined here. */
export function checkMessageType(type: unknown): asserts type is MessageType {
  if (!messageTypes.has(type)) {
    const shown = type instanceof MessageType ? type.name : describeValue(type);
    throw new UnknownMessageTypeError(
      `${shown} is not a message type defined with defineMessage ` +
        `in this thread`,
    );
  }
}

/** Throws InvalidBodyError unless `body` fits the schema of `type`. */
export function checkBody(type: MessageType, body: unknown): void {
  const problem = bodyProblem(type.schema, body);
  if (problem !== undefined) {
    throw new InvalidBodyError(`bad body for ${type.name}: ${problem}`);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    return `an object with keys [${Object.keys(value).join(', ')}]`;
  }
  return String(value);
}
