/**
 * The targets of the brief, checked against one run's rows. Published
 * figures are for 2 vCPU, Node 20 versus Erlang/OTP 25 (and CAF for the
 * actor tree); the goal is twice the best of them, in the default
 * configuration.
 */
import type { Row, ScalingSummary } from './rows.js';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly reference: string;
  /** measured / reference, in the sense where >= goal is met. */
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
  /** met, MISSED, or inconclusive (the reference itself did not hold). */
  readonly verdict: string;
}

interface Savina {
  readonly workload: string;
  readonly title: string;
  readonly erlang: number;
  /** The best published figure (CAF where it beats Erlang). */
  readonly best: number;
  readonly bestBy: string;
  readonly plain?: string;
}

const SAVINA: readonly Savina[] = [
  {
    workload: 'pingpong',
    title: 'PingPong',
    erlang: 2.5e6,
    best: 2.5e6,
    bestBy: 'Erlang',
    plain: 'plain-pingpong',
  },
  {
    workload: 'threadring',
    title: 'ThreadRing',
    erlang: 2.4e6,
    best: 2.4e6,
    bestBy: 'Erlang',
    plain: 'plain-threadring',
  },
  {
    workload: 'big',
    title: 'Big',
    erlang: 3.4e6,
    best: 3.4e6,
    bestBy: 'Erlang',
  },
  {
    workload: 'chameneos',
    title: 'Chameneos',
    erlang: 2.7e6,
    best: 2.7e6,
    bestBy: 'Erlang',
  },
  {
    workload: 'counting',
    title: 'Counting',
    erlang: 13e6,
    best: 13e6,
    bestBy: 'Erlang',
    plain: 'plain-counting',
  },
  {
    workload: 'fj-throughput',
    title: 'Fork-join throughput',
    erlang: 10e6,
    best: 10e6,
    bestBy: 'Erlang',
  },
  {
    workload: 'actortree',
    title: 'ActorTree (actors/s)',
    erlang: 190e3,
    best: 330e3,
    bestBy: 'CAF',
  },
];

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

/** A ratio with three decimals, or two significant digits when tiny. */
export function ratio(n: number): string {
  return Math.abs(n) >= 0.01 || n === 0 ? n.toFixed(3) : n.toPrecision(2);
}

export function rate(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(n < 10 ? 2 : 0);
}

function where(row: Row): string {
  return `${row.id} ${row.mode}, cpu/wall ${row.cpuWall.toFixed(2)}`;
}

/** The row of entry `id` in mode `mode`, if it ran and succeeded. */
function modeRow(
  rows: readonly Row[],
  id: string,
  mode: string,
): Row | undefined {
  return rows.find(
    (r) => r.kind === 'workload' && r.id === id && r.mode === mode && !r.error,
  );
}

function baselineRow(rows: readonly Row[], key: string): Row | undefined {
  return rows.find((r) => r.kind === 'baseline' && r.id === key && !r.error);
}

/**
 * The targets of the brief, judged on the default configuration: loose
 * steps on `defaultMode` (one worker per core, as createMachine does with
 * no options). The embedded machine's figure is shown beside it.
 */
