import { Builder, ByteBuffer } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { type Address, makeAddress } from '../../src/address.js';
import {
  CorruptFrameError,
  InvalidArgumentError,
  InvalidBodyError,
  UnknownMessageTypeError,
} from '../../src/errors.js';
import { defineMessage, MessageType } from '../../src/message/message.js';
import { t } from '../../src/message/schema.js';
import {
  createRingBuffer,
  RingConsumer,
  RingProducer,
} from '../../src/ring/ring.js';
import { Envelope, Kind } from '../../src/scheduler/envelope.js';
import {
  BODY_OFFSET,
  BodyFormat,
  ENVELOPE_BYTES,
  ENVELOPE_OFFSET,
  Flag,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameKind,
  type MessageFrame,
  type MessageMeta,
  readFrame,
  WIRE_VERSION,
  writeControl,
  writeMessage,
} from '../../src/wire/codec.js';
import {
  registerBodyCodec,
  unregisterBodyCodec,
} from '../../src/wire/custom.js';
import { Control } from '../../src/wire/generated/control_generated.js';
import * as generated from '../../src/wire/generated/envelope_generated.js';

const Fixed2 = defineMessage('wiretest.Fixed2', { x: t.f64, n: t.u32 });
const Scalars = defineMessage('wiretest.Scalars', {
  a: t.f64,
  b: t.i32,
  c: t.u32,
  d: t.bool,
  e: t.address,
  f: t.bool,
});
/** bool then f64: 7 padding bytes in the struct. */
const Padded = defineMessage('wiretest.Padded', { flag: t.bool, v: t.f64 });
const Empty = defineMessage('wiretest.Empty', {});
/** Field names that are not identifiers: the generic struct code. */
const Quoted = defineMessage('wiretest.Quoted', {
  'x-y': t.f64,
  '1st': t.u32,
  ok: t.bool,
  'to do': t.address,
});
const Variable = defineMessage('wiretest.Variable', {
  name: t.string,
  data: t.bytes,
  peers: t.addresses,
  xs: t.f64s,
  a: t.f64,
  b: t.i32,
  c: t.u32,
  d: t.bool,
  e: t.address,
});
const Text = defineMessage('wiretest.Text', { text: t.string });
const Point = defineMessage('wiretest.Point', {
  x: t.f64,
  y: t.f64,
  label: t.string,
});

const MAX_ADDRESS = (2 ** 53 - 1) as Address;
const U32_MAX = 0xffffffff;
const I32_MIN = -(2 ** 31);
const A = makeAddress(0, 17);
const B = makeAddress(3, 2 ** 40 - 1);
const META: MessageMeta = { seq: 1, step: 2, flags: 0, senderKey: 3.5 };

function makeRing(capacity = 4096, name = 'wire-test') {
  const buffer = createRingBuffer(capacity);
  return {
    buffer,
    producer: new RingProducer(buffer, name),
    consumer: new RingConsumer(buffer, name),
  };
}

function envelope<B>(
  type: MessageType<B>,
  body: B,
  more: Partial<{
    target: Address;
    sender: Address;
    kind: Kind;
    token: number;
    topic: string;
  }> = {},
): Envelope<B> {
  return new Envelope(
    more.target ?? A,
    more.sender ?? B,
    type,
    body,
    more.kind ?? Kind.Plain,
    more.token ?? 0,
    more.topic,
  );
}

/** Decodes every published frame of the ring. */
function drain(consumer: RingConsumer): Frame[] {
  const frames: Frame[] = [];
  consumer.poll((bytes, offset, length, view) => {
    frames.push(readFrame(bytes, offset, length, view, 'wire-test'));
  });
  return frames;
}

/** Writes one message through a fresh ring and reads it back. */
function roundTrip(sent: Envelope, meta: MessageMeta = META): MessageFrame {
  const { producer, consumer } = makeRing(1 << 16);
  expect(writeMessage(producer, sent, meta)).toBe(true);
  producer.publish();
  const frames = drain(consumer);
  expect(frames).toHaveLength(1);
  const frame = frames[0]!;
  if (frame.kind !== 'message') throw new Error('expected a message');
  return frame;
}

function expectSame(got: Envelope, sent: Envelope): void {
  expect(got).toBeInstanceOf(Envelope);
  expect(got.target).toBe(sent.target);
  expect(got.sender).toBe(sent.sender);
  expect(got.type).toBe(sent.type);
  expect(got.kind).toBe(sent.kind);
  expect(got.token).toBe(sent.token);
  expect(got.topic).toBe(sent.topic);
  expect(got.body).toStrictEqual(sent.body);
}

