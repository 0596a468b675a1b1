/**
 * Raw SPSC ring throughput between two worker threads.
 *
 *   node dist/native-bench/ring.js [--seconds=3] [--frame=32] [--batch=256]
 *                                  [--capacity=65536] [--spin=200]
 *
 * The producer reserves `frame`-byte payloads, writes a sequence number into
 * each (the rest of the payload is left as is: this measures the ring, not an
 * encoder) and publishes once per `batch` frames. The consumer checks every
 * sequence number. Each side spins `spin` times on an empty/full ring, then
 * sleeps on a doorbell word until the other side rings it.
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  createRingBuffer,
  RingConsumer,
  RingProducer,
} from '../src/ring/ring.js';
import { numericFlags, startThread } from './thread.js';

/** Parameters of one run; every field has a default. */
export interface RingBenchOptions {
  /** Payload bytes per frame (at least 4). Default 32. */
  readonly frameBytes?: number;
  /** Frames per publish. Default 256. */
  readonly batch?: number;
  /** Ring data area in bytes, a power of two. Default 64 KiB. */
  readonly capacity?: number;
  /** How long the producer keeps writing. Default 3. */
  readonly seconds?: number;
  /** Empty/full checks before sleeping on the doorbell. Default 200. */
  readonly spin?: number;
}

/** What one run measured. */
export interface RingBenchResult {
  readonly frameBytes: number;
  readonly frames: number;
  readonly seconds: number;
  readonly framesPerSecond: number;
  /** Process CPU time (user + system, all threads) over wall time. */
  readonly cpuWall: number;
}

// Int32 slots of the control buffer.
const START = 0;
const STOP = 1;
const CONSUMER_BELL = 2;
const PRODUCER_BELL = 3;
const CONTROL_INTS = 4;
/** Longest single sleep; only a guard, a ring always ends it earlier. */
const SLEEP_MS = 100;

interface Job {
  readonly role: 'circo-ring-bench-producer' | 'circo-ring-bench-consumer';
  readonly ring: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly frameBytes: number;
  readonly batch: number;
  readonly spin: number;
}

function ringBell(control: Int32Array, slot: number): void {
  Atomics.add(control, slot, 1);
  Atomics.notify(control, slot);
}

function produce(job: Job, control: Int32Array): void {
  const producer = new RingProducer(job.ring, 'bench');
  const { view } = producer;
  const { frameBytes, batch, spin } = job;
  const reserve = (length: number): number => {
    if (producer.publish()) ringBell(control, CONSUMER_BELL);
    for (let tries = 0; ; tries++) {
      const at = producer.tryReserve(length);
      if (at >= 0) return at;
      if (tries < spin) continue;
      const bell = Atomics.load(control, PRODUCER_BELL);
      producer.setWaiting(true);
      const again = producer.tryReserve(length); // re-check after the flag
      if (again < 0) Atomics.wait(control, PRODUCER_BELL, bell, SLEEP_MS);
      producer.setWaiting(false);
      if (again >= 0) return again;
    }
  };
  let seq = 0;
  while (Atomics.load(control, STOP) === 0) {
    for (let k = 0; k < batch; k++) {
      let at = producer.tryReserve(frameBytes);
      if (at < 0) at = reserve(frameBytes);
      view.setUint32(at, seq, true);
      producer.commit();
      seq = (seq + 1) >>> 0;
    }
    if (producer.publish()) ringBell(control, CONSUMER_BELL);
  }
  // A zero-length frame ends the stream.
  if (producer.tryReserve(0) < 0) reserve(0);
  producer.commit();
  if (producer.publish()) ringBell(control, CONSUMER_BELL);
}

