/**
 * Components: the unit of computation. A component is an instance of a
 * registered class; its own fields are its state. The runtime keeps nothing
 * per component but a table entry, so an idle component costs little more
 * than its fields.
 */
import {
  DuplicateComponentError,
  InvalidArgumentError,
  StateNotCloneableError,
  UnknownComponentError,
} from './errors.js';
import type { Message } from './message/message.js';
import type { Context } from './scheduler/context.js';

/**
 * What happens when a handler throws:
 * - `stop` (default): the run stops and rejects with HandlerError.
 * - `die`: the component dies (watchers are told); the run goes on.
 * - `continue`: the message is counted as failed; the run goes on.
 * Every failure is counted in the figures (`handlerErrors`) and published
 * on the `circo:handler-error` diagnostics channel; none is silent.
 */
export type ErrorPolicy = 'stop' | 'die' | 'continue';

/**
 * Base class of all components. Subclasses keep state in their own fields
 * and implement `onmessage`. Handlers are synchronous: a handler that
 * returns a Promise fails with AsyncHandlerError.
 *
 * State travels between threads (migration, `Machine.state`) as a copy:
 * by default the structured clone of the component's own fields, which must
 * then be cloneable data. A class whose state is not (it holds functions or
 * class instances) implements `encode` and a static `decode` instead.
 */
export abstract class Component {
  /** See ErrorPolicy. Override as a static field on the subclass. */
  static errorPolicy: ErrorPolicy = 'stop';

  abstract onmessage(message: Message, ctx: Context): void;

  /** Handles the Terminate signal. The default ends the component. */
  onterminate(_message: Message, ctx: Context): void {
    ctx.die();
  }

  /** Optional: the component's state as cloneable data. */
  encode?(): unknown;
}

/** A concrete component class; `decode` rebuilds one from `encode`'s data. */
export interface ComponentClass<C extends Component = Component> {
  new (...args: never[]): C;
  readonly prototype: C;
  readonly name: string;
  errorPolicy?: ErrorPolicy;
  decode?(data: unknown): C;
}

const classes = new Map<string, ComponentClass>();
const names = new WeakMap<ComponentClass, string>();

/**
 * Registers component classes under the keys of `table`, so that every
 * thread that imports the module can build them by name:
 *
 *     registerComponents({ TreeCreator, TreeActor });
 */
export function registerComponents(
  table: Readonly<Record<string, ComponentClass>>,
): void {
  for (const [name, cls] of Object.entries(table)) {
    if (typeof cls !== 'function' || !(cls.prototype instanceof Component)) {
      throw new InvalidArgumentError(
        `${name} must be a class that extends Component`,
      );
    }
    const existing = classes.get(name);
    if (existing !== undefined && existing !== cls) {
      throw new DuplicateComponentError(
        `component name ${name} is already taken by another class`,
      );
    }
    classes.set(name, cls);
    names.set(cls, name);
  }
}

/** The registered name of a component's class. */
export function componentName(component: Component): string {
  const name = names.get(component.constructor as ComponentClass);
  if (name === undefined) {
    throw new UnknownComponentError(
      `class ${component.constructor.name} is not registered: ` +
        `call registerComponents({ ${component.constructor.name} })`,
    );
  }
  return name;
}

/** The class registered under `name`. */
export function componentClass(name: string): ComponentClass {
  const cls = classes.get(name);
  if (cls === undefined) {
    throw new UnknownComponentError(
      `no component is registered as ${JSON.stringify(name)}; ` +
        `registered: ${[...classes.keys()].join(', ') || 'none'}`,
    );
  }
  return cls;
}

/** Throws unless `value` is an instance of a registered component class. */
export function checkComponent(value: unknown): asserts value is Component {
  if (!(value instanceof Component)) {
    throw new InvalidArgumentError(
      `expected a component instance, got ${String(value)}`,
    );
  }
  componentName(value);
}

/** A copy of a component's state as cloneable data. */
export function encodeState(component: Component): unknown {
  return component.encode === undefined
    ? structuredClone(component)
    : structuredClone(component.encode());
}

/**
 * A copy of `component`'s state for a reader outside it (`where` names the
 * component in the error), or StateNotCloneableError.
 */
export function copyState(component: Component, where: string): unknown {
  try {
    return encodeState(component);
  } catch (cause) {
    throw new StateNotCloneableError(
      `the state of ${component.constructor.name} at ${where} cannot be ` +
        `copied; give the class encode() and static decode()`,
      { cause },
    );
  }
}

/** Rebuilds a component of class `name` from `encodeState` data. */
export function decodeState(name: string, data: unknown): Component {
  const cls = componentClass(name);
  if (cls.decode !== undefined) return cls.decode(data);
  return Object.assign(Object.create(cls.prototype) as Component, data);
}
