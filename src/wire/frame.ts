/**
 * Constants and types of the wire format; the picture is in codec.ts,
 * the schemas in schemas/*.fbs.
 */
import type { Envelope } from '../scheduler/envelope.js';

/** Byte 0 of every frame. 0 is invalid, so zeroed memory never parses. */
export const FrameKind = { Message: 1, Control: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Byte 2 of a message frame: how its body is laid out. */
export const BodyFormat = { Struct: 0, Table: 1, Custom: 2 } as const;
export type BodyFormat = (typeof BodyFormat)[keyof typeof BodyFormat];

/** Bits of the envelope's `flags` byte; the other bits must be 0. */
export const Flag = { System: 1, Forwarded: 2 } as const;
export const KNOWN_FLAGS = Flag.System | Flag.Forwarded;

/** Byte 1 of every frame and the envelope's `version`. */
export const WIRE_VERSION = 2;
export const FRAME_HEADER_BYTES = 8;
export const ENVELOPE_OFFSET = FRAME_HEADER_BYTES;
export const ENVELOPE_BYTES = 64;
export const BODY_OFFSET = ENVELOPE_OFFSET + ENVELOPE_BYTES;

// Field offsets within the Envelope struct, as in schemas/envelope.fbs.
export const TARGET = 0;
export const SENDER = 8;
export const SENDER_KEY = 16;
export const TYPE_ID = 24;
export const TOKEN = 28;
export const SEQ = 32;
export const STEP = 36;
export const KIND = 40;
export const FLAGS = 41;
export const VERSION = 42;
export const PADDING = 43;
export const SENDER_SEQ = 44;
export const SOURCE_X = 48;
export const SOURCE_Y = 52;
export const SOURCE_Z = 56;
export const ENERGY = 60;

/** What the sending scheduler adds to an envelope on the wire. */
export interface MessageMeta {
  /** Sequence number of the (sender, receiver) worker pair, a uint32. */
  readonly seq: number;
  /** Step the message was sent in, a uint32. */
  readonly step: number;
  /** `Flag` bits. */
  readonly flags: number;
  /** Placement-independent sort key of the sender (any double). */
  readonly senderKey: number;
  /** The sender's message counter (strict mode order); 0 when unused. */
  readonly senderSeq?: number;
  /**
   * The infoton (see schemas/envelope.fbs): the sender's position and the
   * pull's energy, as float32. Absent means energy 0 at the origin, and
   * a frame read with energy 0 has none.
   */
  readonly infoton?: Infoton;
}

/** A position in Circo's 3D space and the energy of a pull toward it. */
export interface Infoton {
  x: number;
  y: number;
  z: number;
  energy: number;
}

/** A decoded message frame. */
export interface MessageFrame extends MessageMeta {
  readonly kind: 'message';
  readonly envelope: Envelope;
}

/** A decoded control frame. */
export interface ControlFrame {
  readonly kind: 'control';
  /** The frame's op code, 0 to 255. */
  readonly op: number;
  /** Link sequence number given to writeControl (0 when none). */
  readonly seq: number;
  readonly value: unknown;
}

/** What readFrame returns. */
export type Frame = MessageFrame | ControlFrame;
