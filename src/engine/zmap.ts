/**
 * A sorted set's members once it has left its listpack (Redis's skiplist + dict): member ->
 * score held as one Map<BStr, number>, so a member costs its BStr and, for a score that is not
 * a small integer, one heap number; no node object of its own. It is Map-like over member ->
 * node, as PackedZMap is: nodes handed out are fresh, so a score changes with set(), never
 * through a node. Order (score, then member bytes) is made by the callers when they need it.
 */
import type { BStr, ZNode } from './keyspace.js';

/** member -> score of a skiplist-encoded sorted set (see the file comment). */
export class ZScoreMap {
  private readonly m = new Map<BStr, number>();

  /** A copy of any member -> node iterable (a PackedZMap, a Map of nodes). */
  static from(nodes: Iterable<[BStr, ZNode]>): ZScoreMap {
    const z = new ZScoreMap();
    for (const [k, n] of nodes) z.m.set(k, n.score);
    return z;
  }

  get size(): number {
    return this.m.size;
  }

  /** member -> score, read-only (for writers that walk every member without a node each). */
  get scores(): ReadonlyMap<BStr, number> {
    return this.m;
  }

  get(k: BStr): ZNode | undefined {
    const score = this.m.get(k);
    return score === undefined ? undefined : { member: k, score };
  }

  has(k: BStr): boolean {
    return this.m.has(k);
  }

  /** Set a member's score (`node.member` is `k`). */
  set(k: BStr, node: ZNode): this {
    this.m.set(k, node.score);
    return this;
  }

  /** set() without a node. */
  setScore(k: BStr, score: number): void {
    this.m.set(k, score);
  }

  delete(k: BStr): boolean {
    return this.m.delete(k);
  }

  /** The score of a member (no node), undefined when absent. */
  score(k: BStr): number | undefined {
    return this.m.get(k);
  }

  *entries(): IterableIterator<[BStr, ZNode]> {
    for (const [member, score] of this.m) yield [member, { member, score }];
  }

  [Symbol.iterator](): IterableIterator<[BStr, ZNode]> {
    return this.entries();
  }

  keys(): IterableIterator<BStr> {
    return this.m.keys();
  }

  *values(): IterableIterator<ZNode> {
    for (const [member, score] of this.m) yield { member, score };
  }

  clone(): ZScoreMap {
    const z = new ZScoreMap();
    for (const [k, s] of this.m) z.m.set(k, s);
    return z;
  }
}
