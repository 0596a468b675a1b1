/**
 * Barrier round trips per second: `node dist/native-bench/barrier.js`.
 * Prints one line:
 *   barrier parties=2 rounds=N seconds=S rounds_per_s=R cpu_wall=X
 * where cpu_wall is process CPU time (all threads) over wall time.
 *
 * The same file is the worker body. Party 0 ends the run by contributing 1
 * to sum column STOP once its time is up; every party sees the sum in the
 * same round and stops there.
 */

import { pathToFileURL } from 'node:url';
import {
  isMainThread,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { Barrier } from '../src/barrier/barrier.js';

/** Options of `runBarrierBench`. */
export interface BarrierBenchOptions {
  /** Threads meeting at the barrier. Default 2. */
  readonly parties?: number;
  /** Measured time in seconds (after the first round). Default 3. */
  readonly seconds?: number;
  /** Spin iterations before sleeping; default as Barrier.create. */
  readonly spin?: number;
}

/** What one run measured. */
export interface BarrierBenchResult {
  readonly parties: number;
  readonly rounds: number;
  readonly seconds: number;
  readonly roundsPerSecond: number;
  readonly cpuWall: number;
}

interface BenchWorkerData {
  readonly circoBarrierBench: true;
  readonly buffer: SharedArrayBuffer;
  readonly party: number;
  readonly seconds: number;
}

/** Sum column through which party 0 stops the run. */
const STOP = 0;
/** Party 0 looks at the clock once per this many rounds. */
const CLOCK_EVERY = 256;

function benchWorker(data: BenchWorkerData): void {
  const party = Barrier.attach(data.buffer, data.party);
  party.arrive(); // round 0: everyone is up; the clock starts now
  const deadline = performance.now() + data.seconds * 1000;
  for (;;) {
    if (data.party === 0 && (party.round + 1) % CLOCK_EVERY === 0) {
      if (performance.now() >= deadline) party.setSum(STOP, 1);
    }
    party.arrive();
    if (party.sum(STOP) > 0) break;
  }
  parentPort?.postMessage(party.round);
}

function workerUrl(): URL {
  // Run from source (e.g. under vitest), start the compiled twin instead.
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/native-bench/barrier.js', import.meta.url)
    : new URL(import.meta.url);
}

/** Runs the benchmark once and returns what it measured. */
export async function runBarrierBench(
  options: BarrierBenchOptions = {},
): Promise<BarrierBenchResult> {
  const parties = options.parties ?? 2;
  const seconds = options.seconds ?? 3;
  const barrier = Barrier.create({
    parties,
    sums: 1,
    ...(options.spin === undefined ? {} : { spin: options.spin }),
  });
  const workers: Worker[] = [];
  try {
    const done: Promise<number>[] = [];
    for (let p = 0; p < parties; p++) {
      const data: BenchWorkerData = {
        circoBarrierBench: true,
        buffer: barrier.buffer,
        party: p,
        seconds,
      };
      const worker = new Worker(workerUrl(), { workerData: data });
      workers.push(worker);
      done.push(
        new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
      );
    }
    await barrier.nextRound(-1);
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const last = (await Promise.all(done))[0];
    const wall = (performance.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      parties,
      rounds: last,
      seconds: wall,
      roundsPerSecond: last / wall,
      cpuWall: (cpu.user + cpu.system) / 1e6 / wall,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The one-line report for a result. */
export function formatBarrierBench(r: BarrierBenchResult): string {
  return (
    `barrier parties=${r.parties} rounds=${r.rounds} ` +
    `seconds=${r.seconds.toFixed(3)} ` +
    `rounds_per_s=${Math.round(r.roundsPerSecond)} ` +
    `cpu_wall=${r.cpuWall.toFixed(2)}`
  );
}

const data = workerData as Partial<BenchWorkerData> | null;
if (!isMainThread && data?.circoBarrierBench === true) {
  benchWorker(data as BenchWorkerData);
} else if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  const result = await runBarrierBench();
  console.log(formatBarrierBench(result));
}
