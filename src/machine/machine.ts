/**
 * The machine: what a caller drives a component system with. Every call
 * returns a Promise, whether the components run in this thread or in
 * workers, so code written against one runs against the other.
 */

import type { Address } from '../address.js';
import { ThreadedMachine } from '../engine/threaded.js';
import type { Message, MessageType } from '../message/message.js';
import { workerForceLaw } from '../placement/options.js';
import type { Position } from '../scheduler/space.js';
import { EmbeddedMachine, importModule } from './embedded.js';
import type { Figures, RoundFigures } from './figures.js';
import { type MachineOptions, resolveOptions } from './options.js';

export interface AskOptions {
  /** Machine-time milliseconds to wait for the reply; default 5000. */
  readonly timeout?: number;
}

/** A reply as the caller receives it: a copy, detached from the machine. */
export interface Reply<B = unknown> {
  readonly type: MessageType<B>;
  readonly body: B;
  readonly sender: Address;
}

export interface Machine {
  /** Address of the first component. */
  readonly root: Address;
  /** Queues a message from the outside (the body is copied). */
  send<B>(target: Address, type: MessageType<B>, body: B): Promise<void>;
  /** Runs until nothing is queued and no timer is set. */
  run(): Promise<Figures>;
  /** Runs `count` steps, or until quiet if that comes first. */
  steps(count: number): Promise<Figures>;
  /**
   * Runs until `predicate` holds (checked between batches of messages and
   * when the machine goes quiet) or until quiet.
   */
  runUntil(predicate: (figures: Figures) => boolean): Promise<Figures>;
  /**
   * Sends a request and resolves with the reply, running the machine as
   * needed. Rejects with AskTimeoutError after `timeout`, or NoReplyError
   * when the machine goes quiet without a reply.
   */
  ask<B>(
    target: Address,
    type: MessageType<B>,
    body: B,
    options?: AskOptions,
  ): Promise<Reply>;
  /** A copy of a component's state (see Component.encode). */
  state(address: Address): Promise<unknown>;
  /** A component's position in space, [x, y, z]. */
  position(address: Address): Promise<Position>;
  /** The address bound to `name`, or undefined. */
  lookup(name: string): Promise<Address | undefined>;
  /**
   * Calls `listener` with the record of every round from the next run on
   * (see RoundFigures), until the returned function is called. Watching
   * rounds wakes the caller's thread at each one; without listeners (and
   * subscribers to `circo:round`) a run is only recorded when it ends. A
   * listener that throws ends the machine, and the run rejects with its
   * error.
   */
  onRound(listener: (round: RoundFigures) => void): () => void;
  /** The figures now; after the machine ended, its final figures. */
  figures(): Promise<Figures>;
  /**
   * Ends the machine; later calls other than `figures` reject with
   * MachineStoppedError.
   */
  stop(): Promise<void>;
}

/** Builds a machine from a component module (see MachineOptions). */
export async function createMachine(options: MachineOptions): Promise<Machine> {
  const resolved = resolveOptions(options);
  await importModule(resolved.moduleUrl);
  // The component module registers custom laws: the name is checked once
  // it is imported, here, whether or not workers would ever apply it.
  workerForceLaw(resolved.placement.workerForce);
  if (resolved.workers === 0) return EmbeddedMachine.start(resolved);
  return ThreadedMachine.start(resolved, {
    workers: resolved.workers,
    spread: resolved.spread,
    resourceLimits: resolved.resourceLimits,
  });
}

export type { Message };
