/**
 * The key-prefix tree of a memory report: keys split at a separator, each prefix of up to
 * `depth` segments a node with the keys and bytes under it. Memory stays bounded: when the tree
 * outgrows its working budget, the smallest branches are folded into one "(other)" child of their
 * parent; every kept node's totals stay exact. The final tree keeps the `limit` largest nodes
 * (ties broken by depth, then name), so a tree that never needed folding is the same however the
 * keys were split across files and merged.
 */

/** One prefix node as reports carry it. */
export interface PrefixNode {
  /** The prefix segment (escaped key text); "(other)" for folded branches. */
  name: string;
  keys: number;
  bytes: number;
  /** True for the node holding folded branches. */
  other?: boolean;
  children?: PrefixNode[];
}

/** The name of the node holding folded branches. */
export const OTHER = '(other)';

interface Node {
  keys: number;
  bytes: number;
  children: Map<string, Node> | null;
  other: boolean;
}

function newNode(other = false): Node {
  return { keys: 0, bytes: 0, children: null, other };
}

/** Accumulates keys into a bounded prefix tree. */
export class PrefixTree {
  private root = newNode();
  private count = 1;

  constructor(
    readonly sep: string,
    readonly depth: number,
    /** Nodes kept in the final tree. */
    readonly limit: number,
    /** Nodes held while scanning before folding (>= limit). */
    private readonly budget = Math.max(limit * 20, 20000),
  ) {}

  /** Add one key (its escaped text) with its bytes. */
  add(key: string, bytes: number, keys = 1): void {
    let node = this.root;
    node.keys += keys;
    node.bytes += bytes;
    if (this.sep === '' || this.depth <= 0) return;
    let from = 0;
    for (let d = 0; d < this.depth; d++) {
      const at = key.indexOf(this.sep, from);
      if (at < 0) break;
      const seg = key.slice(from, at);
      from = at + this.sep.length;
      node.children ??= new Map();
      let child = node.children.get(seg);
      if (!child) {
        child = newNode();
        node.children.set(seg, child);
        this.count++;
      }
      child.keys += keys;
      child.bytes += bytes;
      node = child;
    }
    if (this.count > this.budget) this.fold(Math.floor(this.budget / 2));
  }

  /** Add a tree from another report (merge). */
  addTree(t: PrefixNode): void {
    this.merge(this.root, t);
    if (this.count > this.budget) this.fold(Math.floor(this.budget / 2));
  }

  private merge(into: Node, from: PrefixNode): void {
    into.keys += from.keys;
    into.bytes += from.bytes;
    for (const c of from.children ?? []) {
      into.children ??= new Map();
      const name = c.other ? OTHER : c.name;
      let child = into.children.get(name);
      if (!child) {
        child = newNode(c.other === true);
        into.children.set(name, child);
        this.count++;
      }
      this.merge(child, c);
    }
  }

  /** Keep the `keep` largest nodes; fold the rest into "(other)" children. */
  private fold(keep: number): void {
    const ranked: Array<{ node: Node; depth: number; name: string }> = [];
    const walk = (n: Node, depth: number): void => {
      if (!n.children) return;
      for (const [name, c] of n.children) {
        ranked.push({ node: c, depth, name });
        walk(c, depth + 1);
      }
    };
    walk(this.root, 1);
    if (ranked.length + 1 <= keep) return;
    ranked.sort(rank);
    const kept = new Set<Node>();
    for (let i = 0; i < keep - 1 && i < ranked.length; i++) kept.add(ranked[i]!.node);
    this.count = 1;
    const prune = (n: Node): void => {
      if (!n.children) return;
      let other: Node | null = null;
      for (const [name, c] of n.children) {
        if (kept.has(c) && !c.other) {
          this.count++;
          prune(c);
          continue;
        }
        other ??= n.children.get(OTHER) ?? newNode(true);
        if (c !== other) {
          other.keys += c.keys;
          other.bytes += c.bytes;
          n.children.delete(name);
        }
      }
      if (other) {
        other.children = null;
        n.children.set(OTHER, other);
        this.count++;
      }
    };
    prune(this.root);
  }

  /** The final tree: the `limit` largest nodes, children largest first. */
  toJSON(): PrefixNode {
    this.fold(this.limit);
    const out = (name: string, n: Node): PrefixNode => {
      const p: PrefixNode = { name, keys: n.keys, bytes: n.bytes };
      if (n.other) p.other = true;
      if (n.children && n.children.size > 0) {
        p.children = [...n.children]
          .map(([k, c]) => out(k, c))
          .sort((a, b) => (a.other ? 1 : 0) - (b.other ? 1 : 0) || b.bytes - a.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }
      return p;
    };
    return out('', this.root);
  }
}

function rank(a: { node: Node; depth: number; name: string }, b: { node: Node; depth: number; name: string }): number {
  // "(other)" nodes are never kept as named nodes; among the rest: bytes, then shallower, then name
  if (a.node.other !== b.node.other) return a.node.other ? 1 : -1;
  return b.node.bytes - a.node.bytes || a.depth - b.depth || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
