/**
 * The actor tree: a system that grows itself from one component.
 *
 * A TreeCreator gets Start messages from outside. The first Start spawns a
 * root TreeActor. Every Start sends one GrowRequest down the tree: a node
 * with children forwards it to both, a leaf spawns two children and reports
 * them to the creator. After the i-th Start the tree has 2^(i+1) - 1 nodes.
 *
 * A Census asks the tree to count itself: the count travels down to the
 * leaves and the sums travel back up, two messages per node.
 *
 * Placement: the nodes of the top SPREAD_DEPTH levels spawn their children
 * with `spread: true`, so the machine deals the subtrees out over its
 * workers; deeper nodes keep their children on their own worker, where
 * messages between parent and child cost no encoding.
 */
import {
  type Address,
  Component,
  type Context,
  defineMessage,
  type Message,
  NOBODY,
  registerComponents,
  t,
} from 'circo';

export const Start = defineMessage('tree.Start', {});
export const GrowRequest = defineMessage('tree.GrowRequest', {
  creator: t.address,
});
export const GrowResponse = defineMessage('tree.GrowResponse', {
  leafs: t.addresses,
});
/** Asked of the creator: how many nodes does the tree have? */
export const Census = defineMessage('tree.Census', {});
export const CensusResult = defineMessage('tree.CensusResult', {
  nodes: t.f64,
});
/** A node's request to its subtree: count yourselves, tell `parent`. */
export const Count = defineMessage('tree.Count', { parent: t.address });
export const Counted = defineMessage('tree.Counted', { nodes: t.f64 });

/** Levels whose children are spread over the workers. */
export const SPREAD_DEPTH = 3;

export class TreeCreator extends Component {
  nodeCount = 0;
  root: Address = NOBODY;
  /**
   * The Census being answered, while the tree counts itself. A received
   * message does not survive a structured clone, so while one is held
   * here the creator stays on its worker (and `state()` of it fails).
   */
  census: Message | undefined = undefined;

  onmessage(msg: Message, ctx: Context): void {
    if (Start.is(msg)) {
      if (this.root === NOBODY) {
        this.root = ctx.spawn(new TreeActor(0));
        this.nodeCount = 1;
      }
      ctx.send(this.root, GrowRequest, { creator: ctx.self });
    } else if (GrowResponse.is(msg)) {
      this.nodeCount += msg.body.leafs.length;
    } else if (Census.is(msg)) {
      this.census = msg;
      ctx.send(this.root, Count, { parent: ctx.self });
    } else if (Counted.is(msg) && this.census !== undefined) {
      ctx.reply(this.census, CensusResult, { nodes: msg.body.nodes });
      this.census = undefined;
    }
  }
}

export class TreeActor extends Component {
  constructor(public depth: number) {
    super();
  }

  left: Address = NOBODY;
  right: Address = NOBODY;
  // Census in progress: who asked, answers still due, and their sum.
  parent: Address = NOBODY;
  pending = 0;
  sum = 0;

  onmessage(msg: Message, ctx: Context): void {
    if (GrowRequest.is(msg)) {
      if (this.left === NOBODY) {
        const spread = this.depth < SPREAD_DEPTH;
        this.left = ctx.spawn(new TreeActor(this.depth + 1), { spread });
        this.right = ctx.spawn(new TreeActor(this.depth + 1), { spread });
        ctx.send(msg.body.creator, GrowResponse, {
          leafs: [this.left, this.right],
        });
      } else {
        ctx.send(this.left, msg.type, msg.body);
        ctx.send(this.right, msg.type, msg.body);
      }
    } else if (Count.is(msg)) {
      if (this.left === NOBODY) {
        ctx.send(msg.body.parent, Counted, { nodes: 1 });
        return;
      }
      this.parent = msg.body.parent;
      this.pending = 2;
      this.sum = 1;
      ctx.send(this.left, Count, { parent: ctx.self });
      ctx.send(this.right, Count, { parent: ctx.self });
    } else if (Counted.is(msg)) {
      this.sum += msg.body.nodes;
      if (--this.pending === 0) {
        ctx.send(this.parent, Counted, { nodes: this.sum });
      }
    }
  }
}

registerComponents({ TreeCreator, TreeActor });
