/**
 * Linked list: `length` nodes, each holding a value and the address of
 * the next, the last pointing back to the driver. A sum is an Add that
 * walks the list from the head, each node adding its value; the driver
 * keeps `inFlight` sums walking until `sums` are done, and checks every
 * total it gets back. Nodes are first dealt to workers at random (from
 * `seed`), so under that placement a hop crosses workers with chance
 * (P - 1) / P; placement is the one thing that can make it cheaper.
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
import { generator } from './seeded.js';

export const Build = defineMessage('bench.list.Build', {
  length: t.u32,
  workers: t.u32,
  seed: t.u32,
});
export const Built = defineMessage('bench.list.Built', { expected: t.f64 });
export const Walk = defineMessage('bench.list.Walk', {
  sums: t.u32,
  inFlight: t.u32,
});
export const Walked = defineMessage('bench.list.Walked', {
  sums: t.u32,
  wrong: t.u32,
});
/** Test aid: the head's value goes up by one, so every sum is wrong. */
export const Skew = defineMessage('bench.list.Skew', {});
const Link = defineMessage('bench.list.Link', {
  next: t.address,
  value: t.u32,
});
const Linked = defineMessage('bench.list.Linked', {});
const Add = defineMessage('bench.list.Add', { total: t.f64 });

/** Largest value a node holds, plus one. */
const VALUES = 1000;

export class ListDriver extends Component {
  head: Address = NOBODY;
  expected = 0;
  linking = 0;
  request: Message | undefined = undefined;
  /** Sums still to start, done, and done with a wrong total. */
  toStart = 0;
  done = 0;
  wrong = 0;
  target = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Add.is(msg)) {
      if (msg.body.total !== this.expected) this.wrong++;
      this.done++;
      if (this.toStart > 0) {
        this.toStart--;
        ctx.send(this.head, Add, { total: 0 });
      } else if (this.done === this.target) {
        ctx.reply(this.request!, Walked, {
          sums: this.done,
          wrong: this.wrong,
        });
      }
    } else if (Skew.is(msg)) {
      ctx.send(this.head, Skew, {});
    } else if (Linked.is(msg)) {
      if (--this.linking === 0) {
        ctx.reply(this.request!, Built, { expected: this.expected });
      }
    } else if (Walk.is(msg)) {
      this.request = msg;
      const { sums, inFlight } = msg.body;
      this.target = sums;
      this.done = this.wrong = 0;
      const first = Math.min(sums, inFlight);
      this.toStart = sums - first;
      for (let i = 0; i < first; i++) ctx.send(this.head, Add, { total: 0 });
    } else if (Build.is(msg)) {
      this.request = msg;
      const { length, workers, seed } = msg.body;
      const random = generator(seed);
      const nodes: Address[] = [];
      const values: number[] = [];
      for (let i = 0; i < length; i++) {
        const worker = Math.floor(random() * workers);
        nodes.push(ctx.spawn(new ListNode(), { worker }));
        values.push(Math.floor(random() * VALUES));
      }
      this.head = nodes[0]!;
      this.expected = values.reduce((a, b) => a + b, 0);
      this.linking = length;
      for (let i = 0; i < length; i++) {
        const next = i + 1 < length ? nodes[i + 1]! : ctx.self;
        ctx.send(nodes[i]!, Link, { next, value: values[i]! });
      }
    }
  }
}

export class ListNode extends Component {
  next: Address = NOBODY;
  value = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Add.is(msg)) {
      ctx.send(this.next, Add, { total: msg.body.total + this.value });
    } else if (Link.is(msg)) {
      this.next = msg.body.next;
      this.value = msg.body.value;
      ctx.send(msg.sender, Linked, {});
    } else if (Skew.is(msg)) {
      this.value++;
    }
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.list.Driver';

registerComponents({
  [DRIVER]: ListDriver,
  'bench.list.Node': ListNode,
});
