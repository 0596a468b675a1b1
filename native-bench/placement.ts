/**
 * The placement view of a run: the machine's per-round records (see
 * RoundFigures) collected while a workload runs, and what they come to
 * over time: the share of messages that crossed workers, migrations,
 * how evenly the workers were loaded, and messages per second.
 */
import type { Machine, RoundFigures } from 'circo';

/** A record as collected: its round and when it was read. */
interface Sample {
  readonly record: RoundFigures;
  /** Seconds since the collection began. */
  readonly at: number;
}

/** The series written to the JSON file, one entry per record read. */
export interface PlacementSeries {
  /** Last round each record covers, counted from the first measured. */
  readonly round: readonly number[];
  /** Seconds since the measured part began, when it was read. */
  readonly seconds: readonly number[];
  readonly crossShare: readonly number[];
  readonly migrations: readonly number[];
  readonly busiest: readonly number[];
  readonly delivered: readonly number[];
  readonly sent: readonly number[];
}

/** Cross share that counts as local enough (the target: under 10 %). */
export const CROSS_GOAL = 0.1;
/**
 * Records with fewer messages sent say little about the share (a
 * migration round sends none): they are left out of the rounds-to-goal.
 */
const MIN_SENT = 100;
/** The final figures are taken over this last share of the messages. */
const FINAL_SHARE = 0.25;
/** The first figures, over this first share. */
const FIRST_SHARE = 0.05;

/** Collects a machine's records from its next run on; stop() ends it. */
export function collectRounds(machine: Machine) {
  const samples: Sample[] = [];
  const t0 = performance.now();
  const stop = machine.onRound((record) => {
    samples.push({ record, at: (performance.now() - t0) / 1000 });
  });
  return { samples, stop };
}

/** Sums of a window of records. */
function window(samples: readonly Sample[]) {
  let sent = 0;
  let across = 0;
  let delivered = 0;
  const perWorker: number[] = [];
  for (const { record } of samples) {
    sent += record.sent;
    across += record.sentAcross;
    delivered += record.delivered;
    record.workers.forEach((w, i) => {
      perWorker[i] = (perWorker[i] ?? 0) + w.delivered;
    });
  }
  const mean = delivered / Math.max(1, perWorker.length);
  return {
    cross: sent === 0 ? 0 : across / sent,
    busiest: mean === 0 ? 0 : Math.max(...perWorker) / mean,
    delivered,
  };
}

/** The records from the first with `share` of the messages behind it. */
function tail(samples: readonly Sample[], share: number): Sample[] {
  const total = samples.reduce((n, s) => n + s.record.delivered, 0);
  let behind = 0;
  let i = samples.length;
  while (i > 0 && behind < share * total) {
    behind += samples[--i]!.record.delivered;
  }
  return samples.slice(i);
}

function head(samples: readonly Sample[], share: number): Sample[] {
  const total = samples.reduce((n, s) => n + s.record.delivered, 0);
  let ahead = 0;
  let i = 0;
  while (i < samples.length && ahead < share * total) {
    ahead += samples[i++]!.record.delivered;
  }
  return samples.slice(0, i);
}

/** Telling records a window of the rounds-to-goal holds. */
const SETTLE_WINDOW = 10;

/**
 * The round (from `origin`) after which the cross share, over every
 * window of SETTLE_WINDOW consecutive telling records, stays under the
 * goal; -1 if the last window does not. The last telling record is left
 * out and windows are used, not single records: a workload's final
 * report to its driver (every grid cell's value, say) is a record of
 * many crossings that says nothing about placement.
 */
function settledRound(samples: readonly Sample[], origin: number): number {
  const told = samples.filter((s) => s.record.sent >= MIN_SENT).slice(0, -1);
  if (told.length === 0) return -1;
  const size = Math.min(SETTLE_WINDOW, told.length);
  let settled = 0;
  for (let end = size; end <= told.length; end++) {
    if (window(told.slice(end - size, end)).cross >= CROSS_GOAL) {
      if (end === told.length) return -1;
      settled = told[end - 1]!.record.round - origin;
    }
  }
  return settled;
}

/**
 * What the records of a measured run come to: figures for the row's
 * extras (numbers only) and the series for the JSON file.
 */
