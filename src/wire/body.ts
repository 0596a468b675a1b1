/**
 * Body layouts: how the fields of a message body become bytes in a frame.
 * schemas/envelope.fbs documents the layouts; this file implements two:
 *
 *   struct  all fields f64/i32/u32/bool/address and no topic: the fields in
 *           declaration order, each aligned to its size, total rounded up
 *           to the largest field, like a FlatBuffers struct; written and
 *           read in place with a DataView, no Builder, no allocation.
 *   table   anything else: a FlatBuffers table, one slot per field in
 *           declaration order plus a last slot for the topic, built with
 *           a shared flatbuffers.Builder and read through a TableReader.
 *
 * A `BodyLayout` is computed once per message type and cached by type id.
 */
import { isAddress } from '../address.js';
import { InvalidBodyError, UnknownMessageTypeError } from '../errors.js';
import {
  checkBody,
  type MessageType,
  messageTypes,
} from '../message/message.js';
import { type CompiledStruct, compileStruct } from './compiled.js';
import { FieldCode } from './fields.js';
import { createString, sharedBuilder, type TableReader } from './table.js';

const { F64, I32, U32, BOOL, ADDRESS, STRING, BYTES, ADDRESSES, F64S } =
  FieldCode;

const CODE_OF: Readonly<Record<string, number>> = {
  f64: F64,
  i32: I32,
  u32: U32,
  bool: BOOL,
  address: ADDRESS,
  string: STRING,
  bytes: BYTES,
  addresses: ADDRESSES,
  f64s: F64S,
};

/** Inline bytes of each code: in a struct (scalars) and in a table slot. */
const INLINE_SIZE = [8, 4, 4, 1, 8, 4, 4, 4, 4];

/** The precomputed layout of one message type's bodies. */
export interface BodyLayout {
  readonly type: MessageType;
  /** Field names in declaration order. */
  readonly names: readonly string[];
  /** Field codes (F64 ... F64S), parallel to `names`. */
  readonly codes: readonly number[];
  /** Struct offsets, parallel to `names`; meaningful when `fixed`. */
  readonly offsets: readonly number[];
  /** Whether bodies without a topic use the struct layout. */
  readonly fixed: boolean;
  /** Struct size in bytes (0 for table layouts). */
  readonly size: number;
  /** Struct offsets of the padding bytes, which the writer zeroes. */
  readonly padding: readonly number[];
  /** Scratch: offsets of strings and vectors while building a table. */
  readonly refs: number[];
  /** The struct layout's own compiled writer and reader, when it has one. */
  readonly compiled: CompiledStruct | undefined;
}

/** By type id; only types of `messageTypes`, which never drops one. */
const layouts = new Map<number, BodyLayout>();
let last: BodyLayout | undefined;

/** The layout of `type`, computed on first use. */
export function layoutOf(type: MessageType): BodyLayout {
  if (last !== undefined && last.type === type) return last;
  let layout = layouts.get(type.id);
  if (layout === undefined || layout.type !== type) {
    layout = makeLayout(type);
    layouts.set(type.id, layout);
  }
  last = layout;
  return layout;
}

/** The layout of the type with id `id`, or undefined when none is. */
export function layoutById(id: number): BodyLayout | undefined {
  const layout = layouts.get(id);
  if (layout !== undefined) return layout;
  const type = messageTypes.get(id);
  return type === undefined ? undefined : layoutOf(type);
}

function makeLayout(type: MessageType): BodyLayout {
  if (messageTypes.get(type.id) !== type) {
    throw new UnknownMessageTypeError(
      `${String(type)} (id ${type.id}) is not a message type defined with ` +
        `defineMessage in this thread, so it cannot go on the wire`,
    );
  }
  const names = Object.keys(type.schema);
  const codes = names.map((name) => CODE_OF[type.schema[name]!.kind]!);
  const fixed = codes.every((code) => code <= ADDRESS);
  const offsets: number[] = [];
  const padding: number[] = [];
  let size = 0;
  let align = 1;
  const roundUp = (value: number, to: number) => Math.ceil(value / to) * to;
  const pad = (to: number) => {
    while (size < to) padding.push(size++);
  };
  if (fixed) {
    for (const code of codes) {
      const width = INLINE_SIZE[code]!;
      pad(roundUp(size, width));
      offsets.push(size);
      size += width;
      align = Math.max(align, width);
    }
    pad(roundUp(size, align));
  }
  const layout = {
    type,
    names: Object.freeze(names),
    codes: Object.freeze(codes),
    offsets: Object.freeze(offsets),
    fixed,
    size,
    padding: Object.freeze(padding),
    refs: new Array<number>(names.length).fill(0),
    compiled: undefined as CompiledStruct | undefined,
  };
  if (fixed) layout.compiled = compileStruct(layout, structHelpers);
  return Object.freeze(layout);
}

