/**
 * The wire format: how messages and control frames travel in ring frames
 * (src/ring/ring.ts) between worker threads. Wire version 2.
 *
 * Every ring frame payload starts 8-byte aligned with this layout (all
 * numbers little-endian):
 *
 *   payload offset
 *   0       1        2        3        4                8
 *   +-------+--------+--------+--------+----------------+
 *   | frame | wire   | body   | 0      | uint32: bytes  |  frame header
 *   | kind  | version| layout |        | after the head |
 *   +-------+--------+--------+--------+----------------+
 *
 *   message frame (kind 1), head = header + envelope = 72 bytes:
 *   8                                                  72          end
 *   +--------------------------------------------------+------------+
 *   | Envelope struct, 64 bytes (schemas/envelope.fbs) | body       |
 *   +--------------------------------------------------+------------+
 *      8 target      f64    32 type_id u32    48 kind    u8
 *     16 sender      f64    36 token   u32    49 flags   u8
 *     24 sender_key  f64    40 seq     u32    50 version u8
 *                           44 step    u32    51 reserved (0)
 *     56 source_x    f32    52 sender_seq u32
 *     60 source_y    f32    68 energy  f32
 *     64 source_z    f32
 *
 *   control frame (kind 2, body layout byte 0), head = header = 8 bytes:
 *   8                                                               end
 *   +-----------------------------------------------------------------+
 *   | finished FlatBuffers buffer, root Control (schemas/control.fbs) |
 *   +-----------------------------------------------------------------+
 *
 * Body layouts (byte 2, see body.ts and custom.ts): 0 struct (fixed-size
 * schema, no topic; written in place), 1 FlatBuffers table (generic, the
 * topic in its last slot), 2 custom codec (registerBodyCodec).
 *
 * The envelope and struct bodies are written in place with a DataView:
 * building a FlatBuffers table costs about ten times more per message. The
 * Builder only serves variable bodies and control frames.
 */
import { serialize } from 'node:v8';
import { isAddress } from '../address.js';
import { InvalidArgumentError } from '../errors.js';
import type { RingProducer } from '../ring/ring.js';
import { type Envelope, Kind } from '../scheduler/envelope.js';
import { encodeTable, layoutOf, writeStruct } from './body.js';
import { bodyCodecOf, encodeCustom } from './custom.js';
import {
  BODY_OFFSET,
  BodyFormat,
  ENERGY,
  ENVELOPE_BYTES,
  ENVELOPE_OFFSET,
  FLAGS,
  FRAME_HEADER_BYTES,
  FrameKind,
  KIND,
  KNOWN_FLAGS,
  type MessageMeta,
  PADDING,
  SENDER,
  SENDER_KEY,
  SENDER_SEQ,
  SEQ,
  SOURCE_X,
  SOURCE_Y,
  SOURCE_Z,
  STEP,
  TARGET,
  TOKEN,
  TYPE_ID,
  VERSION,
  WIRE_VERSION,
} from './frame.js';
import { Control } from './generated/control_generated.js';
import { Envelope as EnvelopeStruct } from './generated/envelope_generated.js';
import { sharedBuilder } from './table.js';

export {
  BODY_OFFSET,
  BodyFormat,
  type ControlFrame,
  ENVELOPE_BYTES,
  ENVELOPE_OFFSET,
  Flag,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameKind,
  type Infoton,
  type MessageFrame,
  type MessageMeta,
  WIRE_VERSION,
} from './frame.js';
export { readFrame } from './read.js';

if (EnvelopeStruct.sizeOf() !== ENVELOPE_BYTES) {
  throw new Error(
    `wire: generated Envelope struct has ${EnvelopeStruct.sizeOf()} bytes, ` +
      `the codec writes ${ENVELOPE_BYTES}: run npm run schemas and fix ` +
      `src/wire/codec.ts`,
  );
}

/**
 * Writes `envelope` as one message frame and commits it (the caller
 * publishes). Returns false, having written nothing, when the ring lacks
 * room now. Throws InvalidArgumentError for a frame that could never fit
 * or a bad envelope or meta value, InvalidBodyError for a body that does
 * not fit its schema, UnknownMessageTypeError for a type not defined here.
 *
 * Hot path: a fixed-size body without a topic allocates nothing: the
 * layout is cached per type and the frame is written in place.
 */
/**
 * The frame length `writeMessage` would need for `envelope`. Variable
 * bodies are encoded to be measured: for the slow paths (a message that
 * must wait for room is still checked against the ring's limit at once).
 */
export function messageFrameBytes(envelope: Envelope): number {
  const { type, topic } = envelope;
  const layout = layoutOf(type);
  const custom = bodyCodecOf(type);
  let bodyLength: number;
  if (custom !== undefined) {
    bodyLength = encodeCustom(type, custom, envelope.body, topic).length;
  } else if (layout.fixed && topic === undefined) {
    bodyLength = layout.size;
  } else {
    bodyLength = encodeTable(layout, envelope.body, topic).length;
  }
  return BODY_OFFSET + bodyLength;
}