/** One encoded frame payload, copied out at offset `at` of a new area. */
function capture(sent: Envelope | null, at = 16, meta = META) {
  const { producer, consumer } = makeRing(1 << 16);
  if (sent === null) writeControl(producer, 7, { hello: 'world' }, 9);
  else expect(writeMessage(producer, sent, meta)).toBe(true);
  producer.publish();
  let copy = new Uint8Array(0);
  let length = 0;
  consumer.poll((bytes, offset, n) => {
    length = n;
    copy = new Uint8Array(at + n + 64);
    copy.set(bytes.subarray(offset, offset + n), at);
  });
  const view = new DataView(copy.buffer);
  return {
    bytes: copy,
    view,
    at,
    length,
    read: (n = length) => readFrame(copy, at, n, view, 'copy'),
  };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

function expectCorrupt(fn: () => unknown, why: RegExp): CorruptFrameError {
  const error = caught(fn);
  expect(error).toBeInstanceOf(CorruptFrameError);
  expect((error as CorruptFrameError).code).toBe('ERR_CIRCO_CORRUPT_FRAME');
  expect(error.message).toMatch(why);
  return error as CorruptFrameError;
}

describe('message frames', () => {
  it('round-trips fixed bodies with boundary values in place', () => {
    const bodies = [
      { a: 0, b: 0, c: 0, d: false, e: 0 as Address, f: false },
      { a: -0, b: I32_MIN, c: U32_MAX, d: true, e: MAX_ADDRESS, f: true },
      {
        a: Number.NaN,
        b: 2 ** 31 - 1,
        c: 1,
        d: false,
        e: A,
        f: true,
      },
      {
        a: Number.POSITIVE_INFINITY,
        b: -1,
        c: 2 ** 31,
        d: true,
        e: B,
        f: false,
      },
      { a: Number.MIN_VALUE, b: 7, c: 8, d: true, e: A, f: true },
    ];
    for (const body of bodies) {
      const sent = envelope(Scalars, body);
      const got = roundTrip(sent).envelope as Envelope<typeof body>;
      expectSame(got, sent);
      expect(Object.is(got.body.a, body.a)).toBe(true);
      expect(Object.keys(got.body)).toEqual(Object.keys(body));
    }
    expectSame(roundTrip(envelope(Empty, {})).envelope, envelope(Empty, {}));
  });

  it('lays a fixed body out as a struct: declaration order, aligned', () => {
    const cases = [
      [Fixed2, { x: 1.5, n: 9 }, 16],
      [Scalars, { a: 1, b: 2, c: 3, d: true, e: A, f: true }, 40],
      [Padded, { flag: true, v: 2.5 }, 16],
      [Empty, {}, 0],
    ] as const;
    for (const [type, body, size] of cases) {
      const frame = capture(envelope(type as MessageType, body));
      expect(frame.length).toBe(BODY_OFFSET + size);
      expect(frame.bytes[frame.at + 2]).toBe(BodyFormat.Struct);
      expect(frame.view.getUint32(frame.at + 4, true)).toBe(size);
    }
    // Padding is zeroed even over old bytes of a reused ring.
    const { producer, consumer } = makeRing(1024);
    producer.bytes.fill(0xee);
    writeMessage(producer, envelope(Padded, { flag: true, v: 2.5 }), META);
    producer.publish();
    consumer.poll((bytes, at, length, view) => {
      expect(length).toBe(BODY_OFFSET + 16);
      const envelopeEnd = at + ENVELOPE_OFFSET + ENVELOPE_BYTES;
      expect([...bytes.subarray(envelopeEnd - 5, envelopeEnd)]).toEqual([
        0, 0, 0, 0, 0,
      ]);
      const body = at + BODY_OFFSET;
      expect([...bytes.subarray(body, body + 8)]).toEqual([
        1, 0, 0, 0, 0, 0, 0, 0,
      ]);
      expect(view.getFloat64(body + 8, true)).toBe(2.5);
    });
    const scalars = capture(
      envelope(Scalars, { a: 1, b: -2, c: 3, d: true, e: A, f: true }),
    );
    const s = scalars.at + BODY_OFFSET;
    expect(scalars.view.getFloat64(s, true)).toBe(1);
    expect(scalars.view.getInt32(s + 8, true)).toBe(-2);
    expect(scalars.view.getUint32(s + 12, true)).toBe(3);
    expect(scalars.bytes[s + 16]).toBe(1);
    expect(scalars.view.getFloat64(s + 24, true)).toBe(A);
    expect(scalars.bytes[s + 32]).toBe(1);
  });

  it('writes and reads the same bytes with or without compiled code', () => {
    // Scalars is compiled; Quoted, whose names are not identifiers, is not.
    const body = { 'x-y': -2.5, '1st': U32_MAX, ok: true, 'to do': A };
    const quoted = capture(envelope(Quoted, body));
    const scalars = capture(
      envelope(Scalars, { a: -2.5, b: 0, c: U32_MAX, d: true, e: A, f: true }),
    );
    const q = quoted.at + BODY_OFFSET;
    const s = scalars.at + BODY_OFFSET;
    expect(quoted.view.getFloat64(q, true)).toBe(-2.5);
    expect(quoted.view.getUint32(q + 8, true)).toBe(U32_MAX);
    expect(quoted.bytes[q + 12]).toBe(1);
    expect(quoted.view.getFloat64(q + 16, true)).toBe(A);
    expect(scalars.view.getFloat64(s, true)).toBe(-2.5);
    expect(scalars.view.getUint32(s + 12, true)).toBe(U32_MAX);
    const got = quoted.read();
    expect(got.kind === 'message' && got.envelope.body).toEqual(body);
    for (const bad of [
      { ...body, '1st': -1 },
      { ...body, ok: 1 },
      { ...body, 'to do': 0.5 },
    ]) {
      const { producer } = makeRing(1024);
      const sent = envelope(Quoted, bad as typeof body);
      expect(caught(() => writeMessage(producer, sent, META))).toBeInstanceOf(
        InvalidBodyError,
      );
    }
    quoted.view.setFloat64(q + 16, 0.5, true);
    expectCorrupt(quoted.read, /field to do of wiretest.Quoted/);
  });

  it('round-trips variable bodies of every field kind', () => {
    const bodies = [
      {
        name: '',
        data: new Uint8Array(0),
        peers: [],
        xs: [],
        a: 0,
        b: 0,
        c: 0,
        d: false,
        e: 0 as Address,
      },
      {
        name: 'héllo wörld 🌍 日本語 \u0000 end',
        data: new Uint8Array([0, 1, 2, 255, 128]),
        peers: [A, B, MAX_ADDRESS, 0 as Address],
        xs: [-0, Number.NaN, Number.NEGATIVE_INFINITY, 1e308, 5e-324],
        a: -0,
        b: I32_MIN,
        c: U32_MAX,
        d: true,
        e: MAX_ADDRESS,
      },
      {
        name: 'x'.repeat(3000),
        data: new Uint8Array(5000).fill(7),
        peers: Array.from({ length: 300 }, (_, i) => makeAddress(1, i)),
        xs: Array.from({ length: 300 }, (_, i) => i / 3),
        a: 1.25,
        b: 2 ** 31 - 1,
        c: 2 ** 31,
        d: false,
        e: A,
      },
    ];
    for (const body of bodies) {
      const sent = envelope(Variable, body);
      const frame = capture(sent);
      expect(frame.bytes[frame.at + 2]).toBe(BodyFormat.Table);
      const got = (frame.read() as MessageFrame).envelope as typeof sent;
      expectSame(got, sent);
      expect(Object.is(got.body.a, body.a)).toBe(true);
      expect(Object.is(got.body.xs[0], body.xs[0])).toBe(true);
    }
  });

  it('encodes strings to UTF-8 exactly as TextEncoder does', () => {
    const strings = [
      '',
      'ascii',
      '\u007f\u0080\u07ff\u0800\uffff',
      '😀 pair, 𝄞 clef',
      'lone \ud800 high',
      'lone \udc00 low',
      'ends high \ud83d',
      '\udc00\ud800 swapped',
      'é'.repeat(64),
      'é'.repeat(65),
      `${'x'.repeat(63)}😀`,
    ];
    const utf8 = new TextEncoder();
    const text = new TextDecoder();
    for (const value of strings) {
      const sent = envelope(Text, { text: value }, { topic: value });
      const got = roundTrip(sent).envelope as typeof sent;
      const expected = text.decode(utf8.encode(value));
      expect(got.body.text).toBe(expected);
      expect(got.topic).toBe(expected);
    }
  });

  it('copies bytes fields out of the ring', () => {
    const { producer, consumer, buffer } = makeRing(1024);
    const data = new Uint8Array([1, 2, 3, 4]);
    const sent = envelope(Variable, {
      name: 'n',
      data,
      peers: [],
      xs: [],
      a: 0,
      b: 0,
      c: 0,
      d: false,
      e: A,
    });
    writeMessage(producer, sent, META);
    producer.publish();
    const [frame] = drain(consumer) as MessageFrame[];
    const got = frame!.envelope.body as { data: Uint8Array };
    expect(got.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(got.data.buffer).not.toBe(buffer);
    new Uint8Array(buffer).fill(0xee); // the ring is reused
    expect([...got.data]).toEqual([1, 2, 3, 4]);
  });

  it('round-trips every kind, token and topic combination', () => {
    const topics = [undefined, '', 'news', 'ünïcödé/🚀'];
    const tokens = [0, 1, 12345, U32_MAX];
    const types = [
      [Fixed2, { x: 2.5, n: U32_MAX }],
      [Empty, {}],
      [Text, { text: 'hi' }],
    ] as const;
    for (const kind of Object.values(Kind)) {
      for (const token of tokens) {
        for (const topic of topics) {
          for (const [type, body] of types) {
            const sent = envelope(type as MessageType, body, {
              kind,
              token,
              ...(topic === undefined ? {} : { topic }),
            });
            const frame = capture(sent);
            const fixed = type !== Text && topic === undefined;
            expect(frame.bytes[frame.at + 2]).toBe(
              fixed ? BodyFormat.Struct : BodyFormat.Table,
            );
            expectSame((frame.read() as MessageFrame).envelope, sent);
          }
        }
      }
    }
  });

  it('carries seq, step, flags and senderKey', () => {
    const metas: MessageMeta[] = [
      { seq: 0, step: 0, flags: 0, senderKey: 0 },
      { seq: U32_MAX, step: U32_MAX, flags: Flag.System, senderKey: -1.5 },
      {
        seq: 77,
        step: 2 ** 31,
        flags: Flag.System | Flag.Forwarded,
        senderKey: MAX_ADDRESS,
      },
      { seq: 1, step: 1, flags: Flag.Forwarded, senderKey: Number.NaN },
    ];
    for (const meta of metas) {
      const frame = roundTrip(envelope(Fixed2, { x: 1, n: 2 }), meta);
      expect(frame.kind).toBe('message');
      expect(frame.seq).toBe(meta.seq);
      expect(frame.step).toBe(meta.step);
      expect(frame.flags).toBe(meta.flags);
      expect(Object.is(frame.senderKey, meta.senderKey)).toBe(true);
    }
  });

  it('writes the envelope exactly as the flatc-generated struct', () => {
    const sent = envelope(
      Fixed2,
      { x: 1, n: 2 },
      {
        target: MAX_ADDRESS,
        sender: B,
        kind: Kind.Request,
        token: U32_MAX,
      },
    );
    const meta = {
      seq: 0xfedcba98,
      step: 4242,
      flags: 3,
      senderKey: -7.25,
      senderSeq: 77,
      infoton: { x: 1.5, y: -2.25, z: 1024, energy: -0.5 },
    };
    const frame = capture(sent, 24, meta);
    // Read through the generated accessor class.
    const bb = new ByteBuffer(frame.bytes);
    const struct = new generated.Envelope().__init(
      frame.at + ENVELOPE_OFFSET,
      bb,
    );
    expect(generated.Envelope.sizeOf()).toBe(ENVELOPE_BYTES);
    expect(struct.target()).toBe(MAX_ADDRESS);
    expect(struct.sender()).toBe(B);
    expect(struct.senderKey()).toBe(-7.25);
    expect(struct.typeId()).toBe(Fixed2.id);
    expect(struct.token()).toBe(U32_MAX);
    expect(struct.seq()).toBe(0xfedcba98);
    expect(struct.step()).toBe(4242);
    expect(struct.kind()).toBe(Kind.Request);
    expect(struct.flags()).toBe(3);
    expect(struct.version()).toBe(WIRE_VERSION);
    expect(struct.senderSeq()).toBe(77);
    expect(struct.sourceX()).toBe(1.5);
    expect(struct.sourceY()).toBe(-2.25);
    expect(struct.sourceZ()).toBe(1024);
    expect(struct.energy()).toBe(-0.5);
    // And byte for byte what the generated builder code makes.
    const builder = new Builder(64);
    generated.Envelope.createEnvelope(
      builder,
      MAX_ADDRESS,
      B,
      -7.25,
      Fixed2.id,
      U32_MAX,
      0xfedcba98,
      4242,
      Kind.Request,
      3,
      WIRE_VERSION,
      0,
      77,
      1.5,
      -2.25,
      1024,
      -0.5,
    );
    // Unfinished: the struct is the last offset() bytes of the buffer.
    const built = builder.dataBuffer().bytes();
    expect(builder.offset()).toBe(ENVELOPE_BYTES);
    const start = frame.at + ENVELOPE_OFFSET;
    expect([...frame.bytes.subarray(start, start + ENVELOPE_BYTES)]).toEqual([
      ...built.subarray(built.length - ENVELOPE_BYTES),
    ]);
    expect(frame.bytes[frame.at]).toBe(FrameKind.Message);
    expect(frame.bytes[frame.at + 1]).toBe(WIRE_VERSION);
    expect(frame.bytes[frame.at + 3]).toBe(0);
  });

  it('survives many frames through a small wrapping ring', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const { producer, consumer } = makeRing(1024);
    const sent: Array<Envelope | number> = [];
    const got: Frame[] = [];
    for (let i = 0; i < 2000; i++) {
      const pick = Math.floor(random() * 3);
      const item =
        pick === 0
          ? envelope(Fixed2, { x: random(), n: i })
          : pick === 1
            ? envelope(Text, { text: 'é'.repeat(Math.floor(random() * 60)) })
            : i;
      const write = () =>
        typeof item === 'number'
          ? writeControl(producer, i % 256, { i }, i)
          : writeMessage(producer, item, { ...META, seq: i });
      if (!write()) {
        producer.publish();
        got.push(...drain(consumer));
        expect(write()).toBe(true);
      }
      sent.push(item);
    }
    producer.publish();
    got.push(...drain(consumer));
    expect(got).toHaveLength(sent.length);
    got.forEach((frame, i) => {
      const item = sent[i]!;
      if (typeof item === 'number') {
        expect(frame).toEqual({
          kind: 'control',
          op: i % 256,
          seq: i,
          value: { i },
        });
      } else {
        expect(frame.kind).toBe('message');
        expectSame((frame as MessageFrame).envelope, item);
        expect(frame.seq).toBe(i);
      }
    });
  });
});

describe('control frames', () => {
  it('round-trips op codes and v8-serializable values', () => {
    const values: unknown[] = [
      undefined,
      null,
      0,
      'spawn',
      { component: 'tree.Node', args: [1, 'two', { three: 3n }] },
      new Map([[1, new Set(['a'])]]),
      new Uint8Array([9, 8, 7]),
      { code: 'ERR_CIRCO_X', message: 'boom', stack: 'at x' },
    ];
    const { producer, consumer } = makeRing(1 << 14);
    values.forEach((value, i) => {
      expect(writeControl(producer, i === 0 ? 0 : 255 - i, value, i)).toBe(
        true,
      );
    });
    expect(writeControl(producer, 3, 'no seq')).toBe(true);
    producer.publish();
    const frames = drain(consumer);
    expect(frames).toHaveLength(values.length + 1);
    values.forEach((value, i) => {
      expect(frames[i]).toStrictEqual({
        kind: 'control',
        op: i === 0 ? 0 : 255 - i,
        seq: i,
        value,
      });
    });
    expect(frames[values.length]).toEqual({
      kind: 'control',
      op: 3,
      seq: 0,
      value: 'no seq',
    });
  });

  it('is a Control table the generated class reads', () => {
    const frame = capture(null);
    expect(frame.bytes[frame.at]).toBe(FrameKind.Control);
    const bb = new ByteBuffer(frame.bytes);
    bb.setPosition(frame.at + FRAME_HEADER_BYTES);
    const control = Control.getRootAsControl(bb);
    expect(control.op()).toBe(7);
    expect(control.seq()).toBe(9);
    expect(control.payloadLength()).toBeGreaterThan(0);
  });

  it('rejects bad op codes, seqs and values', () => {
    const { producer } = makeRing(1024);
    for (const op of [-1, 256, 1.5, Number.NaN]) {
      expect(() => writeControl(producer, op, 1)).toThrow(InvalidArgumentError);
    }
    expect(() => writeControl(producer, 1, 1, -1)).toThrow(
      InvalidArgumentError,
    );
    const error = caught(() => writeControl(producer, 1, () => 1));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/serialize/);
  });
});

