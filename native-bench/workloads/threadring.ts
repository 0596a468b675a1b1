/**
 * ThreadRing (Savina): `actors` nodes in a ring pass a token `passes`
 * times. On workers the ring is cut into one contiguous arc per worker,
 * so the token crosses workers `workers` times per lap.
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

export const Go = defineMessage('bench.threadring.Go', {
  actors: t.u32,
  passes: t.u32,
  workers: t.u32,
});
export const Link = defineMessage('bench.threadring.Link', {
  next: t.address,
});
export const Token = defineMessage('bench.threadring.Token', {
  left: t.u32,
});
export const Finished = defineMessage('bench.threadring.Finished', {
  index: t.u32,
  handled: t.u32,
});
export const Done = defineMessage('bench.threadring.Done', {
  index: t.u32,
  handled: t.u32,
});

export class RingDriver extends Component {
  go: Message | undefined = undefined;

  onmessage(msg: Message, ctx: Context): void {
    if (Finished.is(msg)) {
      ctx.reply(this.go!, Done, msg.body);
    } else if (Go.is(msg)) {
      this.go = msg;
      const { actors, passes, workers } = msg.body;
      // Spawned last to first, so each node knows its successor; the last
      // learns of the first by a Link.
      let next: Address = NOBODY;
      let last: Address = NOBODY;
      for (let i = actors - 1; i >= 0; i--) {
        const worker = Math.floor((i * workers) / actors);
        next = ctx.spawn(new RingNode(i, next, ctx.self), { worker });
        if (last === NOBODY) last = next;
      }
      ctx.send(last, Link, { next });
      ctx.send(next, Token, { left: passes });
    }
  }
}

export class RingNode extends Component {
  handled = 0;
  /** A token that came before the Link closing the ring. */
  held = -1;

  constructor(
    public index: number,
    public next: Address,
    public driver: Address,
  ) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Token.is(msg)) {
      this.handled++;
      const left = msg.body.left;
      if (left === 0) {
        ctx.send(this.driver, Finished, {
          index: this.index,
          handled: this.handled,
        });
      } else if (this.next === NOBODY) {
        this.held = left - 1;
      } else {
        ctx.send(this.next, Token, { left: left - 1 });
      }
    } else if (Link.is(msg)) {
      this.next = msg.body.next;
      if (this.held >= 0) {
        ctx.send(this.next, Token, { left: this.held });
        this.held = -1;
      }
    }
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.threadring.RingDriver';

registerComponents({
  [DRIVER]: RingDriver,
  'bench.threadring.RingNode': RingNode,
});
