/**
 * What a scheduler needs to know when it is one of several: which worker
 * it is, where other components live, and how to reach the other workers.
 * The embedded machine has no partition: everything is local.
 */
import type { Address } from '../address.js';
import type { Infoton } from '../wire/frame.js';
import type { Envelope } from './envelope.js';
import type { Op } from './ops.js';

export interface Partition {
  /** This worker's index. */
  readonly index: number;
  readonly workers: number;
  /** The worker that a message to `address` should go to. */
  locate(address: Address): number;
  /**
   * Takes a message for a component on another worker, with the infoton
   * it carries (read at once: the object is reused).
   */
  forward(worker: number, envelope: Envelope, infoton?: Infoton): void;
  /** Runs a service operation on another worker. */
  call(worker: number, op: Op): void;
  /** The worker a spawn with `spread: true` goes to. */
  spread(): number;
  /**
   * Offered a message whose target is not here; returns true to keep it
   * for later (its component may still be arriving), false for a dead
   * letter.
   */
  hold(envelope: Envelope): boolean;
}

/** The worker that holds the name registry and the outside's requests. */
export const REGISTRY_WORKER = 0;
