/**
 * Single-producer single-consumer byte ring in one SharedArrayBuffer.
 *
 *   buffer:  [ header: 4 Int32 slots, one per 64-byte line | data area ]
 *   data:    capacity bytes, a power of two; offsets are `pos & (cap - 1)`
 *
 *          read (consumer)             write (producer)
 *               v                           v
 *   +-------+---------+---------+---------+-------------------+----+
 *   | free  | frame   | frame   | frame   | free              |WRAP|
 *   +-------+---------+---------+---------+-------------------+----+
 *   0                                                           capacity
 *
 *   frame:   [ Int32 length | Int32 reserved | payload | pad to 8 ]
 *
 * Positions are free-running Int32 byte counters (they wrap at 2^32; every
 * difference is taken with `| 0`). `write - read` is the number of used
 * bytes, from 0 (empty) to capacity (full), so no slot is sacrificed.
 * Every frame starts 8-byte aligned and never splits across the end of the
 * data area: when a frame does not fit in the tail, the producer writes
 * WRAP_MARKER as the length at the current offset, skips the rest of the
 * tail and continues at offset 0 (the skipped tail counts as used bytes).
 *
 * Batching: the producer reserves and commits frames locally, then makes the
 * whole batch visible with one Atomics.store of WRITE_POS in `publish()`.
 * The consumer reads all frames up to the WRITE_POS it loaded, then frees
 * them with one Atomics.store of READ_POS. Atomics in JS are sequentially
 * consistent, so a store acts as a release of the plain writes before it and
 * the matching load as an acquire.
 *
 * Ownership: only the producer thread writes WRITE_POS, the frame bytes and
 * PRODUCER_WAITING; only the consumer thread writes READ_POS and
 * CONSUMER_WAITING.
 *
 * Blocking lives outside the ring. A consumer that wants to sleep sets its
 * waiting flag, then re-checks `isEmpty()` before it waits on its doorbell;
 * `publish()` stores WRITE_POS before it loads the flag. With both steps
 * sequentially consistent, either the consumer sees the new frames or the
 * producer sees the flag and rings the doorbell. The same holds the other
 * way round for a producer waiting for space (`freeBytes()` re-check,
 * `producerWaiting()` after `poll()`).
 */
import { CorruptFrameError, InvalidArgumentError } from '../errors.js';

const CACHE_LINE_BYTES = 64;
const INTS_PER_LINE = CACHE_LINE_BYTES / Int32Array.BYTES_PER_ELEMENT;

/** Int32 slot: producer's published write position. Producer writes. */
export const WRITE_POS_SLOT = 0;
/** Int32 slot: consumer's published read position. Consumer writes. */
export const READ_POS_SLOT = INTS_PER_LINE;
/** Int32 slot: 1 while the consumer is about to sleep. Consumer writes. */
export const CONSUMER_WAITING_SLOT = 2 * INTS_PER_LINE;
/** Int32 slot: 1 while the producer waits for space. Producer writes. */
export const PRODUCER_WAITING_SLOT = 3 * INTS_PER_LINE;
/** Bytes before the data area: one cache line per header slot. */
export const HEADER_BYTES = 4 * CACHE_LINE_BYTES;

/** Every frame starts at a multiple of this many bytes. */
export const FRAME_ALIGN = 8;
/** Bytes before each payload: Int32 length, Int32 reserved. */
export const FRAME_HEADER_BYTES = 8;
/** Length value that means "skip to offset 0". */
export const WRAP_MARKER = -1;
/** Smallest data area (allows a 24-byte payload). */
export const MIN_CAPACITY = 64;
/** Largest data area; keeps every position difference inside Int32. */
export const MAX_CAPACITY = 2 ** 30;

const ALIGN_MASK = FRAME_ALIGN - 1;
const LENGTH_WORD = 0; // Int32 index of the length within a frame

/**
 * Largest payload a ring of `capacity` bytes accepts: `capacity / 2 -
 * FRAME_HEADER_BYTES`. A frame of at most half the ring always fits into an
 * empty ring, even when it must wrap (tail skipped + frame <= capacity), so
 * a producer waiting for space never waits forever.
 */
export function maxPayload(capacity: number): number {
  return capacity / 2 - FRAME_HEADER_BYTES;
}

/** Bytes a frame with a payload of `length` bytes takes, padding included. */
export function frameBytes(length: number): number {
  return (FRAME_HEADER_BYTES + length + ALIGN_MASK) & ~ALIGN_MASK;
}

