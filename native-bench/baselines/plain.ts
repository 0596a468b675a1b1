/**
 * The ceiling: a plain single-thread actor loop with no runtime, written
 * for speed. Messages are (target, kind, value) triples in one growable
 * circular queue of typed arrays; actors are objects with a `receive`
 * method. It does the PingPong, Counting and ThreadRing work of the
 * workloads (same sizes, same batching), and grows the actor tree
 * (creation ceiling).
 */

export interface PlainActor {
  receive(loop: PlainLoop, kind: number, value: number): void;
}

export class PlainLoop {
  private mask = (1 << 16) - 1;
  private targets = new Int32Array(1 << 16);
  private kinds = new Int32Array(1 << 16);
  private values = new Float64Array(1 << 16);
  private head = 0;
  private tail = 0;
  readonly actors: PlainActor[] = [];
  delivered = 0;

  spawn(actor: PlainActor): number {
    this.actors.push(actor);
    return this.actors.length - 1;
  }

  send(to: number, kind: number, value: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail & this.mask;
    this.targets[i] = to;
    this.kinds[i] = kind;
    this.values[i] = value;
    this.tail++;
  }

  run(): void {
    const actors = this.actors;
    while (this.head < this.tail) {
      const i = this.head & this.mask;
      this.head++;
      this.delivered++;
      actors[this.targets[i]!]!.receive(this, this.kinds[i]!, this.values[i]!);
    }
  }

  private grow(): void {
    const size = this.mask + 1;
    const targets = new Int32Array(size * 2);
    const kinds = new Int32Array(size * 2);
    const values = new Float64Array(size * 2);
    for (let k = 0; k < size; k++) {
      const i = (this.head + k) & this.mask;
      targets[k] = this.targets[i]!;
      kinds[k] = this.kinds[i]!;
      values[k] = this.values[i]!;
    }
    this.targets = targets;
    this.kinds = kinds;
    this.values = values;
    this.tail -= this.head;
    this.head = 0;
    this.mask = size * 2 - 1;
  }
}

const PING = 1;
const PONG = 2;

class PlainPinger implements PlainActor {
  ponger = 0;
  pongs = 0;
  receive(loop: PlainLoop, _kind: number, left: number): void {
    this.pongs++;
    if (left > 0) loop.send(this.ponger, PING, left - 1);
  }
}

class PlainPonger implements PlainActor {
  pinger = 0;
  seen = 0;
  receive(loop: PlainLoop, _kind: number, left: number): void {
    this.seen++;
    loop.send(this.pinger, PONG, left);
  }
}

/** PingPong: returns the messages handled. */
export function plainPingPong(rounds: number): number {
  const loop = new PlainLoop();
  const pinger = new PlainPinger();
  const ponger = new PlainPonger();
  ponger.pinger = loop.spawn(pinger);
  pinger.ponger = loop.spawn(ponger);
  loop.send(pinger.ponger, PING, rounds - 1);
  loop.run();
  if (pinger.pongs !== rounds || ponger.seen !== rounds) {
    throw new Error(`plain pingpong: ${pinger.pongs} pongs for ${rounds}`);
  }
  return loop.delivered;
}

const INCREMENT = 1;
const MORE = 2;
const RETRIEVE = 3;
const TOTAL = 4;

class PlainProducer implements PlainActor {
  self = 0;
  counter = 0;
  left = 0;
  total = -1;
  constructor(readonly batch: number) {}
  receive(loop: PlainLoop, kind: number, value: number): void {
    if (kind === TOTAL) {
      this.total = value;
      return;
    }
    const n = Math.min(this.batch, this.left);
    for (let i = 0; i < n; i++) loop.send(this.counter, INCREMENT, 0);
    this.left -= n;
    if (this.left > 0) loop.send(this.self, MORE, 0);
    else loop.send(this.counter, RETRIEVE, 0);
  }
}

class PlainCounter implements PlainActor {
  producer = 0;
  total = 0;
  receive(loop: PlainLoop, kind: number): void {
    if (kind === INCREMENT) this.total++;
    else if (kind === RETRIEVE) loop.send(this.producer, TOTAL, this.total);
  }
}

/** Counting: returns the increments counted. */
export function plainCounting(count: number, batch: number): number {
  const loop = new PlainLoop();
  const producer = new PlainProducer(batch);
  const counter = new PlainCounter();
  producer.self = counter.producer = loop.spawn(producer);
  producer.counter = loop.spawn(counter);
  producer.left = count;
  loop.send(producer.self, MORE, 0);
  loop.run();
  if (producer.total !== count) {
    throw new Error(`plain counting: total ${producer.total} for ${count}`);
  }
  return count;
}

class PlainNode implements PlainActor {
  next = 0;
  handled = 0;
  last = -1;
  receive(loop: PlainLoop, _kind: number, left: number): void {
    this.handled++;
    if (left === 0) this.last = this.handled;
    else loop.send(this.next, PING, left - 1);
  }
}

/** ThreadRing: returns the passes. */
export function plainThreadRing(actors: number, passes: number): number {
  const loop = new PlainLoop();
  const nodes: PlainNode[] = [];
  for (let i = 0; i < actors; i++) nodes.push(new PlainNode());
  for (let i = 0; i < actors; i++) {
    loop.spawn(nodes[i]!);
    nodes[i]!.next = (i + 1) % actors;
  }
  loop.send(0, PING, passes);
  loop.run();
  const end = nodes[passes % actors]!;
  if (end.last !== Math.floor(passes / actors) + 1) {
    throw new Error('plain threadring: the token ended in the wrong place');
  }
  return passes;
}

const GROW = 1;
const GROWN = 2;

class PlainTreeNode implements PlainActor {
  left = -1;
  right = -1;
  constructor(readonly creator: number) {}
  receive(loop: PlainLoop): void {
    if (this.left < 0) {
      this.left = loop.spawn(new PlainTreeNode(this.creator));
      this.right = loop.spawn(new PlainTreeNode(this.creator));
      loop.send(this.creator, GROWN, 2);
    } else {
      loop.send(this.left, GROW, 0);
      loop.send(this.right, GROW, 0);
    }
  }
}

class PlainTreeCreator implements PlainActor {
  nodes = 1;
  receive(_loop: PlainLoop, _kind: number, value: number): void {
    this.nodes += value;
  }
}

/** The actor tree grown `levels` levels: returns the nodes. */
export function plainTree(levels: number): number {
  const loop = new PlainLoop();
  const creator = new PlainTreeCreator();
  const self = loop.spawn(creator);
  const root = loop.spawn(new PlainTreeNode(self));
  for (let level = 1; level <= levels; level++) {
    loop.send(root, GROW, 0);
    loop.run();
  }
  if (creator.nodes !== 2 ** (levels + 1) - 1) {
    throw new Error(`plain tree: ${creator.nodes} nodes`);
  }
  return creator.nodes;
}
