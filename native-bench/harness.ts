/**
 * What every macro workload shares: modes, parameters, timing (wall, and
 * process CPU over wall), machine start-up timed apart, result checks and
 * the one-line RESULT format.
 *
 * Drivers import the library as 'circo' and load their component modules
 * from dist/ by URL, never statically: the module a machine's workers load
 * must be the very module the driver's thread loaded (one registry), and
 * the driver's thread must not define message types its workers lack.
 */
import { createMachine, type Machine, type MessageType } from 'circo';
import type { PlacementSeries } from './placement.js';

export type Params = Record<string, number>;

/** How a workload runs: on this thread or on workers, loose or strict. */
export interface Mode {
  /** 0 is the embedded machine. */
  readonly workers: number;
  readonly strict: boolean;
}

export type ModeKind = 'embedded' | 'workers' | 'strict';

export const EMBEDDED: Mode = { workers: 0, strict: false };

export function modeName(mode: Mode): string {
  const base = mode.workers === 0 ? 'embedded' : `workers${mode.workers}`;
  return mode.strict ? `${base}-strict` : base;
}

export function modeKind(mode: Mode): ModeKind {
  if (mode.strict) return 'strict';
  return mode.workers === 0 ? 'embedded' : 'workers';
}

/** What one measured run gives. */
export interface Measured {
  /** Items handled: messages, passes, components, steps. */
  readonly items: number;
  readonly seconds: number;
  /** Process CPU time (user + system, all threads) over wall time. */
  readonly cpuWall: number;
  /** createMachine (worker start-up), timed apart from the workload. */
  readonly startupSeconds: number;
  /** Other figures: delivered messages, bytes per component, ... */
  readonly extra?: Readonly<Record<string, number>>;
  /** Placement workloads: their per-round records (see placement.ts). */
  readonly series?: PlacementSeries;
}

export interface Sizes {
  /** For the vitest suite: a few milliseconds. */
  readonly tiny: Params;
  /** `--quick`. */
  readonly quick: Params;
  /** The Savina size (or the brief's size). */
  readonly full: Params;
  /** A longer run for a steady rate, where the brief names one. */
  readonly steady?: Params;
}

export interface Workload {
  readonly name: string;
  /** What RATE counts, per second. */
  readonly unit: string;
  /** Parameter names, in the order the command line takes them. */
  readonly params: readonly string[];
  readonly sizes: Sizes;
  /** Where the components run on workers. */
  readonly placement: string;
  /** Modes the suite runs; more may be asked for by hand. */
  readonly modes: readonly Mode[];
  run(params: Params, mode: Mode): Promise<Measured>;
}

/** Throws `workload: message` unless `ok`: a wrong result never passes. */
export function check(workload: string, ok: boolean, message: string) {
  if (!ok) throw new Error(`${workload}: wrong result: ${message}`);
}

export interface Timed<T> {
  readonly value: T;
  readonly seconds: number;
  readonly cpuWall: number;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<Timed<T>> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, seconds, cpuWall: (cpu.user + cpu.system) / 1e6 / seconds };
}

const fromSource = import.meta.url.endsWith('.ts');

/** URL of a compiled file, by its path under dist/ (e.g. 'src/x.js'). */
export function distUrl(path: string): URL {
  // Run from source (vitest), workers still need the compiled twin.
  return new URL(
    fromSource ? `../dist/${path}` : `../${path}`,
    import.meta.url,
  );
}

/** URL of a compiled workload module, by its base name. */
export function workloadUrl(name: string): URL {
  return distUrl(`native-bench/workloads/${name}.js`);
}

/** Loads a workload module (its messages and components). */
export async function load<M>(url: URL): Promise<M> {
  return (await import(url.href)) as M;
}

/** Long enough for any run: asks measure, they do not time out. */
export const NO_TIMEOUT = { timeout: 1e9 };

/** Asks `root` and returns the reply's body, checking the reply type. */
export async function ask<B, R>(
  machine: Machine,
  type: MessageType<B>,
  body: B,
  replyType: MessageType<R>,
): Promise<R> {
  const reply = await machine.ask(machine.root, type, body, NO_TIMEOUT);
  if (reply.type !== replyType) {
    throw new Error(`expected ${replyType.name}, got ${reply.type.name}`);
  }
  return reply.body as R;
}

export interface MachineSpec {
  readonly module: URL;
  readonly component: string;
  readonly args?: readonly unknown[];
}

/** One go of a workload on a running machine: its items and extras. */
export interface Outcome {
  readonly items: number;
  readonly extra?: Readonly<Record<string, number>>;
}

/**
 * Measured goes are repeated while their total stays under this many
 * seconds (and at most MAX_ITERATIONS times); the median go is reported.
 * A Savina-size run lasts tens of milliseconds, where one go measures the
 * JIT and the collector as much as the runtime; Savina's own runner also
 * repeats its iterations and reports their median.
 */
const ITERATION_SECONDS = 1;
const MAX_ITERATIONS = 9;

/**
 * The usual measurement: start a machine (timed apart), do one warm-up go
 * on it (the same threads, so their JIT warms too), then the measured
 * goes (see ITERATION_SECONDS); the median one is reported, with the
 * number of goes in `extra.iterations`. `delivered` in the extras is the
 * machine's own count over that go.
 */
export async function measure(
  spec: MachineSpec,
  mode: Mode,
  go: (machine: Machine, params: Params) => Promise<Outcome>,
  params: Params,
  warmup: Params | undefined,
): Promise<Measured> {
  const start = await timed(() =>
    createMachine({
      module: spec.module,
      component: spec.component,
      args: [...(spec.args ?? [])],
      workers: mode.workers,
      steps: mode.strict ? 'strict' : 'loose',
    }),
  );
  const machine = start.value;
  try {
    if (warmup !== undefined) await go(machine, warmup);
    const goes: { run: Timed<Outcome>; delivered: number }[] = [];
    let total = 0;
    do {
      const before = (await machine.figures()).delivered;
      const run = await timed(() => go(machine, params));
      const delivered = (await machine.figures()).delivered - before;
      goes.push({ run, delivered });
      total += run.seconds;
    } while (total < ITERATION_SECONDS && goes.length < MAX_ITERATIONS);
    goes.sort((a, b) => a.run.seconds - b.run.seconds);
    const { run, delivered } = goes[(goes.length - 1) >> 1]!;
    return {
      items: run.value.items,
      seconds: run.seconds,
      cpuWall: run.cpuWall,
      startupSeconds: start.seconds,
      extra: { delivered, iterations: goes.length, ...run.value.extra },
    };
  } finally {
    await machine.stop();
  }
}

/** Workers a machine of `mode` partitions over (1 when embedded). */
export function parts(mode: Mode): number {
  return Math.max(1, mode.workers);
}

/** `actors=100,passes=10000000`: the parameters as one token. */
export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
}

/** `RESULT circo-MODE WORKLOAD PARAMS SECONDS RATE`. */
export function resultLine(
  workload: string,
  mode: Mode,
  params: Params,
  measured: Measured,
): string {
  const rate = measured.items / measured.seconds;
  return (
    `RESULT circo-${modeName(mode)} ${workload} ${formatParams(params)} ` +
    `${measured.seconds.toFixed(3)} ${Math.round(rate)}`
  );
}
