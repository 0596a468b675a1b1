/**
 * The name registry: names bound to addresses. A component's names go away
 * when it dies.
 */
import type { Address } from '../address.js';

export class NameRegistry {
  private readonly addressOf = new Map<string, Address>();
  private readonly namesOf = new Map<Address, string[]>();

  get size(): number {
    return this.addressOf.size;
  }

  /**
   * Binds `name` to `address`. Returns the current holder when the name is
   * bound to another component (and changes nothing), else undefined.
   */
  register(name: string, address: Address): Address | undefined {
    const holder = this.addressOf.get(name);
    if (holder !== undefined) return holder === address ? undefined : holder;
    this.addressOf.set(name, address);
    const names = this.namesOf.get(address);
    if (names === undefined) this.namesOf.set(address, [name]);
    else names.push(name);
    return undefined;
  }

  /** Unbinds `name` if `address` holds it. */
  unregister(name: string, address: Address): boolean {
    if (this.addressOf.get(name) !== address) return false;
    this.addressOf.delete(name);
    const names = this.namesOf.get(address)!;
    names.splice(names.indexOf(name), 1);
    if (names.length === 0) this.namesOf.delete(address);
    return true;
  }

  lookup(name: string): Address | undefined {
    return this.addressOf.get(name);
  }

  holds(address: Address): boolean {
    return this.namesOf.has(address);
  }

  /** Unbinds every name `address` holds. */
  removeHolder(address: Address): void {
    const names = this.namesOf.get(address);
    if (names === undefined) return;
    for (const name of names) this.addressOf.delete(name);
    this.namesOf.delete(address);
  }
}
