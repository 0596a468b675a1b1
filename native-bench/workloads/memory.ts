/**
 * Memory: idle components, grown in steps; one spawner and one heap probe
 * per worker, so components are born where they stay and every worker's
 * heap can be read. A probe collects garbage (when gc is exposed) and
 * reports its thread's `heapUsed`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

export const Setup = defineMessage('bench.memory.Setup', { workers: t.u32 });
export const Ready = defineMessage('bench.memory.Ready', {
  probes: t.addresses,
});
export const Grow = defineMessage('bench.memory.Grow', {
  each: t.u32,
  chunk: t.u32,
});
export const More = defineMessage('bench.memory.More', {});
export const Grown = defineMessage('bench.memory.Grown', { spawned: t.f64 });
export const Heap = defineMessage('bench.memory.Heap', {});
export const HeapUsed = defineMessage('bench.memory.HeapUsed', {
  bytes: t.f64,
  collected: t.bool,
});

const NOTHING = Object.freeze({});

export class MemoryDriver extends Component {
  go: Message | undefined = undefined;
  spawners: Address[] = [];
  grown = 0;
  spawned = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (Grown.is(msg)) {
      this.spawned += msg.body.spawned;
      if (++this.grown === this.spawners.length) {
        ctx.reply(this.go!, Grown, { spawned: this.spawned });
      }
    } else if (Grow.is(msg)) {
      this.go = msg;
      this.grown = this.spawned = 0;
      for (const s of this.spawners) ctx.send(s, Grow, msg.body);
    } else if (Setup.is(msg)) {
      const probes: Address[] = [];
      for (let w = 0; w < msg.body.workers; w++) {
        this.spawners.push(ctx.spawn(new Spawner(), { worker: w }));
        probes.push(ctx.spawn(new Probe(), { worker: w }));
      }
      ctx.reply(msg, Ready, { probes });
    }
  }
}

export class Spawner extends Component {
  left = 0;
  chunk = 0;
  spawned = 0;
  driver: Address = NOBODY;

  onmessage(msg: Message, ctx: Context): void {
    if (More.is(msg)) {
      this.grow(ctx);
    } else if (Grow.is(msg)) {
      this.driver = msg.sender;
      this.left = msg.body.each;
      this.chunk = msg.body.chunk;
      this.spawned = 0;
      this.grow(ctx);
    }
  }

  private grow(ctx: Context): void {
    const n = Math.min(this.chunk, this.left);
    for (let i = 0; i < n; i++) ctx.spawn(new Idle());
    this.left -= n;
    this.spawned += n;
    if (this.left > 0) ctx.send(ctx.self, More, NOTHING);
    else ctx.send(this.driver, Grown, { spawned: this.spawned });
  }
}

/** An idle component: no fields, ignores everything. */
export class Idle extends Component {
  onmessage(): void {}
}

let gc: (() => void) | undefined;

/** The thread's gc: global when exposed, else through a V8 flag. */
function collector(): (() => void) | undefined {
  if (gc !== undefined) return gc;
  const global = (globalThis as { gc?: () => void }).gc;
  if (global !== undefined) {
    gc = global;
    return gc;
  }
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  } catch {
    gc = undefined;
  }
  return gc;
}

export class Probe extends Component {
  onmessage(msg: Message, ctx: Context): void {
    if (!Heap.is(msg)) return;
    const collect = collector();
    collect?.();
    collect?.();
    ctx.reply(msg, HeapUsed, {
      bytes: process.memoryUsage().heapUsed,
      collected: collect !== undefined,
    });
  }
}

/** The root component's registered name. */
export const DRIVER = 'bench.memory.Driver';

registerComponents({
  [DRIVER]: MemoryDriver,
  'bench.memory.Spawner': Spawner,
  'bench.memory.Idle': Idle,
  'bench.memory.Probe': Probe,
});
