import { randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorruptFrameError, InvalidArgumentError } from '../../src/errors.js';
import {
  CONSUMER_WAITING_SLOT,
  createRingBuffer,
  FRAME_HEADER_BYTES,
  type FrameVisitor,
  frameBytes,
  HEADER_BYTES,
  MAX_CAPACITY,
  MIN_CAPACITY,
  maxPayload,
  PRODUCER_WAITING_SLOT,
  READ_POS_SLOT,
  RingConsumer,
  RingProducer,
  WRAP_MARKER,
  WRITE_POS_SLOT,
} from '../../src/ring/ring.js';
import {
  ABORT,
  CONSUMER_BELL,
  CONTROL_INTS,
  frameByte,
  frameLength,
  NAP,
  PRODUCER_BELL,
  PRODUCER_ROLE,
  type ProducerOptions,
  prng,
  SPIN_LIMIT,
  spinMicros,
} from '../fixtures/ring-producer.js';

const SEED =
  process.env.CIRCO_SEED === undefined
    ? randomInt(2 ** 31)
    : Number(process.env.CIRCO_SEED);
console.log(`ring tests: seed=${SEED} (set CIRCO_SEED=${SEED} to repeat)`);

/** A ring's two ends plus its header, for tests that poke at it. */
function makeRing(capacity: number, name = 'test-ring') {
  const buffer = createRingBuffer(capacity);
  return {
    buffer,
    header: new Int32Array(buffer, 0, HEADER_BYTES >> 2),
    words: new Int32Array(buffer, HEADER_BYTES, capacity >> 2),
    producer: new RingProducer(buffer, name),
    consumer: new RingConsumer(buffer, name),
  };
}

function pattern(tag: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = frameByte(tag, i);
  return bytes;
}

