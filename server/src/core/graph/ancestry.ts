import type { Revision } from './revision';

/**
 * Answers "is `a` an ancestor of `b` (or `b` itself)?" along `normalizedDownRevisions`, the
 * relation Alembic's topological sort asks about at every step.
 *
 * Alembic keeps a full ancestor set per branch head and rebuilds it at every merge point, which
 * costs hundreds of whole-history walks on a long history. The same answers come from chain
 * labels: the revisions are cut into chains (each revision's parent is the previous link), and
 * every revision stores, per chain, the highest link it can reach. `a` is an ancestor of `b`
 * exactly when `b` reaches `a`'s position on `a`'s chain. The labels take revisions × chains
 * numbers, so a history with very many chains (thousands of bases, say) falls back to walking.
 */

const LABEL_BUDGET = 8_000_000;

export class Ancestry {
  private readonly chainOf: Int32Array;
  private readonly posOf: Int32Array;
  private readonly chains: number;
  private readonly reach: Int32Array | undefined;

  /**
   * @param revisions the revisions, indexed by `Revision.index`
   * @param parents each revision's parents (normalized down revisions) as indexes
   * @param labelBudget the most labels to store before falling back to walking
   */
  constructor(
    private readonly revisions: readonly Revision[],
    private readonly parents: readonly (readonly number[])[],
    labelBudget = LABEL_BUDGET,
  ) {
    const n = revisions.length;
    this.chainOf = new Int32Array(n);
    this.posOf = new Int32Array(n);
    const order = topologicalOrder(parents);
    const tailHasNext = new Uint8Array(n);
    let chains = 0;
    for (const i of order) {
      // Extend the chain of a parent that no other child has extended yet, if there is one.
      const p = parents[i]!.find((q) => tailHasNext[q] === 0);
      if (p === undefined) {
        this.chainOf[i] = chains++;
        this.posOf[i] = 0;
      } else {
        tailHasNext[p] = 1;
        this.chainOf[i] = this.chainOf[p]!;
        this.posOf[i] = this.posOf[p]! + 1;
      }
    }
    this.chains = chains;
    if (order.length !== n || n * chains > labelBudget) {
      this.reach = undefined;
      return;
    }
    const reach = new Int32Array(n * chains).fill(-1);
    for (const i of order) {
      const row = i * chains;
      for (const p of parents[i]!) {
        const prow = p * chains;
        for (let c = 0; c < chains; c++) if (reach[prow + c]! > reach[row + c]!) reach[row + c] = reach[prow + c]!;
      }
      const own = row + this.chainOf[i]!;
      if (this.posOf[i]! > reach[own]!) reach[own] = this.posOf[i]!;
    }
    this.reach = reach;
  }

  /** True when `a` is `b` or one of its ancestors. */
  isAncestorOrSelf(a: Revision, b: Revision): boolean {
    if (a === b) return true;
    if (this.reach) return this.reach[b.index * this.chains + this.chainOf[a.index]!]! >= this.posOf[a.index]!;
    return this.walkFinds(b.index, a.index);
  }

  private walkFinds(from: number, target: number): boolean {
    const seen = new Uint8Array(this.revisions.length);
    const stack = [from];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (i === target) return true;
      if (seen[i] === 1) continue;
      seen[i] = 1;
      for (const p of this.parents[i]!) if (seen[p] !== 1) stack.push(p);
    }
    return false;
  }
}

/** Parents before children (Kahn's algorithm); shorter than the input when there is a cycle. */
function topologicalOrder(parents: readonly (readonly number[])[]): number[] {
  const n = parents.length;
  const pending = new Int32Array(n);
  const children: number[][] = Array.from({ length: n }, () => []);
  parents.forEach((ps, i) => {
    pending[i] = ps.length;
    for (const p of ps) children[p]!.push(i);
  });
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (pending[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const c of children[order[k]!]!) if (--pending[c] === 0) order.push(c);
  }
  return order;
}