/** Allocates a zeroed ring buffer with a data area of `capacity` bytes. */
export function createRingBuffer(capacity: number): SharedArrayBuffer {
  checkCapacity(capacity);
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

function checkCapacity(capacity: number): void {
  if (
    !Number.isInteger(capacity) ||
    capacity < MIN_CAPACITY ||
    capacity > MAX_CAPACITY ||
    (capacity & (capacity - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `ring capacity must be a power of two from ${MIN_CAPACITY} to ` +
        `${MAX_CAPACITY}, got ${capacity}`,
    );
  }
}

/** Called by `RingConsumer.poll` for each frame, in order. */
export type FrameVisitor = (
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
) => void;

/** What both ends share: the views over one ring buffer. */
abstract class RingEnd {
  /** Name used in error messages. */
  readonly name: string;
  /** Size of the data area in bytes (a power of two). */
  readonly capacity: number;
  /** Largest payload accepted, see `maxPayload`. */
  readonly maxPayload: number;
  /** The data area; payload offsets index into it. */
  readonly bytes: Uint8Array;
  /** The data area as a DataView; same offsets as `bytes`. */
  readonly view: DataView;
  protected readonly header: Int32Array;
  protected readonly words: Int32Array;
  protected readonly mask: number;

  constructor(buffer: SharedArrayBuffer, name: string) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError(`ring ${name}: not a SharedArrayBuffer`);
    }
    const capacity = buffer.byteLength - HEADER_BYTES;
    checkCapacity(capacity);
    this.name = name;
    this.capacity = capacity;
    this.maxPayload = maxPayload(capacity);
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.bytes = new Uint8Array(buffer, HEADER_BYTES, capacity);
    this.view = new DataView(buffer, HEADER_BYTES, capacity);
    this.words = new Int32Array(buffer, HEADER_BYTES, capacity >> 2);
  }
}

/**
 * The writing end; use it from one thread only. `tryReserve`, `commit`,
 * `publish` and `write` allocate nothing and take no lock.
 */
export class RingProducer extends RingEnd {
  /** End of the committed frames (published or not). */
  private writePos: number;
  /** Last READ_POS seen; reloaded only when space looks short. */
  private readCache: number;
  /** Last value stored to WRITE_POS. */
  private published: number;
  /** Data-area offset of the reserved frame's header, or -1. */
  private reservedAt = -1;
  private reservedLength = 0;

  constructor(buffer: SharedArrayBuffer, name = 'ring') {
    super(buffer, name);
    this.writePos = Atomics.load(this.header, WRITE_POS_SLOT);
    this.published = this.writePos;
    this.readCache = Atomics.load(this.header, READ_POS_SLOT);
  }

  /**
   * Reserves a frame for a payload of `length` bytes and returns the offset
   * in `bytes`/`view` where the payload goes, or -1 when the ring lacks
   * space now. Throws InvalidArgumentError when `length` exceeds
   * `maxPayload`. A new reservation drops an uncommitted one.
   */
  tryReserve(length: number): number {
    if (length >>> 0 !== length || length > this.maxPayload) {
      throw new InvalidArgumentError(
        `ring ${this.name}: frame payload of ${length} bytes is not an ` +
          `integer from 0 to the limit of ${this.maxPayload} bytes`,
      );
    }
    const size = frameBytes(length);
    let at = this.writePos & this.mask;
    const tail = this.capacity - at;
    const need = size <= tail ? size : tail + size;
    if (this.capacity - ((this.writePos - this.readCache) | 0) < need) {
      // Only now pay for the shared load. It orders our later writes into
      // the freed bytes after the consumer's reads of them (it stored
      // READ_POS after reading).
      this.readCache = Atomics.load(this.header, READ_POS_SLOT);
      if (this.capacity - ((this.writePos - this.readCache) | 0) < need) {
        return -1;
      }
    }
    if (size > tail) {
      // Skip the tail; the marker becomes visible with the next publish.
      this.words[(at >> 2) + LENGTH_WORD] = WRAP_MARKER;
      this.writePos = (this.writePos + tail) | 0;
      at = 0;
    }
    this.reservedAt = at;
    this.reservedLength = length;
    return at + FRAME_HEADER_BYTES;
  }

  /**
   * Commits the reserved frame: it will be visible after the next
   * `publish()`. `length` may shrink the payload below the reserved size.
   */
  commit(length: number = this.reservedLength): void {
    const at = this.reservedAt;
    if (at < 0 || length >>> 0 !== length || length > this.reservedLength) {
      throw new InvalidArgumentError(
        `ring ${this.name}: commit of ${length} bytes without a ` +
          `reservation of at least that size`,
      );
    }
    // Plain write: the consumer cannot look past WRITE_POS, which publish()
    // stores only after this write.
    this.words[(at >> 2) + LENGTH_WORD] = length;
    this.writePos = (this.writePos + frameBytes(length)) | 0;
    this.reservedAt = -1;
  }

  /**
   * Makes every committed frame visible to the consumer with one store.
   * Returns true when the consumer has advertised that it is waiting: the
   * caller should then ring the consumer's doorbell.
   */
  publish(): boolean {
    if (this.writePos !== this.published) {
      this.published = this.writePos;
      // Release: the frame bytes written above become visible with it.
      Atomics.store(this.header, WRITE_POS_SLOT, this.writePos);
    }
    // Load the flag only after the store (see the file comment): a consumer
    // that set it before our store will re-check and see the frames.
    return Atomics.load(this.header, CONSUMER_WAITING_SLOT) !== 0;
  }

