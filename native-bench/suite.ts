/**
 * The throughput suite: `npm run bench [-- --quick] [-- --filter a,b]
 * [-- --mode embedded,workers,strict]`. Every case runs in a fresh
 * process (child.js); the baselines the selected workloads are compared
 * with run in the same invocation. Writes native-bench/results/
 * {full|quick}[-partial].{json,md,svg} (-partial: filtered runs).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WORKERS } from './cases/modes.js';
import { type Mode, modeKind, modeName, type Params } from './harness.js';
import {
  type BaselineSpec,
  baselines,
  type Entry,
  entries,
  scalingRounds,
} from './plan.js';
import { markdown, svg } from './report.js';
import type { Row, RunReport, ScalingSummary } from './rows.js';
import { checkTargets, rate, ratio } from './targets.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const RESULTS = new URL('../../native-bench/results/', import.meta.url);
/** A case that takes longer has hung: it is killed and reported. */
const CHILD_TIMEOUT_MS = 120_000;

function runChild(args: readonly string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CHILD, ...args, '--json'],
      { timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error?.killed) {
          const limit = CHILD_TIMEOUT_MS / 1000;
          reject(new Error(`no result within ${limit} s (killed)`));
          return;
        }
        if (error) {
          const lines = stderr.trim().split('\n');
          const why =
            lines.find((l) => l.startsWith('circo bench:')) ??
            lines.find((l) => /\w*Error\b/.test(l)) ??
            lines.slice(-3).join(' ');
          reject(new Error(why || error.message));
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last));
        } catch {
          reject(new Error(`no result from ${args.join(' ')}: ${last}`));
        }
      },
    );
  });
}