describe('full and oversize rings', () => {
  it('returns false and leaves the ring untouched when full', () => {
    const { producer, consumer, buffer } = makeRing(1024);
    const fixed = envelope(Fixed2, { x: 1, n: 2 });
    const text = envelope(Text, { text: 'a string body' });
    let written = 0;
    while (writeMessage(producer, fixed, { ...META, seq: written })) {
      written++;
    }
    expect(written).toBeGreaterThan(0);
    let controls = 0;
    while (writeControl(producer, 1, 'x', written + controls)) controls++;
    producer.publish();
    const before = new Uint8Array(buffer).slice();
    expect(writeMessage(producer, fixed, META)).toBe(false);
    expect(writeMessage(producer, text, META)).toBe(false);
    expect(writeControl(producer, 1, 'x')).toBe(false);
    expect(producer.publish()).toBe(false);
    expect(new Uint8Array(buffer)).toEqual(before);
    expect(producer.unpublishedBytes()).toBe(0);
    const frames = drain(consumer);
    expect(frames).toHaveLength(written + controls);
    expect(frames.map((f) => f.seq)).toEqual([
      ...Array(written + controls).keys(),
    ]);
    expect(writeMessage(producer, text, META)).toBe(true);
  });

  it('throws naming size and limit for a frame that can never fit', () => {
    const small = makeRing(64).producer; // maxPayload 24
    const error = caught(() => writeMessage(small, envelope(Empty, {}), META));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toContain(`${BODY_OFFSET} bytes`);
    expect(error.message).toContain('limit of 24 bytes');
    const { producer, consumer } = makeRing(1024); // maxPayload 504
    const big = envelope(Text, { text: 'x'.repeat(600) });
    const again = caught(() => writeMessage(producer, big, META));
    expect(again).toBeInstanceOf(InvalidArgumentError);
    expect(again.message).toMatch(/frame of \d+ bytes, over the limit of 504/);
    expect(() => writeControl(producer, 1, 'y'.repeat(600))).toThrow(
      /limit of 504/,
    );
    producer.publish();
    expect(drain(consumer)).toHaveLength(0);
  });
});