function consume(job: Job, control: Int32Array): number {
  const consumer = new RingConsumer(job.ring, 'bench');
  let frames = 0;
  let done = false;
  let bad = 0;
  const visit = (_b: Uint8Array, at: number, length: number, v: DataView) => {
    if (length === 0) {
      done = true;
      return;
    }
    if (v.getUint32(at, true) !== frames >>> 0) bad++;
    frames++;
  };
  let idle = 0;
  while (!done) {
    if (consumer.poll(visit) > 0) {
      idle = 0;
      if (consumer.producerWaiting()) ringBell(control, PRODUCER_BELL);
      continue;
    }
    if (++idle < job.spin) continue;
    const bell = Atomics.load(control, CONSUMER_BELL);
    consumer.setWaiting(true);
    if (consumer.isEmpty()) {
      Atomics.wait(control, CONSUMER_BELL, bell, SLEEP_MS);
    }
    consumer.setWaiting(false);
  }
  if (bad > 0) throw new Error(`ring bench: ${bad} frames out of sequence`);
  return frames;
}

function runWorker(job: Job): void {
  const control = new Int32Array(job.control);
  parentPort?.postMessage('ready');
  while (Atomics.load(control, START) === 0) {
    Atomics.wait(control, START, 0, SLEEP_MS);
  }
  if (job.role === 'circo-ring-bench-producer') {
    produce(job, control);
    parentPort?.postMessage(0);
  } else {
    parentPort?.postMessage(consume(job, control));
  }
}

/** Runs the benchmark once in two fresh worker threads. */
export async function runRingBench(
  options: RingBenchOptions = {},
): Promise<RingBenchResult> {
  const frameBytes = options.frameBytes ?? 32;
  const seconds = options.seconds ?? 3;
  const base = {
    ring: createRingBuffer(options.capacity ?? 65536),
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    frameBytes: Math.max(4, frameBytes),
    batch: options.batch ?? 256,
    spin: options.spin ?? 200,
  };
  const control = new Int32Array(base.control);
  const producer = startThread(
    new URL(import.meta.url),
    { ...base, role: 'circo-ring-bench-producer' },
    'ring bench',
  );
  const consumer = startThread(
    new URL(import.meta.url),
    { ...base, role: 'circo-ring-bench-consumer' },
    'ring bench',
  );
  try {
    await Promise.all([producer.ready, consumer.ready]);
    const cpu = process.cpuUsage();
    const began = performance.now();
    Atomics.store(control, START, 1);
    Atomics.notify(control, START);
    const timer = setTimeout(() => {
      Atomics.store(control, STOP, 1);
    }, seconds * 1000);
    const [, frames] = await Promise.all([producer.result, consumer.result]);
    clearTimeout(timer);
    const wall = (performance.now() - began) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      frameBytes,
      frames,
      seconds: wall,
      framesPerSecond: frames / wall,
      cpuWall: (used.user + used.system) / 1e6 / wall,
    };
  } finally {
    Atomics.store(control, STOP, 1);
    await Promise.all([
      producer.worker.terminate(),
      consumer.worker.terminate(),
    ]);
  }
}

/** The one-line report, e.g. `ring frame=32 frames=... cpu_wall=1.98`. */
export function formatRingBench(result: RingBenchResult): string {
  return (
    `ring frame=${result.frameBytes} frames=${result.frames} ` +
    `seconds=${result.seconds.toFixed(3)} ` +
    `frames_per_s=${Math.round(result.framesPerSecond)} ` +
    `cpu_wall=${result.cpuWall.toFixed(2)}`
  );
}

function parseArgs(argv: readonly string[]): RingBenchOptions {
  return numericFlags(
    argv,
    {
      frame: 'frameBytes',
      batch: 'batch',
      capacity: 'capacity',
      seconds: 'seconds',
      spin: 'spin',
    },
    'ring bench',
  );
}

const job = workerData as Job | null | undefined;
if (!isMainThread && job?.role?.startsWith('circo-ring-bench-')) {
  runWorker(job);
} else if (
  isMainThread &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  const result = await runRingBench(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${formatRingBench(result)}\n`);
}
