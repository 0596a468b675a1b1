/**
 * Grid: `side` x `side` cells on a torus, each exchanging its value with
 * its 4 neighbours every generation: a cell that has its neighbours'
 * values of generation g computes its value of g + 1 and sends it on. In
 * the strict mode that is one generation a step. Cells are first dealt
 * to workers at random (from `seed`); every cell reports its final value
 * and the driver checks them all against the same rule run on an array.
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

export const Build = defineMessage('bench.grid.Build', {
  side: t.u32,
  workers: t.u32,
  seed: t.u32,
});
export const Built = defineMessage('bench.grid.Built', {});
export const Run = defineMessage('bench.grid.Run', { generations: t.u32 });
export const Ran = defineMessage('bench.grid.Ran', {
  cells: t.u32,
  wrong: t.u32,
  /** Sum over cells of (index + 1) * value: exact below 2^53. */
  checksum: t.f64,
});
/** Test aid: cell 0's value goes up by one, so the checksum is wrong. */
export const Skew = defineMessage('bench.grid.Skew', {});
const Wire = defineMessage('bench.grid.Wire', {
  neighbours: t.addresses,
  value: t.f64,
});
const Wired = defineMessage('bench.grid.Wired', {});
const Go = defineMessage('bench.grid.Go', { generations: t.u32 });
const Value = defineMessage('bench.grid.Value', {
  generation: t.u32,
  value: t.f64,
});
const Final = defineMessage('bench.grid.Final', {
  index: t.u32,
  generation: t.u32,
  value: t.f64,
});

/** Values stay below this modulus: exact in a double. */
const MODULUS = 1_000_003;

/** A cell's next value from its own and its neighbours' sum. */
export function rule(value: number, neighbours: number): number {
  return (value * 5 + neighbours + 1) % MODULUS;
}

/** Index of the 4 torus neighbours of cell `i`: north, east, south, west. */
export function neighboursOf(i: number, side: number): number[] {
  const x = i % side;
  const y = Math.floor(i / side);
  return [
    ((y + side - 1) % side) * side + x,
    y * side + ((x + 1) % side),
    ((y + 1) % side) * side + x,
    y * side + ((x + side - 1) % side),
  ];
}

/** The first values of a grid built from `seed`, as the driver deals. */
export function firstValues(side: number, workers: number, seed: number) {
  const random = generator(seed);
  const values: number[] = [];
  for (let i = 0; i < side * side; i++) {
    Math.floor(random() * workers); // the cell's worker
    values.push(Math.floor(random() * MODULUS));
  }
  return values;
}

/** The checksum of the grid after `g` generations, run on arrays. */
export function expectedChecksum(
  start: readonly number[],
  side: number,
  g: number,
): number {
  const n = side * side;
  const around = new Int32Array(4 * n);
  for (let i = 0; i < n; i++) around.set(neighboursOf(i, side), 4 * i);
  let now = Float64Array.from(start);
  let next = new Float64Array(n);
  for (let k = 0; k < g; k++) {
    for (let i = 0; i < n; i++) {
      const a = 4 * i;
      const sum =
        now[around[a]!]! +
        now[around[a + 1]!]! +
        now[around[a + 2]!]! +
        now[around[a + 3]!]!;
      next[i] = rule(now[i]!, sum);
    }
    [now, next] = [next, now];
  }
  return checksum(now);
}

export function checksum(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (i + 1) * values[i]!;
  return sum;
}

export class GridDriver extends Component {
  cells: Address[] = [];
  values: number[] = [];
  waiting = 0;
  wrong = 0;
  generations = 0;
  request: Message | undefined = undefined;

  onmessage(msg: Message, ctx: Context): void {
    if (Final.is(msg)) {
      const { index, generation, value } = msg.body;
      if (generation !== this.generations) this.wrong++;
      this.values[index] = value;
      if (--this.waiting === 0) {
        ctx.reply(this.request!, Ran, {
          cells: this.cells.length,
          wrong: this.wrong,
          checksum: checksum(this.values),
        });
      }
    } else if (Skew.is(msg)) {
      ctx.send(this.cells[0]!, Skew, {});
    } else if (Wired.is(msg)) {
      if (--this.waiting === 0) ctx.reply(this.request!, Built, {});
    } else if (Run.is(msg)) {
      this.request = msg;
      this.generations += msg.body.generations;
      this.waiting = this.cells.length;
      this.wrong = 0;
      for (const cell of this.cells) {
        ctx.send(cell, Go, { generations: msg.body.generations });
      }
    } else if (Build.is(msg)) {
      this.request = msg;
      const { side, workers, seed } = msg.body;
      const random = generator(seed);
      const n = side * side;
      for (let i = 0; i < n; i++) {
        const worker = Math.floor(random() * workers);
        this.cells.push(ctx.spawn(new Cell(i), { worker }));
        this.values.push(Math.floor(random() * MODULUS));
      }
      this.waiting = n;
      for (let i = 0; i < n; i++) {
        const neighbours = neighboursOf(i, side).map((j) => this.cells[j]!);
        ctx.send(this.cells[i]!, Wire, { neighbours, value: this.values[i]! });
      }
    }
  }
}

export class Cell extends Component {
  neighbours: readonly Address[] = [];
  value = 0;
  generation = 0;
  /** The generation this run ends at. */
  last = 0;
  driver: Address = NOBODY;
  /**
   * Values of generation g and g + 1 received so far, by parity: a
   * neighbour can be one generation ahead (in the loose mode), never two.
   */
  got = [0, 0];
  sums = [0, 0];
  wrong = 0;

  constructor(public index: number) {
    super();
  }

  onmessage(msg: Message, ctx: Context): void {
    if (Value.is(msg)) {
      const g = msg.body.generation;
      if (g !== this.generation && g !== this.generation + 1) this.wrong++;
      const slot = g & 1;
      this.sums[slot]! += msg.body.value;
      if (++this.got[slot]! < 4 || g !== this.generation) return;
      this.advance(ctx);
      // The next generation's values may all be here already.
      const next = this.generation & 1;
      if (this.got[next] === 4 && this.generation < this.last) {
        this.advance(ctx);
      }
    } else if (Go.is(msg)) {
      this.driver = msg.sender;
      this.last = this.generation + msg.body.generations;
      this.send(ctx);
    } else if (Wire.is(msg)) {
      this.neighbours = msg.body.neighbours;
      this.value = msg.body.value;
      ctx.send(msg.sender, Wired, {});
    } else if (Skew.is(msg)) {
      this.value = (this.value + 1) % MODULUS;
    }
  }

  /** Takes generation g's sum: the value of g + 1, sent on or reported. */
  private advance(ctx: Context): void {
    const slot = this.generation & 1;
    this.value = rule(this.value, this.sums[slot]!);
    this.sums[slot] = 0;
    this.got[slot] = 0;
    this.generation++;
    if (this.generation < this.last) this.send(ctx);
    else {
      // A wrong neighbour generation spoils the reported generation.
      ctx.send(this.driver, Final, {
        index: this.index,
        generation: this.wrong === 0 ? this.generation : 0,
        value: this.value,
      });
    }
  }

  private send(ctx: Context): void {
    const body = { generation: this.generation, value: this.value };
    for (const n of this.neighbours) ctx.send(n, Value, body);
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.grid.Driver';

registerComponents({
  [DRIVER]: GridDriver,
  'bench.grid.Cell': Cell,
});
