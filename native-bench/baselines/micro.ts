/**
 * Micro cases, timed by tinybench: the wire codec (one message encoded
 * into a ring and decoded out of it, in batches of BATCH), structured
 * cloning of the same body (what postMessage pays), and one send plus
 * delivery through the plain loop.
 */
import { Bench } from 'tinybench';
import { makeAddress } from '../../src/address.js';
import { defineMessage, type MessageType } from '../../src/message/message.js';
import { t } from '../../src/message/schema.js';
import {
  createRingBuffer,
  RingConsumer,
  RingProducer,
} from '../../src/ring/ring.js';
import { Envelope, Kind } from '../../src/scheduler/envelope.js';
import { readFrame, writeMessage } from '../../src/wire/codec.js';
import { type PlainActor, PlainLoop } from './plain.js';

const Fixed = defineMessage('bench.micro.Fixed', { x: t.f64, n: t.u32 });
const Text = defineMessage('bench.micro.Text', { text: t.string });

/** Messages per tinybench iteration. */
const BATCH = 64;

export interface MicroResult {
  readonly name: string;
  /** Operations (messages) per second. */
  readonly opsPerSecond: number;
  /** Relative margin of error of the mean, in percent. */
  readonly rme: number;
  readonly samples: number;
}

function codec(type: MessageType, body: (i: number) => unknown): () => void {
  const buffer = createRingBuffer(1 << 16);
  const producer = new RingProducer(buffer, 'micro');
  const consumer = new RingConsumer(buffer, 'micro');
  const meta = { seq: 0, step: 0, flags: 0, senderKey: 0 };
  const target = makeAddress(0, 17);
  const sender = makeAddress(0, 18);
  let sum = 0;
  const visit = (b: Uint8Array, at: number, n: number, v: DataView) => {
    const frame = readFrame(b, at, n, v);
    if (frame.kind === 'message') sum += frame.envelope.token;
  };
  return () => {
    for (let i = 0; i < BATCH; i++) {
      const e = new Envelope(
        target,
        sender,
        type,
        body(i),
        Kind.Plain,
        i,
        void 0,
      );
      if (!writeMessage(producer, e, meta)) throw new Error('ring full');
    }
    producer.publish();
    sum = 0;
    consumer.poll(visit);
    if (sum !== (BATCH * (BATCH - 1)) / 2) throw new Error('bad decode');
  };
}

class Echo implements PlainActor {
  receive(): void {}
}

function plainSend(): () => void {
  const loop = new PlainLoop();
  const echo = loop.spawn(new Echo());
  return () => {
    for (let i = 0; i < BATCH; i++) loop.send(echo, 1, i);
    loop.run();
  };
}

export async function runMicro(timeMs = 400): Promise<MicroResult[]> {
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  const fixedBody = (i: number) => ({ x: i * 0.5, n: i });
  bench
    .add('micro-wire-fixed', codec(Fixed, fixedBody))
    .add(
      'micro-wire-string',
      codec(Text, () => ({ text: 'sixteen chars ok' })),
    )
    .add('micro-structuredclone', () => {
      for (let i = 0; i < BATCH; i++) structuredClone(fixedBody(i));
    })
    .add('micro-plain-send', plainSend());
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') {
      throw new Error(`micro ${task.name}: ${result.state}`);
    }
    return {
      name: task.name,
      opsPerSecond: (BATCH * 1000) / result.latency.mean,
      rme: result.latency.rme,
      samples: result.latency.samplesCount,
    };
  });
}
