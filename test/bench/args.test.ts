/** The command line of `circo bench` (native-bench/args.ts). */
import { describe, expect, it } from 'vitest';
import { parseChildArgs, parseParams } from '../../native-bench/args.js';

const NAMES = ['actors', 'passes'];
const DEFAULTS = { actors: 100, passes: 100_000 };

describe('circo bench parameters', () => {
  it('takes numbers in the workload order, over the defaults', () => {
    expect(parseParams(NAMES, DEFAULTS, ['10'])).toEqual({
      actors: 10,
      passes: 100_000,
    });
    expect(parseParams(NAMES, DEFAULTS, ['10', '500'])).toEqual({
      actors: 10,
      passes: 500,
    });
  });

  it('takes name=value, and the PARAMS token of a RESULT line', () => {
    expect(parseParams(NAMES, DEFAULTS, ['passes=7'])).toEqual({
      actors: 100,
      passes: 7,
    });
    expect(parseParams(NAMES, DEFAULTS, ['actors=3,passes=10000000'])).toEqual({
      actors: 3,
      passes: 10_000_000,
    });
  });

  it('names a parameter it does not know, or a value that is no number', () => {
    expect(() => parseParams(NAMES, DEFAULTS, ['rounds=3'])).toThrow(
      /unexpected parameter rounds=3; parameters: actors passes/,
    );
    expect(() => parseParams(NAMES, DEFAULTS, ['1', '2', '3'])).toThrow(
      /unexpected parameter 3/,
    );
    expect(() => parseParams(NAMES, DEFAULTS, ['actors=many'])).toThrow(
      /actors needs a number >= 0, got actors=many/,
    );
  });

  it('reads the mode options', () => {
    expect(
      parseChildArgs(['threadring', '100', '--workers=2', '--strict']),
    ).toMatchObject({
      name: 'threadring',
      values: ['100'],
      workers: 2,
      strict: true,
    });
    expect(() => parseChildArgs(['big', '--workers', 'x'])).toThrow(
      /--workers needs a whole number >= 0, got x/,
    );
    expect(() => parseChildArgs(['--fast'])).toThrow(/unknown option --fast/);
  });
});
