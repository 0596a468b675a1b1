/**
 * The ends of the rings a worker writes and reads. An outbound link never
 * blocks: frames that do not fit wait in its overflow queue and go out as
 * the reader makes room. Every frame carries the link's sequence number,
 * which the inbound end checks, so a lost or repeated frame is an error
 * rather than a silent gap.
 */
import { CorruptFrameError, InvalidArgumentError } from '../errors.js';
import { RingConsumer, RingProducer } from '../ring/ring.js';
import type { Envelope } from '../scheduler/envelope.js';
import { Fifo } from '../scheduler/queue.js';
import {
  messageFrameBytes,
  readFrame,
  writeControl,
  writeMessage,
} from '../wire/codec.js';
import type { Infoton, MessageMeta } from '../wire/frame.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** More than a control frame adds to its serialized value. */
const CONTROL_OVERHEAD = 64;

interface Pending {
  readonly envelope: Envelope | undefined;
  readonly op: number;
  readonly value: unknown;
  readonly seq: number;
  /** A copy of the message's infoton (the sender's is reused). */
  readonly infoton: Infoton | undefined;
}

export class Outbound {
  private readonly producer: RingProducer;
  private readonly overflow = new Fifo<Pending>(16);
  private seq = 0;
  private written = 0;
  /** Reused for every message written (writeMessage keeps nothing). */
  private readonly meta: Mutable<MessageMeta> = {
    seq: 0,
    step: 0,
    flags: 0,
    senderKey: 0,
    senderSeq: 0,
    infoton: undefined,
  };

  constructor(
    buffer: SharedArrayBuffer,
    name: string,
    /** Wakes the reader (rings its bell). */
    private readonly wake: () => void,
    /** Whether to wake the reader after every publish, waiting or not. */
    private readonly alwaysWake = false,
    /** Told how many frames each publish made visible. */
    private readonly published: (frames: number) => void = () => undefined,
  ) {
    this.producer = new RingProducer(buffer, name);
  }

  /**
   * Whether these messages could cross this ring: each must fit in half
   * of it. For messages that may stay instead (those queued for a
   * component that would migrate); encodes what it measures.
   */
  fits(messages: readonly Envelope[]): boolean {
    const max = this.producer.maxPayload;
    return messages.every((envelope) => messageFrameBytes(envelope) <= max);
  }

  /** The largest frame this link's ring takes. */
  get maxPayload(): number {
    return this.producer.maxPayload;
  }

  /** The largest serialized value a control frame of this link carries. */
  get maxControlBytes(): number {
    return this.producer.maxPayload - CONTROL_OVERHEAD;
  }

  /** Frames written to the ring and not yet published. */
  get unpublished(): number {
    return this.written;
  }

  /** Frames waiting for room. */
  get backlog(): number {
    return this.overflow.length;
  }

  /** Frames given to this link so far, written or waiting. */
  get frames(): number {
    return this.seq;
  }

  /**
   * Sends a message, or queues it behind the ones waiting for room. Either
   * way a message that could never fit the ring is refused here, at the
   * send, with InvalidArgumentError.
   */
  message(envelope: Envelope, step: number, infoton?: Infoton): void {
    if (this.overflow.length > 0) {
      const length = messageFrameBytes(envelope);
      if (length > this.producer.maxPayload) {
        throw new InvalidArgumentError(
          `message ${envelope.type.name} needs a frame of ${length} bytes, ` +
            `over the limit of ${this.producer.maxPayload} bytes of ring ` +
            `${this.producer.name}`,
        );
      }
    }
    // The sequence number is taken only once the frame is accepted: a
    // refused one must leave no gap for the reader to report.
    const seq = this.seq;
    if (
      this.overflow.length > 0 ||
      !this.writeMessage(envelope, seq, step, infoton)
    ) {
      this.overflow.push({
        envelope,
        op: 0,
        value: undefined,
        seq,
        infoton: infoton === undefined ? undefined : { ...infoton },
      });
    }
    this.seq = seq + 1;
  }

  control(op: number, value: unknown): void {
    const seq = this.seq;
    if (this.overflow.length > 0 || !this.writeControl(op, value, seq)) {
      this.overflow.push({
        envelope: undefined,
        op,
        value,
        seq,
        infoton: undefined,
      });
    }
    this.seq = seq + 1;
  }

  private writeControl(op: number, value: unknown, seq: number): boolean {
    if (!writeControl(this.producer, op, value, seq)) return false;
    this.written++;
    return true;
  }

  private writeMessage(
    envelope: Envelope,
    seq: number,
    step: number,
    infoton: Infoton | undefined,
  ) {
    const meta = this.meta;
    meta.seq = seq;
    meta.step = step;
    meta.senderKey = envelope.senderKey;
    meta.senderSeq = envelope.senderSeq;
    meta.infoton = infoton;
    if (!writeMessage(this.producer, envelope, meta)) return false;
    this.written++;
    return true;
  }

  /** Writes what fits of the overflow, then publishes the batch. */
  flush(step: number): void {
    while (this.overflow.length > 0) {
      const p = this.overflow.peek()!;
      const done =
        p.envelope === undefined
          ? this.writeControl(p.op, p.value, p.seq)
          : this.writeMessage(p.envelope, p.seq, step, p.infoton);
      if (!done) break;
      this.overflow.shift();
    }
    if (this.written === 0) return;
    const frames = this.written;
    this.written = 0;
    const waiting = this.producer.publish();
    this.published(frames);
    if (waiting || this.alwaysWake) this.wake();
  }
}

/** What an inbound end does with the frames it reads. */
export interface FrameSink {
  onMessage(envelope: Envelope, infoton?: Infoton): void;
  onControl(op: number, value: unknown): void;
}

export class Inbound {
  private readonly consumer: RingConsumer;
  private expected = 0;
  private readonly visit: (
    bytes: Uint8Array,
    offset: number,
    length: number,
    view: DataView,
  ) => void;

  constructor(
    buffer: SharedArrayBuffer,
    readonly name: string,
    sink: FrameSink,
  ) {
    this.consumer = new RingConsumer(buffer, name);
    this.visit = (bytes, offset, length, view) => {
      const frame = readFrame(bytes, offset, length, view, name);
      if (frame.seq !== this.expected) {
        throw new CorruptFrameError(
          name,
          offset,
          length,
          `frame sequence ${frame.seq} where ${this.expected} was due`,
        );
      }
      this.expected = (this.expected + 1) >>> 0;
      if (frame.kind === 'message') {
        sink.onMessage(frame.envelope, frame.infoton);
      } else sink.onControl(frame.op, frame.value);
    };
  }

  /** Reads up to `max` published frames; returns how many. */
  drain(max = Number.POSITIVE_INFINITY): number {
    return this.consumer.poll(this.visit, max);
  }

  /** Frames read so far. */
  get received(): number {
    return this.expected;
  }

  isEmpty(): boolean {
    return this.consumer.isEmpty();
  }

  setWaiting(waiting: boolean): void {
    this.consumer.setWaiting(waiting);
  }
}
