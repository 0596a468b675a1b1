import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BARRIER_DEFAULT_SPIN,
  Barrier,
  type BarrierCoordinator,
} from '../../src/barrier/barrier.js';
import { BarrierTimeoutError, InvalidArgumentError } from '../../src/errors.js';
import {
  type BarrierWorkerData,
  COLUMNS,
  contribution,
  I_ACK,
  I_DELAYS,
  I_RELEASE,
  I_REUSE_CHECKS,
  I_REUSE_FAILS,
  I_VIOLATION_PARTY,
  I_VIOLATION_ROUND,
  I_VIOLATION_SEEN,
  I_VIOLATIONS,
  I_WORDS,
  logWidth,
  MIN_DUE,
  PP_COUNT,
  PP_TAG,
  rand,
  SUM_COUNT,
  SUM_FLOAT,
  slowParty,
  WORKER_KIND,
  type WorkerReport,
} from '../fixtures/barrier-worker.js';

// Replay a failure with CIRCO_SEED=<seed> npm test -- test/barrier
const SEED = Number(process.env.CIRCO_SEED ?? Date.now() % 2 ** 31);
const WORKER_URL = new URL(
  '../../dist/test/fixtures/barrier-worker.js',
  import.meta.url,
);

const live: Worker[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((w) => w.terminate()));
});

function start(data: BarrierWorkerData): Promise<WorkerReport> {
  const worker = new Worker(WORKER_URL, { workerData: data });
  live.push(worker);
  const report = new Promise<WorkerReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`party ${data.party} exited (${code}) unreported`));
    });
  });
  report.catch(() => {}); // the test awaits it; afterEach may kill first
  return report;
}

interface Run {
  readonly seed: number;
  readonly barrier: BarrierCoordinator;
  readonly inst: Int32Array;
  readonly log: Float64Array;
  readonly reports: Promise<WorkerReport[]>;
}

function run(
  seed: number,
  parties: number,
  history: number,
  extra: Partial<BarrierWorkerData> & { rounds: number },
): Run {
  const barrier = Barrier.create({
    parties,
    ...COLUMNS,
    history,
    timeoutMs: 15_000, // a hang fails the test instead of stalling it
  });
  const inst = new Int32Array(new SharedArrayBuffer(I_WORDS * 4));
  inst[I_ACK] = -1;
  const width = logWidth(parties);
  const log = new SharedArrayBuffer(parties * extra.rounds * width * 8);
  const reports = Promise.all(
    Array.from({ length: parties }, (_, party) =>
      start({
        kind: WORKER_KIND,
        scenario: 'rounds',
        buffer: barrier.buffer,
        party,
        seed,
        inst: inst.buffer as SharedArrayBuffer,
        log,
        delayChance: 0,
        reuseChance: 0,
        gateEvery: 0,
        absent: -1,
        ...extra,
      }),
    ),
  );
  return { seed, barrier, inst, log: new Float64Array(log), reports };
}

/** Results of `round` as the test computes them: party order 0..N-1. */
function expected(seed: number, parties: number, round: number) {
  const out = new Float64Array(logWidth(parties));
  let count = 0;
  let float = 0;
  let due = Number.POSITIVE_INFINITY;
  for (let p = 0; p < parties; p++) {
    const c = contribution(seed, p, round);
    count += c.count;
    float += c.float;
    due = Math.min(due, c.due);
    out[3 + 2 * p] = c.tag;
    out[4 + 2 * p] = c.count;
  }
  out[0] = count;
  out[1] = float;
  out[2] = due;
  return out;
}

/** The coordinator's snapshot laid out like a worker's log entry. */
function snapshot(barrier: BarrierCoordinator): Float64Array {
  const parties = barrier.layout.parties;
  const out = new Float64Array(logWidth(parties));
  out[0] = barrier.sum(SUM_COUNT);
  out[1] = barrier.sum(SUM_FLOAT);
  out[2] = barrier.min(MIN_DUE);
  for (let q = 0; q < parties; q++) {
    out[3 + 2 * q] = barrier.perParty(q, PP_TAG);
    out[4 + 2 * q] = barrier.perParty(q, PP_COUNT);
  }
  return out;
}

/** First index where two rows differ bit-wise (Object.is), or -1. */
function differs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

function assertNoViolation(inst: Int32Array, tag: string): void {
  const where =
    `round ${inst[I_VIOLATION_ROUND]} party ${inst[I_VIOLATION_PARTY]} ` +
    `saw ${inst[I_VIOLATION_SEEN]}`;
  expect(inst[I_VIOLATIONS], `${tag}: left early, ${where}`).toBe(0);
}