/** Throws the InvalidBodyError that checkBody words for `body`. */
function badBody(layout: BodyLayout, body: unknown): never {
  checkBody(layout.type, body);
  throw new InvalidBodyError(
    `bad body for ${layout.type.name}: a field cannot be encoded`,
  );
}

/**
 * Writes a struct-layout body at `at`. Allocation-free. Throws
 * InvalidBodyError when a field does not fit its kind.
 */
export function writeStruct(
  layout: BodyLayout,
  body: unknown,
  bytes: Uint8Array,
  view: DataView,
  at: number,
): void {
  const compiled = layout.compiled;
  if (compiled !== undefined) {
    compiled.write(body, bytes, view, at);
    return;
  }
  if (typeof body !== 'object' || body === null) badBody(layout, body);
  const { names, codes, offsets, padding } = layout;
  for (let i = 0; i < padding.length; i++) bytes[at + padding[i]!] = 0;
  const fields = body as Record<string, unknown>;
  for (let i = 0; i < names.length; i++) {
    const value = fields[names[i]!];
    const to = at + offsets[i]!;
    switch (codes[i]) {
      case F64:
        if (typeof value !== 'number') badBody(layout, body);
        view.setFloat64(to, value, true);
        break;
      case ADDRESS:
        if (!isAddress(value)) badBody(layout, body);
        view.setFloat64(to, value, true);
        break;
      case I32:
        if (typeof value !== 'number' || (value | 0) !== value) {
          badBody(layout, body);
        }
        view.setInt32(to, value, true);
        break;
      case U32:
        if (typeof value !== 'number' || value >>> 0 !== value) {
          badBody(layout, body);
        }
        view.setUint32(to, value, true);
        break;
      default:
        if (typeof value !== 'boolean') badBody(layout, body);
        bytes[to] = value ? 1 : 0;
    }
  }
}

/** Reads a struct-layout body at `at`; throws CorruptFrameError. */
export function readStruct(
  layout: BodyLayout,
  reader: TableReader,
  at: number,
): Record<string, unknown> {
  const compiled = layout.compiled;
  if (compiled !== undefined) return compiled.read(reader, at);
  const { names, codes, offsets } = layout;
  const { view } = reader;
  const body: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const from = at + offsets[i]!;
    switch (codes[i]) {
      case F64:
        body[names[i]!] = view.getFloat64(from, true);
        break;
      case ADDRESS:
        body[names[i]!] = readAddress(layout, reader, i, from);
        break;
      case I32:
        body[names[i]!] = view.getInt32(from, true);
        break;
      case U32:
        body[names[i]!] = view.getUint32(from, true);
        break;
      default:
        body[names[i]!] = readBool(layout, reader, i, from);
    }
  }
  return body;
}

function readAddress(
  layout: BodyLayout,
  reader: TableReader,
  field: number,
  from: number,
): number {
  const value = reader.view.getFloat64(from, true);
  if (!isAddress(value)) {
    throw reader.fail(from, `${where(layout, field)}: ${value} is no address`);
  }
  return value;
}

function readBool(
  layout: BodyLayout,
  reader: TableReader,
  field: number,
  from: number,
): boolean {
  const byte = reader.bytes[from]!;
  if (byte > 1) {
    throw reader.fail(from, `${where(layout, field)}: bool byte ${byte}`);
  }
  return byte === 1;
}

function where(layout: BodyLayout, field: number): string {
  return `field ${layout.names[field]} of ${layout.type.name}`;
}

const structHelpers = { badBody, readAddress, readBool };

/**
 * Builds a table-layout body (with `topic` in the last slot when defined)
 * and returns the finished buffer: a view into the shared Builder, valid
 * until the next encode. Throws InvalidBodyError.
 */
