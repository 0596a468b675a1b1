/**
 * What the raw mechanism benches (ring.ts, duplex.ts) share: a worker
 * thread that says 'ready', then posts one number as its result; and
 * `--name=number` flags.
 */
import { Worker } from 'node:worker_threads';

export interface BenchThread {
  readonly worker: Worker;
  /** Settles once the thread is ready (or has failed). */
  readonly ready: Promise<unknown>;
  /** The number the thread posts when it is done. */
  readonly result: Promise<number>;
}

/** Starts `url` (a bench module) in a thread with `data`. */
export function startThread(url: URL, data: unknown, what: string) {
  const worker = new Worker(url, { workerData: data });
  let onReady: (value: unknown) => void = () => {};
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  const result = new Promise<number>((resolve, reject) => {
    worker.on('message', (message: unknown) => {
      if (message === 'ready') onReady(message);
      else resolve(message as number);
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      reject(new Error(`${what} worker exited with code ${code}`)),
    );
  });
  const thread: BenchThread = {
    worker,
    ready: Promise.race([ready, result]),
    result,
  };
  return thread;
}

/**
 * Reads `--flag=number` arguments into the option each flag names;
 * throws naming the tool and the argument it does not know.
 */
export function numericFlags<K extends string>(
  argv: readonly string[],
  names: Readonly<Record<string, K>>,
  what: string,
): Partial<Record<K, number>> {
  const options: Partial<Record<K, number>> = {};
  for (const arg of argv) {
    const match = /^--(\w+)=(\d+(?:\.\d+)?)$/.exec(arg);
    const name = match ? names[match[1]!] : undefined;
    if (match === null || name === undefined) {
      throw new Error(`${what}: unknown argument ${arg}`);
    }
    options[name] = Number(match[2]);
  }
  return options;
}
