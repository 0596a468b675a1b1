/**
 * Raw SPSC rings between two worker threads, both ways at once: the
 * traffic pattern of the engine's cross-worker messages, where each
 * worker writes to its peer and reads from it in the same loop.
 *
 *   node dist/native-bench/duplex.js [--seconds=2] [--frame=72]
 *                                    [--batch=256] [--capacity=262144]
 *
 * Each side writes `frame`-byte payloads carrying a sequence number,
 * publishes once per `batch` frames, then reads whatever its peer has
 * published, checking every sequence number. A side that finds its
 * outbound ring full reads its inbound ring while it waits, as an engine
 * worker does, so the two can never block each other. The default frame
 * is the engine's frame for a message with an empty body (frame header
 * and envelope), and the default capacity is the engine's ring size.
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  createRingBuffer,
  RingConsumer,
  RingProducer,
} from '../src/ring/ring.js';
import { BODY_OFFSET } from '../src/wire/frame.js';
import { numericFlags, startThread } from './thread.js';

export interface DuplexBenchOptions {
  /** Payload bytes per frame (at least 4). Default BODY_OFFSET (72). */
  readonly frameBytes?: number;
  /** Frames per publish. Default 256. */
  readonly batch?: number;
  /** Bytes of each ring's data area, a power of two. Default 256 KiB. */
  readonly capacity?: number;
  /** How long both sides keep writing. Default 2. */
  readonly seconds?: number;
  /** Empty checks before sleeping on the bell. Default 200. */
  readonly spin?: number;
}

export interface DuplexBenchResult {
  readonly frameBytes: number;
  /** Frames read by both sides together. */
  readonly frames: number;
  readonly seconds: number;
  readonly framesPerSecond: number;
  /** Process CPU time (user + system, all threads) over wall time. */
  readonly cpuWall: number;
}

// Int32 slots of the control buffer.
const START = 0;
const STOP = 1;
/** BELL + side: where side 0 or 1 sleeps. */
const BELL = 2;
const CONTROL_INTS = 4;
/** Longest single sleep; only a guard, a ring always ends it earlier. */
const SLEEP_MS = 100;

interface Job {
  readonly role: 'circo-duplex-bench';
  readonly side: 0 | 1;
  readonly out: SharedArrayBuffer;
  readonly in: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly frameBytes: number;
  readonly batch: number;
  readonly spin: number;
}

function ringBell(control: Int32Array, side: number): void {
  Atomics.add(control, BELL + side, 1);
  Atomics.notify(control, BELL + side);
}

/** One side: write and read until STOP, then finish both streams. */
function side(job: Job): number {
  const control = new Int32Array(job.control);
  const producer = new RingProducer(job.out, `duplex ${job.side}->`);
  const consumer = new RingConsumer(job.in, `duplex ->${job.side}`);
  const peer = 1 - job.side;
  const { view } = producer;
  const { frameBytes, batch, spin } = job;
  let received = 0;
  let bad = 0;
  let peerDone = false;
  const visit = (_b: Uint8Array, at: number, length: number, v: DataView) => {
    if (length === 0) {
      peerDone = true;
      return;
    }
    if (v.getUint32(at, true) !== received >>> 0) bad++;
    received++;
  };
  const read = (): number => {
    const n = consumer.poll(visit);
    if (n > 0 && consumer.producerWaiting()) ringBell(control, peer);
    return n;
  };
  const publish = () => {
    if (producer.publish()) ringBell(control, peer);
  };
  /** Reads, or sleeps on this side's bell after `spin` empty looks. */
  const wait = (full: boolean, idle: number): number => {
    if (read() > 0) return 0;
    if (idle < spin) return idle + 1;
    const bell = Atomics.load(control, BELL + job.side);
    consumer.setWaiting(true);
    if (full) producer.setWaiting(true);
    // Room for twice a frame and its header surely takes one (see
    // RingProducer.freeBytes).
    const stuck =
      consumer.isEmpty() &&
      (!full || producer.freeBytes() < 2 * (frameBytes + 16));
    if (stuck) Atomics.wait(control, BELL + job.side, bell, SLEEP_MS);
    consumer.setWaiting(false);
    if (full) producer.setWaiting(false);
    return 0;
  };
  const reserve = (length: number): number => {
    let at = producer.tryReserve(length);
    for (let idle = 0; at < 0; at = producer.tryReserve(length)) {
      publish();
      idle = wait(true, idle);
    }
    return at;
  };
  let seq = 0;
  while (Atomics.load(control, STOP) === 0) {
    for (let k = 0; k < batch; k++) {
      const at = reserve(frameBytes);
      view.setUint32(at, seq, true);
      producer.commit();
      seq = (seq + 1) >>> 0;
    }
    publish();
    read();
  }
  // A zero-length frame ends this side's stream; then read to the peer's.
  reserve(0);
  producer.commit();
  publish();
  for (let idle = 0; !peerDone; ) idle = wait(false, idle);
  if (bad > 0) throw new Error(`duplex bench: ${bad} frames out of order`);
  return received;
}

