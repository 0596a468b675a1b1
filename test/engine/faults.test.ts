/**
 * Faults of the threaded engine: a worker that exits or runs out of
 * memory, a handler that throws in a worker, threads that disagree on the
 * message types, and corrupt bytes in a ring between two links.
 *
 * Every machine here runs on two workers, whatever CIRCO_WORKERS says, and
 * every failure must leave no thread behind: the suite watches the worker
 * threads the process starts (`process.on('worker')` and their `exit`) and
 * the OS threads of the process (/proc/self/status, where there is one).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, type Worker } from 'node:worker_threads';
import {
  type Address,
  CircoError,
  createMachine,
  formatAddress,
  HandlerError,
  type Machine,
  type MachineOptions,
  MachineStoppedError,
  messageTypes,
  RegistryMismatchError,
  WorkerExitError,
} from 'circo';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Exit, Hog, Ping, Place, Placed, Throw } from '#fixtures/crash.js';
import { makeAddress } from '../../src/address.js';
import { Inbound, Outbound } from '../../src/engine/links.js';
import {
  CorruptFrameError,
  CircoError as SourceCircoError,
  UnknownMessageTypeError,
} from '../../src/errors.js';
import { defineMessage } from '../../src/message/message.js';
import { t } from '../../src/message/schema.js';
import {
  createRingBuffer,
  HEADER_BYTES,
  RingProducer,
  WRITE_POS_SLOT,
} from '../../src/ring/ring.js';
import { Envelope, Kind } from '../../src/scheduler/envelope.js';
import { writeControl, writeMessage } from '../../src/wire/codec.js';
import { ENVELOPE_OFFSET, TYPE_ID } from '../../src/wire/frame.js';
import { fixture } from '../helpers/machine.js';

/** Every test here must finish within this many ms. */
const LIMIT = { timeout: 10_000 };
/** How long the threads of a failed machine may take to end, in ms. */
const THREADS_GONE_MS = 2_000;

type Coded = Error & { code: string; cause?: unknown };

/** Wall-clock ms, comparable between threads. */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The error `promise` rejects with and when; fails if it resolves. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ error: Coded; at: number }> {
  try {
    await promise;
  } catch (error) {
    return { error: error as Coded, at: wallNow() };
  }
  throw new Error('expected the promise to reject');
}

/** The error `action` throws; fails the test if it returns. */
function thrown(action: () => unknown): Coded {
  try {
    action();
  } catch (error) {
    return error as Coded;
  }
  throw new Error('expected the call to throw');
}

// ---- watching threads ------------------------------------------------------

/** Threads of this process, from /proc (Linux); undefined elsewhere. */
function osThreads(): number | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^Threads:\s+(\d+)$/m.exec(status);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

interface Census {
  /** Worker threads started since the watch began. */
  readonly started: number;
  /** Of those, the ones that have not emitted `exit`. */
  readonly alive: number;
  /** Thread ids of the live ones. */
  readonly aliveIds: number[];
  /** OS threads of the process before the machine, and now. */
  readonly osBefore: number | undefined;
  readonly osNow: number | undefined;
  /** How long `settle` waited, in ms. */
  readonly waited: number;
}

/**
 * Watches the worker threads this process starts from now on. Node 20's
 * `process.getActiveResourcesInfo()` lists no entry for a Worker (nor its
 * MessagePorts: piscina unrefs them), so the census relies on the
 * process-wide 'worker' event and on the OS thread count instead.
 */
class ThreadWatch {
  private readonly workers = new Map<Worker, boolean>();
  private readonly osBefore = osThreads();
  private readonly onWorker = (worker: Worker): void => {
    this.workers.set(worker, false);
    worker.once('exit', () => this.workers.set(worker, true));
  };

  constructor() {
    process.on('worker', this.onWorker);
  }

