/** The machine's figures: what it holds now and what it has done so far. */
import { roundChannel } from '../diagnostics.js';
import { InvalidArgumentError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/** One worker's share, in a threaded machine. */
export interface WorkerFigures {
  readonly delivered: number;
  /** Messages it sent to other workers. */
  readonly sentAcross: number;
  readonly queued: number;
  /** Frames waiting for room in its rings. */
  readonly overflow: number;
  readonly deadLetters: number;
  /** Live components on it. */
  readonly components: number;
  /** Components that migrated away from it. */
  readonly migrations: number;
}

export interface Figures {
  /** Machine time in milliseconds. */
  readonly now: number;
  /** Steps begun so far. */
  readonly step: number;
  /** Live components. */
  readonly components: number;
  /** Messages waiting to be handled. */
  readonly queued: number;
  /** Timers set and not yet fired (request timeouts included). */
  readonly timers: number;
  /** Requests still waiting for their reply or timeout. */
  readonly pendingRequests: number;
  /** Names in the registry. */
  readonly names: number;
  /** Event subscriptions. */
  readonly subscriptions: number;
  /** (watcher, watched) pairs. */
  readonly watches: number;
  readonly spawned: number;
  readonly died: number;
  readonly sent: number;
  readonly delivered: number;
  /** Messages to components that never existed or had died. */
  readonly deadLetters: number;
  /** Dead letters by message type name. */
  readonly deadLettersByType: Readonly<Record<string, number>>;
  readonly lateReplies: number;
  readonly timeouts: number;
  readonly handlerErrors: number;
  readonly eventsDropped: number;
  readonly eventsFiltered: number;
  /**
   * Messages passed on to where their target moved: the outside's, which
   * go to their target's home worker, once each; components' own go
   * straight there, but for a reply of the services (NameFound,
   * NameTaken, Terminated) routed just before its target moved.
   */
  readonly forwards: number;
  /** Components moved between workers (infoton optimization, migrate). */
  readonly migrations: number;
  /** Per worker, in a threaded machine; empty in the embedded one. */
  readonly workers: readonly WorkerFigures[];
  /** The latest round's record (see RoundFigures). */
  readonly round: RoundFigures;
}

/** One partition's share of a round (see RoundFigures). */
export interface RoundWorkerFigures {
  /** Messages it handled in the rounds the record covers. */
  readonly delivered: number;
  /**
   * `delivered` as a share of the mean over partitions: 1 is an even
   * share, 2 twice the mean; 0 for all when nothing was handled.
   */
  readonly load: number;
}

/**
 * What happened in the latest barrier round of a run (a step in the
 * strict mode), as differences of the cumulative figures between two
 * rounds the machine read. The coordinator is never waited for, and it
 * reads rounds only when asked to (a `runUntil` predicate, an `ask`, an
 * `onRound` listener, a subscriber to `circo:round` or `circo:figures`)
 * and otherwise at the end of each run: a record then covers every round
 * since the previous record, and says so in `rounds`. Records follow each
 * other without gaps: a record's first round is the previous one's
 * `round` plus 1.
 *
 * A migration round is a barrier round of its own, in which no message
 * is handled. The embedded machine has one partition: nothing crosses,
 * nothing migrates, its one worker's load is 1; its round is a step in
 * the strict mode and, in the loose mode, a batch of messages between
 * two checks of the run's stop condition.
 */
export interface RoundFigures {
  /** The last round the record covers (0 is the machine's first). */
  readonly round: number;
  /** How many rounds it covers, up to and including `round`. */
  readonly rounds: number;
  /** Steps begun so far, at `round`. */
  readonly step: number;
  /** Messages handled in these rounds. */
  readonly delivered: number;
  /** Messages components sent in these rounds (system messages too). */
  readonly sent: number;
  /**
   * Messages written to another worker's ring in these rounds: sends
   * that crossed workers, forwards, and messages that travelled with a
   * migrating component.
   */
  readonly sentAcross: number;
  /** `sentAcross / sent`, 0 when nothing was sent. */
  readonly crossShare: number;
  /** Components moved between workers in these rounds. */
  readonly migrations: number;
  /** Messages from the outside passed on to where their target moved. */
  readonly forwards: number;
  /** Per partition: each worker, or the embedded machine's one. */
  readonly workers: readonly RoundWorkerFigures[];
  /** The largest `load` among the partitions: 1 is perfect balance. */
  readonly busiest: number;
}

/** A partition's cumulative counters, as read at a round. */
export interface PartitionCounters {
  delivered: number;
  sent: number;
  sentAcross: number;
  migrations: number;
  forwards: number;
}

const COUNTERS = [
  'delivered',
  'sent',
  'sentAcross',
  'migrations',
  'forwards',
] as const;

function zeroCounters(): PartitionCounters {
  return { delivered: 0, sent: 0, sentAcross: 0, migrations: 0, forwards: 0 };
}

/** The record before any round was read. */
export const NO_ROUND: RoundFigures = Object.freeze({
  round: -1,
  rounds: 0,
  step: 0,
  delivered: 0,
  sent: 0,
  sentAcross: 0,
  crossShare: 0,
  migrations: 0,
  forwards: 0,
  workers: Object.freeze([]),
  busiest: 0,
});

/**
 * Turns the cumulative counters read at rounds into RoundFigures: keeps
 * each partition's counters at the previous record and subtracts them.
 */
export class RoundLedger {
  /** The latest record. */
  latest: RoundFigures = NO_ROUND;
  private readonly before: PartitionCounters[] = [];

  constructor(partitions: number) {
    for (let p = 0; p < partitions; p++) this.before.push(zeroCounters());
  }

  /**
   * The record of the rounds after the latest record up to `round`, with
   * `counters` (per partition, cumulative) read at `round`; undefined
   * when `round` is already recorded.
   */
  record(
    round: number,
    step: number,
    counters: readonly PartitionCounters[],
  ): RoundFigures | undefined {
    if (round <= this.latest.round) return undefined;
    const sum = zeroCounters();
    const handled: number[] = [];
    counters.forEach((now, p) => {
      const before = this.before[p]!;
      handled.push(Math.max(0, now.delivered - before.delivered));
      for (const key of COUNTERS) {
        // A counter never goes down; max() guards a failed worker's last
        // words, which may be older than the round read before them.
        sum[key] += Math.max(0, now[key] - before[key]);
        before[key] = now[key];
      }
    });
    const mean = sum.delivered / counters.length;
    let busiest = 0;
    const workers = handled.map((delivered): RoundWorkerFigures => {
      const load = mean === 0 ? 0 : delivered / mean;
      if (load > busiest) busiest = load;
      return { delivered, load };
    });
    this.latest = {
      round,
      rounds: round - this.latest.round,
      step,
      ...sum,
      crossShare: sum.sent === 0 ? 0 : sum.sentAcross / sum.sent,
      workers,
      busiest,
    };
    return this.latest;
  }
}

export type RoundListener = (round: RoundFigures) => void;

/** A machine's `onRound` listeners, and the `circo:round` channel. */
export class RoundWatchers {
  private readonly listeners = new Set<RoundListener>();

  add(listener: RoundListener): () => void {
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(
        `onRound needs a listener function, got ${typeof listener}`,
      );
    }
    // A wrapper per call: the same function added twice is called twice
    // and each returned function removes one.
    const once = (round: RoundFigures) => listener(round);
    this.listeners.add(once);
    return () => {
      this.listeners.delete(once);
    };
  }

  /** Whether anyone wants every round. */
  get watched(): boolean {
    return this.listeners.size > 0 || roundChannel.hasSubscribers;
  }

  /** Hands `record` to the channel's subscribers and the listeners. */
  publish(record: RoundFigures): void {
    if (roundChannel.hasSubscribers) roundChannel.publish(record);
    for (const listener of this.listeners) listener(record);
  }
}

export function snapshot(
  scheduler: Scheduler,
  round: RoundFigures = NO_ROUND,
): Figures {
  const c = scheduler.figures;
  return {
    now: scheduler.now,
    step: scheduler.step,
    ...scheduler.census(),
    spawned: c.spawned,
    died: c.died,
    sent: c.sent,
    delivered: c.delivered,
    deadLetters: c.deadLetters,
    deadLettersByType: Object.fromEntries(c.deadLettersByType),
    lateReplies: c.lateReplies,
    timeouts: c.timeouts,
    handlerErrors: c.handlerErrors,
    eventsDropped: c.eventsDropped,
    eventsFiltered: c.eventsFiltered,
    forwards: 0,
    migrations: 0,
    workers: [],
    round,
  };
}
