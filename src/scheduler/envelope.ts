/**
 * The envelope: a message on its way. Local deliveries pass the envelope
 * object itself to the handler; nothing is encoded.
 */
import type { Address } from '../address.js';
import type { Message, MessageType } from '../message/message.js';

/** How the scheduler treats an envelope on delivery. */
export const Kind = {
  Plain: 0,
  /** Carries a token the receiver answers with `reply`. */
  Request: 1,
  /** Answers a request; cancels the requester's timeout. */
  Reply: 2,
  /** Fired by an event source; `token` names the subscription. */
  Event: 3,
  /** Lifecycle and timer messages a component gets from the runtime. */
  System: 4,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export class Envelope<B = unknown> implements Message<B> {
  constructor(
    readonly target: Address,
    readonly sender: Address,
    readonly type: MessageType<B>,
    readonly body: B,
    readonly kind: Kind,
    readonly token: number,
    readonly topic: string | undefined,
    /**
     * Strict mode: the sender's placement-independent key and its own
     * message counter, which together order a step's messages. 0 (and
     * unused) in the loose mode.
     */
    readonly senderKey = 0,
    readonly senderSeq = 0,
  ) {}
}