export function encodeTable(
  layout: BodyLayout,
  body: unknown,
  topic: string | undefined,
): Uint8Array {
  if (typeof body !== 'object' || body === null) badBody(layout, body);
  const { names, codes, refs } = layout;
  const fields = body as Record<string, unknown>;
  const b = sharedBuilder();
  b.clear();
  // Scalars equal to 0 are written too: keeps -0 and costs a few bytes.
  b.forceDefaults(true);
  // Strings and vectors first: nothing may be built inside an open table.
  for (let i = 0; i < names.length; i++) {
    const value = fields[names[i]!];
    const code = codes[i]!;
    if (code === STRING) {
      if (typeof value !== 'string') badBody(layout, body);
      refs[i] = createString(b, value);
    } else if (code === BYTES) {
      if (!(value instanceof Uint8Array)) badBody(layout, body);
      refs[i] = b.createByteVector(value);
    } else if (code === ADDRESSES || code === F64S) {
      if (!Array.isArray(value)) badBody(layout, body);
      b.startVector(8, value.length, 8);
      for (let j = value.length - 1; j >= 0; j--) {
        const item: unknown = value[j];
        const ok = code === F64S ? typeof item === 'number' : isAddress(item);
        if (!ok) badBody(layout, body);
        b.addFloat64(item as number);
      }
      refs[i] = b.endVector();
    }
  }
  const topicRef = topic === undefined ? 0 : createString(b, topic);
  b.startObject(names.length + 1);
  for (let i = 0; i < names.length; i++) {
    const value = fields[names[i]!];
    switch (codes[i]) {
      case F64:
        if (typeof value !== 'number') badBody(layout, body);
        b.addFieldFloat64(i, value, 0);
        break;
      case ADDRESS:
        if (!isAddress(value)) badBody(layout, body);
        b.addFieldFloat64(i, value, 0);
        break;
      case I32:
        if (typeof value !== 'number' || (value | 0) !== value) {
          badBody(layout, body);
        }
        b.addFieldInt32(i, value, 0);
        break;
      case U32:
        if (typeof value !== 'number' || value >>> 0 !== value) {
          badBody(layout, body);
        }
        b.addFieldInt32(i, value | 0, 0);
        break;
      case BOOL:
        if (typeof value !== 'boolean') badBody(layout, body);
        b.addFieldInt8(i, value ? 1 : 0, 0);
        break;
      default:
        b.addFieldOffset(i, refs[i]!, 0);
    }
  }
  if (topic !== undefined) b.addFieldOffset(names.length, topicRef, 0);
  b.finish(b.endObject());
  return b.asUint8Array();
}

/**
 * Reads a table-layout body from the buffer [start, end) of the reader's
 * area; leaves the topic in `reader.topic`. Throws CorruptFrameError.
 * Absent fields read as their default (0, false, '', empty); `bytes`
 * fields come out as copies, never as views into the ring.
 */
export function readTable(
  layout: BodyLayout,
  reader: TableReader,
  start: number,
  end: number,
): Record<string, unknown> {
  const { names, codes } = layout;
  const { view } = reader;
  reader.open(start, end, `body of ${layout.type.name}`);
  const body: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const code = codes[i]!;
    const at = reader.field(i, INLINE_SIZE[code]!);
    let value: unknown;
    switch (code) {
      case F64:
        value = at === 0 ? 0 : view.getFloat64(at, true);
        break;
      case ADDRESS:
        value = at === 0 ? 0 : readAddress(layout, reader, i, at);
        break;
      case I32:
        value = at === 0 ? 0 : view.getInt32(at, true);
        break;
      case U32:
        value = at === 0 ? 0 : view.getUint32(at, true);
        break;
      case BOOL:
        value = at === 0 ? false : readBool(layout, reader, i, at);
        break;
      case STRING:
        value = at === 0 ? '' : reader.string(at);
        break;
      case BYTES: {
        if (at === 0) {
          value = new Uint8Array(0);
          break;
        }
        const data = reader.vector(at, 1);
        value = reader.bytes.slice(data, data + reader.length);
        break;
      }
      default:
        value = at === 0 ? [] : readDoubles(layout, reader, i, at);
    }
    body[names[i]!] = value;
  }
  const topicAt = reader.field(names.length, 4);
  reader.topic = topicAt === 0 ? undefined : reader.string(topicAt);
  return body;
}

function readDoubles(
  layout: BodyLayout,
  reader: TableReader,
  field: number,
  at: number,
): number[] {
  const data = reader.vector(at, 8);
  const values = new Array<number>(reader.length);
  for (let j = 0; j < values.length; j++) {
    values[j] =
      layout.codes[field] === ADDRESSES
        ? readAddress(layout, reader, field, data + 8 * j)
        : reader.view.getFloat64(data + 8 * j, true);
  }
  return values;
}
