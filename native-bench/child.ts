/**
 * Runs one case in this process and reports it: the body of
 * `circo bench` and of every case of the suite (each in a fresh process,
 * so that one workload's JIT feedback never slows another's).
 *
 *   node dist/native-bench/child.js WORKLOAD [PARAMS...] [--workers N]
 *        [--strict] [--json]
 *   node dist/native-bench/child.js --baseline NAME [k=v ...]
 *
 * PARAMS are numbers in the workload's order or `name=value`. Without
 * --json it prints exactly one line:
 *   RESULT circo-MODE WORKLOAD PARAMS SECONDS RATE
 */
import { setFlagsFromString } from 'node:v8';
import { workload } from './cases/index.js';
import { type Mode, modeName, type Params, resultLine } from './harness.js';

// As the circo command does: a young generation that fits the queues of
// breadth-first workloads.
setFlagsFromString('--max-semi-space-size=64');

export interface ChildArgs {
  readonly name: string;
  readonly values: readonly string[];
  readonly workers: number | undefined;
  readonly strict: boolean;
  readonly json: boolean;
  readonly baseline: boolean;
}

export function parseChildArgs(argv: readonly string[]): ChildArgs {
  const values: string[] = [];
  let name: string | undefined;
  let workers: number | undefined;
  let strict = false;
  let json = false;
  let baseline = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--workers') {
      const text = argv[++i];
      workers = Number(text);
      if (!Number.isInteger(workers) || workers < 0) {
        throw new Error(`--workers needs a whole number >= 0, got ${text}`);
      }
    } else if (arg.startsWith('--workers=')) {
      return parseChildArgs([
        ...argv.slice(0, i),
        '--workers',
        arg.slice(10),
        ...argv.slice(i + 1),
      ]);
    } else if (arg === '--strict') strict = true;
    else if (arg === '--json') json = true;
    else if (arg === '--baseline') baseline = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else if (name === undefined) name = arg;
    else values.push(arg);
  }
  if (name === undefined) throw new Error('which workload? e.g. threadring');
  return { name, values, workers, strict, json, baseline };
}

/** Positional numbers or name=value, over the workload's defaults. */
export function parseParams(
  names: readonly string[],
  defaults: Params,
  values: readonly string[],
): Params {
  const params: Params = { ...defaults };
  values.forEach((text, i) => {
    const eq = text.indexOf('=');
    const name = eq < 0 ? names[i] : text.slice(0, eq);
    const value = Number(eq < 0 ? text : text.slice(eq + 1));
    if (name === undefined || !(name in defaults || names.includes(name))) {
      throw new Error(
        `unexpected parameter ${text}; parameters: ${names.join(' ')}`,
      );
    }
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`parameter ${name} needs a number >= 0, got ${text}`);
    }
    params[name] = value;
  });
  return params;
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseChildArgs(argv);
  if (args.baseline) {
    const params = parseParams([], {}, []);
    for (const text of args.values) {
      const [k, v] = text.split('=');
      params[k!] = Number(v);
    }
    // Imported only here: the micro cases define message types, which a
    // machine's coordinator thread must not know of unless its workers do.
    const { runBaseline } = await import('./baselines/index.js');
    const results = await runBaseline(args.name, params);
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  const w = workload(args.name);
  const params = parseParams(w.params, w.sizes.full, args.values);
  const onlyStrict = w.modes.every((m) => m.strict);
  const mode: Mode = {
    workers: args.workers ?? w.modes.find((m) => m.workers > 0)?.workers ?? 0,
    strict: args.strict || onlyStrict,
  };
  const measured = await w.run(params, mode);
  if (args.json) {
    const rate = measured.items / measured.seconds;
    const row = {
      name: w.name,
      mode: modeName(mode),
      params,
      unit: w.unit,
      ...measured,
      rate,
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
  } else {
    process.stdout.write(`${resultLine(w.name, mode, params, measured)}\n`);
  }
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    process.stderr.write(`circo bench: ${text}\n`);
    if (process.env.NODE_DEBUG?.includes('circo') && error instanceof Error) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = 1;
  },
);
