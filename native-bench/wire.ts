/**
 * Wire codec throughput on one thread: `node dist/native-bench/wire.js`
 * [--seconds=1] [--capacity=65536]. Prints one line per case:
 *
 *   wire case=fixed ops=N seconds=S ops_per_s=R
 *
 * One op is one message encoded into a ring and decoded out of it again
 * (writeMessage + readFrame, batches of as many frames as the ring holds).
 *
 *   fixed        body { x: f64, n: u32 }: struct layout, written in place
 *   variable     body { text: string } (16 ASCII chars): FlatBuffers table
 *   flatbuffers  the same envelope fields and fixed body as one plain
 *                FlatBuffers table built with a Builder per message and
 *                read back through ByteBuffer: the design the in-place
 *                struct replaces
 */
import { pathToFileURL } from 'node:url';
import { Builder, ByteBuffer } from 'flatbuffers';
import { type Address, makeAddress } from '../src/address.js';
import { defineMessage, type MessageType } from '../src/message/message.js';
import { t } from '../src/message/schema.js';
import {
  createRingBuffer,
  RingConsumer,
  RingProducer,
} from '../src/ring/ring.js';
import { Envelope, Kind } from '../src/scheduler/envelope.js';
import { readFrame, writeMessage } from '../src/wire/codec.js';

const Fixed = defineMessage('wirebench.Fixed', { x: t.f64, n: t.u32 });
const Text = defineMessage('wirebench.Text', { text: t.string });

export type WireBenchCase = 'fixed' | 'variable' | 'flatbuffers';
export const WIRE_BENCH_CASES: readonly WireBenchCase[] = [
  'fixed',
  'variable',
  'flatbuffers',
];

/** Options of `runWireBench`; every field has a default. */
export interface WireBenchOptions {
  /** Measured time per case in seconds. Default 1. */
  readonly seconds?: number;
  /** Ring data area in bytes. Default 64 KiB. */
  readonly capacity?: number;
  /** Cases to run. Default all. */
  readonly cases?: readonly WireBenchCase[];
}

/** What one case measured. */
export interface WireBenchResult {
  readonly name: WireBenchCase;
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
}

const TARGET = makeAddress(0, 17);
const SENDER = makeAddress(0, 18);

/** One batch: fill the ring, publish, drain. Returns messages done. */
type Batch = () => number;

function codecBatch(
  producer: RingProducer,
  consumer: RingConsumer,
  type: MessageType,
  body: (i: number) => unknown,
): Batch {
  const meta = { seq: 0, step: 0, flags: 0, senderKey: 0 };
  let sum = 0;
  const visit = (b: Uint8Array, at: number, n: number, v: DataView) => {
    const frame = readFrame(b, at, n, v);
    if (frame.kind === 'message') sum += frame.envelope.token;
  };
  return () => {
    let i = 0;
    for (;;) {
      const envelope = new Envelope(
        TARGET,
        SENDER,
        type,
        body(i),
        Kind.Plain,
        i,
        undefined,
      );
      if (!writeMessage(producer, envelope, meta)) break;
      i++;
    }
    producer.publish();
    sum = 0;
    consumer.poll(visit);
    if (sum !== (i * (i - 1)) / 2) throw new Error('wire bench: bad decode');
    return i;
  };
}

