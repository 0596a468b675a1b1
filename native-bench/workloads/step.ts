/**
 * Step cost (strict mode): one component asks to be woken every step and
 * does nothing with its Tick. A machine with nothing to do parks at once,
 * even when asked for n steps, so the one waker is what keeps the steps
 * coming: each measured step carries exactly one Tick.
 */
import {
  Component,
  type Context,
  defineMessage,
  type Message,
  registerComponents,
  Tick,
} from 'circo';

export const Wake = defineMessage('bench.step.Wake', {});

export class Ticker extends Component {
  ticks = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Tick.is(msg)) this.ticks++;
    else if (Wake.is(msg)) ctx.wakeEveryStep();
  }
}

/** The root component's registered name. */
export const TICKER = 'bench.step.Ticker';

registerComponents({ [TICKER]: Ticker });
