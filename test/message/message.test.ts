import {
  type Address,
  Died,
  defineMessage,
  type Machine,
  type Message,
  MessageType,
  messageTypes,
  NOBODY,
  Spawned,
  Terminated,
  t,
} from 'circo';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Boom, Kinds, Made, Make, Ping, Pong } from '#fixtures/faulty.js';
import { startMachine } from '../helpers/machine.js';

/**
 * FNV-1a over UTF-16 code units, written independently of src/ with BigInt
 * arithmetic: offset basis 2166136261, prime 16777619, modulo 2^32.
 */
function expectedId(name: string): number {
  let hash = 2166136261n;
  for (let i = 0; i < name.length; i++) {
    hash ^= BigInt(name.charCodeAt(i));
    hash = (hash * 16777619n) % 2n ** 32n;
  }
  return Number(hash);
}

describe('message type ids', () => {
  it('the reference hash gives the published FNV-1a 32 test vectors', () => {
    expect(expectedId('')).toBe(0x811c9dc5);
    expect(expectedId('a')).toBe(0xe40c292c);
    expect(expectedId('foobar')).toBe(0xbf9cf968);
  });

  it('are the FNV-1a 32 hash of the name', () => {
    for (const type of [Kinds, Ping, Pong, Boom, Spawned, Died, Terminated]) {
      expect(type.id, type.name).toBe(expectedId(type.name));
    }
    const local = defineMessage('messageSuite.Hashed', { x: t.u32 });
    expect(local.id).toBe(expectedId('messageSuite.Hashed'));
    expect(Number.isInteger(local.id) && local.id >= 0).toBe(true);
    expect(local.id).toBeLessThan(2 ** 32);
  });

  it('are exposed with the name, the schema and toString', () => {
    const type = defineMessage('messageSuite.Shown', { a: t.f64, b: t.bool });
    expect(type.name).toBe('messageSuite.Shown');
    expect(type.schema).toEqual({ a: t.f64, b: t.bool });
    expect(String(type)).toBe('messageSuite.Shown');
    expect(Object.isFrozen(type)).toBe(true);
    expect(Object.isFrozen(type.schema)).toBe(true);
  });
});