/** Drains every published frame into fresh copies. */
function drain(consumer: RingConsumer, max?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  consumer.poll((bytes, offset, length) => {
    out.push(bytes.slice(offset, offset + length));
  }, max);
  return out;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('ring layout', () => {
  it('puts each header slot on its own cache line before the data', () => {
    const slots = [
      WRITE_POS_SLOT,
      READ_POS_SLOT,
      CONSUMER_WAITING_SLOT,
      PRODUCER_WAITING_SLOT,
    ].map((slot) => slot * 4);
    for (const byte of slots) expect(byte % 64).toBe(0);
    expect(new Set(slots.map((b) => b / 64)).size).toBe(4);
    expect(Math.max(...slots)).toBeLessThan(HEADER_BYTES);
    expect(HEADER_BYTES % 64).toBe(0);
    expect(createRingBuffer(1024).byteLength).toBe(HEADER_BYTES + 1024);
  });

  it('accepts only power-of-two capacities in range', () => {
    for (const bad of [0, 32, 100, 1000, MAX_CAPACITY * 2, 64.5, Number.NaN]) {
      const error = caught(() => createRingBuffer(bad));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain(String(bad));
    }
    const odd = new SharedArrayBuffer(HEADER_BYTES + 96);
    expect(() => new RingConsumer(odd)).toThrow(InvalidArgumentError);
    expect(new RingProducer(createRingBuffer(MIN_CAPACITY)).maxPayload).toBe(
      24,
    );
  });

  it('caps payloads at half the capacity minus the frame header', () => {
    for (const capacity of [64, 256, 4096, 1 << 20]) {
      expect(maxPayload(capacity)).toBe(capacity / 2 - FRAME_HEADER_BYTES);
      // The largest frame fits an empty ring even after skipping a tail.
      expect(
        frameBytes(maxPayload(capacity)) * 2 - FRAME_HEADER_BYTES,
      ).toBeLessThanOrEqual(capacity);
    }
    expect(frameBytes(0)).toBe(8);
    expect(frameBytes(1)).toBe(16);
    expect(frameBytes(8)).toBe(16);
    expect(frameBytes(9)).toBe(24);
  });
});

describe('ring, one thread', () => {
  it('shows committed frames only after publish, frees on poll', () => {
    const { producer, consumer, header } = makeRing(256);
    expect(producer.write(pattern(1, 5))).toBe(true);
    expect(producer.write(pattern(2, 0))).toBe(true);
    expect(producer.unpublishedBytes()).toBe(16 + 8);
    expect(consumer.isEmpty()).toBe(true);
    expect(drain(consumer)).toEqual([]);
    expect(Atomics.load(header, WRITE_POS_SLOT)).toBe(0);

    expect(producer.publish()).toBe(false);
    expect(Atomics.load(header, WRITE_POS_SLOT)).toBe(24);
    expect(producer.freeBytes()).toBe(256 - 24);
    expect(consumer.isEmpty()).toBe(false);
    const during: number[] = [];
    consumer.poll(() => during.push(Atomics.load(header, READ_POS_SLOT)));
    // Frames are freed once, after the whole poll, not while visited.
    expect(during).toEqual([0, 0]);
    expect(Atomics.load(header, READ_POS_SLOT)).toBe(24);
    expect(producer.freeBytes()).toBe(256);
    expect(consumer.isEmpty()).toBe(true);
  });

  it('reads at most max frames per poll', () => {
    const { producer, consumer } = makeRing(256);
    for (let i = 0; i < 5; i++) producer.write(pattern(i, i));
    producer.publish();
    expect(drain(consumer, 2)).toEqual([pattern(0, 0), pattern(1, 1)]);
    expect(drain(consumer, 0)).toEqual([]);
    expect(drain(consumer)).toEqual([2, 3, 4].map((i) => pattern(i, i)));
  });

  it('wraps a frame that does not fit the tail to offset 0', () => {
    const { producer, consumer, words } = makeRing(64);
    // 40 bytes used, 24 left in the tail: a 20-byte payload (32) wraps.
    expect(producer.write(pattern(1, 24))).toBe(true);
    expect(producer.write(pattern(2, 0))).toBe(true);
    producer.publish();
    expect(drain(consumer)).toEqual([pattern(1, 24), pattern(2, 0)]);
    expect(producer.tryReserve(20)).toBe(FRAME_HEADER_BYTES);
    expect(words[40 >> 2]).toBe(WRAP_MARKER);
    producer.commit();
    expect(producer.unpublishedBytes()).toBe(24 + 32);
    producer.publish();
    const seen: number[] = [];
    consumer.poll((_bytes, offset, length) => seen.push(offset, length));
    expect(seen).toEqual([FRAME_HEADER_BYTES, 20]);
    expect(producer.freeBytes()).toBe(64);
  });

  it('keeps working when positions overflow Int32', () => {
    const buffer = createRingBuffer(128);
    const header = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    const start = 2 ** 31 - 200;
    Atomics.store(header, WRITE_POS_SLOT, start | 0);
    Atomics.store(header, READ_POS_SLOT, start | 0);
    const producer = new RingProducer(buffer);
    const consumer = new RingConsumer(buffer);
    for (let i = 0; i < 200; i++) {
      const payload = pattern(i, (i * 7) % 40);
      expect(producer.write(payload), `frame ${i}`).toBe(true);
      producer.publish();
      expect(drain(consumer), `frame ${i}`).toEqual([payload]);
    }
    expect(Atomics.load(header, WRITE_POS_SLOT)).toBeLessThan(0);
  });

  it('streams a batch larger than the ring: fill, drain, repeat', () => {
    const { producer, consumer } = makeRing(256);
    const total = 2000;
    let sent = 0;
    let received = 0;
    let rounds = 0;
    while (received < total) {
      let inRound = 0;
      while (sent < total && producer.write(pattern(sent, sent % 50))) {
        sent++;
        inRound++;
      }
      // Full means: the next frame needs more than what is free.
      if (sent < total) {
        expect(producer.freeBytes()).toBeLessThan(2 * frameBytes(sent % 50));
      }
      expect(inRound).toBeGreaterThan(0);
      producer.publish();
      consumer.poll((bytes, offset, length) => {
        const want = pattern(received, received % 50);
        expect(bytes.slice(offset, offset + length)).toEqual(want);
        received++;
      });
      expect(received).toBe(sent);
      rounds++;
    }
    expect(rounds).toBeGreaterThan(total / 30);
    expect(consumer.isEmpty()).toBe(true);
  });

  it('carries every payload size from 0 to the limit, byte for byte', () => {
    const { producer, consumer } = makeRing(512);
    const limit = producer.maxPayload;
    expect(limit).toBe(248);
    // Each size at several ring offsets: sizes cycle while positions move.
    for (let round = 0; round < 3; round++) {
      for (let size = 0; size <= limit; size++) {
        const tag = round * 1000 + size;
        const at = producer.tryReserve(size);
        expect(at, `size ${size}`).toBeGreaterThanOrEqual(0);
        expect(at % 8).toBe(0);
        for (let i = 0; i < size; i++)
          producer.bytes[at + i] = frameByte(tag, i);
        producer.commit();
        producer.publish();
        let frames = 0;
        consumer.poll((bytes, offset, length) => {
          frames++;
          expect(length).toBe(size);
          for (let i = 0; i < size; i++) {
            if (bytes[offset + i] !== frameByte(tag, i)) {
              expect.fail(`size ${size} byte ${i} differs`);
            }
          }
        });
        expect(frames).toBe(1);
      }
    }
  });

  it('rejects oversize and invalid payload lengths, naming the limit', () => {
    const { producer, consumer } = makeRing(256);
    for (const bad of [121, 1000, -1, 2.5, Number.NaN]) {
      const error = caught(() => producer.tryReserve(bad));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe(
        'ERR_CIRCO_INVALID_ARGUMENT',
      );
      expect((error as Error).message).toContain(`${bad} bytes`);
      expect((error as Error).message).toContain('120 bytes');
    }
    expect(() => producer.write(new Uint8Array(121))).toThrow(/limit of 120/);
    // Nothing was half-written: the ring still works.
    expect(producer.write(pattern(7, 120))).toBe(true);
    producer.publish();
    expect(drain(consumer)).toEqual([pattern(7, 120)]);
  });

  it('commits a shrunk reservation and refuses a commit out of turn', () => {
    const { producer, consumer } = makeRing(256);
    expect(() => producer.commit()).toThrow(InvalidArgumentError);
    const at = producer.tryReserve(40);
    producer.bytes.set(pattern(3, 10), at);
    expect(() => producer.commit(41)).toThrow(InvalidArgumentError);
    producer.commit(10);
    expect(() => producer.commit()).toThrow(InvalidArgumentError);
    // A second reservation drops the first, uncommitted one.
    producer.tryReserve(30);
    producer.bytes.set(pattern(4, 3), producer.tryReserve(3));
    producer.commit();
    producer.publish();
    expect(producer.unpublishedBytes()).toBe(0);
    expect(drain(consumer)).toEqual([pattern(3, 10), pattern(4, 3)]);
  });

  it('counts a frame whose visitor throws as read', () => {
    const { producer, consumer } = makeRing(256);
    for (let i = 0; i < 3; i++) producer.write(pattern(i, 4));
    producer.publish();
    let calls = 0;
    expect(() =>
      consumer.poll(() => {
        calls++;
        if (calls === 2) throw new Error('visitor failed');
      }),
    ).toThrow('visitor failed');
    expect(drain(consumer)).toEqual([pattern(2, 4)]);
    expect(producer.freeBytes()).toBe(256);
  });

  it('advertises waiting on both sides', () => {
    const { producer, consumer } = makeRing(64);
    consumer.setWaiting(true);
    expect(producer.consumerWaiting()).toBe(true);
    producer.write(pattern(1, 1));
    expect(producer.publish()).toBe(true);
    consumer.setWaiting(false);
    expect(producer.publish()).toBe(false);
    expect(consumer.producerWaiting()).toBe(false);
    producer.setWaiting(true);
    expect(consumer.producerWaiting()).toBe(true);
    producer.setWaiting(false);
    expect(consumer.producerWaiting()).toBe(false);
  });
});

describe('ring corruption', () => {
  /** Publishes two frames (8 and 16 payload bytes) in a 256-byte ring. */
  function twoFrames() {
    const ring = makeRing(256, 'corrupt-ring');
    ring.producer.write(pattern(1, 8));
    ring.producer.write(pattern(2, 16));
    ring.producer.publish();
    return ring;
  }

  function expectCorrupt(
    consumer: RingConsumer,
    offset: number,
    length: number,
    reason: RegExp,
  ) {
    let visited = 0;
    const error = caught(() => consumer.poll(() => visited++));
    expect(error).toBeInstanceOf(CorruptFrameError);
    const corrupt = error as CorruptFrameError;
    expect(corrupt.code).toBe('ERR_CIRCO_CORRUPT_FRAME');
    expect(corrupt.ring).toBe('corrupt-ring');
    expect(corrupt.offset).toBe(offset);
    expect(corrupt.length).toBe(length);
    expect(corrupt.message).toContain('corrupt-ring');
    expect(corrupt.message).toContain(`offset ${offset}`);
    expect(corrupt.message).toContain(`length ${length}`);
    expect(corrupt.message).toMatch(reason);
    return visited;
  }

  it('reports a negative length', () => {
    const { consumer, words } = twoFrames();
    words[16 >> 2] = -5;
    expect(expectCorrupt(consumer, 16, -5, /limit/)).toBe(1);
    // The good frame before it was freed; the bad one stays unread.
    expectCorrupt(consumer, 16, -5, /limit/);
  });

  it('reports a length above the payload limit', () => {
    const { consumer, words } = twoFrames();
    words[0] = 121;
    expect(expectCorrupt(consumer, 0, 121, /limit is 120/)).toBe(0);
  });

  it('reports a frame running past the write position', () => {
    const { consumer, words } = twoFrames();
    words[16 >> 2] = 17;
    expectCorrupt(consumer, 16, 17, /past the write position/);
  });

  it('reports a frame running past the end of the data area', () => {
    const { producer, consumer, words, header } = makeRing(256, 'corrupt-ring');
    for (let i = 0; i < 7; i++) producer.write(pattern(i, 24));
    producer.publish();
    drain(consumer);
    producer.write(pattern(9, 8));
    producer.publish();
    expect(Atomics.load(header, WRITE_POS_SLOT)).toBe(240);
    words[224 >> 2] = 100;
    expectCorrupt(consumer, 224, 100, /past the data area/);
  });

  it('reports a misplaced wrap marker', () => {
    const { consumer, words } = twoFrames();
    words[0] = WRAP_MARKER;
    expectCorrupt(consumer, 0, WRAP_MARKER, /wrap marker/);
  });

  it('reports a published write position out of range', () => {
    for (const bad of [4, 264, -8]) {
      const { consumer, header } = makeRing(256, 'corrupt-ring');
      Atomics.store(header, WRITE_POS_SLOT, bad);
      expectCorrupt(consumer, 0, bad, /write position/);
    }
  });
});

const PRODUCER_JS = new URL(
  '../../dist/test/fixtures/ring-producer.js',
  import.meta.url,
);

function mtime(url: URL): number {
  return statSync(fileURLToPath(url)).mtimeMs;
}

describe('ring, two threads', () => {
  beforeAll(() => {
    const sources = [
      new URL('../../src/ring/ring.ts', import.meta.url),
      new URL('../fixtures/ring-producer.ts', import.meta.url),
    ];
    const built = [
      new URL('../../dist/src/ring/ring.js', import.meta.url),
      PRODUCER_JS,
    ];
    for (let i = 0; i < sources.length; i++) {
      let stale = true;
      try {
        stale = mtime(built[i]) < mtime(sources[i]);
      } catch {}
      if (stale) {
        throw new Error(
          `${fileURLToPath(built[i])} is missing or older than its ` +
            'source: run npx tsc -p tsconfig.json',
        );
      }
    }
  });

  async function stream(capacity: number, frames: number, maxBatch: number) {
    const seed = (SEED + capacity) | 0;
    const tag = `seed=${SEED} capacity=${capacity}`;
    const ring = createRingBuffer(capacity);
    const controlBuffer = new SharedArrayBuffer(CONTROL_INTS * 4);
    const control = new Int32Array(controlBuffer);
    const consumer = new RingConsumer(ring, 'test-ring');
    const limit = consumer.maxPayload;
    const random = prng(seed ^ 0x2545f491);
    const options: ProducerOptions = {
      role: PRODUCER_ROLE,
      ring,
      control: controlBuffer,
      seed,
      frames,
      maxBatch,
    };
    const worker = new Worker(PRODUCER_JS, { workerData: options });
    let workerError: unknown;
    let exitCode: number | undefined;
    worker.on('error', (error) => {
      workerError = error;
    });
    const exited = new Promise<void>((resolve) =>
      worker.on('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );

    let expected = 0;
    const visit: FrameVisitor = (bytes, offset, length) => {
      const seq = expected;
      const want = frameLength(seq, seed, limit);
      if (length !== want) {
        throw new Error(`${tag}: frame ${seq} has ${length}, want ${want}`);
      }
      for (let i = 0; i < length; i++) {
        if (bytes[offset + i] !== frameByte(seq, i)) {
          throw new Error(`${tag}: frame ${seq} differs at byte ${i}`);
        }
      }
      expected++;
    };

    const deadline = Date.now() + 30_000;
    try {
      while (expected < frames) {
        if (workerError !== undefined) throw workerError;
        if (Date.now() > deadline) {
          throw new Error(`${tag}: timeout after ${expected}/${frames}`);
        }
        const sliceEnd = Date.now() + 25;
        let idle = 0;
        while (expected < frames && Date.now() < sliceEnd) {
          const read = consumer.poll(visit, 1 + (random() % maxBatch));
          // Wake a producer waiting for space once space was freed.
          if (read > 0 && consumer.producerWaiting()) {
            Atomics.add(control, PRODUCER_BELL, 1);
            Atomics.notify(control, PRODUCER_BELL);
          }
          if (read > 0) {
            idle = 0;
            const dice = random() % 512;
            if (dice === 0) Atomics.wait(control, NAP, 0, random() % 2);
            else if (dice < 8) spinMicros(random() % 40);
            continue;
          }
          if (++idle < SPIN_LIMIT) continue;
          const bell = Atomics.load(control, CONSUMER_BELL);
          consumer.setWaiting(true);
          if (consumer.isEmpty()) Atomics.wait(control, CONSUMER_BELL, bell, 5);
          consumer.setWaiting(false);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.race([
        exited,
        new Promise((resolve) => setTimeout(resolve, 5_000)),
      ]);
      expect(exitCode, `${tag}: producer exit`).toBe(0);
      expect(workerError, tag).toBeUndefined();
      expect(consumer.isEmpty(), `${tag}: no extra frames`).toBe(true);
      expect(expected, tag).toBe(frames);
    } finally {
      Atomics.store(control, ABORT, 1);
      Atomics.notify(control, PRODUCER_BELL);
      await worker.terminate();
    }
  }

  it('streams numbered frames through a 512-byte ring', async () => {
    await stream(512, 1_000_000, 40);
  });

  it('streams numbered frames through a 4 KiB ring', async () => {
    await stream(4096, 1_500_000, 300);
  });
});
