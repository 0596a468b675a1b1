import {
  type Address,
  formatAddress,
  hostOf,
  isAddress,
  makeAddress,
  NOBODY,
  parseAddress,
  serialOf,
} from 'circo';
import { describe, expect, it } from 'vitest';
import { Make, Where } from '#fixtures/faulty.js';
import { startMachine } from './helpers/machine.js';

const HOSTS = 2 ** 13;
const SERIALS = 2 ** 40;

/** The code of what `action` throws; fails the test if it returns. */
function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as { code: string }).code;
  }
  throw new Error('expected the call to throw');
}

describe('addresses', () => {
  it.each([
    [0, 16, '@0:16'],
    [0, 0, '@0:0'],
    [1, 1, '@1:1'],
    [HOSTS - 1, 17, '@8191:17'],
    [HOSTS - 1, SERIALS - 1, '@8191:1099511627775'],
  ])(
    'host %i, serial %i prints as %s and parses back',
    (host, serial, text) => {
      const address = makeAddress(host, serial);
      expect(address).toBe(host * SERIALS + serial);
      expect(formatAddress(address)).toBe(text);
      expect(parseAddress(text)).toBe(address);
      expect(hostOf(address)).toBe(host);
      expect(serialOf(address)).toBe(serial);
      expect(isAddress(address)).toBe(true);
    },
  );

  it('uses the whole safe integer range and nothing more', () => {
    const last = makeAddress(HOSTS - 1, SERIALS - 1);
    expect(last).toBe(Number.MAX_SAFE_INTEGER);
    expect(hostOf(NOBODY)).toBe(0);
    expect(serialOf(NOBODY)).toBe(0);
    expect(formatAddress(NOBODY)).toBe('@0:0');
  });

  it('round-trips a spread of hosts and serials through text', () => {
    for (const host of [0, 1, 2, 255, 4096, HOSTS - 1]) {
      for (const serial of [0, 16, 12345, 2 ** 32, SERIALS - 1]) {
        const address = makeAddress(host, serial);
        expect(parseAddress(formatAddress(address))).toBe(address);
        expect(makeAddress(hostOf(address), serialOf(address))).toBe(address);
      }
    }
  });

  it.each([
    '0:17',
    '@0:',
    '@:17',
    '@0:17 ',
    ' @0:17',
    '@-1:17',
    '@0:-17',
    '@0.5:17',
    '@0:1e3',
    '@0x1:2',
    '@12345:1',
    '@0:12345678901234',
    '',
  ])('parseAddress refuses %j with ERR_CIRCO_INVALID_ADDRESS', (text) => {
    expect(codeOf(() => parseAddress(text))).toBe('ERR_CIRCO_INVALID_ADDRESS');
  });

  it('parseAddress refuses hosts and serials out of range', () => {
    expect(codeOf(() => parseAddress(`@${HOSTS}:1`))).toBe(
      'ERR_CIRCO_INVALID_ADDRESS',
    );
    expect(codeOf(() => parseAddress(`@0:${SERIALS}`))).toBe(
      'ERR_CIRCO_INVALID_ADDRESS',
    );
  });

  it('parseAddress refuses what is not a string', () => {
    for (const value of [17, null, undefined, { host: 0 }]) {
      expect(codeOf(() => parseAddress(value as never))).toBe(
        'ERR_CIRCO_INVALID_ADDRESS',
      );
    }
  });

  it.each([
    [-1, 0],
    [HOSTS, 0],
    [0.5, 0],
    [Number.NaN, 0],
    [0, -1],
    [0, SERIALS],
    [0, 1.5],
    [0, Number.POSITIVE_INFINITY],
  ])(
    'makeAddress(%d, %d) refuses with ERR_CIRCO_INVALID_ARGUMENT',
    (host, serial) => {
      expect(codeOf(() => makeAddress(host, serial))).toBe(
        'ERR_CIRCO_INVALID_ARGUMENT',
      );
    },
  );

  it('isAddress accepts safe non-negative integers only', () => {
    expect(isAddress(NOBODY)).toBe(true);
    expect(isAddress(Number.MAX_SAFE_INTEGER)).toBe(true);
    for (const value of [-1, 1.5, 2 ** 53, Number.NaN, '17', null]) {
      expect(isAddress(value), String(value)).toBe(false);
    }
  });

  it('travel in bodies (t.address, t.addresses) and come back equal', async () => {
    const machine = await startMachine('faulty', 'FaultyLab');
    try {
      const reply = await machine.ask(machine.root, Make, { kind: 'Keeper' });
      const keeper = (reply.body as { at: Address }).at;
      const far = makeAddress(HOSTS - 1, SERIALS - 1);
      const body = {
        at: machine.root,
        all: [keeper, NOBODY, far, makeAddress(3, 16), machine.root],
      };
      await machine.send(keeper, Where, body);
      await machine.run();
      const state = (await machine.state(keeper)) as { last: typeof body };
      expect(state.last).toEqual(body);
      expect(state.last.all.map(formatAddress)).toEqual([
        formatAddress(keeper),
        '@0:0',
        '@8191:1099511627775',
        '@3:16',
        formatAddress(machine.root),
      ]);
      expect(hostOf(state.last.all[2]!)).toBe(HOSTS - 1);
    } finally {
      await machine.stop();
    }
  });

  it('of a machine on another host carry that host', async () => {
    const machine = await startMachine('faulty', 'FaultyLab', { host: 42 });
    try {
      expect(hostOf(machine.root)).toBe(42);
      const reply = await machine.ask(machine.root, Make, { kind: 'Keeper' });
      const keeper = (reply.body as { at: Address }).at;
      expect(hostOf(keeper)).toBe(42);
      expect(serialOf(keeper)).toBe(serialOf(machine.root) + 1);
      expect(reply.sender).toBe(machine.root);
      expect(parseAddress(formatAddress(keeper))).toBe(keeper);
    } finally {
      await machine.stop();
    }
  });
});
