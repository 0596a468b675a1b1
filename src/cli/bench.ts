/**
 * `circo bench WORKLOAD [PARAMS...] [--workers N] [--strict]`: one case of
 * the throughput suite (native-bench/), printed as one line:
 *
 *   RESULT circo-MODE WORKLOAD PARAMS SECONDS RATE
 *
 * The case runs in a fresh process: this one has loaded the showcase's
 * message types, which the workers of a bench machine do not know (their
 * registries must match), and a fresh process keeps one workload's JIT
 * feedback out of another's figures.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCH_USAGE = `  bench WORKLOAD [PARAMS...] [--workers N]
        [--strict]
      run one benchmark and print RESULT circo-MODE WORKLOAD PARAMS
      SECONDS RATE (RATE in items per second); e.g. threadring 100
      10000000, big 120 20000, actortree 17. Workloads: pingpong,
      counting, threadring, fj-throughput, fj-creation, big, chameneos,
      actortree, maxthroughput, step, scaling, memory. --workers 0 runs
      on this thread (MODE embedded), the default is one per core
`;

export function bench(args: readonly string[]): Promise<number> {
  const child = fileURLToPath(
    new URL('../../native-bench/child.js', import.meta.url),
  );
  if (!existsSync(child)) {
    process.stderr.write(
      'circo bench: the benchmarks are not built; run `npm run build` in ' +
        'a clone of the repository\n',
    );
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    const run = spawn(process.execPath, [child, ...args], { stdio: 'inherit' });
    run.on('error', (error) => {
      process.stderr.write(`circo bench: ${error.message}\n`);
      resolve(1);
    });
    run.on('exit', (code) => resolve(code ?? 1));
  });
}
