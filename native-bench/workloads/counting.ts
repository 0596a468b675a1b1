/**
 * Counting (Savina): a producer sends increments to a counter, then asks
 * it for the total. The producer sends `batch` increments per turn and a
 * note to itself to go on, so the queue stays bounded.
 */
import {
  type Address,
  Component,
  type Context,
  defineMessage,
  type Message,
  NOBODY,
  registerComponents,
  t,
} from 'circo';

export const Go = defineMessage('bench.counting.Go', {
  count: t.u32,
  batch: t.u32,
  split: t.u32,
});
export const Increment = defineMessage('bench.counting.Increment', {});
export const More = defineMessage('bench.counting.More', {});
export const Retrieve = defineMessage('bench.counting.Retrieve', {});
export const Total = defineMessage('bench.counting.Total', { total: t.u32 });
export const Done = defineMessage('bench.counting.Done', { total: t.u32 });

/** One body for every empty message: bodies are never changed. */
const NOTHING = Object.freeze({});

export class Producer extends Component {
  go: Message | undefined = undefined;
  counter: Address = NOBODY;
  left = 0;
  batch = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (More.is(msg)) {
      this.sendBatch(ctx);
    } else if (Total.is(msg)) {
      ctx.reply(this.go!, Done, { total: msg.body.total });
    } else if (Go.is(msg)) {
      this.go = msg;
      this.left = msg.body.count;
      this.batch = msg.body.batch;
      this.counter = ctx.spawn(
        new Counter(),
        msg.body.split > 0 ? { worker: msg.body.split } : undefined,
      );
      this.sendBatch(ctx);
    }
  }

  private sendBatch(ctx: Context): void {
    const n = Math.min(this.batch, this.left);
    const counter = this.counter;
    for (let i = 0; i < n; i++) ctx.send(counter, Increment, NOTHING);
    this.left -= n;
    if (this.left > 0) ctx.send(ctx.self, More, NOTHING);
    else ctx.send(counter, Retrieve, NOTHING);
  }
}

export class Counter extends Component {
  total = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Increment.is(msg)) this.total++;
    else if (Retrieve.is(msg)) {
      ctx.send(msg.sender, Total, { total: this.total });
    }
  }
}

/** The root component's registered name. */
export const PRODUCER = 'bench.counting.Producer';

registerComponents({
  [PRODUCER]: Producer,
  'bench.counting.Counter': Counter,
});
