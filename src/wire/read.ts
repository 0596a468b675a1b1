/**
 * Decoding of ring frames; the layout is pictured in codec.ts. Every value
 * read is checked before it is used, so a frame either decodes to exactly
 * what was written or throws.
 */
import { deserialize } from 'node:v8';
import { isAddress } from '../address.js';
import { type CorruptFrameError, UnknownMessageTypeError } from '../errors.js';
import { Envelope, Kind } from '../scheduler/envelope.js';
import { layoutById, readStruct, readTable } from './body.js';
import { bodyCodecOf, decodeCustom } from './custom.js';
import {
  BODY_OFFSET,
  BodyFormat,
  type ControlFrame,
  ENERGY,
  ENVELOPE_OFFSET,
  FLAGS,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameKind,
  KIND,
  KNOWN_FLAGS,
  type MessageFrame,
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
import { TableReader } from './table.js';

const reader = new TableReader();
const control = new Control();

/**
 * Decodes the frame payload at `offset` (`length` bytes) of a ring's data
 * area, as passed to a `RingConsumer.poll` visitor; `ring` names the ring
 * in errors. Everything returned is a copy: nothing refers to the ring.
 * Throws CorruptFrameError for anything malformed (naming the offset of
 * the bad value and the frame length), UnknownMessageTypeError for a type
 * id that no defineMessage in this thread defines.
 */
export function readFrame(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
  ring = 'wire',
): Frame {
  reader.bind(bytes, view, ring, offset, length);
  if (offset < 0 || length < 0 || offset + length > bytes.length) {
    throw reader.fail(offset, `frame exceeds the ${bytes.length}-byte area`);
  }
  if (length < FRAME_HEADER_BYTES) {
    throw reader.fail(
      offset,
      `shorter than the ${FRAME_HEADER_BYTES}-byte frame header`,
    );
  }
  const frameKind = bytes[offset]!;
  if (frameKind !== FrameKind.Message && frameKind !== FrameKind.Control) {
    throw reader.fail(offset, `unknown frame kind ${frameKind}`);
  }
  const version = bytes[offset + 1]!;
  if (version !== WIRE_VERSION) {
    throw reader.fail(
      offset + 1,
      `wire version ${version}, this reader knows ${WIRE_VERSION}`,
    );
  }
  if (bytes[offset + 3] !== 0) {
    throw reader.fail(offset + 3, 'reserved header byte is not 0');
  }
  return frameKind === FrameKind.Message
    ? readMessage(bytes, offset, length, view)
    : readControl(bytes, offset, length);
}

/** The error when header bytes 4-7 disagree with the frame length. */
function badLength(offset: number, length: number, head: number): Error {
  const declared = reader.view.getUint32(offset + 4, true);
  return reader.fail(
    offset + 4,
    `header says ${declared} bytes follow offset ${head}, the frame has ` +
      `${length - head}`,
  );
}

function readMessage(
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
): MessageFrame {
  if (length < BODY_OFFSET) {
    throw reader.fail(
      offset,
      `message frame shorter than its ${BODY_OFFSET}-byte header and envelope`,
    );
  }
  const bodyLength = view.getUint32(offset + 4, true);
  if (BODY_OFFSET + bodyLength !== length) {
    throw badLength(offset, length, BODY_OFFSET);
  }
  const e = offset + ENVELOPE_OFFSET;
  const typeId = view.getUint32(e + TYPE_ID, true);
  const layout = layoutById(typeId);
  if (layout === undefined) {
    throw new UnknownMessageTypeError(
      `ring ${reader.ring}: frame at offset ${offset}, length ${length} ` +
        `carries message type id ${typeId} (0x${typeId.toString(16)}), ` +
        `which no defineMessage in this thread defines`,
    );
  }
  if (bytes[e + PADDING] !== 0) {
    throw reader.fail(e + PADDING, `reserved byte ${bytes[e + PADDING]}`);
  }
  if (bytes[e + VERSION] !== WIRE_VERSION) {
    throw reader.fail(e + VERSION, `envelope version ${bytes[e + VERSION]}`);
  }
  const kind = bytes[e + KIND]!;
  if (kind > Kind.System) throw reader.fail(e + KIND, `kind ${kind}`);
  const flags = bytes[e + FLAGS]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw reader.fail(e + FLAGS, `flags ${flags} set reserved bits`);
  }
  const target = view.getFloat64(e + TARGET, true);
  if (!isAddress(target)) throw reader.fail(e + TARGET, `target ${target}`);
  const sender = view.getFloat64(e + SENDER, true);
  if (!isAddress(sender)) throw reader.fail(e + SENDER, `sender ${sender}`);
  const start = offset + BODY_OFFSET;
  const end = offset + length;
  const format = bytes[offset + 2]!;
  const type = layout.type;
  const custom = bodyCodecOf(type);
  let body: unknown;
  let topic: string | undefined;
  if (format === BodyFormat.Struct && custom === undefined) {
    if (!layout.fixed || bodyLength !== layout.size) {
      throw reader.fail(
        offset + 4,
        `a struct body of ${type.name} has ${layout.size} bytes, not ` +
          (layout.fixed ? bodyLength : 'a variable size'),
      );
    }
    body = readStruct(layout, reader, start);
  } else if (format === BodyFormat.Table && custom === undefined) {
    body = readTable(layout, reader, start, end);
    topic = reader.topic;
  } else if (format === BodyFormat.Custom && custom !== undefined) {
    body = decodeCustom(type, custom, reader, start, end);
    topic = reader.topic;
  } else {
    throw reader.fail(
      offset + 2,
      `body layout ${format} does not fit ${type.name}, which has ` +
        (custom === undefined ? 'no custom codec' : 'a custom codec'),
    );
  }
  const senderKey = view.getFloat64(e + SENDER_KEY, true);
  const senderSeq = view.getUint32(e + SENDER_SEQ, true);
  const x = view.getFloat32(e + SOURCE_X, true);
  const y = view.getFloat32(e + SOURCE_Y, true);
  const z = view.getFloat32(e + SOURCE_Z, true);
  const energy = view.getFloat32(e + ENERGY, true);
  // NaN - NaN and Infinity - Infinity are NaN: one test for all four.
  if (Number.isNaN(x - x + y - y + z - z + energy - energy)) {
    throw reader.fail(e + SOURCE_X, `infoton (${x}, ${y}, ${z}) ${energy}`);
  }
  return {
    kind: 'message',
    envelope: new Envelope(
      target as Envelope['target'],
      sender as Envelope['sender'],
      type,
      body,
      kind as Kind,
      view.getUint32(e + TOKEN, true),
      topic,
      senderKey,
      senderSeq,
    ),
    seq: view.getUint32(e + SEQ, true),
    step: view.getUint32(e + STEP, true),
    flags,
    senderKey,
    senderSeq,
    // A pull of energy 0 goes nowhere: most messages carry none (see
    // Space.sample), and they allocate no infoton.
    infoton: energy === 0 ? undefined : { x, y, z, energy },
  };
}

