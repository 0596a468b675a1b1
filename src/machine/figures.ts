/** The machine's figures: what it holds now and what it has done so far. */
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
}

export function snapshot(scheduler: Scheduler): Figures {
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
  };
}
