/**
 * A many-to-many relation kept as lists per key, for who watches whom and
 * who subscribed to what. Lists keep insertion order, so notifications go
 * out in the order the relations were made.
 */
export class MultiMap<K, V> {
  private readonly lists = new Map<K, V[]>();
  private pairs = 0;

  /** Number of (key, value) pairs. */
  get size(): number {
    return this.pairs;
  }

  add(key: K, value: V): void {
    const list = this.lists.get(key);
    if (list === undefined) this.lists.set(key, [value]);
    else if (list.includes(value)) return;
    else list.push(value);
    this.pairs++;
  }

  remove(key: K, value: V): boolean {
    const list = this.lists.get(key);
    const at = list === undefined ? -1 : list.indexOf(value);
    if (at < 0) return false;
    list!.splice(at, 1);
    if (list!.length === 0) this.lists.delete(key);
    this.pairs--;
    return true;
  }

  has(key: K): boolean {
    return this.lists.has(key);
  }

  /** The values of `key`, in insertion order; do not modify. */
  get(key: K): readonly V[] {
    return this.lists.get(key) ?? [];
  }

  /** Removes and returns every value of `key`. */
  take(key: K): readonly V[] {
    const list = this.lists.get(key);
    if (list === undefined) return [];
    this.lists.delete(key);
    this.pairs -= list.length;
    return list;
  }
}
