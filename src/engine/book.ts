/**
 * The coordinator's ledger of figures: each worker's columns as read from
 * the latest barrier round, with the final words of a worker that failed
 * in place of its column, and the dead letters by type each worker
 * reported when it parked; and the record of the latest round read
 * (differences of the cumulative columns since the round read before).
 */
import type { BarrierCoordinator } from '../barrier/barrier.js';
import {
  type Figures,
  type PartitionCounters,
  type RoundFigures,
  RoundLedger,
} from '../machine/figures.js';
import {
  FIGURE_SUMS,
  FIRST_FIGURE_COLUMN,
  type FigureName,
  Min,
  PerWorker,
} from './rounds.js';

export class FigureBook {
  /** Per worker, the figure columns of the latest round read. */
  private readonly columns: number[][] = [];
  /** Figures sent by workers that failed, replacing their columns. */
  private readonly finalWords = new Map<number, number[]>();
  private readonly deadLetters = new Map<number, Record<string, number>>();
  private readonly sentAcross: number[] = [];
  private readonly overflow: number[] = [];
  private now = 0;
  private step = 0;
  private readonly rounds: RoundLedger;

  constructor(private readonly workers: number) {
    this.rounds = new RoundLedger(workers);
    for (let w = 0; w < workers; w++) {
      this.columns.push(FIGURE_SUMS.map(() => 0));
    }
  }

  /**
   * Takes the columns of the round the barrier snapshot holds; returns
   * the record of the rounds since the previous read, or undefined when
   * that round was read already.
   */
  readRound(barrier: BarrierCoordinator): RoundFigures | undefined {
    this.step = 0;
    for (let w = 0; w < this.workers; w++) {
      this.columns[w] = FIGURE_SUMS.map((_, i) =>
        barrier.perParty(w, FIRST_FIGURE_COLUMN + i),
      );
      this.sentAcross[w] = barrier.perParty(w, PerWorker.SentAcross);
      this.overflow[w] = barrier.perParty(w, PerWorker.Overflow);
      this.step = Math.max(this.step, barrier.perParty(w, PerWorker.Step));
    }
    this.now = barrier.min(Min.Clock);
    const at = (column: number[], name: FigureName) =>
      column[FIGURE_SUMS.indexOf(name)]!;
    const counters = this.columns.map(
      (column, w): PartitionCounters => ({
        delivered: at(column, 'delivered'),
        sent: at(column, 'sent'),
        sentAcross: this.sentAcross[w]!,
        migrations: at(column, 'migrations'),
        forwards: at(column, 'forwards'),
      }),
    );
    return this.rounds.record(barrier.snapshotRound, this.step, counters);
  }

  /** A failing worker's last figures replace its column from now on. */
  lastWords(worker: number, figures: number[]): void {
    this.finalWords.set(worker, figures);
  }

  deadLettersOf(worker: number, byType: Record<string, number>): void {
    this.deadLetters.set(worker, byType);
  }

  figures(): Figures {
    for (const [w, words] of this.finalWords) this.columns[w] = words;
    const at = (name: FigureName) => FIGURE_SUMS.indexOf(name);
    const workers = this.columns.map((column, w) => ({
      delivered: column[at('delivered')]!,
      sentAcross: this.sentAcross[w] ?? 0,
      queued: column[at('queued')]!,
      overflow: this.overflow[w] ?? 0,
      deadLetters: column[at('deadLetters')]!,
      components: column[at('components')]!,
      migrations: column[at('migrations')]!,
    }));
    const sums: Record<string, number> = {};
    FIGURE_SUMS.forEach((name, i) => {
      sums[name] = this.columns.reduce((n, column) => n + column[i]!, 0);
    });
    const byType: Record<string, number> = {};
    for (const perWorker of this.deadLetters.values()) {
      for (const [name, n] of Object.entries(perWorker)) {
        byType[name] = (byType[name] ?? 0) + n;
      }
    }
    return {
      ...(sums as unknown as Figures),
      now: this.now,
      step: this.step,
      deadLettersByType: byType,
      workers,
      round: this.rounds.latest,
    };
  }
}