describe(`Barrier (CIRCO_SEED=${SEED})`, () => {
  it.each([
    { parties: 2, rounds: 3000, history: 2 },
    { parties: 3, rounds: 2000, history: 4 },
    { parties: 5, rounds: 800, history: 2 },
    { parties: 8, rounds: 500, history: 8 },
  ])(
    '$parties parties x $rounds rounds, history $history: barrier, reuse',
    async ({ parties, rounds, history }) => {
      const seed = (SEED + parties * 7919) % 2 ** 31;
      const tag = `seed ${seed} (CIRCO_SEED=${SEED}), ${parties} parties`;
      const delayChance = 0.3 / parties;
      const reuseChance = 0.02;
      const r = run(seed, parties, history, {
        rounds,
        delayChance,
        reuseChance,
      });
      // A passive coordinator reads whatever it can while the workers run;
      // every read it reports as good must be exactly right.
      let goodReads = 0;
      const observe = async () => {
        let last = -1;
        while (last < rounds - 1) {
          last = await r.barrier.nextRound(last, 20_000);
          if (!r.barrier.read(last)) continue;
          goodReads++;
          const want = expected(seed, parties, last);
          const bad = differs(snapshot(r.barrier), want);
          expect(bad, `${tag}: coordinator read of round ${last}`).toBe(-1);
        }
      };
      const [reports] = await Promise.all([r.reports, observe()]);
      expect(goodReads, tag).toBeGreaterThan(0);
      expect(reports, tag).toEqual(
        Array.from({ length: parties }, () => ({ type: 'done' })),
      );
      assertNoViolation(r.inst, tag);

      // The forced delays and reuse races happened as the seed says.
      let delays = 0;
      for (let p = 0; p < parties; p++) {
        for (let round = 0; round < rounds; round++) {
          if (rand(seed, p, round, 10) < delayChance) delays++;
          if (rand(seed, p, round, 11) < delayChance) delays++;
        }
      }
      expect(r.inst[I_DELAYS], tag).toBe(delays);
      let races = 0;
      for (let round = 0; round < rounds; round++) {
        if (slowParty(seed, parties, round, reuseChance) >= 0) races++;
      }
      expect(races, tag).toBeGreaterThan(0);
      expect(r.inst[I_REUSE_CHECKS], tag).toBe(races);
      expect(r.inst[I_REUSE_FAILS], `${tag}: results changed`).toBe(0);

      // Every party saw every round's results bit-identical to ours.
      const width = logWidth(parties);
      let wrong = 0;
      let first = '';
      let orderMatters = 0;
      for (let round = 0; round < rounds; round++) {
        const want = expected(seed, parties, round);
        for (let p = 0; p < parties; p++) {
          const at = (p * rounds + round) * width;
          const k = differs(r.log.subarray(at, at + width), want);
          if (k >= 0 && wrong++ === 0) {
            first = `party ${p} round ${round} value ${k}: ${r.log[at + k]}`;
          }
        }
        let reversed = 0;
        for (let p = parties - 1; p >= 0; p--) {
          reversed += contribution(seed, p, round).float;
        }
        if (!Object.is(reversed, want[1])) orderMatters++;
      }
      expect(wrong, `${tag}: first wrong ${first}`).toBe(0);
      // With three or more parties the float data is order-sensitive, so the
      // bit-identity check above would catch a non-canonical order.
      if (parties >= 3) expect(orderMatters, tag).toBeGreaterThan(0);
    },
  );

  it('coordinator observes rounds with waitAsync, never blocking', async () => {
    const seed = SEED;
    const tag = `seed ${seed}`;
    const parties = 3;
    const rounds = 300;
    const gateEvery = 50;
    const r = run(seed, parties, 4, { rounds, gateEvery, delayChance: 0.05 });
    let gates = 0;
    let tickedWhileWaiting = 0;
    const seen: number[] = [];
    const observe = async () => {
      let last = -1;
      while (last < rounds - 1) {
        // Right after an ACK, party 0 sleeps 20 ms before the next round, so
        // a non-blocking nextRound lets this immediate run first.
        const acked = last >= 0 && (last + 1) % gateEvery === 0;
        let ticked = false;
        const immediate = setImmediate(() => {
          ticked = true;
        });
        const round = await r.barrier.nextRound(last, 20_000);
        clearImmediate(immediate);
        if (acked && ticked) tickedWhileWaiting++;
        expect(round, tag).toBeGreaterThan(last);
        seen.push(round);
        const gate = (round + 1) % gateEvery === 0 && round + 1 < rounds;
        const final = round === rounds - 1;
        // At a gate or after the last round nobody can overwrite the slot.
        const ok = r.barrier.read(round);
        if (gate || final) expect(ok, `${tag}: read ${round}`).toBe(true);
        if (ok) {
          expect(r.barrier.snapshotRound).toBe(round);
          const want = expected(seed, parties, round);
          expect(differs(snapshot(r.barrier), want), `${tag} ${round}`).toBe(
            -1,
          );
        }
        if (gate) {
          gates++;
          Atomics.store(r.inst, I_ACK, round);
          Atomics.notify(r.inst, I_ACK);
        }
        last = round;
      }
    };
    await Promise.all([r.reports, observe()]);
    assertNoViolation(r.inst, tag);
    expect(gates).toBe(Math.floor((rounds - 1) / gateEvery));
    expect(seen).toContain(gateEvery - 1);
    expect(tickedWhileWaiting, tag).toBe(gates);
    expect(r.barrier.latestRound()).toBe(rounds - 1);
    expect(r.barrier.read(0)).toBe(false); // reused 296 rounds ago
    expect(() => r.barrier.read(rounds)).toThrow(InvalidArgumentError);
  });

  it('coordinator reads racing the parties are refused or exact', async () => {
    const seed = SEED ^ 0x5bd1e995;
    const tag = `seed ${seed}`;
    const parties = 2;
    const rounds = 20_000;
    const r = run(seed, parties, 2, { rounds });
    let done = false;
    let good = 0;
    let refused = 0;
    const hammer = async () => {
      while (!done) {
        // Bursts of back-to-back reads, then let the event loop breathe.
        for (let i = 0; i < 200; i++) {
          const round = r.barrier.latestRound();
          if (round < 0) break;
          if (!r.barrier.read(round)) {
            refused++;
            continue;
          }
          good++;
          const want = expected(seed, parties, round);
          const bad = differs(snapshot(r.barrier), want);
          expect(bad, `${tag}: torn read of round ${round}`).toBe(-1);
        }
        await new Promise(setImmediate);
      }
    };
    const finished = r.reports.finally(() => {
      done = true;
    });
    await Promise.all([finished, hammer()]);
    assertNoViolation(r.inst, tag);
    expect(good + refused, tag).toBeGreaterThan(1000);
  });

  it('a timed-out party breaks the barrier for all', async () => {
    const parties = 3;
    const absent = 2;
    const timeoutMs = 300;
    const barrier = Barrier.create({ parties, timeoutMs });
    const inst = new Int32Array(new SharedArrayBuffer(I_WORDS * 4));
    const reports = Array.from({ length: parties }, (_, party) =>
      start({
        kind: WORKER_KIND,
        scenario: 'timeout',
        buffer: barrier.buffer,
        party,
        rounds: 5,
        seed: SEED,
        inst: inst.buffer as SharedArrayBuffer,
        log: new SharedArrayBuffer(8),
        delayChance: 0,
        reuseChance: 0,
        gateEvery: 0,
        absent,
      }),
    );
    const failure = await barrier.nextRound(4, 10_000).catch((e) => e);
    expect(failure).toBeInstanceOf(BarrierTimeoutError);
    expect(failure.code).toBe('ERR_CIRCO_BARRIER_TIMEOUT');
    expect(failure.message).toContain('not arrived: 2');
    expect([0, 1]).toContain(barrier.brokenBy);
    expect(barrier.latestRound()).toBe(4);
    expect(barrier.read(4)).toBe(true);
    const present = await Promise.all(reports.slice(0, absent));
    for (const report of present) {
      if (report.type !== 'failed') throw new Error('arrive returned');
      expect(report.code).toBe('ERR_CIRCO_BARRIER_TIMEOUT');
      expect(report.message).toContain('barrier broken in round 5');
      expect(report.message).toContain('not arrived: 2');
    }
    const breakers = present.filter(
      (r) => r.type === 'failed' && r.message.includes('this party'),
    );
    expect(breakers).toHaveLength(1);
    const breaker = breakers[0] as { elapsedMs: number };
    expect(breaker.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    // The late party is refused at once rather than waiting again.
    Atomics.store(inst, I_RELEASE, 1);
    Atomics.notify(inst, I_RELEASE);
    const late = await reports[absent];
    expect(late.type).toBe('failed');
    if (late.type !== 'failed') return;
    expect(late.code).toBe('ERR_CIRCO_BARRIER_TIMEOUT');
    expect(late.elapsedMs).toBeLessThan(timeoutMs / 2);
  });

  it('one in-process party: values persist, history', async () => {
    const barrier = Barrier.create({
      parties: 1,
      sums: 1,
      mins: 1,
      history: 2,
    });
    const party = Barrier.attach(barrier.buffer, 0);
    expect(party.round).toBe(-1);
    party.setSum(0, 2.5);
    party.setMin(0, Number.NaN);
    expect(party.arrive()).toBe(0);
    expect(party.sum(0)).toBe(2.5);
    expect(party.min(0)).toBeNaN();
    party.setMin(0, -1);
    expect(party.arrive()).toBe(1);
    expect([party.sum(0), party.min(0), party.round]).toEqual([2.5, -1, 1]);
    party.arrive();
    const observer = Barrier.observe(barrier.buffer);
    expect(observer.latestRound()).toBe(2);
    expect(observer.read(0)).toBe(false);
    expect(observer.read(2)).toBe(true);
    expect(observer.sum(0)).toBe(2.5);
    await expect(barrier.nextRound(1)).resolves.toBe(2);
    const t0 = performance.now();
    await expect(barrier.nextRound(2, 30)).rejects.toThrow(BarrierTimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    // A second handle on the same party is out of step and says so.
    const twin = Barrier.attach(barrier.buffer, 0);
    party.arrive();
    expect(() => twin.arrive()).toThrow(/attached twice/);
  });

  it('spins only when every party can have a core', () => {
    const cores = availableParallelism();
    const crowded = Barrier.create({ parties: cores + 1 });
    expect(Barrier.attach(crowded.buffer, 0).layout.spin).toBe(0);
    const roomy = Barrier.create({ parties: 1 });
    expect(roomy.layout.spin).toBe(BARRIER_DEFAULT_SPIN);
    const set = Barrier.create({ parties: cores + 1, spin: 7 });
    expect(Barrier.attach(set.buffer, 0).layout.spin).toBe(7);
  });

  it('rejects bad arguments, naming them', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ parties: 0 }, /parties .* got 0/],
      [{ parties: 1.5 }, /parties .* got 1\.5/],
      [{ parties: '2' }, /parties .* got 2/],
      [{ parties: 2, sums: -1 }, /sums .* got -1/],
      [{ parties: 2, mins: 2000 }, /mins .* got 2000/],
      [{ parties: 2, perParty: Number.NaN }, /perParty .* got NaN/],
      [{ parties: 2, history: 3 }, /history must be a power of two, got 3/],
      [{ parties: 2, history: 1 }, /history .* got 1/],
      [{ parties: 2, spin: -1 }, /spin .* got -1/],
      [{ parties: 2, timeoutMs: 0 }, /timeoutMs .* got 0/],
    ];
    for (const [options, message] of bad) {
      const create = () => Barrier.create(options as never);
      expect(create).toThrow(InvalidArgumentError);
      expect(create).toThrow(message);
    }
    expect(() => Barrier.create(null as never)).toThrow(/options/);
    const barrier = Barrier.create({ parties: 2, sums: 1 });
    const attach = (buffer: unknown, party: number) => () =>
      Barrier.attach(buffer as SharedArrayBuffer, party);
    expect(attach(new ArrayBuffer(64), 0)).toThrow(/buffer must be/);
    expect(attach(new SharedArrayBuffer(64), 0)).toThrow(/not a barrier/);
    expect(attach(barrier.buffer, 2)).toThrow(/party .* got 2/);
    expect(attach(barrier.buffer, -1)).toThrow(InvalidArgumentError);
    const party = Barrier.attach(barrier.buffer, 0);
    expect(() => party.setSum(1, 0)).toThrow(/sum column .* got 1/);
    expect(() => party.setMin(0, 0)).toThrow(/min column .* \[0, 0\)/);
    expect(() => party.perParty(0, 0)).toThrow(/perParty column/);
    expect(() => party.arrive(0)).toThrow(/timeoutMs .* got 0/);
    await expect(barrier.nextRound(-2)).rejects.toThrow(/afterRound/);
    expect(() => barrier.read(0)).toThrow(/completed round .* got 0/);
  });
});
