/** The options a machine is built from, checked at the public edge. */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOST_LIMIT } from '../address.js';
import type { SpreadPolicy } from '../engine/spread.js';
import { InvalidArgumentError } from '../errors.js';
import {
  type PlacementOptions,
  type ResolvedPlacement,
  resolvePlacement,
} from '../placement/options.js';

export type ClockKind = 'virtual' | 'real';

/** Bytes of each ring between two workers unless options say otherwise. */
export const DEFAULT_RING_BYTES = 1 << 18;

export interface MachineOptions {
  /**
   * The module that defines the components: a file URL, or a path
   * (relative paths start from the working directory). Every thread of the
   * machine imports it, so it must register its components on import.
   */
  readonly module: string | URL;
  /** Registered name of the first component. */
  readonly component: string;
  /** Constructor arguments of the first component; cloned, so cloneable. */
  readonly args?: readonly unknown[];
  /**
   * `virtual` (default): when only timers are left, time jumps to the next
   * one. `real`: time is wall-clock milliseconds since the machine started.
   */
  readonly clock?: ClockKind;
  /** Check every body against its schema, not only at the edge. */
  readonly checkBodies?: boolean;
  /** This host's number, the high part of every address it makes. */
  readonly host?: number;
  /**
   * Worker threads. 0 runs everything on the calling thread (the embedded
   * machine); n > 0 partitions the components over n workers. Default: one
   * per available core.
   */
  readonly workers?: number;
  /**
   * `loose` (default): messages are handled as they arrive; steps are a
   * scheduler's rhythm. `strict`: a message sent in step k is handled in
   * step k + 1 wherever its target lives, in an order that does not depend
   * on placement, so a seeded run gives the same results on any number of
   * workers; components can be woken every step and reduce a value.
   */
  readonly steps?: 'loose' | 'strict';
  /**
   * Bytes of each ring between two workers: a power of two, at least 256;
   * default 256 KiB. A message must fit in half a ring: its frame is 56
   * bytes of header and envelope plus its encoded body.
   */
  readonly ringBytes?: number;
  /** Test aids. `reverseInbox` (strict mode) reverses each step's order. */
  readonly debug?: { readonly reverseInbox?: boolean };
  /**
   * Heap limits of each worker (as for `new Worker`). A worker that
   * passes them dies, and the machine fails with WorkerExitError.
   */
  readonly resourceLimits?: {
    readonly maxOldGenerationSizeMb?: number;
    readonly maxYoungGenerationSizeMb?: number;
  };
  /**
   * Where spawns with `spread: true` go: `round-robin` (default) or
   * `scatter` drawn from `seed`.
   */
  readonly spread?: 'round-robin' | 'scatter';
  readonly seed?: number;
  /**
   * Infoton optimization: messages pull their targets toward their
   * senders in space, and components migrate to the worker they are
   * nearest to. On by default when there is more than one worker.
   */
  readonly placement?: PlacementOptions;
}

export interface ResolvedOptions {
  readonly moduleUrl: string;
  readonly component: string;
  readonly args: unknown[];
  readonly clock: ClockKind;
  readonly checkBodies: boolean;
  readonly host: number;
  readonly workers: number;
  readonly spread: SpreadPolicy;
  /** Present in the strict mode. */
  readonly strict: { readonly reverseInbox: boolean } | undefined;
  readonly ringBytes: number;
  readonly placement: ResolvedPlacement;
  readonly resourceLimits: {
    readonly maxOldGenerationSizeMb?: number;
    readonly maxYoungGenerationSizeMb?: number;
  };
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) {
    throw new InvalidArgumentError(
      `options.module must be a file URL or a path, got ${String(module)}`,
    );
  }
  if (module.startsWith('file:')) return module;
  const path = isAbsolute(module) ? module : resolve(process.cwd(), module);
  return pathToFileURL(path).href;
}

export function resolveOptions(options: MachineOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('createMachine needs an options object');
  }
  const { component, clock = 'virtual', host = 0 } = options;
  if (typeof component !== 'string' || component.length === 0) {
    throw new InvalidArgumentError(
      `options.component must name a registered component, got ` +
        `${String(component)}`,
    );
  }
  if (clock !== 'virtual' && clock !== 'real') {
    throw new InvalidArgumentError(
      `options.clock must be 'virtual' or 'real', got ${String(clock)}`,
    );
  }
  if (!Number.isInteger(host) || host < 0 || host >= HOST_LIMIT) {
    throw new InvalidArgumentError(
      `options.host must be an integer in [0, ${HOST_LIMIT}), got ${host}`,
    );
  }
  if (options.args !== undefined && !Array.isArray(options.args)) {
    throw new InvalidArgumentError('options.args must be an array');
  }
  let args: unknown[];
  try {
    args = structuredClone([...(options.args ?? [])]);
  } catch (cause) {
    throw new InvalidArgumentError(
      'options.args must be cloneable data (it may cross to another thread)',
      { cause },
    );
  }
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
    throw new InvalidArgumentError(
      `options.workers must be an integer in [0, 256], got ${workers}`,
    );
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) {
    throw new InvalidArgumentError(
      `options.seed must be an integer, got ${seed}`,
    );
  }
  let spread: SpreadPolicy;
  if (options.spread === undefined || options.spread === 'round-robin') {
    spread = { policy: 'round-robin' };
  } else if (options.spread === 'scatter') {
    spread = { policy: 'scatter', seed };
  } else {
    throw new InvalidArgumentError(
      `options.spread must be 'round-robin' or 'scatter', got ` +
        `${String(options.spread)}`,
    );
  }
  const limits = options.resourceLimits ?? {};
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new InvalidArgumentError(
        `options.resourceLimits.${name} must be a positive number of MB, ` +
          `got ${String(value)}`,
      );
    }
  }
  if (
    options.steps !== undefined &&
    !['loose', 'strict'].includes(options.steps)
  ) {
    throw new InvalidArgumentError(
      `options.steps must be 'loose' or 'strict', got ${String(options.steps)}`,
    );
  }
  const reverseInbox = options.debug?.reverseInbox === true;
  const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
  if (
    !Number.isInteger(ringBytes) ||
    ringBytes < 256 ||
    ringBytes > 2 ** 30 ||
    (ringBytes & (ringBytes - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `options.ringBytes must be a power of two from 256 to 2^30, got ` +
        `${ringBytes}`,
    );
  }
  return {
    workers,
    spread,
    strict: options.steps === 'strict' ? { reverseInbox } : undefined,
    ringBytes,
    placement: resolvePlacement(options.placement, workers),
    // Breadth-first workloads keep many messages queued: a young
    // generation larger than V8's default saves many copying collections.
    resourceLimits: { maxYoungGenerationSizeMb: 64, ...limits },
    moduleUrl: moduleUrl(options.module),
    component,
    args,
    clock,
    checkBodies: options.checkBodies ?? false,
    host,
  };
}
