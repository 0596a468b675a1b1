/**
 * Addresses name components. An address is a plain number, so it is cheap
 * to store, compare with `===`, copy between threads and put in messages.
 *
 *   address = host * 2^40 + serial
 *
 *   bits 52..40  host    which host allocated it (0 on a single machine)
 *   bits 39..0   serial  never reused on that host
 *
 * The address says nothing about which worker runs the component, so it
 * stays valid when the component migrates.
 */
import { InvalidAddressError, InvalidArgumentError } from './errors.js';

declare const addressBrand: unique symbol;

/** The address of a component: a number, branded so it is never a count. */
export type Address = number & { readonly [addressBrand]: true };

export const SERIAL_BITS = 40;
export const SERIAL_LIMIT = 2 ** SERIAL_BITS;
/** Hosts are numbered 0 .. HOST_LIMIT - 1. */
export const HOST_LIMIT = 2 ** (53 - SERIAL_BITS);

/** Serials below this are the runtime's own; components start here. */
export const FIRST_COMPONENT_SERIAL = 16;

/** "No component": a valid value for address fields, never a target. */
export const NOBODY = 0 as Address;

/** Serial of the outside world: whoever drives the machine. */
const OUTSIDE_SERIAL = 1;

export function makeAddress(host: number, serial: number): Address {
  if (!Number.isInteger(host) || host < 0 || host >= HOST_LIMIT) {
    throw new InvalidArgumentError(
      `host must be an integer in [0, ${HOST_LIMIT}), got ${host}`,
    );
  }
  if (!Number.isInteger(serial) || serial < 0 || serial >= SERIAL_LIMIT) {
    throw new InvalidArgumentError(
      `serial must be an integer in [0, 2^${SERIAL_BITS}), got ${serial}`,
    );
  }
  return (host * SERIAL_LIMIT + serial) as Address;
}

/** The address that stands for the machine's caller on `host`. */
export function outsideAddress(host = 0): Address {
  return makeAddress(host, OUTSIDE_SERIAL);
}

export function hostOf(address: Address): number {
  return Math.floor(address / SERIAL_LIMIT);
}

export function serialOf(address: Address): number {
  return address % SERIAL_LIMIT;
}

/** Whether `value` is a number that could be an address (NOBODY included). */
export function isAddress(value: unknown): value is Address {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** `@host:serial`, for example `@0:17`. */
export function formatAddress(address: Address): string {
  return `@${hostOf(address)}:${serialOf(address)}`;
}

const ADDRESS_TEXT = /^@(\d{1,4}):(\d{1,13})$/;

/** Reads what `formatAddress` writes. */
export function parseAddress(text: string): Address {
  const match = typeof text === 'string' ? ADDRESS_TEXT.exec(text) : null;
  if (match === null) {
    throw new InvalidAddressError(
      `expected an address like "@0:17", got ${JSON.stringify(text)}`,
    );
  }
  const host = Number(match[1]);
  const serial = Number(match[2]);
  if (host >= HOST_LIMIT || serial >= SERIAL_LIMIT) {
    throw new InvalidAddressError(
      `address ${JSON.stringify(text)} is out of range`,
    );
  }
  return makeAddress(host, serial);
}
