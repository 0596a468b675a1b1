/**
 * Address allocation. Serials are handed out in blocks of BLOCK_SIZE; block
 * b belongs to worker `b % workers`, so any thread can tell which worker a
 * component was born on (its home) from its address alone, and every
 * worker's table pages stay dense.
 *
 *   serial:  | block 0 (w0) | block 1 (w1) | block 2 (w0) | block 3 (w1) |
 *
 * A spawner that places a child on worker v takes the serial from a block
 * of v's, leased through `lease(v)` (a shared counter in the threaded
 * engine), so the child's home is where it starts.
 */
import {
  type Address,
  FIRST_COMPONENT_SERIAL,
  SERIAL_LIMIT,
} from '../address.js';
import { InvalidArgumentError } from '../errors.js';

export const BLOCK_SIZE = 1024;

export class Allocator {
  private readonly base: number;
  /** Per worker: next serial of the open block, and its end. */
  private readonly next: number[];
  private readonly end: number[];

  constructor(
    host: number,
    readonly workers: number,
    /** Returns the k-th block number leased for `worker` (0, 1, 2 ...). */
    private readonly lease: (worker: number) => number,
  ) {
    this.base = host * SERIAL_LIMIT;
    this.next = new Array<number>(workers).fill(0);
    this.end = new Array<number>(workers).fill(0);
  }

  allocate(worker: number): Address {
    if (this.next[worker] === this.end[worker]) this.open(worker);
    return (this.base + this.next[worker]!++) as Address;
  }

  /** The worker whose block holds `address`'s serial. */
  homeOf(address: Address): number {
    return homeWorker(address, this.base, this.workers);
  }

  /** The worker whose block holds `serial` (an integer below 2^40). */
  homeOfSerial(serial: number): number {
    // serial / BLOCK_SIZE < 2^30: `| 0` truncates it exactly.
    return ((serial / BLOCK_SIZE) | 0) % this.workers;
  }

  private open(worker: number): void {
    const block = worker + this.workers * this.lease(worker);
    const first = block * BLOCK_SIZE;
    if (first + BLOCK_SIZE > SERIAL_LIMIT) {
      throw new InvalidArgumentError('this host has used up its addresses');
    }
    this.next[worker] = Math.max(first, FIRST_COMPONENT_SERIAL);
    this.end[worker] = first + BLOCK_SIZE;
  }
}

/** The home worker of `address` on the host whose first address is `base`. */
export function homeWorker(
  address: Address,
  base: number,
  workers: number,
): number {
  return Math.floor((address - base) / BLOCK_SIZE) % workers;
}

/** An allocator for one thread: blocks leased from a local counter. */
export function localAllocator(host: number): Allocator {
  let leased = 0;
  return new Allocator(host, 1, () => leased++);
}
