/**
 * MaxThroughput: `pairs` pinger/ponger pairs per worker, each pinger
 * keeping `window` pings in flight until it had `trips` round trips. With
 * `cross` 0 both sides of a pair sit on one worker; with `cross` 1 the
 * ponger sits on the next worker, so every message crosses. With
 * `pinned` 1 both sides stay where they start (MaxThroughput itself, which
 * measures the crossing); with 0 placement may move them (the pairs cost
 * case of the placement suite, where they already are together).
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

export const Go = defineMessage('bench.maxthroughput.Go', {
  pairs: t.u32,
  window: t.u32,
  trips: t.u32,
  cross: t.u32,
  workers: t.u32,
  /** 1: both sides stay where they start (infoton optimization skips them). */
  pinned: t.u32,
});
export const Start = defineMessage('bench.maxthroughput.Start', {
  window: t.u32,
  trips: t.u32,
  ponger: t.u32,
  pinned: t.bool,
});
export const Ping = defineMessage('bench.maxthroughput.Ping', {});
export const Pong = defineMessage('bench.maxthroughput.Pong', {});
export const Finished = defineMessage('bench.maxthroughput.Finished', {
  trips: t.u32,
  served: t.u32,
});
export const Done = defineMessage('bench.maxthroughput.Done', {
  pairs: t.u32,
  trips: t.f64,
});

const NOTHING = Object.freeze({});

export class MtDriver extends Component {
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
      const { pairs, window, trips, cross, workers } = msg.body;
      const pinned = msg.body.pinned === 1;
      this.pairs = pairs * workers;
      this.finished = this.trips = 0;
      for (let w = 0; w < workers; w++) {
        const ponger = cross > 0 ? (w + 1) % workers : w;
        for (let p = 0; p < pairs; p++) {
          const pinger = ctx.spawn(new MtPinger(ctx.self), {
            worker: w,
            pinned,
          });
          ctx.send(pinger, Start, { window, trips, ponger, pinned });
        }
      }
    }
  }
}

export class MtPinger extends Component {
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
      // The ponger's count, on its way back to the driver.
      ctx.send(this.driver, Finished, {
        trips: this.back,
        served: msg.body.served,
      });
    } else if (Start.is(msg)) {
      this.trips = msg.body.trips;
      // A ponger on this worker starts next to its pinger, already where
      // placement would bring it.
      const { ponger, pinned } = msg.body;
      this.ponger = ctx.spawn(
        new MtPonger(),
        ponger === ctx.worker ? { pinned } : { worker: ponger, pinned },
      );
      const window = Math.min(msg.body.window, this.trips);
      for (; this.sent < window; this.sent++) {
        ctx.send(this.ponger, Ping, NOTHING);
      }
    }
  }
}

export class MtPonger extends Component {
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
export const DRIVER = 'bench.maxthroughput.Driver';

registerComponents({
  [DRIVER]: MtDriver,
  'bench.maxthroughput.Pinger': MtPinger,
  'bench.maxthroughput.Ponger': MtPonger,
});
