/**
 * Runtime schemas for message bodies. TypeScript types vanish at run time,
 * so a message definition carries a schema made of these field kinds; the
 * body type is derived from it, and encoders read it to lay out bytes.
 */
import { type Address, isAddress } from '../address.js';

/** One field of a body: its kind names both the TS type and the encoding. */
export interface FieldKind<T = unknown> {
  readonly kind: string;
  /** Phantom member: carries the field's TypeScript type. */
  readonly __type?: T;
}

const field = <T>(kind: string): FieldKind<T> => Object.freeze({ kind });

/** The field kinds a body can use. */
export const t = Object.freeze({
  /** A double. */
  f64: field<number>('f64'),
  /** A 32-bit signed integer. */
  i32: field<number>('i32'),
  /** A 32-bit unsigned integer. */
  u32: field<number>('u32'),
  bool: field<boolean>('bool'),
  string: field<string>('string'),
  bytes: field<Uint8Array>('bytes'),
  /** A component address (NOBODY allowed). */
  address: field<Address>('address'),
  addresses: field<readonly Address[]>('addresses'),
  /** An array of doubles. */
  f64s: field<readonly number[]>('f64s'),
});

export type Schema = Readonly<Record<string, FieldKind>>;

/** The body type a schema describes. */
export type Body<S extends Schema> = {
  readonly [K in keyof S]: S[K] extends FieldKind<infer T> ? T : never;
};

const KNOWN_KINDS = new Set(Object.values(t).map((f) => f.kind));

export function isFieldKind(value: unknown): value is FieldKind {
  return (
    typeof value === 'object' &&
    value !== null &&
    KNOWN_KINDS.has((value as FieldKind).kind)
  );
}

/** A stable one-line description, used by fingerprints: `a:f64,b:string`. */
export function describeSchema(schema: Schema): string {
  return Object.keys(schema)
    .map((name) => `${name}:${schema[name]!.kind}`)
    .join(',');
}

/** Why `value` is not a valid `kind`, or undefined when it is. */
function fieldProblem(kind: string, value: unknown): string | undefined {
  switch (kind) {
    case 'f64':
      return typeof value === 'number' ? undefined : 'a number';
    case 'i32':
      return typeof value === 'number' && (value | 0) === value
        ? undefined
        : 'a 32-bit signed integer';
    case 'u32':
      return typeof value === 'number' && value >>> 0 === value
        ? undefined
        : 'a 32-bit unsigned integer';
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'bytes':
      return value instanceof Uint8Array ? undefined : 'a Uint8Array';
    case 'address':
      return isAddress(value) ? undefined : 'an address';
    case 'addresses':
      return Array.isArray(value) && value.every(isAddress)
        ? undefined
        : 'an array of addresses';
    case 'f64s':
      return Array.isArray(value) && value.every((v) => typeof v === 'number')
        ? undefined
        : 'an array of numbers';
    default:
      return `a field of unknown kind ${kind}`;
  }
}

/**
 * Checks `body` against `schema`; returns a sentence naming the first
 * mismatch, or undefined when the body fits.
 */
export function bodyProblem(schema: Schema, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) {
    return `the body must be an object, got ${String(body)}`;
  }
  for (const name of Object.keys(schema)) {
    const value = (body as Record<string, unknown>)[name];
    const expected = fieldProblem(schema[name]!.kind, value);
    if (expected !== undefined) {
      const shown = typeof value === 'string' ? JSON.stringify(value) : value;
      return `field ${name} must be ${expected}, got ${String(shown)}`;
    }
  }
  for (const name of Object.keys(body)) {
    if (!(name in schema)) return `field ${name} is not in the schema`;
  }
  return undefined;
}