describe('defineMessage', () => {
  it('returns the same object for the same name and schema', () => {
    const first = defineMessage('messageSuite.Same', {
      who: t.address,
      n: t.i32,
    });
    const again = defineMessage('messageSuite.Same', {
      who: t.address,
      n: t.i32,
    });
    expect(again).toBe(first);
    // The fixture's definitions, repeated here, are the fixture's objects.
    expect(defineMessage('faulty.Ping', { n: t.i32 })).toBe(Ping);
  });

  it('refuses the same name with another schema', () => {
    defineMessage('messageSuite.Fixed', { n: t.i32 });
    expect(() => defineMessage('messageSuite.Fixed', { n: t.u32 })).toThrow(
      expect.objectContaining({ code: 'ERR_CIRCO_DUPLICATE_MESSAGE_TYPE' }),
    );
    expect(() =>
      defineMessage('messageSuite.Fixed', { n: t.i32, m: t.i32 }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_CIRCO_DUPLICATE_MESSAGE_TYPE' }),
    );
  });
});

describe('messageTypes.fingerprint', () => {
  it('is a stable string that changes when a type is added', () => {
    const before = messageTypes.fingerprint();
    const size = messageTypes.size;
    expect(before).toMatch(/^\d+-[0-9a-f]{16}$/);
    expect(before.startsWith(`${size}-`)).toBe(true);
    expect(messageTypes.fingerprint()).toBe(before);

    defineMessage('messageSuite.Added', { n: t.f64 });
    const after = messageTypes.fingerprint();
    expect(after).not.toBe(before);
    expect(messageTypes.size).toBe(size + 1);
    expect(after.startsWith(`${size + 1}-`)).toBe(true);
    expect(messageTypes.fingerprint()).toBe(after);

    // Defining an existing type again adds nothing.
    defineMessage('messageSuite.Added', { n: t.f64 });
    expect(messageTypes.fingerprint()).toBe(after);
    expect(messageTypes.size).toBe(size + 1);
  });
});

describe('MessageType.is', () => {
  function message<B>(type: MessageType<B>, body: B): Message {
    return {
      type: type as MessageType,
      body,
      sender: NOBODY,
      target: NOBODY,
      token: 0,
      topic: undefined,
    };
  }

  it('recognises its own messages and narrows their body', () => {
    const msg = message(Ping, { n: 5 });
    expect(Ping.is(msg)).toBe(true);
    expect(Pong.is(msg)).toBe(false);
    if (Ping.is(msg)) {
      // Compiles only because `is` narrowed the body to { n: number }.
      const n: number = msg.body.n;
      expect(n).toBe(5);
    }
  });

  it('does not recognise a look-alike type of the same name and id', () => {
    const lookAlike = new MessageType('faulty.Ping', Ping.id, Ping.schema);
    expect(Ping.is(message(lookAlike, { n: 1 }))).toBe(false);
    expect(lookAlike.is(message(Ping, { n: 1 }))).toBe(false);
  });

  it('is what a reply type is compared with, across the machine edge', async () => {
    const machine = await startMachine('faulty', 'FaultyLab');
    try {
      const reply = await machine.ask(machine.root, Make, { kind: 'Keeper' });
      expect(reply.type).toBe(Made);
      expect(reply.type.name).toBe('faulty.Made');
    } finally {
      await machine.stop();
    }
  });
});

describe('body validation at machine.send', () => {
  let machine: Machine;
  let keeper: Address;

  beforeEach(async () => {
    machine = await startMachine('faulty', 'FaultyLab');
    const reply = await machine.ask(machine.root, Make, { kind: 'Keeper' });
    keeper = (reply.body as { at: Address }).at;
  });
  afterEach(() => machine.stop());

  const good = {
    f64: -1.5,
    i32: -(2 ** 31),
    u32: 2 ** 32 - 1,
    bool: false,
    string: 'héllo',
    bytes: new Uint8Array([0, 1, 255]),
    address: 17 as Address,
    addresses: [NOBODY, 17 as Address],
    f64s: [0.5, -2, 1e300],
  };
  type Fields = typeof good;

  it('accepts a body with every field kind and delivers an equal copy', async () => {
    await machine.send(keeper, Kinds, good);
    await machine.run();
    const state = (await machine.state(keeper)) as { last: Fields };
    expect(state.last).toEqual(good);
    expect(state.last.bytes).toBeInstanceOf(Uint8Array);
  });

  const accepted: [keyof Fields, unknown][] = [
    ['f64', 0],
    ['f64', Number.MAX_VALUE],
    ['f64', -0.25],
    ['i32', 2 ** 31 - 1],
    ['i32', 0],
    ['u32', 0],
    ['u32', 4_000_000_000],
    ['bool', true],
    ['string', ''],
    ['bytes', new Uint8Array(0)],
    ['address', NOBODY],
    ['address', 2 ** 53 - 1],
    ['addresses', []],
    ['f64s', []],
  ];

  it.each(accepted)('accepts %s = %o', async (field, value) => {
    await machine.send(keeper, Kinds, { ...good, [field]: value });
    await machine.run();
    const state = (await machine.state(keeper)) as { last: Fields };
    expect(state.last[field]).toEqual(value);
  });

  const refused: [keyof Fields, unknown][] = [
    ['f64', '1'],
    ['f64', undefined],
    ['f64', null],
    ['i32', 1.5],
    ['i32', 2 ** 31],
    ['i32', -(2 ** 31) - 1],
    ['i32', '3'],
    ['u32', -1],
    ['u32', 2 ** 32],
    ['u32', 0.5],
    ['bool', 0],
    ['bool', 'true'],
    ['string', 5],
    ['string', null],
    ['bytes', [1, 2]],
    ['bytes', new ArrayBuffer(2)],
    ['bytes', 'ab'],
    ['address', -1],
    ['address', 1.5],
    ['address', 2 ** 53],
    ['address', '@0:17'],
    ['addresses', 17],
    ['addresses', [17, -1]],
    ['addresses', ['@0:17']],
    ['f64s', [1, '2']],
    ['f64s', new Float64Array(2)],
    ['f64s', 1],
  ];

  it.each(refused)(
    'refuses %s = %o, naming the field',
    async (field, value) => {
      const error = await machine
        .send(keeper, Kinds, { ...good, [field]: value })
        .then(
          () => undefined,
          (e: unknown) => e as Error & { code: string },
        );
      expect(error?.code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(error?.message).toContain(`field ${field} `);
      expect(error?.message).toContain('faulty.Kinds');
      expect((await machine.figures()).queued).toBe(0);
    },
  );

  it('refuses a body that is not an object, a missing and an extra field', async () => {
    for (const body of [null, 7, 'body']) {
      await expect(machine.send(keeper, Ping, body as never)).rejects.toThrow(
        expect.objectContaining({ code: 'ERR_CIRCO_INVALID_BODY' }),
      );
    }
    const { f64: _dropped, ...missing } = good;
    await expect(machine.send(keeper, Kinds, missing as never)).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_CIRCO_INVALID_BODY',
        message: expect.stringContaining('field f64'),
      }),
    );
    await expect(
      machine.send(keeper, Kinds, { ...good, extra: 1 } as never),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_CIRCO_INVALID_BODY',
        message: expect.stringContaining('field extra'),
      }),
    );
    expect((await machine.figures()).queued).toBe(0);
  });

  it('copies the body at send, so later changes by the caller do not leak', async () => {
    const body = { ...good, f64s: [1, 2, 3] };
    await machine.send(keeper, Kinds, body);
    body.f64s.push(4);
    await machine.run();
    const state = (await machine.state(keeper)) as { last: Fields };
    expect(state.last.f64s).toEqual([1, 2, 3]);
  });
});
