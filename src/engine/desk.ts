/**
 * A worker's desk for the coordinator: the requests the caller of the
 * machine makes through it (asks, state reads, name look-ups), and, on
 * worker 0, the replies and timeouts that components send back to the
 * outside address.
 */
import { type Address, formatAddress } from '../address.js';
import { copyState } from '../component.js';
import { toRecord } from '../errors.js';
import { messageTypes } from '../message/message.js';
import { Timeout } from '../message/system.js';
import { type Envelope, Kind } from '../scheduler/envelope.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { Op } from './rounds.js';

export class OutsideDesk {
  /** Asks in flight (worker 0): request token -> the coordinator's id. */
  private readonly asks = new Map<number, number>();

  constructor(
    private readonly scheduler: () => Scheduler,
    private readonly report: (op: number, value: unknown) => void,
  ) {}

  /** Serves a coordinator request; false when `op` is not one. */
  serve(op: number, v: Record<string, unknown>): boolean {
    const s = this.scheduler();
    switch (op) {
      case Op.Ask: {
        const type = messageTypes.get(v.type as number)!;
        const target = v.target as Address;
        const timeout = v.timeout as number;
        const token = s.requestFromOutside(target, type, v.body, timeout);
        this.asks.set(token, v.id as number);
        return true;
      }
      case Op.Forget:
        for (const [token, id] of this.asks) {
          if (id !== v.id) continue;
          this.asks.delete(token);
          s.forgetRequest(token);
        }
        return true;
      case Op.State:
        if (v.position === true) {
          const state = s.space.position(v.address as Address);
          const reply = state === undefined ? { missing: true } : { state };
          this.report(Op.StateReply, { id: v.id, ...reply });
        } else {
          this.readState(v.id as number, v.address as Address);
        }
        return true;
      case Op.Lookup: {
        const address = s.services.resolve(v.name as string);
        this.report(Op.LookupReply, { id: v.id, address });
        return true;
      }
      default:
        return false;
    }
  }

  private readState(id: number, address: Address): void {
    const component = this.scheduler().component(address);
    if (component === undefined) {
      this.report(Op.StateReply, { id, missing: true });
      return;
    }
    try {
      const state = copyState(component, formatAddress(address));
      this.report(Op.StateReply, { id, state });
    } catch (error) {
      this.report(Op.StateReply, { id, error: toRecord(error) });
    }
  }

  /** A message to the outside: an ask's reply or timeout, or nobody's. */
  answer(envelope: Envelope): boolean {
    const id = this.asks.get(envelope.token);
    if (id === undefined) return false;
    this.asks.delete(envelope.token);
    if (envelope.kind === Kind.Reply) {
      const { type, body, sender } = envelope;
      this.report(Op.Answer, { id, type: type.id, body, sender });
    } else if (envelope.type === Timeout) {
      this.report(Op.Answer, { id, timeout: envelope.body });
    } else {
      return false;
    }
    return true;
  }
}
