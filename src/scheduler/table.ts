/**
 * The components of one scheduler, found by address. Serials are dense on
 * a host (they count up), so the table is an array of fixed-size pages:
 * two array loads per look-up, no hashing, and 16 bytes per slot besides
 * the component itself: 4 for the reference and 12 for its position in
 * Circo's 3D space (three float32 in the page's `coords`, x of slot s at
 * 3s). A page is dropped when its last component dies, so churn does not
 * keep dead pages alive.
 */
import { type Address, SERIAL_LIMIT } from '../address.js';
import type { Component } from '../component.js';

const PAGE_BITS = 10;
const PAGE_SIZE = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SIZE - 1;

interface Page {
  live: number;
  readonly slots: (Component | undefined)[];
  readonly coords: Float32Array;
}

export class ComponentTable {
  private readonly pages: (Page | undefined)[] = [];
  private readonly base: number;
  private count = 0;

  /** `host` is the host whose addresses this table holds. */
  constructor(host: number) {
    this.base = host * SERIAL_LIMIT;
  }

  get size(): number {
    return this.count;
  }

  get(address: Address): Component | undefined {
    const local = address - this.base;
    if (local < 0 || local >= SERIAL_LIMIT) return undefined;
    // local < 2^40, so local / PAGE_SIZE fits in 31 bits and `| 0`
    // truncates it exactly; `& SLOT_MASK` keeps the low bits of ToInt32.
    const page = this.pages[(local / PAGE_SIZE) | 0];
    return page === undefined ? undefined : page.slots[local & SLOT_MASK];
  }

  /**
   * The coordinates of the page that holds `address`, whose position is
   * at `coordIndex(address)`; undefined when no component lives there.
   */
  coords(address: Address): Float32Array | undefined {
    const local = address - this.base;
    if (local < 0 || local >= SERIAL_LIMIT) return undefined;
    const page = this.pages[(local / PAGE_SIZE) | 0];
    if (page === undefined || page.slots[local & SLOT_MASK] === undefined) {
      return undefined;
    }
    return page.coords;
  }

  /** Where `address`'s x sits in the array `coords` returns. */
  coordIndex(address: Address): number {
    return ((address - this.base) & SLOT_MASK) * 3;
  }

  /** Adds or replaces (become) the component at `address`. */
  set(address: Address, component: Component): void {
    const local = address - this.base;
    const index = (local / PAGE_SIZE) | 0;
    let page = this.pages[index];
    if (page === undefined) {
      page = {
        live: 0,
        slots: new Array<Component | undefined>(PAGE_SIZE).fill(undefined),
        coords: new Float32Array(3 * PAGE_SIZE),
      };
      this.pages[index] = page;
    }
    const slot = local & SLOT_MASK;
    if (page.slots[slot] === undefined) {
      page.live++;
      this.count++;
    }
    page.slots[slot] = component;
  }

  delete(address: Address): boolean {
    const local = address - this.base;
    const index = (local / PAGE_SIZE) | 0;
    const page = this.pages[index];
    const slot = local & SLOT_MASK;
    if (page === undefined || page.slots[slot] === undefined) return false;
    page.slots[slot] = undefined;
    this.count--;
    if (--page.live === 0) this.pages[index] = undefined;
    return true;
  }

  /**
   * Visits up to `max` live components, in serial order from serial
   * `from` on, wrapping around at the end; returns the serial to start
   * the next scan at. For sampling a few components at a time.
   */
  scan(from: number, max: number, visit: (address: Address) => void): number {
    const pages = this.pages.length;
    if (this.count === 0 || pages === 0) return 0;
    let serial = from >= pages * PAGE_SIZE ? 0 : from;
    let seen = 0;
    let left = Math.min(max, this.count);
    while (left > 0 && seen <= pages * PAGE_SIZE) {
      const page = this.pages[(serial / PAGE_SIZE) | 0];
      if (page === undefined) {
        // Skip the whole page.
        const next = (((serial / PAGE_SIZE) | 0) + 1) * PAGE_SIZE;
        seen += next - serial;
        serial = next;
      } else {
        if (page.slots[serial & SLOT_MASK] !== undefined) {
          visit((this.base + serial) as Address);
          left--;
        }
        serial++;
        seen++;
      }
      if (serial >= pages * PAGE_SIZE) serial = 0;
    }
    return serial;
  }

  /** Visits every live component with its address. */
  forEach(visit: (address: Address, component: Component) => void): void {
    this.pages.forEach((page, index) => {
      if (page === undefined) return;
      page.slots.forEach((component, slot) => {
        if (component !== undefined) {
          visit((this.base + index * PAGE_SIZE + slot) as Address, component);
        }
      });
    });
  }
}
