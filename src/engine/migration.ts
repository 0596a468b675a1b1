/**
 * Migration rounds: how components move between workers.
 *
 * Every worker holds the same directory of moved components (the peer's
 * `moved`), so every sender routes a message straight to where its target
 * lives. The directory changes only in a migration round, which every
 * worker enters after the same barrier round:
 *
 *   1. read, from each peer, exactly the frames it had sent when it
 *      arrived at the round: now every message sent so far sits in the
 *      queue of the worker its target lives on (the outside's too: the
 *      target's home passes them on as it reads them);
 *   2. decide which local components leave (samples pulled toward another
 *      worker, and those that asked with `ctx.migrate`);
 *   3. send each one to its new worker as a Migrate control frame (in
 *      pieces when it is larger than a frame), right followed on the same
 *      ring by the messages queued for it, in queue order; tell every
 *      other worker the moves (a Moved frame);
 *   4. meet at one more barrier round and again read exactly what each
 *      peer sent before it: every worker now knows every move, and every
 *      component that moved is installed with its messages queued.
 *
 * Nothing handles a message between 1 and 4, so no message can be routed
 * by an old directory after 4, and per-sender order holds: a sender's
 * earlier messages travel inside the move, its later ones are sent after
 * it. Messages from the outside still go to the home worker, which passes
 * them on as it reads them (they all take that way, so they too keep
 * their order; the coordinator never learns where components are). In the
 * strict mode the round comes after the step's frames are read and before
 * the next step begins, so moved messages are handled in the step they
 * were due, in the same canonical order.
 */
import { deserialize, serialize } from 'node:v8';
import { type Address, formatAddress } from '../address.js';
import { Barrier, type BarrierParty } from '../barrier/barrier.js';
import { debug } from '../diagnostics.js';
import type { Emigrant } from '../scheduler/emigrant.js';
import type { WorkerConfig } from './config.js';
import { WorkerPeer } from './peer.js';
import {
  FIGURE_SUMS,
  FIRST_FIGURE_COLUMN,
  FIRST_FRAMES_COLUMN,
  Op,
  Sum,
} from './rounds.js';

/** At most this share of a check's sample moves in one round. */
const MOVE_SHARE = 0.25;
/** A worker past this share of the mean load takes no components in. */
const FULL_LOAD = 1.1;
/**
 * A check that moves nobody halves the next check's sample, down to this
 * share of `sample`; one that moves anybody restores it. Where placement
 * is already good the checks cost little (they run too rarely for the
 * JIT to warm them: a few microseconds a component), and where it is
 * changing they look at the full sample.
 */
const QUIET_SAMPLE_SHARE = 1 / 16;

/** Bytes v8 adds around a Uint8Array it serializes, and to spare. */
const PIECE_OVERHEAD = 32;

/** Room one move takes in a Moved frame, with the frame's overhead. */
const BYTES_PER_MOVE = 48;

const DELIVERED = FIRST_FIGURE_COLUMN + FIGURE_SUMS.indexOf('delivered');

export abstract class MigratingPeer extends WorkerPeer {
  protected readonly barrier: BarrierParty;
  /** Each worker's delivered count at the previous check. */
  private readonly deliveredBefore: number[];
  /** Where the next sample starts (a serial; see ComponentTable.scan). */
  private cursor = 0;
  /** The pieces read so far of an emigrant that came in several. */
  private pieces: Uint8Array[] = [];
  /** Components the next check examines (see QUIET_SAMPLE_SHARE). */
  private span: number;
  /** What `prepareMoves` chose to leave at the coming round, and where. */
  private leaving = new Map<Address, number>();

  /**
   * What a worker does while it waits at a round where a peer may still
   * be reading frames from it: it writes out its overflow. It reads
   * nothing: once the round completes, a fast peer's later frames may
   * already be in the rings, and only readStep knows where the frames due
   * end.
   */
  private readonly writeOverflow = (): boolean => {
    const backlog = this.backlog();
    if (backlog === 0) return false;
    this.flush();
    return this.backlog() !== backlog;
  };

  constructor(config: WorkerConfig) {
    super(config);
    this.barrier = Barrier.attach(config.barrier, config.index);
    this.deliveredBefore = new Array<number>(config.workers).fill(0);
    this.span = config.placement.sample;
  }

