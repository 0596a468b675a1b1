/**
 * Pairs already placed well: `pairs` pinger/ponger pairs per worker, both
 * sides of a pair on one worker and near each other in space, each pinger
 * keeping `window` pings in flight for `trips` round trips. Nothing is
 * pinned: with infoton optimization on, the pairs are pulled together
 * (they already are) and examined at migration checks, so on versus off
 * is what the optimization costs where it has nothing to win.
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

export const Go = defineMessage('bench.pairs.Go', {
  pairs: t.u32,
  window: t.u32,
  trips: t.u32,
  workers: t.u32,
});
export const Done = defineMessage('bench.pairs.Done', {
  pairs: t.u32,
  trips: t.f64,
});
const Start = defineMessage('bench.pairs.Start', {
  window: t.u32,
  trips: t.u32,
});
const Ping = defineMessage('bench.pairs.Ping', {});
const Pong = defineMessage('bench.pairs.Pong', {});
const Finished = defineMessage('bench.pairs.Finished', {
  trips: t.u32,
  served: t.u32,
});

const NOTHING = Object.freeze({});

export class PairsDriver extends Component {
  go: Message | undefined = undefined;
  pairs = 0;
  finished = 0;
  trips = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Finished.is(msg)) {
      this.trips += msg.body.trips;
      if (msg.body.served !== msg.body.trips) this.trips = Number.NaN;
      if (++this.finished === this.pairs) {
        ctx.reply(this.go!, Done, { pairs: this.pairs, trips: this.trips });
      }
    } else if (Go.is(msg)) {
      this.go = msg;
      const { pairs, window, trips, workers } = msg.body;
      this.pairs = pairs * workers;
      this.finished = this.trips = 0;
      for (let w = 0; w < workers; w++) {
        for (let p = 0; p < pairs; p++) {
          const pinger = ctx.spawn(new PairPinger(ctx.self), { worker: w });
          ctx.send(pinger, Start, { window, trips });
        }
      }
    }
  }
}

export class PairPinger extends Component {
  ponger: Address = NOBODY;
  sent = 0;
  back = 0;
  trips = 0;

  constructor(public driver: Address) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Pong.is(msg)) {
      this.back++;
      if (this.sent < this.trips) {
        this.sent++;
        ctx.send(this.ponger, Ping, NOTHING);
      } else if (this.back === this.trips) {
        ctx.send(this.ponger, Finished, { trips: this.back, served: 0 });
      }
    } else if (Finished.is(msg)) {
      ctx.send(this.driver, Finished, {
        trips: this.back,
        served: msg.body.served,
      });
    } else if (Start.is(msg)) {
      this.trips = msg.body.trips;
      // Spawned here, next to this pinger: already where it belongs.
      this.ponger = ctx.spawn(new PairPonger());
      const window = Math.min(msg.body.window, this.trips);
      for (; this.sent < window; this.sent++) {
        ctx.send(this.ponger, Ping, NOTHING);
      }
    }
  }
}

export class PairPonger extends Component {
  served = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Ping.is(msg)) {
      this.served++;
      ctx.send(msg.sender, Pong, NOTHING);
    } else if (Finished.is(msg)) {
      ctx.send(msg.sender, Finished, { trips: 0, served: this.served });
    }
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.pairs.Driver';

registerComponents({
  [DRIVER]: PairsDriver,
  'bench.pairs.Pinger': PairPinger,
  'bench.pairs.Ponger': PairPonger,
});
