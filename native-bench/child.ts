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
import { parseChildArgs, parseParams } from './args.js';
import { workload } from './cases/index.js';
import { type Mode, modeName, resultLine } from './harness.js';

// As the circo command does: a young generation that fits the queues of
// breadth-first workloads.
setFlagsFromString('--max-semi-space-size=64');

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
