/**
 * Service operations that one worker asks of another: the parts of spawn,
 * watch, names and events that must run where a component lives (or where
 * the registry lives). Plain cloneable records; the wire carries them in
 * control frames.
 */
import type { Address } from '../address.js';

export type Op =
  /** Start a component whose address the spawner already allocated. */
  | {
      readonly op: 'spawn';
      readonly address: Address;
      readonly parent: Address;
      readonly component: string;
      readonly state: unknown;
      /** Strict mode: the child's key in the spawn tree (else 0). */
      readonly key: number;
      /** Where in space it starts; by default near its new worker. */
      readonly position?: readonly [number, number, number];
      readonly pinned?: boolean;
    }
  | {
      readonly op: 'watch';
      readonly watcher: Address;
      readonly target: Address;
    }
  | {
      readonly op: 'unwatch';
      readonly watcher: Address;
      readonly target: Address;
    }
  | { readonly op: 'register'; readonly name: string; readonly holder: Address }
  | {
      readonly op: 'unregister';
      readonly name: string;
      readonly holder: Address;
    }
  /** Drop every name `holder` held: it died. */
  | { readonly op: 'forget'; readonly holder: Address }
  | {
      readonly op: 'lookup';
      readonly name: string;
      readonly requester: Address;
      readonly token: number;
    }
  | {
      readonly op: 'subscribe';
      readonly token: number;
      readonly source: Address;
      readonly subscriber: Address;
      readonly type: number;
      readonly topic: string | undefined;
    }
  | { readonly op: 'unsubscribe'; readonly token: number }
  /** The source is gone: the subscriber side forgets these tokens. */
  | {
      readonly op: 'ended';
      readonly subscriber: Address;
      readonly tokens: readonly number[];
    };
