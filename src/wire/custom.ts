/**
 * Hand-written FlatBuffers code for a message body. A message type with a
 * registered codec skips the generic layouts of body.ts: its body is the
 * buffer the codec builds (layout 2 in schemas/envelope.fbs), typically
 * with classes flatc generated from the user's own schema:
 *
 *     registerBodyCodec(Point, {
 *       encode: (builder, body) => Pt.createPt(builder, body.x, body.y),
 *       decode: (bb, root) => {
 *         const pt = new Pt().__init(root, bb);
 *         return { x: pt.x(), y: pt.y() };
 *       },
 *     });
 *
 * Every thread that sends or receives the type must register the same
 * codec before the first message goes out (a body written with a codec
 * cannot be read without it, and the other way round).
 */
import { type Builder, ByteBuffer } from 'flatbuffers';
import { InvalidArgumentError, InvalidBodyError } from '../errors.js';
import { type MessageType, messageTypes } from '../message/message.js';
import { bodyProblem } from '../message/schema.js';
import { createString, sharedBuilder, type TableReader } from './table.js';

/** A user codec for the bodies of one message type. */
export interface BodyCodec<B> {
  /**
   * Typical encoded size in bytes, optional: the shared Builder is grown
   * to at least this once, at registration, so encodes do not regrow it.
   */
  readonly size?: number;
  /**
   * Builds the body into `builder` (cleared, nothing open) and returns the
   * offset of its root table; the wire code finishes the buffer.
   */
  encode(builder: Builder, body: B): number;
  /**
   * Reads a body back. `bb` holds a private copy of the encoded buffer, so
   * views into it stay valid; `root` is the position of the table whose
   * offset `encode` returned. The result must fit the type's schema.
   */
  decode(bb: ByteBuffer, root: number): B;
}

interface Entry {
  readonly type: MessageType;
  readonly codec: BodyCodec<unknown>;
}

const codecs = new Map<number, Entry>();

/**
 * Makes the wire codec encode and decode bodies of `type` with `codec`.
 * Registering again for the same type replaces the codec.
 */
export function registerBodyCodec<B>(
  type: MessageType<B>,
  codec: BodyCodec<B>,
): void {
  if (!messageTypes.has(type)) {
    throw new InvalidArgumentError(
      `registerBodyCodec: ${String(type)} is not a message type defined ` +
        `with defineMessage in this thread`,
    );
  }
  if (
    typeof codec?.encode !== 'function' ||
    typeof codec.decode !== 'function' ||
    (codec.size !== undefined &&
      !(Number.isInteger(codec.size) && codec.size >= 0))
  ) {
    throw new InvalidArgumentError(
      `registerBodyCodec(${type.name}): the codec needs encode and decode ` +
        `functions and, optionally, a size that is an integer >= 0`,
    );
  }
  if (codec.size !== undefined) sharedBuilder(codec.size);
  codecs.set(type.id, { type, codec: codec as BodyCodec<unknown> });
}

/** Removes the codec of `type`; true when there was one. */
export function unregisterBodyCodec(type: MessageType): boolean {
  const entry = codecs.get(type.id);
  return entry?.type === type && codecs.delete(type.id);
}

/** The codec registered for `type`, if any. */
export function bodyCodecOf(type: MessageType): BodyCodec<unknown> | undefined {
  if (codecs.size === 0) return undefined;
  const entry = codecs.get(type.id);
  return entry?.type === type ? entry.codec : undefined;
}

/**
 * Encodes with a user codec into the wrapper table
 * `{ body: <user root>; topic: string }` and returns the finished buffer
 * (a view into the shared Builder, valid until the next encode).
 */
export function encodeCustom(
  type: MessageType,
  codec: BodyCodec<unknown>,
  body: unknown,
  topic: string | undefined,
): Uint8Array {
  const builder = sharedBuilder();
  builder.clear();
  try {
    const root = codec.encode(builder, body);
    if (!Number.isInteger(root) || root <= 0) {
      throw new Error(`encode returned ${String(root)}, not an offset`);
    }
    const topicRef = topic === undefined ? 0 : createString(builder, topic);
    builder.startObject(2);
    builder.addFieldOffset(0, root, 0);
    if (topic !== undefined) builder.addFieldOffset(1, topicRef, 0);
    builder.finish(builder.endObject());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidBodyError(
      `bad body for ${type.name}: its custom codec failed to encode it: ` +
        reason,
      { cause: error },
    );
  }
  return builder.asUint8Array();
}

/**
 * Decodes a custom body from the buffer [start, end) of the reader's area;
 * leaves the topic in `reader.topic`. Throws CorruptFrameError.
 */
export function decodeCustom(
  type: MessageType,
  codec: BodyCodec<unknown>,
  reader: TableReader,
  start: number,
  end: number,
): unknown {
  reader.open(start, end, `custom body of ${type.name}`);
  const slot = reader.field(0, 4);
  if (slot === 0) {
    throw reader.fail(reader.vtable, `custom body of ${type.name} is empty`);
  }
  const rel = reader.view.getUint32(slot, true);
  const root = slot + rel;
  if (rel === 0 || root + 4 > end) {
    throw reader.fail(slot, `offset ${rel} points out of ${end - start} bytes`);
  }
  const topicAt = reader.field(1, 4);
  const topic = topicAt === 0 ? undefined : reader.string(topicAt);
  // A copy: the ring bytes are overwritten once the frame is freed, and a
  // codec may hand out views (generated `...Array()` accessors do).
  const copy = new ByteBuffer(reader.bytes.slice(start, end));
  let body: unknown;
  try {
    body = codec.decode(copy, root - start);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = reader.fail(
      root,
      `custom codec of ${type.name}: ${reason}`,
    );
    Object.defineProperty(failure, 'cause', { value: error });
    throw failure;
  }
  const problem = bodyProblem(type.schema, body);
  if (problem !== undefined) {
    throw reader.fail(root, `custom codec of ${type.name}: ${problem}`);
  }
  reader.topic = topic;
  return body;
}