function flatbuffersBatch(
  producer: RingProducer,
  consumer: RingConsumer,
): Batch {
  const builder = new Builder(256);
  let bb = new ByteBuffer(consumer.bytes);
  let sum = 0;
  const visit = (bytes: Uint8Array, at: number) => {
    if (bb.bytes() !== bytes) bb = new ByteBuffer(bytes);
    const root = at + bb.readInt32(at);
    const field = (slot: number) => {
      const o = bb.__offset(root, 4 + 2 * slot);
      return o === 0 ? 0 : root + o;
    };
    const f = (slot: number) => {
      const o = field(slot);
      return o === 0 ? 0 : bb.readFloat64(o);
    };
    const u = (slot: number) => {
      const o = field(slot);
      return o === 0 ? 0 : bb.readUint32(o);
    };
    const b = (slot: number) => {
      const o = field(slot);
      return o === 0 ? 0 : bb.readUint8(o);
    };
    const envelope = new Envelope(
      f(0) as Address,
      f(1) as Address,
      Fixed,
      { x: f(9), n: u(10) },
      b(7) as Kind,
      u(4),
      undefined,
    );
    sum += envelope.token + f(2) + u(3) + u(5) + u(6) + b(8);
  };
  return () => {
    let i = 0;
    for (;;) {
      builder.clear();
      builder.startObject(11);
      builder.addFieldFloat64(0, TARGET, 0);
      builder.addFieldFloat64(1, SENDER, 0);
      builder.addFieldFloat64(2, 0, 0); // sender key
      builder.addFieldInt32(3, Fixed.id, 0);
      builder.addFieldInt32(4, i, 0); // token
      builder.addFieldInt32(5, 0, 0); // seq
      builder.addFieldInt32(6, 0, 0); // step
      builder.addFieldInt8(7, Kind.Plain, 0);
      builder.addFieldInt8(8, 0, 0); // flags
      builder.addFieldFloat64(9, i * 0.5, 0);
      builder.addFieldInt32(10, i, 0);
      builder.finish(builder.endObject());
      if (!producer.write(builder.asUint8Array())) break;
      i++;
    }
    producer.publish();
    sum = 0;
    consumer.poll(visit);
    if (sum !== (i * (i - 1)) / 2 + Fixed.id * i) {
      throw new Error('wire bench: bad flatbuffers decode');
    }
    return i;
  };
}

function makeBatch(name: WireBenchCase, capacity: number): Batch {
  const buffer = createRingBuffer(capacity);
  const producer = new RingProducer(buffer, `wire-bench-${name}`);
  const consumer = new RingConsumer(buffer, `wire-bench-${name}`);
  switch (name) {
    case 'fixed':
      return codecBatch(producer, consumer, Fixed, (i) => ({
        x: i * 0.5,
        n: i,
      }));
    case 'variable':
      return codecBatch(producer, consumer, Text, () => ({
        text: 'sixteen chars ok',
      }));
    case 'flatbuffers':
      return flatbuffersBatch(producer, consumer);
  }
}

function runCase(
  name: WireBenchCase,
  seconds: number,
  capacity: number,
): WireBenchResult {
  const batch = makeBatch(name, capacity);
  // Warm up: let the JIT settle before the clock runs.
  const warm = performance.now() + Math.min(200, seconds * 200);
  while (performance.now() < warm) batch();
  let ops = 0;
  const began = performance.now();
  const until = began + seconds * 1000;
  let now = began;
  while (now < until) {
    ops += batch();
    now = performance.now();
  }
  const wall = (now - began) / 1000;
  return { name, ops, seconds: wall, opsPerSecond: ops / wall };
}

/** Runs the chosen cases one after another on this thread. */
export function runWireBench(
  options: WireBenchOptions = {},
): WireBenchResult[] {
  const seconds = options.seconds ?? 1;
  const capacity = options.capacity ?? 65536;
  return (options.cases ?? WIRE_BENCH_CASES).map((name) =>
    runCase(name, seconds, capacity),
  );
}

/** The one-line report of one case. */
export function formatWireBench(result: WireBenchResult): string {
  return (
    `wire case=${result.name} ops=${result.ops} ` +
    `seconds=${result.seconds.toFixed(3)} ` +
    `ops_per_s=${Math.round(result.opsPerSecond)}`
  );
}

function parseArgs(argv: readonly string[]): WireBenchOptions {
  const options: { seconds?: number; capacity?: number } = {};
  for (const arg of argv) {
    const match = /^--(seconds|capacity)=(\d+(?:\.\d+)?)$/.exec(arg);
    if (match === null) throw new Error(`wire bench: unknown argument ${arg}`);
    options[match[1] as 'seconds' | 'capacity'] = Number(match[2]);
  }
  return options;
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  for (const result of runWireBench(parseArgs(process.argv.slice(2)))) {
    process.stdout.write(`${formatWireBench(result)}\n`);
  }
}