  census(waited: number): Census {
    const alive = [...this.workers].filter(([, exited]) => !exited);
    return {
      started: this.workers.size,
      alive: alive.length,
      aliveIds: alive.map(([worker]) => worker.threadId),
      osBefore: this.osBefore,
      osNow: osThreads(),
      waited,
    };
  }

  /**
   * Polls for up to `ms` until every watched worker exited and the OS
   * thread count is back to what it was; returns the last census.
   */
  async settle(ms = THREADS_GONE_MS): Promise<Census> {
    const start = performance.now();
    for (;;) {
      const census = this.census(performance.now() - start);
      const osBack =
        census.osNow === undefined ||
        census.osBefore === undefined ||
        census.osNow <= census.osBefore;
      if ((census.alive === 0 && osBack) || census.waited > ms) return census;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    process.off('worker', this.onWorker);
  }
}

/** Asserts that the census shows no thread of the machine left. */
function expectNoThreadLeft(census: Census): void {
  const seen = JSON.stringify(census);
  expect(census.started, seen).toBeGreaterThanOrEqual(2);
  expect(census.alive, `worker threads still alive: ${seen}`).toBe(0);
  if (census.osNow !== undefined && census.osBefore !== undefined) {
    expect(census.osNow, `OS threads not back: ${seen}`).toBeLessThanOrEqual(
      census.osBefore,
    );
  }
}

// ---- machines on two workers -----------------------------------------------

let marks: string;
let machine: Machine | undefined;
let watch: ThreadWatch | undefined;

beforeAll(async () => {
  marks = mkdtempSync(join(tmpdir(), 'circo-faults-'));
  // Start libuv's thread pool now, so it does not count as a new thread.
  await readFile('/proc/self/status').catch(() => undefined);
});

afterAll(() => {
  rmSync(marks, { recursive: true, force: true });
});

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
  watch?.close();
  watch = undefined;
});

/** Starts a CrashLab machine on two workers, watching its threads. */
async function start(options: Partial<MachineOptions> = {}): Promise<Machine> {
  watch = new ThreadWatch();
  machine = await createMachine({
    checkBodies: true,
    ...options,
    workers: 2,
    module: fixture('crash'),
    component: 'CrashLab',
  });
  return machine;
}

/** Spawns a Crasher on `worker` and returns its address. */
async function place(m: Machine, worker: number): Promise<Address> {
  const reply = await m.ask(m.root, Place, { worker });
  expect(reply.type).toBe(Placed);
  return (reply.body as { at: Address }).at;
}

/** A fresh file name where a crashing handler writes its last time. */
function markFile(name: string): string {
  return join(marks, `${name}-${process.hrtime.bigint()}`);
}

/** The wall-clock time a handler wrote to `mark` just before it crashed. */
function crashTime(mark: string): number {
  return Number(readFileSync(mark, 'utf8'));
}

/** Every later machine call rejects with MachineStoppedError. */
async function expectStopped(
  m: Machine,
  somewhere: Address,
  reason: string,
): Promise<void> {
  const calls: [string, () => Promise<unknown>][] = [
    ['send', () => m.send(somewhere, Ping, { n: 1 })],
    ['run', () => m.run()],
    ['steps', () => m.steps(1)],
    ['runUntil', () => m.runUntil(() => true)],
    ['ask', () => m.ask(somewhere, Ping, { n: 1 })],
    ['state', () => m.state(somewhere)],
    ['lookup', () => m.lookup('anything')],
  ];
  for (const [name, call] of calls) {
    const { error } = await failure(call());
    expect(error.code, name).toBe('ERR_CIRCO_MACHINE_STOPPED');
    expect(error, name).toBeInstanceOf(MachineStoppedError);
    expect((error.cause as Coded | undefined)?.code, name).toBe(reason);
  }
}

