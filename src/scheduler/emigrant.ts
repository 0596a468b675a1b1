/**
 * A component on its way to another worker: everything it takes along,
 * as cloneable data for a control frame. The messages queued for it travel
 * apart, as ordinary message frames right behind this record on the same
 * ring, so they arrive after it and in their order.
 */
import type { Address } from '../address.js';
import type { Component } from '../component.js';
import type { ServiceRecords } from './services.js';
import type { Position } from './space.js';
import type { LineageRecord } from './strict.js';

export interface TimerRecord {
  readonly id: number;
  readonly due: number;
  /** The request token the timer guards, or 0. */
  readonly token: number;
  /** The message it delivers when it fires. */
  readonly type: number;
  readonly body: unknown;
  readonly kind: number;
  readonly sender: Address;
  readonly topic: string | undefined;
  readonly senderKey: number;
  readonly senderSeq: number;
}

export interface Emigrant {
  readonly address: Address;
  readonly from: number;
  /** Registered class name, and the state from encodeState. */
  readonly component: string;
  readonly state: unknown;
  readonly position: Position;
  /** Strict mode: its place in the spawn tree and its counters. */
  readonly lineage: LineageRecord | undefined;
  readonly timers: readonly TimerRecord[];
  /** Its names, watches and subscriptions, either side. */
  readonly services: ServiceRecords;
  /** Whether it asked to move (it is told with Migrated when it lands). */
  readonly asked: boolean;
}

/** Deepest nesting and most values a state check looks at. */
const MAX_DEPTH = 16;
const MAX_VALUES = 100_000;

/**
 * Whether `component`'s state survives a move: it has its own encode, or
 * its fields hold only data that a structured clone copies faithfully
 * (primitives, arrays, plain objects, typed arrays, Map, Set, Date). A
 * field holding a class instance, such as a received Message kept to be
 * answered later, would arrive as a plain object without its methods and
 * identity, so such a component stays where it is.
 */
export function travelsWell(component: Component): boolean {
  if (typeof (component as { encode?: unknown }).encode === 'function') {
    return true;
  }
  let budget = MAX_VALUES;
  const plain = (value: unknown, depth: number): boolean => {
    if (--budget < 0 || depth > MAX_DEPTH) return false;
    if (value === null || typeof value !== 'object') {
      return typeof value !== 'function' && typeof value !== 'symbol';
    }
    if (ArrayBuffer.isView(value) || value instanceof Date) return true;
    if (Array.isArray(value)) return value.every((v) => plain(v, depth + 1));
    if (value instanceof Map) {
      for (const [k, v] of value) {
        if (!plain(k, depth + 1) || !plain(v, depth + 1)) return false;
      }
      return true;
    }
    if (value instanceof Set) {
      for (const v of value) if (!plain(v, depth + 1)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value).every((v) => plain(v, depth + 1));
  };
  return Object.values(component).every((v) => plain(v, 1));
}
