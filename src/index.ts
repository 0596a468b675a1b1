/**
 * Circo: components (actors) that exchange typed messages, spawn, become
 * and die; run by a machine on this thread or spread over worker threads.
 */
export {
  type Address,
  formatAddress,
  hostOf,
  isAddress,
  makeAddress,
  NOBODY,
  parseAddress,
  serialOf,
} from './address.js';
export {
  Component,
  type ComponentClass,
  type ErrorPolicy,
  registerComponents,
} from './component.js';
export * from './errors.js';
export type {
  Figures,
  RoundFigures,
  RoundWorkerFigures,
  WorkerFigures,
} from './machine/figures.js';
export {
  type AskOptions,
  createMachine,
  type Machine,
  type Reply,
} from './machine/machine.js';
export type { ClockKind, MachineOptions } from './machine/options.js';
export {
  defineMessage,
  type Message,
  MessageType,
  messageTypes,
} from './message/message.js';
export { type Body, type FieldKind, type Schema, t } from './message/schema.js';
export {
  Became,
  Died,
  Migrated,
  NameFound,
  NameTaken,
  Spawned,
  Terminate,
  Terminated,
  Tick,
  Timeout,
} from './message/system.js';
export {
  type PlacementOptions,
  registerWorkerForce,
  type WorkerForceLaw,
} from './placement/options.js';
export type {
  Context,
  RequestOptions,
  SendOptions,
  SubscribeOptions,
} from './scheduler/context.js';
export type { EventFilter } from './scheduler/events.js';
export type { SpawnOptions } from './scheduler/scheduler.js';
export type { Position } from './scheduler/space.js';
export type { Reduction } from './scheduler/strict.js';
export {
  type BodyCodec,
  registerBodyCodec,
  unregisterBodyCodec,
} from './wire/custom.js';