describe('bad input on the writing side', () => {
  it('rejects bodies that do not fit the schema, committing nothing', () => {
    const { producer, consumer } = makeRing(1024);
    const bad = [
      envelope(Fixed2, { x: 'no' as unknown as number, n: 1 }),
      envelope(Fixed2, { x: 1, n: -1 }),
      envelope(Scalars, {
        a: 1,
        b: 2 ** 31,
        c: 0,
        d: true,
        e: A,
        f: true,
      }),
      envelope(Scalars, {
        a: 1,
        b: 1,
        c: 0,
        d: 1 as unknown as boolean,
        e: A,
        f: true,
      }),
      envelope(Text, { text: 5 as unknown as string }),
      envelope(Fixed2, null as unknown as { x: number; n: number }),
      envelope(Variable, {
        name: '',
        data: new Uint8Array(0),
        peers: [-1 as Address],
        xs: [],
        a: 0,
        b: 0,
        c: 0,
        d: false,
        e: A,
      }),
    ];
    for (const sent of bad) {
      const error = caught(() => writeMessage(producer, sent, META));
      expect(error).toBeInstanceOf(InvalidBodyError);
      expect(error.message).toContain(sent.type.name);
    }
    producer.publish();
    expect(drain(consumer)).toHaveLength(0);
  });

  it('rejects bad envelope and meta values', () => {
    const { producer } = makeRing(1024);
    const body = { x: 1, n: 2 };
    const cases: Array<[Envelope, MessageMeta, RegExp]> = [
      [envelope(Fixed2, body, { target: -1 as Address }), META, /target/],
      [envelope(Fixed2, body, { sender: 0.5 as Address }), META, /sender/],
      [envelope(Fixed2, body, { kind: 5 as Kind }), META, /kind/],
      [envelope(Fixed2, body, { token: -1 }), META, /token/],
      [envelope(Fixed2, body), { ...META, seq: 2 ** 32 }, /seq/],
      [envelope(Fixed2, body), { ...META, step: 1.5 }, /step/],
      [envelope(Fixed2, body), { ...META, flags: 4 }, /flags/],
    ];
    for (const [sent, meta, why] of cases) {
      const error = caught(() => writeMessage(producer, sent, meta));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(why);
    }
  });

  it('rejects a message type that is not defined in this thread', () => {
    const { producer } = makeRing(1024);
    const ghost = new MessageType('wiretest.Ghost', 4242, {});
    const error = caught(() =>
      writeMessage(producer, envelope(ghost, {}), META),
    );
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
  });
});

