/** Who watches whom, so that a death can be announced to its watchers. */
import type { Address } from '../address.js';

function addTo(map: Map<Address, Address[]>, key: Address, value: Address) {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

function removeFrom(
  map: Map<Address, Address[]>,
  key: Address,
  value: Address,
): void {
  const list = map.get(key);
  if (list === undefined) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

export class WatchList {
  private readonly watchersOf = new Map<Address, Address[]>();
  private readonly watchedBy = new Map<Address, Address[]>();

  /** Number of (watcher, watched) pairs. */
  get size(): number {
    let n = 0;
    for (const list of this.watchersOf.values()) n += list.length;
    return n;
  }

  watch(watcher: Address, watched: Address): void {
    addTo(this.watchersOf, watched, watcher);
    addTo(this.watchedBy, watcher, watched);
  }

  unwatch(watcher: Address, watched: Address): void {
    removeFrom(this.watchersOf, watched, watcher);
    removeFrom(this.watchedBy, watcher, watched);
  }

  /**
   * Forgets `address` on both sides and returns the components that
   * watched it, in the order they started watching.
   */
  remove(address: Address): readonly Address[] {
    for (const watched of this.watchedBy.get(address) ?? []) {
      removeFrom(this.watchersOf, watched, address);
    }
    this.watchedBy.delete(address);
    const watchers = this.watchersOf.get(address) ?? [];
    this.watchersOf.delete(address);
    for (const watcher of watchers) {
      removeFrom(this.watchedBy, watcher, address);
    }
    return watchers;
  }
}
