/**
 * Bare threads doing the Scaling workload's arithmetic: `threads` worker
 * threads each walk every `threads`-th token through all its hops, with
 * no messages at all. The checksum must equal the workload's.
 */
import {
  isMainThread,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { CHECK_MOD, journeys } from '../kernels.js';

interface Job {
  readonly circoThreadsBench: true;
  readonly tokens: number;
  readonly hops: number;
  readonly work: number;
  readonly from: number;
  readonly stride: number;
}

export interface ThreadsResult {
  readonly threads: number;
  readonly handlings: number;
  readonly seconds: number;
  readonly cpuWall: number;
  readonly checksum: number;
}

const job = workerData as Job | null;
if (!isMainThread && job?.circoThreadsBench === true) {
  parentPort!.postMessage('ready');
  parentPort!.once('message', () => {
    const sum = journeys(job.tokens, job.hops, job.work, job.from, job.stride);
    parentPort!.postMessage(sum);
  });
}

function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/native-bench/baselines/threads.js', import.meta.url)
    : new URL(import.meta.url);
}

export async function runThreadsBench(
  threads: number,
  tokens: number,
  hops: number,
  work: number,
): Promise<ThreadsResult> {
  const workers: Worker[] = [];
  try {
    const ready: Promise<unknown>[] = [];
    for (let from = 0; from < threads; from++) {
      const data: Job = {
        circoThreadsBench: true,
        tokens,
        hops,
        work,
        from,
        stride: threads,
      };
      const w = new Worker(workerUrl(), { workerData: data });
      workers.push(w);
      ready.push(new Promise((resolve) => w.once('message', resolve)));
    }
    await Promise.all(ready);
    const done = workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const sums = await Promise.all(done);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      threads,
      handlings: tokens * hops,
      seconds: wall,
      cpuWall: (cpu.user + cpu.system) / 1e6 / wall,
      checksum: sums.reduce((a, b) => (a + b) % CHECK_MOD, 0),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
