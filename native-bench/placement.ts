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

/**
 * What the records of a measured run come to: figures for the row's
 * extras (numbers only) and the series for the JSON file.
 */
export function summarize(samples: readonly Sample[], seconds: number) {
  const first = samples[0]?.record;
  const origin = first === undefined ? 0 : first.round - first.rounds;
  // The first round from which every telling record stays under the goal.
  let settled = samples.length === 0 ? -1 : 0;
  for (const { record } of samples) {
    if (record.sent >= MIN_SENT && record.crossShare >= CROSS_GOAL) {
      settled = record.round - origin;
    }
  }
  const last = samples.at(-1)?.record;
  if (last !== undefined && settled === last.round - origin) settled = -1;
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
    roundsToGoal: settled,
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
  };
  return { extra, series };
}

/** The cross share at `round`: of the record that covers it. */
export function crossAt(series: PlacementSeries, round: number): number {
  const i = series.round.findIndex((r) => r >= round);
  return i < 0 ? Number.NaN : series.crossShare[i]!;
}
