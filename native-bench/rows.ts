/** The records a run produces, as written to the JSON file. */
import type { Params } from './harness.js';
import type { PlacementSeries } from './placement.js';

export interface Row {
  readonly kind: 'workload' | 'baseline';
  /** Entry id (workload and variant) or baseline key. */
  readonly id: string;
  /** Workload or baseline name. */
  readonly name: string;
  /** Mode name (embedded, workers2, workers2-strict) or baseline kind. */
  readonly mode: string;
  readonly params: Params;
  readonly unit: string;
  readonly items: number;
  readonly seconds: number;
  readonly rate: number;
  readonly cpuWall: number;
  readonly startupSeconds?: number;
  readonly extra?: Readonly<Record<string, number>>;
  /** Placement workloads: cross share, migrations, load by round. */
  readonly series?: PlacementSeries;
  /** The baseline compared with, and rate / its rate. */
  readonly baseline?: string;
  readonly vsBaseline?: number;
  /** Runs the figure is the median of (interleaved scaling runs). */
  readonly runs?: number;
  readonly error?: string;
}

export interface ScalingSummary {
  readonly rounds: number;
  /** Median seconds per configuration: circo0/1/2, threads1/2. */
  readonly medians: Readonly<Record<string, number>>;
  readonly circoSpeedup: number;
  readonly bareSpeedup: number;
}

export interface RunReport {
  readonly date: string;
  readonly quick: boolean;
  readonly node: string;
  /** Commit measured; `+dirty` when src/ had uncommitted changes. */
  readonly commit: string;
  readonly cores: number;
  readonly argv: readonly string[];
  readonly seconds: number;
  readonly rows: readonly Row[];
  readonly scaling?: ScalingSummary;
}