function paramArgs(params: Params): string[] {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`);
}

interface WorkloadJson {
  mode: string;
  params: Params;
  unit: string;
  items: number;
  seconds: number;
  rate: number;
  cpuWall: number;
  startupSeconds: number;
  extra?: Record<string, number>;
}

async function runWorkload(entry: Entry, mode: Mode): Promise<Row> {
  const args = [entry.workload, ...paramArgs(entry.params)];
  args.push('--workers', String(mode.workers));
  if (mode.strict) args.push('--strict');
  const base = {
    kind: 'workload' as const,
    id: entry.id,
    name: entry.workload,
    mode: modeName(mode),
    params: entry.params,
  };
  try {
    const r = (await runChild(args)) as WorkloadJson;
    const runs = r.extra?.iterations;
    return {
      ...base,
      ...r,
      mode: base.mode,
      params: r.params,
      ...(runs !== undefined && runs > 1 ? { runs } : {}),
    };
  } catch (error) {
    return {
      ...base,
      unit: '',
      items: 0,
      seconds: 0,
      rate: 0,
      cpuWall: 0,
      error: (error as Error).message,
    };
  }
}

function baselineKind(name: string): string {
  if (name.startsWith('plain')) return 'plain';
  return name === 'micro' ? 'tinybench' : 'threads';
}

async function runBaselineSpec(spec: BaselineSpec): Promise<Row[]> {
  const args = ['--baseline', spec.name, ...paramArgs(spec.params)];
  try {
    const results = (await runChild(args)) as Omit<Row, 'kind' | 'id'>[];
    return results.map((r) => ({
      ...r,
      kind: 'baseline' as const,
      id: results.length > 1 ? r.name : spec.key,
      mode: baselineKind(spec.name),
    }));
  } catch (error) {
    return [
      {
        kind: 'baseline',
        id: spec.key,
        name: spec.name,
        mode: '',
        params: spec.params,
        unit: '',
        items: 0,
        seconds: 0,
        rate: 0,
        cpuWall: 0,
        error: (error as Error).message,
      },
    ];
  }
}

/** The commit measured, `+dirty` when src/ has uncommitted changes. */
function commit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8' }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', 'src') === '' ? head : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median row of several runs of one configuration. */
function medianRow(runs: readonly Row[]): Row {
  const ok = runs.filter((r) => !r.error);
  if (ok.length === 0) return runs[0]!;
  const seconds = median(ok.map((r) => r.seconds));
  const mid = ok.reduce((a, b) =>
    Math.abs(b.seconds - seconds) < Math.abs(a.seconds - seconds) ? b : a,
  );
  return { ...mid, seconds, rate: mid.items / seconds, runs: ok.length };
}

/**
 * Scaling: circo on 1 worker, one bare thread, circo on 2 workers, two
 * bare threads, embedded; `rounds` times over, so that a noisy neighbour
 * hurts every configuration alike.
 */
async function runScaling(
  entry: Entry,
  modes: readonly Mode[],
  rounds: number,
  print: (row: Row) => void,
): Promise<{ rows: Row[]; summary: ScalingSummary | undefined }> {
  const p = entry.params;
  const runs = new Map<string, Row[]>();
  const add = (key: string, row: Row) =>
    runs.set(key, [...(runs.get(key) ?? []), row]);
  const threads = (n: number): BaselineSpec => ({
    key: `threads${n}`,
    name: 'threads',
    params: { threads: n, tokens: p.tokens!, hops: p.hops!, work: p.work! },
    serves: [],
  });
  const order = [1, 2, 0];
  for (let round = 0; round < rounds; round++) {
    for (const workers of order) {
      const mode = modes.find((m) => m.workers === workers);
      if (mode !== undefined) {
        const row = await runWorkload(entry, mode);
        print(row);
        add(`circo${workers}`, row);
      }
      if (workers > 0) {
        const [row] = await runBaselineSpec(threads(workers));
        print(row!);
        add(`threads${workers}`, row!);
      }
    }
  }
  const rows = [...runs.entries()].map(([key, list]) => ({
    ...medianRow(list),
    ...(key.startsWith('threads') ? { id: key } : {}),
  }));
  const medians: Record<string, number> = {};
  for (const row of rows) {
    const key = row.kind === 'baseline' ? row.id : `circo ${row.mode}`;
    medians[key] = row.seconds;
  }
  const c1 = medians['circo workers1'];
  const c2 = medians['circo workers2'];
  const t1 = medians.threads1;
  const t2 = medians.threads2;
  const sums = rows
    .map((r) => r.extra?.checksum)
    .filter((c) => c !== undefined);
  if (new Set(sums).size > 1) {
    throw new Error(`scaling: bare threads disagree on the checksum: ${sums}`);
  }
  const summary =
    c1 && c2 && t1 && t2
      ? { rounds, medians, circoSpeedup: c1 / c2, bareSpeedup: t1 / t2 }
      : undefined;
  return { rows, summary };
}

function line(row: Row): string {
  const name = `${row.kind === 'baseline' ? 'baseline ' : ''}${row.id}`;
  if (row.error)
    return `  ${name.padEnd(26)} ${row.mode.padEnd(16)} FAILED: ${row.error}`;
  const vs =
    row.vsBaseline === undefined
      ? ''
      : `  x${ratio(row.vsBaseline)} ${row.baseline}`;
  const bytes = row.extra?.bytesPerComponent;
  return (
    `  ${name.padEnd(26)} ${row.mode.padEnd(16)} ` +
    `${rate(row.rate).padStart(9)} ${row.unit}/s`.padEnd(18) +
    `  cpu/wall ${row.cpuWall.toFixed(2)}` +
    `${bytes === undefined ? '' : `  ${bytes.toFixed(1)} B/actor`}${vs}`
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      mode: { type: 'string' },
    },
  });
  const quick = values.quick;
  const filter = values.filter?.split(',').map((s) => s.trim().toLowerCase());
  const kinds = values.mode?.split(',').map((s) => s.trim().toLowerCase());
  const began = performance.now();
  const measured = commit();
  const chosen = entries(quick)
    .filter((e) => filter === undefined || filter.includes(e.workload))
    .map((e) => ({
      ...e,
      modes: e.modes.filter((m) => !kinds || kinds.includes(modeKind(m))),
    }))
    .filter((e) => e.modes.length > 0);
  const names = new Set(chosen.map((e) => e.workload));
  if (filter === undefined || filter.includes('micro')) names.add('micro');
  const rows: Row[] = [];
  const print = (row: Row) => console.log(line(row));
  console.log(`circo bench: ${quick ? 'quick' : 'full'} run`);
  for (const spec of baselines(quick)) {
    if (!spec.serves.some((w) => names.has(w))) continue;
    for (const row of await runBaselineSpec(spec)) {
      print(row);
      rows.push(row);
    }
  }
  const compare = (row: Row, key: string | undefined): Row => {
    const base = rows.find(
      (r) => r.kind === 'baseline' && r.id === key && !r.error,
    );
    if (row.error || base === undefined) return row;
    // Memory compares bytes per component; everything else rates.
    const bytes = row.extra?.bytesPerComponent;
    const baseBytes = base.extra?.bytesPerComponent;
    const vsBaseline =
      bytes !== undefined && baseBytes !== undefined
        ? bytes / baseBytes
        : row.rate / base.rate;
    return { ...row, baseline: key, vsBaseline };
  };
  let scaling: ScalingSummary | undefined;
  for (const entry of chosen) {
    if (entry.workload === 'scaling') {
      const result = await runScaling(
        entry,
        entry.modes,
        scalingRounds(quick),
        print,
      );
      scaling = result.summary;
      // The bare threads first: the circo rows are compared with them.
      rows.push(...result.rows.filter((r) => r.kind === 'baseline'));
      for (const row of result.rows.filter((r) => r.kind === 'workload')) {
        const workers = Number(/\d+/.exec(row.mode)?.[0] ?? 0);
        rows.push(compare(row, entry.baseline({ workers, strict: false })));
      }
      continue;
    }
    for (const mode of entry.modes) {
      const row = compare(await runWorkload(entry, mode), entry.baseline(mode));
      print(row);
      rows.push(row);
    }
  }
  const report: RunReport = {
    date: new Date().toISOString(),
    quick,
    node: process.versions.node,
    commit: measured,
    cores: availableParallelism(),
    argv: process.argv.slice(2),
    seconds: (performance.now() - began) / 1000,
    rows,
    ...(scaling === undefined ? {} : { scaling }),
  };
  await mkdir(RESULTS, { recursive: true });
  // A filtered run does not overwrite the last whole one.
  const partial = filter !== undefined || kinds !== undefined;
  const stem = `${quick ? 'quick' : 'full'}${partial ? '-partial' : ''}`;
  const base = new URL(stem, RESULTS);
  await writeFile(
    `${fileURLToPath(base)}.json`,
    `${JSON.stringify(report, null, 2)}\n`,
  );
  await writeFile(`${fileURLToPath(base)}.md`, markdown(report));
  await writeFile(`${fileURLToPath(base)}.svg`, svg(report));
  console.log('');
  for (const t of checkTargets(rows, scaling, modeName(WORKERS))) {
    console.log(
      `  ${t.verdict.padEnd(6)} ${t.target}: ${t.measured} vs ` +
        `${t.reference} (ratio ${ratio(t.ratio)})`,
    );
  }
  const failed = rows.filter((r) => r.error);
  console.log(
    `\n${rows.length} results, ${failed.length} failed, ` +
      `${report.seconds.toFixed(0)} s; ` +
      `wrote ${fileURLToPath(base)}.{json,md,svg}`,
  );
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`circo bench: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  },
);
