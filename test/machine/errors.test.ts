import {
  type Address,
  CircoError,
  Component,
  defineMessage,
  formatAddress,
  HandlerError,
  type Machine,
  MessageType,
  makeAddress,
  registerComponents,
  Terminate,
  t,
} from 'circo';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Boom,
  Do,
  Follow,
  Made,
  Make,
  Ping,
  Pong,
  Undefined,
  Watch,
} from '#fixtures/faulty.js';
import { startMachine } from '../helpers/machine.js';

type Coded = Error & { code: string; cause?: unknown };

/** The error `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Coded> {
  try {
    await promise;
  } catch (error) {
    return error as Coded;
  }
  throw new Error('expected the promise to reject');
}

/** The error `action` throws; fails the test if it returns. */
function thrown(action: () => unknown): Coded {
  try {
    action();
  } catch (error) {
    return error as Coded;
  }
  throw new Error('expected the call to throw');
}

function causeOf(error: Coded): Coded {
  return error.cause as Coded;
}

describe('error paths', () => {
  let machine: Machine | undefined;
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  async function lab(): Promise<Machine> {
    machine = await startMachine('faulty', 'FaultyLab');
    await machine.run();
    return machine;
  }

  /** Spawns a fixture component of `kind` under the lab. */
  async function make(m: Machine, kind: string): Promise<Address> {
    const reply = await m.ask(m.root, Make, { kind });
    expect(reply.type).toBe(Made);
    return (reply.body as { at: Address }).at;
  }

  /** Makes the lab misuse its context; returns how the run failed. */
  async function labMisuses(what: string): Promise<Coded> {
    const m = await lab();
    await m.send(m.root, Do, { what });
    const error = await rejection(m.run());
    expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
    expect(error).toBeInstanceOf(HandlerError);
    expect((error as HandlerError).component).toBe('FaultyLab');
    expect((error as HandlerError).address).toBe(formatAddress(m.root));
    expect((error as HandlerError).messageType).toBe('faulty.Do');
    return error;
  }

  describe('unknown message types', () => {
    it('refuses a hand-made type object sent from outside', async () => {
      const m = await lab();
      const fake = { name: 'faulty.Ping', id: Ping.id, schema: Ping.schema };
      const error = await rejection(
        m.send(m.root, fake as unknown as typeof Ping, { n: 1 }),
      );
      expect(error.code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
      expect(error.message).toContain('[name, id, schema]');
      expect((await m.figures()).queued).toBe(0);
    });

    it('refuses a MessageType that did not come from defineMessage', async () => {
      const m = await lab();
      const lookAlike = new MessageType('faulty.Ping', Ping.id, Ping.schema);
      for (const type of [Undefined, lookAlike]) {
        const error = await rejection(m.send(m.root, type, { n: 1 }));
        expect(error.code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
        expect(error.message).toContain(type.name);
      }
      const asked = await rejection(m.ask(m.root, Undefined, { n: 1 }));
      expect(asked.code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
      expect((await m.figures()).queued).toBe(0);
    });

    it('fails the handler that sends an undefined type, with the cause', async () => {
      const error = await labMisuses('send-undefined');
      expect(causeOf(error).code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
      expect(causeOf(error).message).toContain('faulty.Undefined');
    });

    it('fails the handler that sends a hand-made type object', async () => {
      const error = await labMisuses('send-look-alike');
      expect(causeOf(error).code).toBe('ERR_CIRCO_UNKNOWN_MESSAGE_TYPE');
    });
  });

  describe('bodies that do not fit the schema', () => {
    it('are refused at machine.send, naming the field', async () => {
      const m = await lab();
      const wrongKind = await rejection(
        m.send(m.root, Ping, { n: 'one' } as never),
      );
      expect(wrongKind.code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(wrongKind.message).toContain('faulty.Ping');
      expect(wrongKind.message).toContain('field n');
      const missing = await rejection(m.send(m.root, Ping, {} as never));
      expect(missing.code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(missing.message).toContain('field n');
      const extra = await rejection(
        m.send(m.root, Ping, { n: 1, m: 2 } as never),
      );
      expect(extra.code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(extra.message).toContain('field m');
      expect((await m.figures()).queued).toBe(0);
    });

    it('are refused at machine.ask, naming the field', async () => {
      const m = await lab();
      const error = await rejection(m.ask(m.root, Make, { kind: 7 } as never));
      expect(error.code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(error.message).toContain('field kind');
      expect((await m.figures()).pendingRequests).toBe(0);
    });

    it('fail the handler that sends one when bodies are checked', async () => {
      const error = await labMisuses('send-bad-body');
      expect(causeOf(error).code).toBe('ERR_CIRCO_INVALID_BODY');
      expect(causeOf(error).message).toContain('field n');
    });

    it('refuse a body holding a function with ERR_CIRCO_INVALID_BODY', async () => {
      const m = await lab();
      const error = await rejection(
        m.send(m.root, Ping, { n: () => 1 } as never),
      );
      expect(error.code).toBe('ERR_CIRCO_INVALID_BODY');
    });
  });

  describe('dead letters', () => {
    it('count messages to an address that never existed, by type', async () => {
      const m = await lab();
      const before = await m.figures();
      const nowhere = makeAddress(0, 999_999);
      await m.send(nowhere, Ping, { n: 1 });
      await m.send(nowhere, Ping, { n: 2 });
      await m.send(nowhere, Pong, { n: 3 });
      const after = await m.run();
      expect(after.deadLetters - before.deadLetters).toBe(3);
      expect(after.deadLettersByType['faulty.Ping']).toBe(2);
      expect(after.deadLettersByType['faulty.Pong']).toBe(1);
    });

    it('count messages to a component that died, by type', async () => {
      const m = await lab();
      const keeper = await make(m, 'Keeper');
      await m.send(keeper, Ping, { n: 1 });
      await m.send(keeper, Terminate, {});
      // Queued behind Terminate in the same step: a dead letter too.
      await m.send(keeper, Ping, { n: 2 });
      const died = await m.run();
      expect(died.died).toBe(1);
      expect(died.deadLetters).toBe(1);
      expect(died.deadLettersByType).toEqual({ 'faulty.Ping': 1 });
      await m.send(keeper, Ping, { n: 3 });
      await m.send(keeper, Boom, { note: 'never handled' });
      const after = await m.run();
      expect(after.deadLetters).toBe(3);
      expect(after.deadLettersByType).toEqual({
        'faulty.Ping': 2,
        'faulty.Boom': 1,
      });
      expect(after.handlerErrors).toBe(0);
    });
  });

  describe('a handler that throws, under the default policy', () => {
    it('stops the run with an error naming the site and the original stack', async () => {
      const m = await lab();
      const thrower = await make(m, 'Thrower');
      await m.send(thrower, Boom, { note: 'kaboom' });
      const error = await rejection(m.run());
      expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toBeInstanceOf(CircoError);
      expect(error.message).toContain('FaultyThrower');
      expect(error.message).toContain(formatAddress(thrower));
      expect(error.message).toContain('faulty.Boom');
      expect(error.message).toContain('kaboom');
      expect(error).toMatchObject({
        component: 'FaultyThrower',
        address: formatAddress(thrower),
        messageType: 'faulty.Boom',
      });
      expect(causeOf(error)).toBeInstanceOf(Error);
      expect(causeOf(error).message).toBe('kaboom');
      expect(error.stack).toContain('detonateOnPurpose');
      expect(error.stack).toContain(String(causeOf(error).stack));
    });

    it('makes every later machine call reject with ERR_CIRCO_MACHINE_STOPPED', async () => {
      const m = await lab();
      const thrower = await make(m, 'Thrower');
      await m.send(thrower, Boom, { note: 'kaboom' });
      expect((await rejection(m.run())).code).toBe('ERR_CIRCO_HANDLER_FAILED');
      const calls: [string, () => Promise<unknown>][] = [
        ['send', () => m.send(thrower, Ping, { n: 1 })],
        ['run', () => m.run()],
        ['steps', () => m.steps(1)],
        ['runUntil', () => m.runUntil(() => true)],
        ['ask', () => m.ask(thrower, Ping, { n: 1 })],
        ['state', () => m.state(thrower)],
        ['lookup', () => m.lookup('anything')],
      ];
      for (const [name, call] of calls) {
        const error = await rejection(call());
        expect(error.code, name).toBe('ERR_CIRCO_MACHINE_STOPPED');
        expect(causeOf(error).code, name).toBe('ERR_CIRCO_HANDLER_FAILED');
      }
    });

    it('rejects the ask that drove the run with the stop error', async () => {
      const m = await lab();
      const thrower = await make(m, 'Thrower');
      const error = await rejection(m.ask(thrower, Boom, { note: 'asked' }));
      // The pending ask is rejected with the failure that ended the run.
      expect(error.code).toBe('ERR_CIRCO_HANDLER_FAILED');
      expect(error.message).toContain('asked');
    });
  });

  describe('the errorPolicy of a component class', () => {
    it("'die' ends the component, tells its watchers, and the run goes on", async () => {
      const m = await lab();
      const dier = await make(m, 'Dier');
      const watcher = await make(m, 'Watcher');
      const bystander = await make(m, 'Stayer');
      await m.send(watcher, Watch, { target: dier });
      await m.run();
      const before = await m.figures();
      await m.send(dier, Ping, { n: 1 });
      await m.send(dier, Boom, { note: 'fatal' });
      await m.send(dier, Ping, { n: 2 });
      await m.send(bystander, Ping, { n: 3 });
      const after = await m.run();
      expect(after.handlerErrors - before.handlerErrors).toBe(1);
      expect(after.died - before.died).toBe(1);
      expect(after.components).toBe(before.components - 1);
      expect(after.deadLettersByType['faulty.Ping']).toBe(1);
      expect(after.watches).toBe(0);
      expect(await m.state(watcher)).toMatchObject({ terminated: [dier] });
      expect(await m.state(bystander)).toMatchObject({ pings: 1 });
      const gone = await rejection(m.state(dier));
      expect(gone.code).toBe('ERR_CIRCO_NO_SUCH_COMPONENT');
      const reply = await m.ask(bystander, Ping, { n: 4 });
      expect(reply.body).toEqual({ n: 4 });
    });

    it("'continue' counts the failure and the component keeps working", async () => {
      const m = await lab();
      const stayer = await make(m, 'Stayer');
      const before = await m.figures();
      await m.send(stayer, Boom, { note: 'first' });
      await m.send(stayer, Ping, { n: 1 });
      await m.send(stayer, Boom, { note: 'second' });
      const after = await m.run();
      expect(after.handlerErrors - before.handlerErrors).toBe(2);
      expect(after.died).toBe(before.died);
      // What the handler changed before it threw stays changed.
      expect(await m.state(stayer)).toEqual({ booms: 2, pings: 1 });
      const reply = await m.ask(stayer, Ping, { n: 9 });
      expect(reply.type).toBe(Pong);
      expect(reply.body).toEqual({ n: 9 });
      expect(reply.sender).toBe(stayer);
    });

    it("'die' ends the component whose event filter threw, and no other", async () => {
      const m = await lab();
      const fan = await make(m, 'Fan');
      const picky = await make(m, 'Picky');
      await m.send(picky, Follow, { source: fan });
      await m.run();
      await m.send(fan, Do, { what: 'fire' });
      const after = await m.run();
      expect(after.handlerErrors).toBe(1);
      expect(await m.state(fan)).toEqual({ pongs: 1 });
      expect((await rejection(m.state(picky))).code).toBe(
        'ERR_CIRCO_NO_SUCH_COMPONENT',
      );
    });
  });

  describe('a handler that returns a Promise', () => {
    it('stops the run with ERR_CIRCO_ASYNC_HANDLER naming the site', async () => {
      const m = await lab();
      const async = await make(m, 'Async');
      await m.send(async, Boom, { note: 'later' });
      const error = await rejection(m.run());
      expect(error.code).toBe('ERR_CIRCO_ASYNC_HANDLER');
      expect(error.message).toContain('FaultyAsync');
      expect(error.message).toContain(formatAddress(async));
      expect(error.message).toContain('faulty.Boom');
      const later = await rejection(m.send(async, Ping, { n: 1 }));
      expect(later.code).toBe('ERR_CIRCO_MACHINE_STOPPED');
      expect(causeOf(later).code).toBe('ERR_CIRCO_ASYNC_HANDLER');
    });

    it('stops the run even under the continue policy', async () => {
      const m = await lab();
      const async = await make(m, 'AsyncStayer');
      await m.send(async, Boom, { note: 'later' });
      const error = await rejection(m.run());
      expect(error.code).toBe('ERR_CIRCO_ASYNC_HANDLER');
      expect(error.message).toContain('FaultyAsyncStayer');
    });

    it('is counted in handlerErrors', async () => {
      const m = await lab();
      const async = await make(m, 'Async');
      await m.send(async, Boom, { note: 'later' });
      await rejection(m.run());
      expect((await m.figures()).handlerErrors).toBe(1);
    });
  });

  describe('unknown components and machine options', () => {
    it('fails the handler that spawns an unregistered class', async () => {
      const error = await labMisuses('spawn-unregistered');
      expect(causeOf(error).code).toBe('ERR_CIRCO_UNKNOWN_COMPONENT');
      expect(causeOf(error).message).toContain('FaultyUnregistered');
    });

    it('refuses to create a machine whose first component is unknown', async () => {
      const error = await rejection(startMachine('faulty', 'NoSuchThing'));
      expect(error.code).toBe('ERR_CIRCO_UNKNOWN_COMPONENT');
      expect(error.message).toContain('NoSuchThing');
    });

    it('refuses to create a machine from a module that does not exist', async () => {
      const error = await rejection(startMachine('no-such-fixture', 'X'));
      expect(error.code).toBe('ERR_CIRCO_MODULE_LOAD');
      expect(error.message).toContain('no-such-fixture');
      expect(error.cause).toBeDefined();
    });

    it.each([
      ['an unknown clock', { clock: 'sideways' }, 'clock'],
      ['args that are not an array', { args: 'abc' }, 'args'],
      ['args that cannot be cloned', { args: [() => 1] }, 'args'],
      ['a negative host', { host: -1 }, 'host'],
      ['a host out of range', { host: 2 ** 13 }, 'host'],
    ])(
      'refuses %s with ERR_CIRCO_INVALID_ARGUMENT',
      async (_, options, word) => {
        const error = await rejection(
          startMachine('faulty', 'FaultyLab', options as never),
        );
        expect(error.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
        expect(error.message).toContain(word);
      },
    );
  });

  describe('machine calls with bad arguments', () => {
    it('state of a missing address rejects with ERR_CIRCO_NO_SUCH_COMPONENT', async () => {
      const m = await lab();
      const nowhere = makeAddress(0, 4242);
      const error = await rejection(m.state(nowhere));
      expect(error.code).toBe('ERR_CIRCO_NO_SUCH_COMPONENT');
      expect(error.message).toContain('@0:4242');
    });

    it('state of a component holding a function rejects as not cloneable', async () => {
      const m = await lab();
      const hoarder = await make(m, 'Hoarder');
      const error = await rejection(m.state(hoarder));
      expect(error.code).toBe('ERR_CIRCO_STATE_NOT_CLONEABLE');
      expect(error.message).toContain(formatAddress(hoarder));
      expect(error.cause).toBeDefined();
    });

    it('a context kept for later throws ERR_CIRCO_OUT_OF_TURN outside its turn', async () => {
      const m = await lab();
      const stasher = await make(m, 'Stasher');
      await m.run();
      // Its encode() reads the kept context while no handler runs.
      const error = await rejection(m.state(stasher));
      expect(error.code).toBe('ERR_CIRCO_STATE_NOT_CLONEABLE');
      expect(causeOf(error).code).toBe('ERR_CIRCO_OUT_OF_TURN');
    });

    it('reply to a message that is not a request fails the handler', async () => {
      const error = await labMisuses('reply-to-plain');
      expect(causeOf(error).code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      expect(causeOf(error).message).toContain('faulty.Do');
    });

    it('a negative timer delay fails the handler', async () => {
      const error = await labMisuses('negative-delay');
      expect(causeOf(error).code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      expect(causeOf(error).message).toContain('delay');
    });

    it('steps, runUntil and ask refuse bad counts, predicates and timeouts', async () => {
      const m = await lab();
      for (const count of [-1, 1.5, Number.NaN]) {
        const error = await rejection(m.steps(count));
        expect(error.code, String(count)).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      }
      const until = await rejection(m.runUntil('soon' as never));
      expect(until.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      for (const timeout of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
        const error = await rejection(
          m.ask(m.root, Ping, { n: 1 }, { timeout }),
        );
        expect(error.code, String(timeout)).toBe('ERR_CIRCO_INVALID_ARGUMENT');
      }
      expect((await m.figures()).pendingRequests).toBe(0);
      // None of this ended the machine.
      await m.send(m.root, Ping, { n: 1 });
      await m.run();
    });
  });

  describe('asks that get no reply', () => {
    it('time out in machine time, at no cost in wall time', async () => {
      const m = await lab();
      const keeper = await make(m, 'Keeper');
      const before = await m.figures();
      const wall = performance.now();
      const error = await rejection(
        m.ask(keeper, Ping, { n: 1 }, { timeout: 60_000 }),
      );
      expect(performance.now() - wall).toBeLessThan(1000);
      expect(error.code).toBe('ERR_CIRCO_ASK_TIMEOUT');
      expect(error.message).toContain('faulty.Ping');
      const after = await m.figures();
      expect(after.now - before.now).toBe(60_000);
      expect(after.timeouts - before.timeouts).toBe(1);
      expect(after.pendingRequests).toBe(0);
      expect(after.timers).toBe(0);
      // The target got the request and ignored it.
      expect(await m.state(keeper)).toMatchObject({ last: { n: 1 } });
    });

    it('time out after the default 5000 ms when the target ignores them', async () => {
      const m = await lab();
      const keeper = await make(m, 'Keeper');
      const before = await m.figures();
      const error = await rejection(m.ask(keeper, Ping, { n: 2 }));
      expect(error.code).toBe('ERR_CIRCO_ASK_TIMEOUT');
      expect((await m.figures()).now - before.now).toBe(5000);
    });

    it('to a dead component time out too, the request being a dead letter', async () => {
      const m = await lab();
      const keeper = await make(m, 'Keeper');
      await m.send(keeper, Terminate, {});
      await m.run();
      const before = await m.figures();
      const error = await rejection(m.ask(keeper, Ping, { n: 3 }));
      // The pending timeout keeps the machine from going quiet, so this is
      // a timeout, not ERR_CIRCO_NO_REPLY.
      expect(error.code).toBe('ERR_CIRCO_ASK_TIMEOUT');
      const after = await m.figures();
      expect(after.now - before.now).toBe(5000);
      expect(after.deadLettersByType['faulty.Ping']).toBe(1);
    });

    it('resolve with the reply when there is one', async () => {
      const m = await lab();
      const thrower = await make(m, 'Thrower');
      const reply = await m.ask(thrower, Ping, { n: -7 });
      expect(reply).toEqual({ type: Pong, body: { n: -7 }, sender: thrower });
      expect((await m.figures()).pendingRequests).toBe(0);
    });
  });

  describe('a stopped machine', () => {
    it('rejects every call with ERR_CIRCO_MACHINE_STOPPED', async () => {
      const m = await lab();
      const keeper = await make(m, 'Keeper');
      await m.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ['send', () => m.send(keeper, Ping, { n: 1 })],
        ['run', () => m.run()],
        ['steps', () => m.steps(1)],
        ['runUntil', () => m.runUntil(() => false)],
        ['ask', () => m.ask(keeper, Ping, { n: 1 })],
        ['state', () => m.state(keeper)],
        ['lookup', () => m.lookup('anything')],
      ];
      for (const [name, call] of calls) {
        const error = await rejection(call());
        expect(error.code, name).toBe('ERR_CIRCO_MACHINE_STOPPED');
      }
      // Stopping again is harmless.
      await m.stop();
    });

    it('rejects an ask that was waiting when it stopped', async () => {
      const m = await startMachine('faulty', 'FaultyLab', { clock: 'real' });
      machine = m;
      const keeper = await make(m, 'Keeper');
      const pending = rejection(m.ask(keeper, Ping, { n: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await m.stop();
      expect((await pending).code).toBe('ERR_CIRCO_MACHINE_STOPPED');
    });

    it('still reports its final figures', async () => {
      const m = await lab();
      await m.run();
      const before = await m.figures();
      await m.stop();
      expect(await m.figures()).toEqual(before);
    });
  });
});

describe('duplicate and malformed definitions', () => {
  it('defineMessage refuses a defined name with another schema', () => {
    const first = defineMessage('errorsSuite.Twice', { a: t.f64 });
    expect(defineMessage('errorsSuite.Twice', { a: t.f64 })).toBe(first);
    const error = thrown(() =>
      defineMessage('errorsSuite.Twice', { a: t.string }),
    );
    expect(error.code).toBe('ERR_CIRCO_DUPLICATE_MESSAGE_TYPE');
    expect(error.message).toContain('errorsSuite.Twice');
    // A schema from the fixture, redefined with another field.
    const fixture = thrown(() => defineMessage('faulty.Ping', { m: t.i32 }));
    expect(fixture.code).toBe('ERR_CIRCO_DUPLICATE_MESSAGE_TYPE');
    expect(defineMessage('faulty.Ping', { n: t.i32 })).toBe(Ping);
  });

  it('defineMessage refuses a name whose hash is taken by another name', () => {
    // 'costarring' and 'liquid' collide under FNV-1a 32.
    const first = defineMessage('costarring', {});
    const error = thrown(() => defineMessage('liquid', {}));
    expect(error.code).toBe('ERR_CIRCO_DUPLICATE_MESSAGE_TYPE');
    expect(error.message).toContain(String(first.id));
    expect(error.message).toContain('costarring');
  });

  it.each(['has space', '', '1leading.digit', 'trailing.', 'double..dot'])(
    'defineMessage refuses the name %j',
    (name) => {
      const error = thrown(() => defineMessage(name, {}));
      expect(error.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    },
  );

  it('defineMessage refuses a schema whose field is not a kind from t', () => {
    const error = thrown(() =>
      defineMessage('errorsSuite.BadSchema', { a: 'f64' } as never),
    );
    expect(error.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    expect(error.message).toContain('field a');
    const notObject = thrown(() =>
      defineMessage('errorsSuite.NoSchema', null as never),
    );
    expect(notObject.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
  });

  it('registerComponents refuses two different classes under one name', () => {
    class First extends Component {
      count = 0;
      onmessage(): void {
        this.count++;
      }
    }
    class Second extends Component {
      onmessage(): void {}
    }
    registerComponents({ ErrorsSuiteTwice: First });
    registerComponents({ ErrorsSuiteTwice: First });
    const error = thrown(() =>
      registerComponents({ ErrorsSuiteTwice: Second }),
    );
    expect(error.code).toBe('ERR_CIRCO_DUPLICATE_COMPONENT');
    expect(error.message).toContain('ErrorsSuiteTwice');
  });

  it('registerComponents refuses what is not a component class', () => {
    class NotAComponent {
      onmessage(): void {}
    }
    for (const value of [NotAComponent, () => 1, {}, undefined]) {
      const error = thrown(() =>
        registerComponents({ ErrorsSuiteBad: value as never }),
      );
      expect(error.code).toBe('ERR_CIRCO_INVALID_ARGUMENT');
    }
  });
});
