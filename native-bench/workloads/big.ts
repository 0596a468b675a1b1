/**
 * Big (Savina): `actors` components (spread over the workers) each send
 * `pings` pings, one at a time, to peers drawn at random; every ping is
 * answered by a pong. When all are done the driver collects how many pings
 * each received, which must add up.
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
import { seedOf, xorshift } from '../kernels.js';

export const Go = defineMessage('bench.big.Go', {
  actors: t.u32,
  pings: t.u32,
  seed: t.u32,
});
export const Peers = defineMessage('bench.big.Peers', {
  peers: t.addresses,
});
export const Ping = defineMessage('bench.big.Ping', {});
export const Pong = defineMessage('bench.big.Pong', {});
export const Finished = defineMessage('bench.big.Finished', { sent: t.u32 });
export const Report = defineMessage('bench.big.Report', {});
export const Received = defineMessage('bench.big.Received', {
  pings: t.u32,
});
export const Done = defineMessage('bench.big.Done', {
  sent: t.f64,
  received: t.f64,
});

const NOTHING = Object.freeze({});

export class BigDriver extends Component {
  go: Message | undefined = undefined;
  actors: Address[] = [];
  finished = 0;
  reported = 0;
  sent = 0;
  received = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Finished.is(msg)) {
      this.sent += msg.body.sent;
      if (++this.finished < this.actors.length) return;
      // Every pong is back, so every ping was received: count them.
      for (const a of this.actors) ctx.send(a, Report, NOTHING);
    } else if (Received.is(msg)) {
      this.received += msg.body.pings;
      if (++this.reported === this.actors.length) {
        ctx.reply(this.go!, Done, {
          sent: this.sent,
          received: this.received,
        });
      }
    } else if (Go.is(msg)) {
      this.go = msg;
      this.finished = this.reported = this.sent = this.received = 0;
      const { actors, pings, seed } = msg.body;
      this.actors = [];
      for (let i = 0; i < actors; i++) {
        const actor = new BigActor(ctx.self, pings, seedOf(seed, i));
        this.actors.push(ctx.spawn(actor, { spread: true }));
      }
      const peers = this.actors;
      for (const a of peers) ctx.send(a, Peers, { peers });
    }
  }
}

export class BigActor extends Component {
  peers: readonly Address[] = [];
  sent = 0;
  received = 0;

  constructor(
    public driver: Address,
    public pings: number,
    public random: number,
  ) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Ping.is(msg)) {
      this.received++;
      ctx.send(msg.sender, Pong, NOTHING);
    } else if (Pong.is(msg)) {
      if (this.sent < this.pings) this.ping(ctx);
      else ctx.send(this.driver, Finished, { sent: this.sent });
    } else if (Peers.is(msg)) {
      this.peers = msg.body.peers;
      this.ping(ctx);
    } else if (Report.is(msg)) {
      ctx.send(msg.sender, Received, { pings: this.received });
    }
  }

  private ping(ctx: Context): void {
    const peers = this.peers;
    this.random = xorshift(this.random);
    let peer = peers[this.random % peers.length]!;
    if (peer === ctx.self) peer = peers[(this.random + 1) % peers.length]!;
    this.sent++;
    ctx.send(peer, Ping, NOTHING);
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.big.Driver';

registerComponents({
  [DRIVER]: BigDriver,
  'bench.big.Actor': BigActor,
});
