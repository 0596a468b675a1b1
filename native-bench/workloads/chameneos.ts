/**
 * Chameneos (Savina): `chameneos` creatures (spread over the workers) meet
 * in pairs through one mall until `meetings` meetings took place. Per
 * meeting: two Meet to the mall, one Mate to the first creature, one
 * Change from it to the second. Then every creature is sent Stop and
 * reports how many meetings it had; their sum must be twice `meetings`.
 */
import {
  type Address,
  Component,
  type Context,
  defineMessage,
  type Message,
  NOBODY,
  registerComponents,
  Spawned,
  t,
} from 'circo';

export const Go = defineMessage('bench.chameneos.Go', {
  chameneos: t.u32,
  meetings: t.u32,
});
export const Meet = defineMessage('bench.chameneos.Meet', { color: t.u32 });
export const Mate = defineMessage('bench.chameneos.Mate', {
  partner: t.address,
  color: t.u32,
});
export const Change = defineMessage('bench.chameneos.Change', {
  color: t.u32,
});
export const Stop = defineMessage('bench.chameneos.Stop', {});
export const Met = defineMessage('bench.chameneos.Met', { meetings: t.u32 });
export const Done = defineMessage('bench.chameneos.Done', {
  meetings: t.u32,
  met: t.f64,
  stopped: t.u32,
});

const NOTHING = Object.freeze({});

/** Savina's colour complement: blue 0, red 1, yellow 2. */
export function complement(a: number, b: number): number {
  return a === b ? a : 3 - a - b;
}

export class Mall extends Component {
  go: Message | undefined = undefined;
  left = 0;
  meetings = 0;
  waiting: Address = NOBODY;
  waitingColor = 0;
  creatures = 0;
  stopped = 0;
  met = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Meet.is(msg)) {
      if (this.left === 0) {
        ctx.send(msg.sender, Stop, NOTHING);
      } else if (this.waiting === NOBODY) {
        this.waiting = msg.sender;
        this.waitingColor = msg.body.color;
      } else {
        ctx.send(this.waiting, Mate, {
          partner: msg.sender,
          color: msg.body.color,
        });
        this.waiting = NOBODY;
        this.left--;
      }
    } else if (Met.is(msg)) {
      this.met += msg.body.meetings;
      if (++this.stopped === this.creatures) {
        ctx.reply(this.go!, Done, {
          meetings: this.meetings - this.left,
          met: this.met,
          stopped: this.stopped,
        });
      }
    } else if (Go.is(msg)) {
      this.go = msg;
      this.left = this.meetings = msg.body.meetings;
      this.creatures = msg.body.chameneos;
      this.stopped = this.met = 0;
      for (let i = 0; i < this.creatures; i++) {
        ctx.spawn(new Chameneo(ctx.self, i % 3), { spread: true });
      }
    }
  }
}

export class Chameneo extends Component {
  meetings = 0;

  constructor(
    public mall: Address,
    public color: number,
  ) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Mate.is(msg)) {
      this.color = complement(this.color, msg.body.color);
      this.meetings++;
      ctx.send(msg.body.partner, Change, { color: this.color });
      ctx.send(this.mall, Meet, { color: this.color });
    } else if (Change.is(msg)) {
      this.color = msg.body.color;
      this.meetings++;
      ctx.send(this.mall, Meet, { color: this.color });
    } else if (Stop.is(msg)) {
      ctx.send(this.mall, Met, { meetings: this.meetings });
    } else if (Spawned.is(msg)) {
      ctx.send(this.mall, Meet, { color: this.color });
    }
  }
}

/** The root component's registered name. */
export const MALL = 'bench.chameneos.Mall';

registerComponents({
  [MALL]: Mall,
  'bench.chameneos.Chameneo': Chameneo,
});