  /**
   * Arrives at the barrier with what the caller staged. A peer may be in
   * readStep (a strict step, a migration round, even in the loose mode:
   * it reads on past a round its peers have left) waiting for frames that
   * sit in this worker's overflow, so while there is overflow the worker
   * keeps writing it as it waits. Nothing is sent while waiting: with no
   * overflow now, there is none to write, and the wait is a plain one.
   */
  protected arriveWriting(): number {
    const chores = this.backlog() > 0 ? this.writeOverflow : undefined;
    return this.barrier.arrive(undefined, chores);
  }

  /**
   * Called right before arriving at barrier round `round`: at a check
   * (every `every` rounds), or when components asked to move, chooses
   * the components that leave and stages their count. The round then
   * tells every worker whether anything moves at all, and a check where
   * nothing moves costs no migration round: with placement already good,
   * the two extra barriers of a migration round were most of what the
   * optimization cost (pairs on 2 workers, about a tenth of the rate).
   * Nothing is handled between here and the exchange, so the choice
   * still holds then.
   */
  protected prepareMoves(round: number): void {
    const p = this.config.placement;
    const check = p.enabled && round % p.every === 0;
    if (check || this.scheduler.moveAsked.size > 0) {
      this.leaving = this.choose(check);
    } else {
      this.leaving.clear();
    }
    this.barrier.setSum(Sum.MovesChosen, this.leaving.size);
  }

  /**
   * Whether the barrier round just completed is followed by a migration
   * round: the same answer in every worker, from the round's own sums.
   */
  protected migrationDue(_round: number): boolean {
    return this.barrier.sum(Sum.MovesChosen) > 0;
  }

  /**
   * Steps 2 to 4 of a migration round (the caller has read the frames of
   * step 1 with `readStep`).
   */
  protected exchange(): void {
    const leaving = this.leaving;
    this.leaving = new Map();
    if (leaving.size > 0) this.emigrate(leaving);
    this.flush();
    const b = this.barrier;
    for (let w = 0; w < this.workers; w++) {
      b.setPerParty(FIRST_FRAMES_COLUMN + w, this.outbound[w]?.frames ?? 0);
    }
    b.setSum(Sum.MovesAsked, 0);
    b.setSum(Sum.MovesChosen, 0);
    this.arriveWriting();
    this.readStep();
  }

  /** Step 3: sends `leaving` away and tells every worker the moves. */
  private emigrate(leaving: Map<Address, number>): void {
    const s = this.scheduler;
    // A message sent on this worker was never encoded: one too large for a
    // frame could not follow its target. The target stays this round; if
    // it asked, its ask stands, and it moves once the message is handled.
    const queued = s.queuedFor(leaving);
    for (const [address, messages] of queued) {
      if (!this.outbound[leaving.get(address)!]!.fits(messages)) {
        leaving.delete(address);
      }
    }
    s.takeQueued(leaving);
    const moves: number[] = [];
    for (const [address, worker] of leaving) {
      this.sendPieces(worker, new Uint8Array(serialize(s.emigrate(address))));
      // Behind the component on the same ring, so they land after it.
      for (const envelope of queued.get(address) ?? []) {
        this.forward(worker, envelope);
      }
      this.relocate(address, worker);
      moves.push(address, worker);
    }
    this.migrations += moves.length / 2;
    for (let w = 0; w < this.workers; w++) {
      const link = this.outbound[w];
      if (link === undefined) continue;
      // Small rings take the moves in several frames.
      const per = 2 * Math.max(1, Math.floor(link.maxPayload / BYTES_PER_MOVE));
      for (let i = 0; i < moves.length; i += per) {
        link.control(Op.Moved, { moves: moves.slice(i, i + per) });
      }
    }
  }

  /**
   * Sends a serialized emigrant to `worker`: MigratePart frames of what a
   * frame holds, then the last piece as a Migrate frame, so that a
   * component of any size can move, whatever the rings' size.
   */
  private sendPieces(worker: number, bytes: Uint8Array): void {
    const link = this.outbound[worker]!;
    const piece = link.maxControlBytes - PIECE_OVERHEAD;
    let at = 0;
    for (; bytes.length - at > piece; at += piece) {
      link.control(Op.MigratePart, bytes.slice(at, at + piece));
    }
    link.control(Op.Migrate, at === 0 ? bytes : bytes.slice(at));
  }

