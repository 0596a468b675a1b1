/**
 * Step cost: strict steps per second on a machine whose only work is one
 * component woken every step (an idle machine parks at once, even when
 * asked for n steps). Each step thus carries one Tick.
 */
import { createMachine } from 'circo';
import {
  check,
  type Measured,
  timed,
  type Workload,
  workloadUrl,
} from '../harness.js';

type Step = typeof import('../workloads/step.js');

export const step: Workload = {
  name: 'step',
  unit: 'steps',
  params: ['steps'],
  sizes: {
    tiny: { steps: 1_000 },
    quick: { steps: 5_000 },
    full: { steps: 50_000 },
  },
  placement: 'one waker on worker 0; the other workers idle',
  modes: [0, 1, 2, 4].map((workers) => ({ workers, strict: true })),
  async run(params, mode): Promise<Measured> {
    const url = workloadUrl('step');
    const m = (await import(url.href)) as Step;
    const steps = params.steps!;
    const start = await timed(() =>
      createMachine({
        module: url,
        component: m.TICKER,
        workers: mode.workers,
        steps: 'strict',
      }),
    );
    const machine = start.value;
    try {
      await machine.send(machine.root, m.Wake, {});
      await machine.steps(Math.min(steps, 1_000)); // warm-up
      const before = await machine.figures();
      const ticks0 = ((await machine.state(machine.root)) as { ticks: number })
        .ticks;
      const run = await timed(() => machine.steps(steps));
      const after = run.value;
      const ticks = ((await machine.state(machine.root)) as { ticks: number })
        .ticks;
      check(
        'step',
        after.step - before.step === steps && ticks - ticks0 === steps,
        `${after.step - before.step} steps and ${ticks - ticks0} ticks ` +
          `for ${steps} asked`,
      );
      return {
        items: steps,
        seconds: run.seconds,
        cpuWall: run.cpuWall,
        startupSeconds: start.seconds,
        extra: { delivered: after.delivered - before.delivered },
      };
    } finally {
      await machine.stop();
    }
  },
};
