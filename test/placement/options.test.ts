// The placement options and the registry of worker force laws.
import { createMachine } from 'circo';
import { describe, expect, it } from 'vitest';
import {
  registerWorkerForce,
  resolvePlacement,
  workerForceLaw,
} from '../../src/placement/options.js';
import { fixture } from '../helpers/machine.js';

describe('placement options', () => {
  it('default to on with more than one worker, and fill every knob', () => {
    expect(resolvePlacement(undefined, 2)).toEqual({
      enabled: true,
      strength: 10,
      targetDistance: 5,
      workerForce: 'circo.balance',
      tolerance: 10,
      every: 4,
      sample: 2048,
    });
    expect(resolvePlacement({ enabled: true }, 1).enabled).toBe(false);
    expect(resolvePlacement({ enabled: false }, 4).enabled).toBe(false);
  });

  it('refuse bad values with ERR_CIRCO_INVALID_ARGUMENT, naming the option', () => {
    const cases: [object, string][] = [
      [{ strength: -1 }, 'placement.strength'],
      [{ targetDistance: Number.NaN }, 'placement.targetDistance'],
      [{ tolerance: 'far' }, 'placement.tolerance'],
      [{ every: 0 }, 'placement.every'],
      [{ sample: 2.5 }, 'placement.sample'],
      [{ enabled: 1 }, 'placement.enabled'],
      [{ workerForce: 3 }, 'placement.workerForce'],
    ];
    for (const [options, name] of cases) {
      expect(() => resolvePlacement(options, 2)).toThrow(
        expect.objectContaining({
          code: 'ERR_CIRCO_INVALID_ARGUMENT',
          message: expect.stringContaining(name),
        }),
      );
    }
  });
});

describe('worker force laws', () => {
  it('are found by the name they were registered under', () => {
    const law = () => 0.25;
    registerWorkerForce('options-test.quarter', law);
    expect(workerForceLaw('options-test.quarter')).toBe(law);
  });

  it('need a name and a function', () => {
    expect(() => registerWorkerForce('', () => 0)).toThrow(
      expect.objectContaining({ code: 'ERR_CIRCO_INVALID_ARGUMENT' }),
    );
    expect(() =>
      registerWorkerForce('options-test.bad', 'pull' as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CIRCO_INVALID_ARGUMENT',
        message: expect.stringContaining('must be a function'),
      }),
    );
  });

  for (const workers of [0, 2]) {
    it(`that are not registered fail createMachine (${workers} workers)`, async () => {
      const start = createMachine({
        module: fixture('migration'),
        component: 'MigrationLab',
        workers,
        placement: { workerForce: 'nobody.registered.this' },
      });
      const outcome = await start.then(
        async (machine) => {
          await machine.stop();
          return 'started';
        },
        (error: unknown) => error,
      );
      expect(outcome).toMatchObject({
        code: 'ERR_CIRCO_INVALID_ARGUMENT',
        message: expect.stringContaining(
          'placement.workerForce "nobody.registered.this" is not registered',
        ),
      });
    });
  }
});