  /** Reads, from every peer, the frames it had sent when it arrived. */
  protected readStep(): void {
    const b = this.barrier;
    for (let p = 0; p < this.workers; p++) {
      const link = this.inboundFrom[p];
      if (link === undefined) continue;
      const due = b.perParty(p, FIRST_FRAMES_COLUMN + this.index);
      while (link.received < due) {
        if (this.drainPeer(link, due - link.received) === 0) {
          // The peer is still writing its overflow: let it, and keep ours
          // moving so that it is never stuck behind us.
          this.flush();
          this.sleep(1);
        }
      }
    }
    this.flush();
  }

  /**
   * Which local components leave in the coming round, and for which
   * worker: those that asked, and at a check (`sample`), those the
   * worker force and the infotons brought nearer another worker.
   */
  private choose(sample: boolean): Map<Address, number> {
    const s = this.scheduler;
    const leaving = new Map<Address, number>();
    for (const [address, worker] of s.moveAsked) {
      // One that leaves keeps its ask until `emigrate` takes it, which
      // tells the new worker to say Migrated: clearing every ask here lost
      // that notification.
      const why = s.staysBecause(address);
      if (why === undefined) {
        leaving.set(address, worker);
        continue;
      }
      // It could move when it asked, and has since subscribed with a
      // filter or taken a field that cannot travel: it stays.
      debug(
        '%s stays on worker %d: %s',
        formatAddress(address),
        this.index,
        why,
      );
      s.moveAsked.delete(address);
    }
    const p = this.config.placement;
    if (!sample) return leaving;
    const loads = this.loads();
    const mine = loads[this.index]!;
    const limit = Math.max(1, Math.floor(p.sample * MOVE_SHARE));
    let moving = 0;
    this.cursor = s.scan(this.cursor, this.span, (address) => {
      if (moving >= limit || leaving.has(address) || !s.movable(address)) {
        return;
      }
      const target = s.space.settle(address, mine);
      if (target === this.index || loads[target]! > FULL_LOAD) return;
      if (s.staysBecause(address) !== undefined) return;
      leaving.set(address, target);
      moving++;
    });
    const quiet = Math.max(1, Math.floor(p.sample * QUIET_SAMPLE_SHARE));
    this.span = moving > 0 ? p.sample : Math.max(quiet, this.span >> 1);
    return leaving;
  }

  /**
   * Each worker's messages delivered since the previous check, as a share
   * of the mean (1 for all when nothing was delivered).
   */
  private loads(): number[] {
    const b = this.barrier;
    const delta: number[] = [];
    let total = 0;
    for (let w = 0; w < this.workers; w++) {
      const delivered = b.perParty(w, DELIVERED);
      const d = Math.max(0, delivered - this.deliveredBefore[w]!);
      this.deliveredBefore[w] = delivered;
      delta.push(d);
      total += d;
    }
    const mean = total / this.workers;
    return delta.map((d) => (mean === 0 ? 1 : d / mean));
  }

  /**
   * A piece of an emigrant (see sendPieces); the last one installs it.
   * Pieces from two peers never interleave: they are sent only in step
   * 3 and read only by the readStep of step 4, which reads one peer's
   * frames to the last before the next peer's.
   */
  protected arrived(piece: Uint8Array, last: boolean): void {
    // Node deserializes a Uint8Array as a view of the bytes it read, here
    // the ring itself, which the writer reuses once the frame is read: a
    // piece kept for later must be copied.
    if (!last) {
      this.pieces.push(piece.slice());
      return;
    }
    const bytes =
      this.pieces.length === 0 ? piece : Buffer.concat([...this.pieces, piece]);
    this.pieces = [];
    const emigrant = deserialize(bytes) as Emigrant;
    // The directory first: immigrate posts Migrated, which the directory
    // routes; with the old entry it went back to the worker just left.
    this.relocate(emigrant.address, this.index);
    this.scheduler.immigrate(emigrant);
  }

  /** A Moved frame: `moves` alternates addresses and their new workers. */
  protected learned(moves: readonly number[]): void {
    for (let i = 0; i < moves.length; i += 2) {
      this.relocate(moves[i] as Address, moves[i + 1]!);
    }
  }
}
