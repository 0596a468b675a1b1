/**
 * PingPong (Savina): a pinger and a ponger exchange one message at a time.
 * The root is the pinger; `split` puts the ponger on another worker.
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

export const Go = defineMessage('bench.pingpong.Go', {
  rounds: t.u32,
  split: t.u32,
});
export const Ping = defineMessage('bench.pingpong.Ping', { left: t.u32 });
export const Pong = defineMessage('bench.pingpong.Pong', {
  left: t.u32,
  seen: t.u32,
});
export const Done = defineMessage('bench.pingpong.Done', {
  pongs: t.u32,
  seen: t.u32,
});

export class Pinger extends Component {
  go: Message | undefined = undefined;
  ponger: Address = NOBODY;
  pongs = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Pong.is(msg)) {
      this.pongs++;
      const left = msg.body.left;
      if (left > 0) ctx.send(this.ponger, Ping, { left: left - 1 });
      else {
        ctx.reply(this.go!, Done, { pongs: this.pongs, seen: msg.body.seen });
      }
    } else if (Go.is(msg)) {
      this.go = msg;
      this.pongs = 0;
      // A fresh ponger per go, on this worker or (split) the next one.
      this.ponger = ctx.spawn(
        new Ponger(),
        msg.body.split > 0 ? { worker: msg.body.split } : undefined,
      );
      ctx.send(this.ponger, Ping, { left: msg.body.rounds - 1 });
    }
  }
}

export class Ponger extends Component {
  seen = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Ping.is(msg)) {
      ctx.send(msg.sender, Pong, { left: msg.body.left, seen: ++this.seen });
    }
  }
}

/** The root component's registered name. */
export const PINGER = 'bench.pingpong.Pinger';

registerComponents({
  [PINGER]: Pinger,
  'bench.pingpong.Ponger': Ponger,
});