export function summarize(samples: readonly Sample[], seconds: number) {
  const first = samples[0]?.record;
  const origin = first === undefined ? 0 : first.round - first.rounds;
  const settled = settledRound(samples, origin);
  const last = samples.at(-1)?.record;
  const start = window(head(samples, FIRST_SHARE));
  const end = tail(samples, FINAL_SHARE);
  const final = window(end);
  // The final window began when the record before it was read.
  const before = samples[samples.length - end.length - 1];
  const endSeconds = seconds - (before?.at ?? 0);
  const extra = {
    crossFirst: start.cross,
    crossFinal: final.cross,
    /** -1: the share never settled under the goal. */
    roundsToGoal: final.cross < CROSS_GOAL ? settled : -1,
    rounds: last === undefined ? 0 : last.round - origin,
    busiestFinal: final.busiest,
    busiestAll: window(samples).busiest,
    migrations: samples.reduce((n, s) => n + s.record.migrations, 0),
    rateFinal: endSeconds > 0 ? final.delivered / endSeconds : 0,
  };
  const series: PlacementSeries = {
    round: samples.map((s) => s.record.round - origin),
    seconds: samples.map((s) => Number(s.at.toFixed(4))),
    crossShare: samples.map((s) => Number(s.record.crossShare.toFixed(4))),
    migrations: samples.map((s) => s.record.migrations),
    busiest: samples.map((s) => Number(s.record.busiest.toFixed(3))),
    delivered: samples.map((s) => s.record.delivered),
    sent: samples.map((s) => s.record.sent),
  };
  return { extra, series };
}

/**
 * The cross share at `round`: of the first record from there on that
 * carried enough messages to tell (a migration round carries none).
 */
export function crossAt(series: PlacementSeries, round: number): number {
  const i = series.round.findIndex(
    (r, k) => r >= round && series.sent[k]! >= MIN_SENT,
  );
  return i < 0 ? Number.NaN : series.crossShare[i]!;
}

/** The rows of one run the placement section reads. */
interface PlacementRow {
  readonly id: string;
  readonly name: string;
  readonly mode: string;
  readonly params: Readonly<Record<string, number>>;
  readonly rate: number;
  readonly cpuWall: number;
  readonly extra?: Readonly<Record<string, number>>;
  readonly series?: PlacementSeries;
  readonly error?: string;
}

/** Rounds at which the section shows the cross share. */
const SHOWN_ROUNDS = [0, 10, 25, 50, 100, 200, 400];
/** The busiest worker may carry this much over the mean. */
const BALANCE_GOAL = 1.2;
/** The optimization may cost this share where placement is ideal. */
const COST_GOAL = 0.1;

const pct = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '' : `${(100 * x).toFixed(1)} %`;

/**
 * The Markdown section on placement: per workload and worker count, off
 * versus on; the cross share by round; what the optimization costs where
 * it has nothing to win; and the placement targets.
 */
