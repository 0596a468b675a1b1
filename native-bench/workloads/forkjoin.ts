/**
 * Fork-join (Savina), two workloads:
 * - throughput: one driver sends `messages` messages to each of `actors`
 *   workers (spread over the machine's workers), which compute a little
 *   and report when they have had them all;
 * - creation: the driver creates `actors` components (spread), each
 *   handles one message, answers and dies.
 */
import {
  type Address,
  Component,
  type Context,
  defineMessage,
  type Message,
  registerComponents,
  t,
} from 'circo';
import { fjCompute } from '../kernels.js';

export const Throughput = defineMessage('bench.forkjoin.Throughput', {
  actors: t.u32,
  messages: t.u32,
  chunk: t.u32,
});
export const Create = defineMessage('bench.forkjoin.Create', {
  actors: t.u32,
  chunk: t.u32,
});
export const More = defineMessage('bench.forkjoin.More', {});
export const Work = defineMessage('bench.forkjoin.Work', {});
export const Finished = defineMessage('bench.forkjoin.Finished', {
  handled: t.u32,
});
export const Done = defineMessage('bench.forkjoin.Done', {
  finished: t.u32,
  handled: t.f64,
});

const NOTHING = Object.freeze({});

export class ForkJoinDriver extends Component {
  go: Message | undefined = undefined;
  kind = 0;
  workers: Address[] = [];
  /** Messages per worker (throughput) or components (creation) left. */
  left = 0;
  chunk = 0;
  finished = 0;
  handled = 0;
  target = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Finished.is(msg)) {
      this.handled += msg.body.handled;
      if (++this.finished === this.target) {
        ctx.reply(this.go!, Done, {
          finished: this.finished,
          handled: this.handled,
        });
      }
    } else if (More.is(msg)) {
      if (this.kind === 0) this.sendChunk(ctx);
      else this.createChunk(ctx);
    } else if (Throughput.is(msg)) {
      this.start(msg, 0, msg.body.messages, msg.body.actors, msg.body.chunk);
      this.workers = [];
      for (let i = 0; i < msg.body.actors; i++) {
        this.workers.push(
          ctx.spawn(new ForkJoinWorker(ctx.self, msg.body.messages), {
            spread: true,
          }),
        );
      }
      this.sendChunk(ctx);
    } else if (Create.is(msg)) {
      this.start(msg, 1, msg.body.actors, msg.body.actors, msg.body.chunk);
      this.createChunk(ctx);
    }
  }

  private start(
    go: Message,
    kind: number,
    left: number,
    target: number,
    chunk: number,
  ): void {
    this.go = go;
    this.kind = kind;
    this.left = left;
    this.target = target;
    this.chunk = chunk;
    this.finished = 0;
    this.handled = 0;
  }

  /** Up to `chunk` rounds of one message to every worker. */
  private sendChunk(ctx: Context): void {
    const rounds = Math.min(this.chunk, this.left);
    const workers = this.workers;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < workers.length; i++) {
        ctx.send(workers[i]!, Work, NOTHING);
      }
    }
    this.left -= rounds;
    if (this.left > 0) ctx.send(ctx.self, More, NOTHING);
  }

  /** Up to `chunk` new components, one message each. */
  private createChunk(ctx: Context): void {
    const n = Math.min(this.chunk, this.left);
    for (let i = 0; i < n; i++) {
      const one = ctx.spawn(new OneShot(ctx.self), { spread: true });
      ctx.send(one, Work, NOTHING);
    }
    this.left -= n;
    if (this.left > 0) ctx.send(ctx.self, More, NOTHING);
  }
}

export class ForkJoinWorker extends Component {
  handled = 0;
  acc = 0;

  constructor(
    public driver: Address,
    public expected: number,
  ) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (!Work.is(msg)) return;
    this.acc += fjCompute(37.2);
    if (++this.handled === this.expected) {
      ctx.send(this.driver, Finished, { handled: this.handled });
    }
  }
}

export class OneShot extends Component {
  constructor(public driver: Address) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (!Work.is(msg)) return;
    ctx.send(this.driver, Finished, { handled: 1 });
    ctx.die();
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.forkjoin.Driver';

registerComponents({
  [DRIVER]: ForkJoinDriver,
  'bench.forkjoin.Worker': ForkJoinWorker,
  'bench.forkjoin.OneShot': OneShot,
});