describe('corrupt frames', () => {
  const variable = () =>
    envelope(
      Variable,
      {
        name: 'name',
        data: new Uint8Array([1, 2]),
        peers: [A],
        xs: [1],
        a: 1,
        b: 2,
        c: 3,
        d: true,
        e: B,
      },
      { topic: 'topic' },
    );

  it('rejects an unknown frame kind or wire version', () => {
    for (const kind of [0, 3, 255]) {
      const frame = capture(envelope(Fixed2, { x: 1, n: 2 }));
      frame.bytes[frame.at] = kind;
      const error = expectCorrupt(frame.read, /unknown frame kind/);
      expect(error.message).toContain(`frame kind ${kind}`);
      expect(error.offset).toBe(frame.at);
      expect(error.length).toBe(frame.length);
      expect(error.ring).toBe('copy');
    }
    const frame = capture(envelope(Fixed2, { x: 1, n: 2 }));
    frame.bytes[frame.at + 1] = 1;
    expectCorrupt(frame.read, /wire version 1/);
    frame.bytes[frame.at + 1] = WIRE_VERSION;
    frame.bytes[frame.at + ENVELOPE_OFFSET + 42] = 9;
    expectCorrupt(frame.read, /envelope version 9/);
  });

  it('carries the infoton, and rejects one that is not finite', () => {
    const infoton = { x: 0.5, y: -3, z: 7.75, energy: 2 };
    const frame = capture(envelope(Fixed2, { x: 1, n: 2 }), 16, {
      ...META,
      infoton,
    });
    const read = frame.read();
    expect(read.kind === 'message' && read.infoton).toEqual(infoton);
    // No infoton is written as energy 0 at the origin, and read as none.
    const plain = capture(envelope(Fixed2, { x: 1, n: 2 }));
    expect(plain.view.getFloat32(plain.at + ENVELOPE_OFFSET + 60, true)).toBe(
      0,
    );
    const read0 = plain.read();
    expect(read0.kind).toBe('message');
    expect(read0.kind === 'message' && read0.infoton).toBeUndefined();
    for (const [field, bad] of [
      [ENVELOPE_OFFSET + 60, Number.NaN],
      [ENVELOPE_OFFSET + 48, Number.POSITIVE_INFINITY],
    ] as const) {
      const broken = capture(envelope(Fixed2, { x: 1, n: 2 }), 16, {
        ...META,
        infoton,
      });
      broken.view.setFloat32(broken.at + field, bad, true);
      expectCorrupt(broken.read, /infoton/);
    }
  });

  it('rejects truncated lengths', () => {
    for (const sent of [envelope(Fixed2, { x: 1, n: 2 }), variable(), null]) {
      const frame = capture(sent);
      expect(() => frame.read()).not.toThrow();
      expectCorrupt(() => frame.read(frame.length - 8), /header says/);
      expectCorrupt(() => frame.read(frame.length + 8), /header says/);
      expectCorrupt(() => frame.read(4), /8-byte frame header/);
    }
    const frame = capture(envelope(Fixed2, { x: 1, n: 2 }));
    expectCorrupt(() => frame.read(40), /72-byte header/);
    expectCorrupt(
      () => readFrame(frame.bytes, frame.at, 10_000, frame.view),
      /exceeds/,
    );
    // A header that claims a struct size the type does not have.
    frame.view.setUint32(frame.at + 4, 8, true);
    expectCorrupt(() => frame.read(BODY_OFFSET + 8), /struct body/);
  });

  it('rejects an unknown type id', () => {
    const frame = capture(envelope(Fixed2, { x: 1, n: 2 }));
    frame.view.setUint32(frame.at + ENVELOPE_OFFSET + 24, 0xdeadbeef, true);
    const error = caught(frame.read);
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect((error as UnknownMessageTypeError).code).toBe(
      'ERR_CIRCO_UNKNOWN_MESSAGE_TYPE',
    );
    expect(error.message).toContain(String(0xdeadbeef));
    expect(error.message).toContain(`offset ${frame.at}`);
    expect(error.message).toContain(`length ${frame.length}`);
  });

  it('rejects bad envelope fields', () => {
    const cases: Array<[(v: DataView, at: number) => void, RegExp]> = [
      [(v, e) => v.setUint8(e + 40, 5), /kind 5/],
      [(v, e) => v.setUint8(e + 41, 4), /reserved bits/],
      [(v, e) => v.setFloat64(e, -1, true), /target -1/],
      [(v, e) => v.setFloat64(e + 8, 2 ** 53, true), /sender/],
      [(v, e) => v.setUint8(e - ENVELOPE_OFFSET + 3, 1), /reserved header/],
    ];
    for (const [poke, why] of cases) {
      const frame = capture(envelope(Fixed2, { x: 1, n: 2 }));
      poke(frame.view, frame.at + ENVELOPE_OFFSET);
      expectCorrupt(frame.read, why);
    }
  });

  it('rejects struct fields that fail the schema', () => {
    const body = { a: 1, b: 2, c: 3, d: true, e: A, f: true };
    const frame = capture(envelope(Scalars, body));
    const s = frame.at + BODY_OFFSET;
    frame.bytes[s + 16] = 2;
    const error = expectCorrupt(frame.read, /field d of wiretest.Scalars/);
    expect(error.offset).toBe(s + 16);
    frame.bytes[s + 16] = 1;
    frame.view.setFloat64(s + 24, 0.5, true);
    expectCorrupt(frame.read, /field e of wiretest.Scalars: 0.5 is no addr/);
  });

  it('rejects a body layout byte that does not fit the type', () => {
    const fixed = capture(envelope(Fixed2, { x: 1, n: 2 }));
    fixed.bytes[fixed.at + 2] = BodyFormat.Custom;
    expectCorrupt(fixed.read, /body layout 2 does not fit wiretest.Fixed2/);
    fixed.bytes[fixed.at + 2] = 9;
    expectCorrupt(fixed.read, /body layout 9/);
    const table = capture(variable());
    table.bytes[table.at + 2] = BodyFormat.Struct;
    expectCorrupt(table.read, /struct body of wiretest.Variable/);
  });

  it('rejects table offsets that point out of range', () => {
    const body = (f: ReturnType<typeof capture>) => f.at + BODY_OFFSET;
    // The root offset.
    let frame = capture(variable());
    frame.view.setUint32(body(frame), 0x7fff0000, true);
    expectCorrupt(frame.read, /root offset/);
    frame.view.setUint32(body(frame), 0, true);
    expectCorrupt(frame.read, /root offset 0/);
    // The vtable offset.
    frame = capture(variable());
    const root = () => body(frame) + frame.view.getUint32(body(frame), true);
    frame.view.setInt32(root(), -100_000, true);
    expectCorrupt(frame.read, /vtable at/);
    // A field offset in the vtable.
    frame = capture(variable());
    const vtable = root() - frame.view.getInt32(root(), true);
    frame.view.setUint16(vtable + 4, 60_000, true);
    expectCorrupt(frame.read, /field 0 at 60000/);
    // The uoffset of the string field (slot 0).
    frame = capture(variable());
    const vt = root() - frame.view.getInt32(root(), true);
    const field = root() + frame.view.getUint16(vt + 4, true);
    frame.view.setUint32(field, 1_000_000, true);
    const error = expectCorrupt(frame.read, /offset 1000000 points out/);
    expect(error.offset).toBe(field);
    // A vector length running past the end.
    frame = capture(variable());
    const data = root() + frame.view.getUint16(vt + 6, true); // bytes slot
    const vector = data + frame.view.getUint32(data, true);
    frame.view.setUint32(vector, 99_999, true);
    expectCorrupt(frame.read, /vector of 99999 elements runs past/);
  });

  it('rejects malformed strings and addresses in tables', () => {
    let frame = capture(envelope(Text, { text: 'abc' }));
    let at = frame.bytes.indexOf(0x61, frame.at + BODY_OFFSET);
    frame.bytes[at] = 0xff;
    expectCorrupt(frame.read, /not UTF-8/);
    frame = capture(envelope(Text, { text: 'abc' }));
    at = frame.bytes.indexOf(0x61, frame.at + BODY_OFFSET);
    frame.bytes[at + 3] = 0x20; // the terminating zero
    expectCorrupt(frame.read, /terminating zero/);
    frame = capture(variable());
    const peers = frame.bytes.findIndex(
      (_, i) =>
        i >= frame.at + BODY_OFFSET &&
        i % 8 === 0 &&
        frame.view.getFloat64(i, true) === A,
    );
    expect(peers).toBeGreaterThan(0);
    frame.view.setFloat64(peers, -3, true);
    expectCorrupt(frame.read, /field peers of wiretest.Variable: -3/);
  });

  it('rejects a corrupt control payload', () => {
    const frame = capture(null);
    const bb = new ByteBuffer(frame.bytes);
    bb.setPosition(frame.at + FRAME_HEADER_BYTES);
    const control = Control.getRootAsControl(bb);
    const payload = control.payloadArray()!;
    payload[0] = 0; // v8's version tag
    expectCorrupt(frame.read, /control op 7: payload of \d+ bytes does not/);
    frame.bytes[frame.at + 2] = 1;
    expectCorrupt(frame.read, /body layout byte/);
  });

  it('propagates out of a ring poll with the ring name', () => {
    const { producer, consumer } = makeRing(1024, 'link-3');
    writeMessage(producer, envelope(Fixed2, { x: 1, n: 2 }), META);
    producer.publish();
    const view = new DataView(
      consumer.bytes.buffer,
      consumer.bytes.byteOffset,
      consumer.bytes.byteLength,
    );
    view.setUint8(FRAME_HEADER_BYTES, 0x42); // first payload's frame kind
    const error = expectCorrupt(() => drain(consumer), /frame kind 66/);
    expect(error.ring).toBe('wire-test');
  });
});