  /** Reserves, copies and commits one frame; false when the ring is full. */
  write(payload: Uint8Array): boolean {
    const at = this.tryReserve(payload.length);
    if (at < 0) return false;
    this.bytes.set(payload, at);
    this.commit();
    return true;
  }

  /**
   * Bytes not used by frames, read from the shared READ_POS now. A payload
   * of `length` bytes surely fits when `frameBytes(length) * 2 <= free`.
   */
  freeBytes(): number {
    this.readCache = Atomics.load(this.header, READ_POS_SLOT);
    return this.capacity - ((this.writePos - this.readCache) | 0);
  }

  /** Committed bytes that `publish()` has not made visible yet. */
  unpublishedBytes(): number {
    return (this.writePos - this.published) | 0;
  }

  /** Advertises (or clears) that the producer waits for space. */
  setWaiting(waiting: boolean): void {
    Atomics.store(this.header, PRODUCER_WAITING_SLOT, waiting ? 1 : 0);
  }

  /** Whether the consumer has advertised that it is about to sleep. */
  consumerWaiting(): boolean {
    return Atomics.load(this.header, CONSUMER_WAITING_SLOT) !== 0;
  }
}

/**
 * The reading end; use it from one thread only. `poll` and `isEmpty`
 * allocate nothing (unless a frame is corrupt) and take no lock.
 */
export class RingConsumer extends RingEnd {
  /** Start of the next unread frame; stored to READ_POS after each poll. */
  private readPos: number;

  constructor(buffer: SharedArrayBuffer, name = 'ring') {
    super(buffer, name);
    this.readPos = Atomics.load(this.header, READ_POS_SLOT);
  }

  /**
   * Calls `visit` for up to `max` published frames in order, then frees
   * them all with one store of READ_POS. Returns the number of frames
   * visited. The payload bytes are only valid during the visit. A frame
   * whose visit throws counts as read; the error propagates. Throws
   * CorruptFrameError on a length or position that cannot be valid.
   */
  poll(visit: FrameVisitor, max = Number.POSITIVE_INFINITY): number {
    // Acquire: every frame byte the producer wrote before storing this
    // position is visible to the plain reads below.
    const end = Atomics.load(this.header, WRITE_POS_SLOT);
    const start = this.readPos;
    const available = (end - start) | 0;
    if (available === 0) return 0;
    if (available < 0 || available > this.capacity || end & ALIGN_MASK) {
      throw this.corrupt(
        start & this.mask,
        available,
        `published write position ${end} is not an aligned position ` +
          `within ${this.capacity} bytes of read position ${start}`,
      );
    }
    const { bytes, view, words, mask, capacity, maxPayload: limit } = this;
    let pos = start;
    let count = 0;
    try {
      while (count < max && pos !== end) {
        const at = pos & mask;
        const length = words[(at >> 2) + LENGTH_WORD];
        const left = (end - pos) | 0;
        if (length === WRAP_MARKER) {
          if (at === 0 || capacity - at > left) {
            throw this.corrupt(at, length, 'misplaced wrap marker');
          }
          pos = (pos + capacity - at) | 0;
          continue;
        }
        if (length < 0 || length > limit) {
          throw this.corrupt(at, length, `payload limit is ${limit} bytes`);
        }
        const size = frameBytes(length);
        if (size > capacity - at) {
          throw this.corrupt(at, length, 'frame runs past the data area');
        }
        if (size > left) {
          throw this.corrupt(at, length, 'frame runs past the write position');
        }
        pos = (pos + size) | 0;
        count++;
        visit(bytes, at + FRAME_HEADER_BYTES, length, view);
      }
    } finally {
      if (pos !== start) {
        this.readPos = pos;
        // Release: our reads of the freed frames happen before the producer
        // loads this position and reuses the bytes.
        Atomics.store(this.header, READ_POS_SLOT, pos);
      }
    }
    return count;
  }

  /** True when no published frame is waiting (one atomic load). */
  isEmpty(): boolean {
    return Atomics.load(this.header, WRITE_POS_SLOT) === this.readPos;
  }

  /** Advertises (or clears) that the consumer is about to sleep. */
  setWaiting(waiting: boolean): void {
    Atomics.store(this.header, CONSUMER_WAITING_SLOT, waiting ? 1 : 0);
  }

  /**
   * Whether the producer waits for space; check after `poll` and ring the
   * producer's doorbell if so.
   */
  producerWaiting(): boolean {
    return Atomics.load(this.header, PRODUCER_WAITING_SLOT) !== 0;
  }

  private corrupt(offset: number, length: number, why: string): Error {
    return new CorruptFrameError(this.name, offset, length, why);
  }
}
