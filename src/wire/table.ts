/**
 * Checked reading of a FlatBuffers buffer that sits inside a ring frame.
 *
 * flatbuffers' ByteBuffer trusts its input: an offset out of range reads
 * `undefined` bytes (as 0) or, in a ring, the bytes of other frames. A
 * `TableReader` checks every offset it follows against the buffer's bounds
 * first and throws CorruptFrameError naming the bad offset, then lets the
 * ByteBuffer (`__offset`, `__vector`, `__vector_len`) do the reading.
 *
 * Positions are absolute offsets into the ring's data area: the reader
 * keeps one ByteBuffer over the whole area instead of one per frame.
 *
 * Also home of the one Builder that the writers of a thread share.
 */
import { Builder, ByteBuffer } from 'flatbuffers';
import { CorruptFrameError } from '../errors.js';

/** Strict UTF-8: a malformed string is corruption, not U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const NO_BYTES = new Uint8Array(0);
/** Strings up to this many UTF-16 units / bytes take the JS fast paths. */
const SHORT_STRING = 64;

export class TableReader {
  /** ByteBuffer over `bytes`; rebuilt when another area is bound. */
  bb = new ByteBuffer(NO_BYTES);
  bytes: Uint8Array = NO_BYTES;
  view: DataView = new DataView(NO_BYTES.buffer);
  /** Where the frame being read is, for error messages. */
  ring = 'wire';
  frameOffset = 0;
  frameLength = 0;
  /** The buffer: [start, end) of `bytes`. */
  start = 0;
  end = 0;
  /** The open table and its vtable. */
  root = 0;
  vtable = 0;
  vtableSize = 0;
  tableSize = 0;
  /** Element count of the last `vector` or string followed. */
  length = 0;
  /** The topic slot of the last body table read (see body.ts). */
  topic: string | undefined = undefined;

  /** Points the reader at one frame. */
  bind(
    bytes: Uint8Array,
    view: DataView,
    ring: string,
    frameOffset: number,
    frameLength: number,
  ): void {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.bb = new ByteBuffer(bytes);
    }
    this.view = view;
    this.ring = ring;
    this.frameOffset = frameOffset;
    this.frameLength = frameLength;
  }

  /** The error for a bad value read at `offset` of the data area. */
  fail(offset: number, why: string): CorruptFrameError {
    return new CorruptFrameError(this.ring, offset, this.frameLength, why);
  }

  /**
   * Opens the root table of the finished buffer [start, end): follows the
   * root uoffset and checks the table and its vtable lie inside.
   */
  open(start: number, end: number, what: string): void {
    this.start = start;
    this.end = end;
    if (end - start < 4) {
      throw this.fail(start, `${what}: ${end - start} bytes hold no table`);
    }
    const root = start + this.view.getUint32(start, true);
    if (root < start + 4 || root + 4 > end) {
      throw this.fail(
        start,
        `${what}: root offset ${root - start} is out of ${end - start} bytes`,
      );
    }
    // soffset: the vtable may lie before or after its table.
    const vtable = root - this.view.getInt32(root, true);
    if (vtable < start || vtable + 4 > end || (vtable - start) & 1) {
      throw this.fail(
        root,
        `${what}: vtable at ${vtable - start} is out of ${end - start} bytes`,
      );
    }
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize & 1 || vtable + vtableSize > end) {
      throw this.fail(
        vtable,
        `${what}: vtable of ${vtableSize} bytes does not fit`,
      );
    }
    if (tableSize < 4 || root + tableSize > end) {
      throw this.fail(
        vtable + 2,
        `${what}: table of ${tableSize} bytes does not fit`,
      );
    }
    this.root = root;
    this.vtable = vtable;
    this.vtableSize = vtableSize;
    this.tableSize = tableSize;
  }

  /**
   * Absolute position of field `slot` (of `size` bytes inline) of the open
   * table, or 0 when the field is absent.
   */
  field(slot: number, size: number): number {
    const voffset = 4 + 2 * slot;
    // As ByteBuffer.__offset, but unsigned: voffsets are uint16.
    if (voffset >= this.vtableSize) return 0;
    const at = this.view.getUint16(this.vtable + voffset, true);
    if (at === 0) return 0;
    if (at < 4 || at + size > this.tableSize) {
      throw this.fail(
        this.vtable + voffset,
        `field ${slot} at ${at} lies outside its table of ` +
          `${this.tableSize} bytes`,
      );
    }
    return this.root + at;
  }

  /**
   * Follows the uoffset at `at` (a field position) to a vector of
   * `elementSize`-byte elements; returns the position of its first element
   * and sets `length`. A `string` also needs its terminating zero byte.
   */
  vector(at: number, elementSize: number, string = false): number {
    const rel = this.view.getUint32(at, true);
    const header = at + rel;
    if (rel === 0 || header < this.start || header + 4 > this.end) {
      throw this.fail(
        at,
        `offset ${rel} points out of ${this.end - this.start} bytes`,
      );
    }
    const length = this.bb.__vector_len(at);
    const data = this.bb.__vector(at);
    const size = length * elementSize + (string ? 1 : 0);
    if (length < 0 || data + size > this.end) {
      throw this.fail(header, `vector of ${length} elements runs past the end`);
    }
    if (string && this.bytes[data + length] !== 0) {
      throw this.fail(data + length, 'string lacks its terminating zero');
    }
    this.length = length;
    return data;
  }

  /** The string whose uoffset is at `at`; throws on malformed UTF-8. */
  string(at: number): string {
    const data = this.vector(at, 1, true);
    const length = this.length;
    if (length <= SHORT_STRING) {
      // Short ASCII without TextDecoder, whose call costs more here.
      const bytes = this.bytes;
      let text = '';
      let i = 0;
      for (; i < length; i++) {
        const byte = bytes[data + i]!;
        if (byte >= 0x80) break;
        text += String.fromCharCode(byte);
      }
      if (i === length) return text;
    }
    try {
      return utf8.decode(this.bytes.subarray(data, data + this.length));
    } catch {
      throw this.fail(data, `string of ${this.length} bytes is not UTF-8`);
    }
  }
}

let builder = new Builder(1024);

/**
 * The Builder every table encode in this thread shares (encodes never
 * nest), replaced by a bigger one when `capacity` exceeds its buffer.
 */
export function sharedBuilder(capacity = 0): Builder {
  if (capacity > builder.dataBuffer().capacity()) {
    builder = new Builder(capacity);
  }
  return builder;
}

const scratch = new Uint8Array(SHORT_STRING * 3);

/**
 * `builder.createString(text)`, but a short string is UTF-8-encoded by
 * hand into a scratch buffer: TextEncoder.encode allocates and costs more
 * than the rest of a small table. Lone surrogates become U+FFFD, as with
 * TextEncoder.
 */
export function createString(builder: Builder, text: string): number {
  const length = text.length;
  if (length > SHORT_STRING) return builder.createString(text);
  let k = 0;
  for (let i = 0; i < length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      scratch[k++] = c;
      continue;
    }
    if (c < 0x800) {
      scratch[k++] = 0xc0 | (c >> 6);
      scratch[k++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        scratch[k++] = 0xf0 | (point >> 18);
        scratch[k++] = 0x80 | ((point >> 12) & 0x3f);
        scratch[k++] = 0x80 | ((point >> 6) & 0x3f);
        scratch[k++] = 0x80 | (point & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    scratch[k++] = 0xe0 | (c >> 12);
    scratch[k++] = 0x80 | ((c >> 6) & 0x3f);
    scratch[k++] = 0x80 | (c & 0x3f);
  }
  return builder.createString(scratch.subarray(0, k));
}