export function placementSection(
  rows: readonly PlacementRow[],
  quick = false,
): string[] {
  const compared = ['list', 'grid', 'treeview'];
  const ok = rows.filter((r) => !r.error && r.extra !== undefined);
  const pairs = ok.filter((r) => compared.includes(r.name));
  const cost = ok.find((r) => r.name === 'pairs');
  if (pairs.length === 0 && cost === undefined) return [];
  const out: string[] = ['', '## Placement (infoton optimization)', ''];
  out.push(
    'Off and on are separate fresh machines in this run; shares are of ' +
      'messages sent, over the whole measured part (first 5 % of the ' +
      'messages, last 25 %). Rounds count barrier rounds from the start ' +
      'of the measured part (a migration round is one); "rounds to ' +
      '< 10 %" is the round after which the share over any 10 ' +
      'consecutive records of 100 messages or more (the last, the ' +
      "workload's final report, left out) stays under 10 %. " +
      'Quick sizes are too small to converge.',
    '',
  );
  out.push(
    '| workload | mode | cross off | cross on: first -> final | ' +
      'rounds to < 10 % | busiest/mean on (final) | migrations | ' +
      'msg/s off | msg/s on | on/off | cpu/wall off, on |',
  );
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const verdicts: string[] = [];
  const judged: { goal: string; met: boolean; measured: string }[] = [];
  for (const name of compared) {
    for (const on of pairs.filter((r) => r.name === name)) {
      if (on.params.optimize !== 1) continue;
      const off = pairs.find(
        (r) => r.name === name && r.mode === on.mode && r.params.optimize === 0,
      );
      const e = on.extra!;
      const ratio = off === undefined ? undefined : on.rate / off.rate;
      const settled = e.roundsToGoal! < 0 ? 'never' : `${e.roundsToGoal}`;
      out.push(
        `| ${name} | ${on.mode} | ${pct(off?.extra?.crossFinal)} | ` +
          `${pct(e.crossFirst)} -> ${pct(e.crossFinal)} | ${settled} of ` +
          `${e.rounds} | ${e.busiestFinal!.toFixed(2)} | ${e.migrations} | ` +
          `${off === undefined ? '' : (off.rate / 1e6).toFixed(2)} M | ` +
          `${(on.rate / 1e6).toFixed(2)} M | ` +
          `${ratio === undefined ? '' : ratio.toFixed(2)} | ` +
          `${off?.cpuWall.toFixed(2) ?? ''}, ${on.cpuWall.toFixed(2)} |`,
      );
      if (name === 'treeview') continue;
      const where = `${name} ${on.mode}`;
      judged.push({
        goal: `${where}: cross share under 10 %`,
        met: e.crossFinal! < CROSS_GOAL,
        measured: `${pct(e.crossFinal)} (rounds to < 10 %: ${settled})`,
      });
      judged.push({
        goal: `${where}: busiest at most ${BALANCE_GOAL} x mean`,
        met: e.busiestFinal! <= BALANCE_GOAL,
        measured: e.busiestFinal!.toFixed(2),
      });
      if (ratio !== undefined) {
        judged.push({
          goal: `${where}: on beats off`,
          met: ratio > 1,
          measured: `on/off ${ratio.toFixed(2)}`,
        });
      }
    }
  }
  const series = pairs.filter((r) => r.params.optimize === 1 && r.series);
  if (series.length > 0) {
    out.push('', 'Cross share by round, optimization on:', '');
    out.push(
      `| workload | mode | ${SHOWN_ROUNDS.map((r) => `r${r}`).join(' | ')} ` +
        '| last |',
    );
    out.push(`|---|---|${SHOWN_ROUNDS.map(() => '---:').join('|')}|---:|`);
    for (const row of series) {
      const s = row.series!;
      const cells = SHOWN_ROUNDS.map((r) => pct(crossAt(s, r)));
      // The last telling record before the final report.
      const told = s.round
        .filter((_, k) => s.sent[k]! >= MIN_SENT)
        .slice(0, -1);
      const last = told.length === 0 ? Number.NaN : told.at(-1)!;
      out.push(
        `| ${row.name} | ${row.mode} | ${cells.join(' | ')} | ` +
          `${pct(crossAt(s, last))} |`,
      );
    }
  }
  if (cost !== undefined) {
    const e = cost.extra!;
    out.push(
      '',
      `Cost where placement is already ideal (pairs, ${cost.mode}, ` +
        `off and on interleaved ${cost.params.reps} times): on/off ` +
        `${e.onOverOff!.toFixed(2)} (spread ${e.ratioMin!.toFixed(2)} to ` +
        `${e.ratioMax!.toFixed(2)}); off ${(e.offRate! / 1e6).toFixed(2)} ` +
        `M msg/s, on ${(e.onRate! / 1e6).toFixed(2)} M msg/s; cpu/wall ` +
        `off ${e.offCpuWall!.toFixed(2)}, on ${cost.cpuWall.toFixed(2)}.`,
    );
    judged.push({
      goal: `pairs ${cost.mode}: optimization costs under 10 %`,
      met: e.onOverOff! > 1 - COST_GOAL,
      measured: `on/off ${e.onOverOff!.toFixed(2)}`,
    });
  }
  // Quick sizes are too small to converge: nothing is judged on them.
  const verdict = (met: boolean) =>
    quick ? 'not judged (quick)' : met ? 'met' : 'MISSED';
  for (const j of judged) {
    verdicts.push(`| ${j.goal} | ${j.measured} | ${verdict(j.met)} |`);
  }
  if (verdicts.length > 0) {
    out.push('', '| placement target | measured | met |', '|---|---|---|');
    out.push(...verdicts);
  }
  return out;
}