function runWorker(job: Job): void {
  const control = new Int32Array(job.control);
  parentPort?.postMessage('ready');
  while (Atomics.load(control, START) === 0) {
    Atomics.wait(control, START, 0, SLEEP_MS);
  }
  parentPort?.postMessage(side(job));
}

/** Runs the benchmark once in two fresh worker threads. */
export async function runDuplexBench(
  options: DuplexBenchOptions = {},
): Promise<DuplexBenchResult> {
  const frameBytes = Math.max(4, options.frameBytes ?? BODY_OFFSET);
  const seconds = options.seconds ?? 2;
  const capacity = options.capacity ?? 1 << 18;
  const rings = [createRingBuffer(capacity), createRingBuffer(capacity)];
  const base = {
    role: 'circo-duplex-bench' as const,
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    frameBytes,
    batch: options.batch ?? 256,
    spin: options.spin ?? 200,
  };
  const control = new Int32Array(base.control);
  const sides = [
    startThread(
      new URL(import.meta.url),
      { ...base, side: 0, out: rings[0]!, in: rings[1]! },
      'duplex bench',
    ),
    startThread(
      new URL(import.meta.url),
      { ...base, side: 1, out: rings[1]!, in: rings[0]! },
      'duplex bench',
    ),
  ];
  try {
    await Promise.all(sides.map((s) => s.ready));
    const cpu = process.cpuUsage();
    const began = performance.now();
    Atomics.store(control, START, 1);
    Atomics.notify(control, START);
    const timer = setTimeout(() => {
      Atomics.store(control, STOP, 1);
    }, seconds * 1000);
    const counts = await Promise.all(sides.map((s) => s.result));
    clearTimeout(timer);
    const wall = (performance.now() - began) / 1000;
    const used = process.cpuUsage(cpu);
    const frames = counts[0]! + counts[1]!;
    return {
      frameBytes,
      frames,
      seconds: wall,
      framesPerSecond: frames / wall,
      cpuWall: (used.user + used.system) / 1e6 / wall,
    };
  } finally {
    Atomics.store(control, STOP, 1);
    await Promise.all(sides.map((s) => s.worker.terminate()));
  }
}

function parseArgs(argv: readonly string[]): DuplexBenchOptions {
  return numericFlags(
    argv,
    {
      frame: 'frameBytes',
      batch: 'batch',
      capacity: 'capacity',
      seconds: 'seconds',
      spin: 'spin',
    },
    'duplex bench',
  );
}

const job = workerData as Job | null | undefined;
if (!isMainThread && job?.role === 'circo-duplex-bench') {
  runWorker(job);
} else if (
  isMainThread &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  const r = await runDuplexBench(parseArgs(process.argv.slice(2)));
  process.stdout.write(
    `duplex frame=${r.frameBytes} frames=${r.frames} ` +
      `seconds=${r.seconds.toFixed(3)} ` +
      `frames_per_s=${Math.round(r.framesPerSecond)} ` +
      `cpu_wall=${r.cpuWall.toFixed(2)}\n`,
  );
}