describe('custom body codecs', () => {
  const codec = {
    size: 256,
    encode(builder: Builder, body: { x: number; y: number; label: string }) {
      const label = builder.createString(body.label);
      builder.startObject(3);
      builder.addFieldOffset(2, label, 0);
      builder.addFieldFloat64(0, body.x, 0);
      builder.addFieldFloat64(1, body.y, 0);
      return builder.endObject();
    },
    decode(bb: ByteBuffer, root: number) {
      const at = (slot: number) => bb.__offset(root, 4 + 2 * slot);
      const x = at(0) ? bb.readFloat64(root + at(0)) : 0;
      const y = at(1) ? bb.readFloat64(root + at(1)) : 0;
      return { x, y, label: bb.__string(root + at(2)) as string };
    },
  };

  it('encodes and decodes through the registered codec', () => {
    registerBodyCodec(Point, codec);
    try {
      for (const topic of [undefined, 'points']) {
        const sent = envelope(
          Point,
          { x: 1.5, y: -2, label: 'pt ✓' },
          topic === undefined ? {} : { topic },
        );
        const frame = capture(sent);
        expect(frame.bytes[frame.at + 2]).toBe(BodyFormat.Custom);
        expectSame((frame.read() as MessageFrame).envelope, sent);
      }
    } finally {
      expect(unregisterBodyCodec(Point)).toBe(true);
    }
    // Without the codec the same type takes the generic table layout.
    const sent = envelope(Point, { x: 1, y: 2, label: 'l' });
    expect(capture(sent).bytes[16 + 2]).toBe(BodyFormat.Table);
  });

  it('rejects a decoded body that fails the schema, and a lost codec', () => {
    registerBodyCodec(Point, {
      ...codec,
      decode: (bb, root) => ({ ...codec.decode(bb, root), x: 'bad' }) as never,
    });
    let frame: ReturnType<typeof capture>;
    try {
      frame = capture(envelope(Point, { x: 1, y: 2, label: 'l' }));
      expectCorrupt(frame.read, /custom codec of wiretest.Point: field x/);
    } finally {
      unregisterBodyCodec(Point);
    }
    expectCorrupt(frame.read, /body layout 2 does not fit wiretest.Point/);
    expect(() =>
      registerBodyCodec(Point, { encode: 1 } as unknown as typeof codec),
    ).toThrow(InvalidArgumentError);
  });

  it('wraps encode failures as InvalidBodyError', () => {
    registerBodyCodec(Point, {
      ...codec,
      encode: () => {
        throw new Error('nope');
      },
    });
    try {
      const { producer } = makeRing(1024);
      const sent = envelope(Point, { x: 1, y: 2, label: 'l' });
      const error = caught(() => writeMessage(producer, sent, META));
      expect(error).toBeInstanceOf(InvalidBodyError);
      expect(error.message).toMatch(/custom codec failed to encode it: nope/);
    } finally {
      unregisterBodyCodec(Point);
    }
  });
});
