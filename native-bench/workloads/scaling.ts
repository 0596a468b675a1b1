/**
 * Scaling: a simulation whose handlers do real arithmetic. `tokens`
 * tokens walk over `cells` cells (dealt over the workers in turn); each
 * handling is `crunch(value, work)`, tens of microseconds. A token's path
 * and values depend on the token alone, so the checksum of the final
 * values is known in advance (see kernels.ts) whatever the placement.
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
import {
  CHECK_MOD,
  checkTerm,
  crunch,
  nextCell,
  tokenStart,
} from '../kernels.js';

export const Go = defineMessage('bench.scaling.Go', {
  cells: t.u32,
  tokens: t.u32,
  hops: t.u32,
  work: t.u32,
  workers: t.u32,
});
export const Cells = defineMessage('bench.scaling.Cells', {
  cells: t.addresses,
});
export const Token = defineMessage('bench.scaling.Token', {
  token: t.u32,
  left: t.u32,
  value: t.f64,
});
export const Arrived = defineMessage('bench.scaling.Arrived', {
  value: t.f64,
});
export const Done = defineMessage('bench.scaling.Done', {
  tokens: t.u32,
  checksum: t.f64,
});

export class ScaleDriver extends Component {
  go: Message | undefined = undefined;
  tokens = 0;
  arrived = 0;
  checksum = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Arrived.is(msg)) {
      this.checksum = (this.checksum + checkTerm(msg.body.value)) % CHECK_MOD;
      if (++this.arrived === this.tokens) {
        ctx.reply(this.go!, Done, {
          tokens: this.arrived,
          checksum: this.checksum,
        });
      }
    } else if (Go.is(msg)) {
      this.go = msg;
      const { cells, tokens, hops, work, workers } = msg.body;
      this.tokens = tokens;
      this.arrived = this.checksum = 0;
      const addresses: Address[] = [];
      for (let i = 0; i < cells; i++) {
        const cell = new Cell(ctx.self, i, work);
        addresses.push(ctx.spawn(cell, { worker: i % workers }));
      }
      for (const cell of addresses) {
        ctx.send(cell, Cells, { cells: addresses });
      }
      for (let k = 0; k < tokens; k++) {
        ctx.send(addresses[k % cells]!, Token, {
          token: k,
          left: hops,
          value: tokenStart(k),
        });
      }
    }
  }
}

export class Cell extends Component {
  cells: readonly Address[] = [];

  constructor(
    public driver: Address,
    public index: number,
    public work: number,
  ) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Token.is(msg)) {
      const { token, left } = msg.body;
      const value = crunch(msg.body.value, this.work);
      if (left === 1) {
        ctx.send(this.driver, Arrived, { value });
      } else {
        const next = nextCell(this.index, token, this.cells.length);
        ctx.send(this.cells[next]!, Token, { token, left: left - 1, value });
      }
    } else if (Cells.is(msg)) {
      this.cells = msg.body.cells;
    }
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.scaling.Driver';

registerComponents({
  [DRIVER]: ScaleDriver,
  'bench.scaling.Cell': Cell,
});
