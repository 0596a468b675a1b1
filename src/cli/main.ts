#!/usr/bin/env node
import { parseArgs } from 'node:util';
/**
 * The `circo` command.
 *
 *   circo start [--levels N] [--rounds N] [--workers N]   the showcase
 *   circo bench WORKLOAD [PARAMS...] [--workers N]         one benchmark
 *   circo help
 */
import { setFlagsFromString } from 'node:v8';
import { BENCH_USAGE, bench } from './bench.js';
import { showcase } from './showcase.js';

// Breadth-first workloads keep hundreds of thousands of messages queued at
// once; with V8's default 16 MB semi-space each young collection copies them
// again. A larger young generation roughly halves the showcase's GC time.
setFlagsFromString('--max-semi-space-size=64');

const USAGE = `usage: circo <command> [options]

commands:
  start [--levels N] [--rounds N] [--workers N]
      grow the actor tree to N levels (default 17: 262,143 components),
      then count it --rounds times (default 20) and print a summary;
      --workers 0 runs on this thread, the default is one per core
${BENCH_USAGE}  help
      print this text
`;

function positive(name: string, text: string | undefined, fallback: number) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} needs a whole number >= 1, got ${text}`);
  }
  return value;
}

function whole(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} needs a whole number >= 0, got ${text}`);
  }
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'start') {
    const { values } = parseArgs({
      args: rest,
      options: {
        levels: { type: 'string' },
        rounds: { type: 'string' },
        workers: { type: 'string' },
      },
    });
    await showcase({
      levels: positive('levels', values.levels, 17),
      rounds: positive('rounds', values.rounds, 20),
      ...(values.workers === undefined
        ? {}
        : { workers: whole('workers', values.workers) }),
      print: (line) => console.log(line),
    });
    return 0;
  }
  if (command === 'bench') return bench(rest);
  process.stderr.write(`circo: unknown command ${command}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`circo: ${error instanceof Error ? error.message : error}`);
    if (process.env.NODE_DEBUG?.includes('circo')) console.error(error);
    process.exitCode = 1;
  },
);
