/**
 * postMessage between two worker threads: a producer posts small objects
 * ({ seq }) one by one through a MessageChannel, the consumer checks
 * every sequence number and grants credit every CREDIT messages, so at
 * most WINDOW are in flight. Messages per second, one way.
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';

const CREDIT = 4_096;
const WINDOW = 8 * CREDIT;

interface Job {
  readonly circoPostBench: 'producer' | 'consumer';
  readonly port: MessagePort;
  readonly seconds: number;
}

export interface PostMessageResult {
  readonly messages: number;
  readonly seconds: number;
  readonly cpuWall: number;
}

function producer(port: MessagePort, seconds: number): void {
  let sent = 0;
  let granted = WINDOW;
  let deadline = 0;
  let done = false;
  const pump = () => {
    if (done) return;
    if (performance.now() >= deadline) {
      done = true;
      port.postMessage({ seq: -1, total: sent });
      return;
    }
    while (sent < granted) port.postMessage({ seq: sent++ });
  };
  port.on('message', (credit: number) => {
    granted += credit;
    pump();
  });
  parentPort!.once('message', () => {
    deadline = performance.now() + seconds * 1000;
    pump();
  });
}

function consumer(port: MessagePort): void {
  let received = 0;
  let bad = 0;
  port.on('message', (m: { seq: number; total?: number }) => {
    if (m.seq < 0) {
      if (m.total !== received) bad++;
      parentPort!.postMessage({ received, bad });
      port.close();
      return;
    }
    if (m.seq !== received) bad++;
    if (++received % CREDIT === 0) port.postMessage(CREDIT);
  });
}

const job = workerData as Job | null;
if (!isMainThread && job?.circoPostBench !== undefined) {
  if (job.circoPostBench === 'producer') producer(job.port, job.seconds);
  else consumer(job.port);
  parentPort!.postMessage('ready');
}

function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL(
        '../../dist/native-bench/baselines/postmessage.js',
        import.meta.url,
      )
    : new URL(import.meta.url);
}

/** Runs the producer and the consumer for `seconds`. */
export async function runPostMessageBench(
  seconds = 2,
): Promise<PostMessageResult> {
  const { port1, port2 } = new MessageChannel();
  const start = (role: Job['circoPostBench'], port: MessagePort) =>
    new Worker(workerUrl(), {
      workerData: { circoPostBench: role, port, seconds },
      transferList: [port],
    });
  const ready = (w: Worker) =>
    new Promise<void>((resolve) => w.once('message', () => resolve()));
  const p = start('producer', port1);
  const c = start('consumer', port2);
  try {
    await Promise.all([ready(p), ready(c)]);
    const result = new Promise<{ received: number; bad: number }>(
      (resolve, reject) => {
        c.once('message', resolve);
        c.once('error', reject);
        p.once('error', reject);
      },
    );
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    p.postMessage('go');
    const { received, bad } = await result;
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (bad > 0) throw new Error(`postMessage bench: ${bad} out of order`);
    return {
      messages: received,
      seconds: wall,
      cpuWall: (cpu.user + cpu.system) / 1e6 / wall,
    };
  } finally {
    await Promise.all([p.terminate(), c.terminate()]);
  }
}