describe('a worker thread that dies', () => {
  it.each([0, 1])(
    'by process.exit(3) in a handler on worker %i fails the pending run',
    LIMIT,
    async (worker) => {
      const m = await start();
      const exiter = await place(m, worker);
      const mark = markFile(`exit-${worker}`);
      await m.send(exiter, Exit, { code: 3, mark });
      const { error, at } = await failure(m.run());
      const census = await watch!.settle();
      const latency = at - crashTime(mark);
      console.log(
        `[faults] process.exit on worker ${worker}: run rejected ` +
          `${latency.toFixed(1)} ms after the crash; threads gone ` +
          `${census.waited.toFixed(0)} ms later (${census.started} started)`,
      );
      expect(error.code).toBe('ERR_CIRCO_WORKER_EXIT');
      expect(error).toBeInstanceOf(WorkerExitError);
      expect(error).toBeInstanceOf(CircoError);
      expect(error.message).toMatch(new RegExp(`\\bworker ${worker}\\b`));
      expect(error.message).toMatch(/\bcode:? 3\b/);
      expectNoThreadLeft(census);
      expect(latency).toBeLessThan(10_000);
      await expectStopped(m, exiter, 'ERR_CIRCO_WORKER_EXIT');
    },
  );

  it('past its heap limit fails the pending run', LIMIT, async () => {
    const m = await start({ resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const hog = await place(m, 1);
    const mark = markFile('hog');
    await m.send(hog, Hog, { mark });
    const { error, at } = await failure(m.run());
    const census = await watch!.settle();
    const latency = at - crashTime(mark);
    console.log(
      `[faults] out of memory on worker 1: run rejected ` +
        `${latency.toFixed(1)} ms after the last sign of life; threads ` +
        `gone ${census.waited.toFixed(0)} ms later ` +
        `(${census.started} started)`,
    );
    expect(error.code).toBe('ERR_CIRCO_WORKER_EXIT');
    expect(error).toBeInstanceOf(WorkerExitError);
    expect(error.message).toMatch(/\bworker 1\b/);
    expect((error.cause as Coded).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expectNoThreadLeft(census);
    expect(latency).toBeLessThan(10_000);
    await expectStopped(m, hog, 'ERR_CIRCO_WORKER_EXIT');
  });

  it.each(['Exit', 'Throw'])(
    'leaves no thread when stop() follows the failed run at once (%s)',
    LIMIT,
    async (how) => {
      const m = await start();
      const crasher = await place(m, 1);
      if (how === 'Exit') await m.send(crasher, Exit, { code: 3, mark: '' });
      else await m.send(crasher, Throw, { note: 'then stop', code: '' });
      await failure(m.run());
      // What a caller does on failure: stop the machine, right away.
      await m.stop();
      expectNoThreadLeft(await watch!.settle());
    },
  );
});

describe('a handler that throws in a worker', () => {
  /** Checks what the caller learns of the Crasher at `at` throwing. */
  function expectSite(error: Coded, at: Address, note: string): void {
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toBeInstanceOf(CircoError);
    expect(error).toMatchObject({
      component: 'Crasher',
      address: formatAddress(at),
      messageType: 'crash.Throw',
    });
    expect(error.message).toContain('Crasher');
    expect(error.message).toContain(formatAddress(at));
    expect(error.message).toContain('crash.Throw');
    expect(error.message).toContain(note);
    const cause = error.cause as Coded;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message).toBe(note);
    // The stack of the worker's Error, frames and all, reached the caller.
    expect(cause.stack).toContain('crashOnPurpose');
    expect(error.stack).toContain('crashOnPurpose');
    expect(error.stack).toContain(String(cause.stack));
  }

  it('fails the run with its site, stack and cause code', LIMIT, async () => {
    const m = await start();
    const thrower = await place(m, 1);
    const note = 'kaboom on worker 1';
    await m.send(thrower, Throw, { note, code: 'ECRASHTEST' });
    const { error } = await failure(m.run());
    expectSite(error, thrower, note);
    expect((error.cause as Coded).code).toBe('ECRASHTEST');
    expectNoThreadLeft(await watch!.settle());
    await expectStopped(m, thrower, 'ERR_CIRCO_HANDLER_FAILED');
  });

  it('rejects the ask that reached it the same way', LIMIT, async () => {
    const m = await start();
    const thrower = await place(m, 1);
    const note = 'asked to fail';
    const { error } = await failure(
      m.ask(thrower, Throw, { note, code: 'EASKED' }),
    );
    expectSite(error, thrower, note);
    expect((error.cause as Coded).code).toBe('EASKED');
    expectNoThreadLeft(await watch!.settle());
  });
});

describe('workers that know other message types', () => {
  it('make createMachine reject naming both fingerprints', LIMIT, async () => {
    // The fixture tells the threads apart by isMainThread.
    expect(isMainThread).toBe(true);
    watch = new ThreadWatch();
    const { error } = await failure(
      createMachine({
        workers: 2,
        module: fixture('mismatch'),
        component: 'CrashLab',
      }),
    );
    expect(error.code).toBe('ERR_CIRCO_REGISTRY_MISMATCH');
    expect(error).toBeInstanceOf(RegistryMismatchError);
    expect(error.message).toMatch(/\bworker [01]\b/);
    // The coordinator's registry is this thread's; the workers' has the
    // same types and mismatch.WorkerOnly.
    const coordinator = messageTypes.fingerprint();
    const prints = error.message.match(/\b\d+-[0-9a-f]{16}\b/g) ?? [];
    expect(prints, error.message).toHaveLength(2);
    expect(prints).toContain(coordinator);
    const workers = prints.find((print) => print !== coordinator);
    expect(workers, error.message).toBeDefined();
    const count = (print: string) => Number(print.split('-')[0]);
    expect(count(workers!)).toBe(count(coordinator) + 1);
    expectNoThreadLeft(await watch.settle());
  });
});

// ---- corrupt bytes in a ring (src/engine/links.ts) -------------------------

describe('corrupt bytes in a ring between two links', () => {
  const Unit = defineMessage('crash.Unit', { n: t.i32 });
  const RING = '1->c';
  const CAPACITY = 4096;

  /** What the inbound end delivered, in order. */
  type Got = { message: number } | { op: number; value: unknown };

  /** An Outbound and an Inbound over one fresh ring. */
  function link() {
    const buffer = createRingBuffer(CAPACITY);
    const got: Got[] = [];
    const outbound = new Outbound(buffer, RING, () => undefined);
    const inbound = new Inbound(buffer, RING, {
      onMessage: (envelope) =>
        got.push({ message: (envelope.body as { n: number }).n }),
      onControl: (op, value) => got.push({ op, value }),
    });
    const data = new DataView(buffer, HEADER_BYTES, CAPACITY);
    /** Data-area offset where the next published frame will start. */
    const next = () =>
      Atomics.load(new Int32Array(buffer), WRITE_POS_SLOT) & (CAPACITY - 1);
    /** Writes message `n`; returns the payload offset of its frame. */
    const send = (n: number): number => {
      const at = next();
      outbound.message(envelope(n), 0);
      outbound.flush(0);
      return at + 8;
    };
    return { buffer, got, outbound, inbound, data, next, send };
  }

  function envelope(n: number): Envelope {
    const [to, from] = [makeAddress(0, 1025), makeAddress(0, 1026)];
    return new Envelope(to, from, Unit, { n }, Kind.Plain, 0, undefined);
  }

  it('delivers valid frames in order', () => {
    const { got, outbound, inbound, send } = link();
    send(1);
    outbound.control(7, { hello: 'there' });
    send(2);
    outbound.flush(0);
    expect(inbound.drain()).toBe(3);
    expect(got).toEqual([
      { message: 1 },
      { op: 7, value: { hello: 'there' } },
      { message: 2 },
    ]);
  });

  /**
   * Writes frames 1, 2 and 3, lets `corrupt` change the bytes of frame 2
   * (given its payload offset), then drains: frame 1 arrives, the drain
   * throws, and neither frame 2 nor frame 3 ever reach the sink.
   */
  function corruptSecond(corrupt: (data: DataView, payload: number) => void): {
    error: Coded;
    payload: number;
  } {
    const { got, inbound, data, send } = link();
    send(1);
    const payload = send(2);
    send(3);
    corrupt(data, payload);
    const error = thrown(() => inbound.drain());
    expect(got).toEqual([{ message: 1 }]);
    // The ring stays unusable: no later drain delivers anything either.
    expect(() => inbound.drain()).toThrow(SourceCircoError);
    expect(got).toEqual([{ message: 1 }]);
    return { error, payload };
  }

  function expectCorrupt(error: Coded, offset: number, why: RegExp): void {
    expect(error).toBeInstanceOf(CorruptFrameError);
    expect(error.code).toBe('ERR_CIRCO_CORRUPT_FRAME');
    const corrupt = error as unknown as CorruptFrameError;
    expect(corrupt.ring).toBe(RING);
    expect(error.message).toContain(`ring ${RING}:`);
    expect(corrupt.offset).toBe(offset);
    expect(error.message).toMatch(why);
  }

  it('(a) refuses a length prefix past the payload limit', () => {
    const { error, payload } = corruptSecond((data, at) =>
      data.setInt32(at - 8, 0x7fff_0000, true),
    );
    expectCorrupt(error, payload - 8, /payload limit/);
    expect((error as unknown as CorruptFrameError).length).toBe(0x7fff_0000);
  });

  it('(a) refuses a length prefix that disagrees with the frame', () => {
    const { error, payload } = corruptSecond((data, at) =>
      data.setInt32(at - 8, data.getInt32(at - 8, true) + 8, true),
    );
    expectCorrupt(error, payload + 4, /header says \d+ bytes/);
  });

  it.each([0, 2, 0x7f, 0xff])(
    '(b) refuses frame kind byte %i in a message frame',
    (kind) => {
      const { error, payload } = corruptSecond((data, at) =>
        data.setUint8(at, kind),
      );
      // Kind 2 (control) is a valid kind: its header check fails instead.
      expectCorrupt(
        error,
        kind === 2 ? payload + 4 : payload,
        kind === 2 ? /header says/ : new RegExp(`unknown frame kind ${kind}`),
      );
    },
  );

  it('(c) refuses a type id that no defineMessage defines', () => {
    const { error } = corruptSecond((data, at) =>
      data.setUint32(at + ENVELOPE_OFFSET + TYPE_ID, 0xdead_beef, true),
    );
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect(error.code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
    expect(error.message).toContain('0xdeadbeef');
    expect(error.message).toContain(`ring ${RING}:`);
  });

  it.each([
    ['skipped', 3],
    ['repeated', 1],
  ])('(d) refuses a %s sequence number', (_, seq) => {
    const { buffer, got, inbound, next, send } = link();
    send(10); // seq 0
    send(11); // seq 1
    // A frame written past the Outbound, with the ring API.
    const payload = next() + 8;
    const producer = new RingProducer(buffer, RING);
    const meta = { seq, step: 0, flags: 0, senderKey: 0 };
    expect(writeMessage(producer, envelope(666), meta)).toBe(true);
    producer.publish();
    const error = thrown(() => inbound.drain());
    expectCorrupt(
      error,
      payload,
      new RegExp(`frame sequence ${seq} where 2 was due`),
    );
    expect(got).toEqual([{ message: 10 }, { message: 11 }]);
  });

  it('(d) refuses a control frame out of sequence', () => {
    const { buffer, got, inbound, next, send } = link();
    send(10); // seq 0
    const payload = next() + 8;
    const producer = new RingProducer(buffer, RING);
    expect(writeControl(producer, 7, { rogue: true }, 5)).toBe(true);
    producer.publish();
    const error = thrown(() => inbound.drain());
    expectCorrupt(error, payload, /frame sequence 5 where 1 was due/);
    expect(got).toEqual([{ message: 10 }]);
  });
});