export function checkTargets(
  rows: readonly Row[],
  scaling: ScalingSummary | undefined,
  defaultMode: string,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const push = (check: Omit<TargetCheck, 'verdict'> & { verdict?: string }) => {
    checks.push({ ...check, verdict: check.verdict ?? verdict(check.met) });
  };
  const measured = (row: Row) => {
    const embedded = modeRow(rows, row.id, 'embedded');
    return (
      `${rate(row.rate)}/s (${where(row)})` +
      (embedded ? `; embedded ${rate(embedded.rate)}/s` : '')
    );
  };
  for (const s of SAVINA) {
    // The Savina size decides; a steady (longer) run is checked apart.
    const sized = [s.workload, `${s.workload} steady`]
      .map((id) => [id, modeRow(rows, id, defaultMode)] as const)
      .filter((pair): pair is [string, Row] => pair[1] !== undefined);
    const goal = 2 * s.best;
    for (const [id, row] of sized) {
      const size = id === s.workload ? 'Savina size' : 'steady';
      push({
        target: `${s.title} (${size}): 2x ${s.bestBy} (${rate(goal)}/s)`,
        measured: measured(row),
        reference:
          `Erlang ${rate(s.erlang)}/s` +
          (s.bestBy === 'Erlang' ? '' : `, ${s.bestBy} ${rate(s.best)}/s`),
        ratio: row.rate / goal,
        goal: 1,
        met: row.rate >= goal,
      });
    }
    // The plain loop runs the steady size where there is one.
    const row = sized[sized.length - 1]?.[1];
    const plain = s.plain && baselineRow(rows, s.plain);
    if (row && plain) {
      const below = plain.rate < goal;
      push({
        target: `${s.title}: >= 80% of the plain loop`,
        measured: measured(row),
        reference:
          `${plain.id} ${rate(plain.rate)}/s` +
          (below ? ` (the plain loop itself is below 2x ${s.bestBy})` : ''),
        ratio: row.rate / plain.rate,
        goal: 0.8,
        met: row.rate >= 0.8 * plain.rate,
      });
    }
  }
  const cross = rows.find(
    (r) => r.id === 'maxthroughput cross' && r.kind === 'workload' && !r.error,
  );
  const ring = baselineRow(rows, 'ring');
  const post = baselineRow(rows, 'postmessage');
  if (cross && ring) {
    push({
      target: 'MaxThroughput across workers >= half the raw ring',
      measured: `${rate(cross.rate)} msg/s (${where(cross)})`,
      reference:
        `ring ${rate(ring.rate)} frames/s` +
        (post ? `; postMessage ${rate(post.rate)} msg/s` : ''),
      ratio: cross.rate / ring.rate,
      goal: 0.5,
      met: cross.rate >= 0.5 * ring.rate,
    });
  }
  const step2 = rows.find(
    (r) => r.name === 'step' && r.mode === 'workers2-strict' && !r.error,
  );
  const barrier2 = baselineRow(rows, 'barrier2');
  const nospin = baselineRow(rows, 'barrier2-nospin');
  if (step2 && barrier2) {
    // Time per step over time per barrier round: at most 1.5.
    const times = barrier2.rate / step2.rate;
    push({
      target: 'Empty strict step, 2 workers <= 1.5x a raw barrier round',
      measured: `${(1e6 / step2.rate).toFixed(1)} us/step (${where(step2)})`,
      reference:
        `barrier ${(1e6 / barrier2.rate).toFixed(2)} us/round` +
        (nospin
          ? `; without spinning (the engine's setting when workers >= ` +
            `cores) ${(1e6 / nospin.rate).toFixed(1)} us`
          : ''),
      ratio: times,
      goal: 1.5,
      met: times <= 1.5,
    });
  }
  for (const row of rows) {
    if (row.name !== 'memory' || row.kind !== 'workload' || row.error) {
      continue;
    }
    const bytes = row.extra?.bytesPerComponent ?? Number.NaN;
    push({
      target: `Memory (${row.mode}): <= 200 bytes per idle component`,
      measured: `${bytes.toFixed(1)} bytes`,
      reference: '200 bytes',
      ratio: bytes / 200,
      goal: 1,
      met: bytes <= 200,
    });
  }
  if (scaling !== undefined) {
    push({
      target: 'Scaling 1->2 workers >= 0.9x the speedup of two bare threads',
      measured: `circo ${scaling.circoSpeedup.toFixed(2)}x`,
      reference: `bare threads ${scaling.bareSpeedup.toFixed(2)}x`,
      ratio: scaling.circoSpeedup / scaling.bareSpeedup,
      goal: 0.9,
      met: scaling.circoSpeedup >= 0.9 * scaling.bareSpeedup,
      // Two bare threads that did not get two cores say nothing.
      ...(scaling.bareSpeedup < 1.2
        ? { verdict: 'inconclusive (bare threads did not scale)' }
        : {}),
    });
  }
  return checks;
}