function readControl(
  bytes: Uint8Array,
  offset: number,
  length: number,
): ControlFrame {
  if (bytes[offset + 2] !== 0) {
    throw reader.fail(offset + 2, 'control frame with a body layout byte');
  }
  if (FRAME_HEADER_BYTES + reader.view.getUint32(offset + 4, true) !== length) {
    throw badLength(offset, length, FRAME_HEADER_BYTES);
  }
  const start = offset + FRAME_HEADER_BYTES;
  reader.open(start, offset + length, 'control frame');
  reader.field(0, 1); // op: ubyte
  reader.field(1, 4); // seq: uint
  const slot = reader.field(2, 4);
  if (slot === 0) throw reader.fail(reader.vtable, 'control has no payload');
  const data = reader.vector(slot, 1); // checks the bounds
  reader.bb.setPosition(start);
  Control.getRootAsControl(reader.bb, control);
  const op = control.op();
  const seq = control.seq();
  const payload = control.payloadArray()!;
  let value: unknown;
  try {
    value = deserialize(payload);
  } catch (error) {
    const failure: CorruptFrameError = reader.fail(
      data,
      `control op ${op}: payload of ${payload.length} bytes does not ` +
        `deserialize: ${error instanceof Error ? error.message : error}`,
    );
    Object.defineProperty(failure, 'cause', { value: error });
    throw failure;
  }
  return { kind: 'control', op, seq, value };
}