export function writeMessage(
  producer: RingProducer,
  envelope: Envelope,
  meta: MessageMeta,
): boolean {
  const { type, topic } = envelope;
  const layout = layoutOf(type);
  checkEnvelope(envelope, meta);
  const custom = bodyCodecOf(type);
  let format: BodyFormat;
  let encoded: Uint8Array | undefined;
  if (custom !== undefined) {
    format = BodyFormat.Custom;
    encoded = encodeCustom(type, custom, envelope.body, topic);
  } else if (layout.fixed && topic === undefined) {
    format = BodyFormat.Struct;
  } else {
    format = BodyFormat.Table;
    encoded = encodeTable(layout, envelope.body, topic);
  }
  const bodyLength = encoded === undefined ? layout.size : encoded.length;
  const length = BODY_OFFSET + bodyLength;
  if (length > producer.maxPayload) {
    throw new InvalidArgumentError(
      `message ${type.name} needs a frame of ${length} bytes, over the ` +
        `limit of ${producer.maxPayload} bytes of ring ${producer.name}`,
    );
  }
  const at = producer.tryReserve(length);
  if (at < 0) return false;
  const { bytes, view } = producer;
  // A bad struct body throws here, before the commit: nothing goes out.
  if (encoded === undefined) {
    writeStruct(layout, envelope.body, bytes, view, at + BODY_OFFSET);
  } else {
    bytes.set(encoded, at + BODY_OFFSET);
  }
  view.setUint32(
    at,
    FrameKind.Message | (WIRE_VERSION << 8) | (format << 16),
    true,
  );
  view.setUint32(at + 4, bodyLength, true);
  const e = at + ENVELOPE_OFFSET;
  view.setFloat64(e + TARGET, envelope.target, true);
  view.setFloat64(e + SENDER, envelope.sender, true);
  view.setFloat64(e + SENDER_KEY, meta.senderKey, true);
  view.setUint32(e + TYPE_ID, type.id, true);
  view.setUint32(e + TOKEN, envelope.token, true);
  view.setUint32(e + SEQ, meta.seq, true);
  view.setUint32(e + STEP, meta.step, true);
  bytes[e + KIND] = envelope.kind;
  bytes[e + FLAGS] = meta.flags;
  bytes[e + VERSION] = WIRE_VERSION;
  bytes[e + PADDING] = 0;
  view.setUint32(e + SENDER_SEQ, meta.senderSeq ?? 0, true);
  const infoton = meta.infoton;
  if (infoton === undefined || infoton.energy === 0) {
    view.setFloat64(e + SOURCE_X, 0, true); // x and y
    view.setFloat64(e + SOURCE_Z, 0, true); // z and energy
  } else {
    view.setFloat32(e + SOURCE_X, infoton.x, true);
    view.setFloat32(e + SOURCE_Y, infoton.y, true);
    view.setFloat32(e + SOURCE_Z, infoton.z, true);
    view.setFloat32(e + ENERGY, infoton.energy, true);
  }
  producer.commit(length);
  return true;
}

function checkEnvelope(envelope: Envelope, meta: MessageMeta): void {
  const { target, sender, kind, token, topic } = envelope;
  const { seq, step, flags, senderKey } = meta;
  let problem: string | undefined;
  if (!isAddress(target)) problem = `target ${target} is no address`;
  else if (!isAddress(sender)) problem = `sender ${sender} is no address`;
  else if (kind >>> 0 !== kind || kind > Kind.System) {
    problem = `kind ${kind} is not a Kind`;
  } else if (token >>> 0 !== token) problem = `token ${token} is no uint32`;
  else if (seq >>> 0 !== seq) problem = `seq ${seq} is no uint32`;
  else if (step >>> 0 !== step) problem = `step ${step} is no uint32`;
  else if (flags >>> 0 !== flags || (flags & ~KNOWN_FLAGS) !== 0) {
    problem = `flags ${flags} has bits other than Flag.System|Forwarded`;
  } else if (typeof senderKey !== 'number') {
    problem = `senderKey ${String(senderKey)} is no number`;
  } else if (topic !== undefined && typeof topic !== 'string') {
    problem = `topic ${String(topic)} is no string`;
  }
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `cannot write a ${envelope.type.name} message: ${problem}`,
    );
  }
}

/**
 * Writes a control frame: op code `op` (0 to 255), `value`, which must
 * survive v8.serialize, and the link sequence number `seq` (a uint32).
 * Returns false, having written nothing, when the ring lacks room now;
 * throws InvalidArgumentError for a bad op or seq, a value v8 cannot
 * serialize or a frame that could never fit.
 */
export function writeControl(
  producer: RingProducer,
  op: number,
  value: unknown,
  seq = 0,
): boolean {
  if (op >>> 0 !== op || op > 255) {
    throw new InvalidArgumentError(
      `control op must be an integer from 0 to 255, got ${op}`,
    );
  }
  if (seq >>> 0 !== seq) {
    throw new InvalidArgumentError(`control seq ${seq} is no uint32`);
  }
  let payload: Uint8Array;
  try {
    payload = serialize(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `control op ${op}: v8 cannot serialize the value: ` +
        (error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
  const builder = sharedBuilder();
  builder.clear();
  const vector = builder.createByteVector(payload);
  Control.finishControlBuffer(
    builder,
    Control.createControl(builder, op, seq, vector),
  );
  const table = builder.asUint8Array();
  const length = FRAME_HEADER_BYTES + table.length;
  if (length > producer.maxPayload) {
    throw new InvalidArgumentError(
      `control op ${op} needs a frame of ${length} bytes, over the limit ` +
        `of ${producer.maxPayload} bytes of ring ${producer.name}`,
    );
  }
  const at = producer.tryReserve(length);
  if (at < 0) return false;
  producer.view.setUint32(at, FrameKind.Control | (WIRE_VERSION << 8), true);
  producer.view.setUint32(at + 4, table.length, true);
  producer.bytes.set(table, at + FRAME_HEADER_BYTES);
  producer.commit(length);
  return true;
}
