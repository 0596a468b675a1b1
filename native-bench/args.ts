/**
 * The command line of child.js (and so of `circo bench`): a workload or
 * a baseline, its parameters, and the mode.
 */
import type { Params } from './harness.js';

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

/**
 * Positional numbers or name=value, over the workload's defaults. A
 * RESULT line's PARAMS token (`actors=100,passes=10000000`) is taken as
 * well: commas separate parameters as spaces do.
 */
export function parseParams(
  names: readonly string[],
  defaults: Params,
  values: readonly string[],
): Params {
  const params: Params = { ...defaults };
  values
    .flatMap((text) => text.split(','))
    .forEach((text, i) => {
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
