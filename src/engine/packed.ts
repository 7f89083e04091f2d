/**
 * Packed small collections: the engine's listpack. A small hash or set is held as ONE byte
 * string (BStr) of its elements, each a one-char length (0..127) and its bytes, in insertion
 * order, instead of a Map or Set of separate strings. Lookups walk it linearly, as Redis walks
 * a listpack at these sizes; a change builds the next string. Per element that is 1 byte of
 * overhead instead of a string header and a hash-table entry (about 60-90 bytes), and no
 * object at all for the GC to trace: most keys of a real dataset are this small.
 *
 * PackedMap and PackedSet offer the slice of the Map/Set API the commands use, so a value can
 * hold either; keyspace.ts turns them into a Map/Set once they pass the packing limits, and
 * iteration order is the same insertion order a Map/Set keeps, deletions included.
 */
import type { BStr } from './keyspace.js';

/** Longest element a packed collection holds (one-char length; Redis's listpack value limit is 64). */
export const PACK_MAX_ELEMENT = 64;

/** Most elements (fields of a hash, members of a set) a packed collection holds. */
export const PACK_MAX_ENTRIES = 128;

/**
 * Offset of the element equal to `k` among every `stride`-th element of `s`, or -1 (each group
 * of `stride` elements followed by `fixed` bytes: a zset member's score).
 */
function find(s: BStr, k: BStr, stride: number, fixed = 0): number {
  const kl = k.length;
  const n = s.length;
  let pos = 0;
  while (pos < n) {
    const l = s.charCodeAt(pos);
    if (l === kl && s.startsWith(k, pos + 1)) return pos;
    pos += l + 1;
    for (let i = 1; i < stride; i++) pos += s.charCodeAt(pos) + 1;
    pos += fixed;
  }
  return -1;
}

/** Whether an element fits a packed collection. */
export function packable(e: BStr): boolean {
  return e.length <= PACK_MAX_ELEMENT;
}

/*
 * Every new packed string is made by Array.prototype.join, which copies into one flat string:
 * `+` would leave a tree of cons strings (and slices pinning the old string) behind until the
 * next read flattens it, over three times the memory for a key written once.
 */

function lenChar(e: BStr): string {
  return String.fromCharCode(e.length);
}

/** The elements of a packed string as views into one new buffer (the record model's bytes). */
function unpackBytes(s: BStr, n: number): Uint8Array[] {
  const buf = new Uint8Array(s.length - n);
  const out: Uint8Array[] = new Array(n);
  let o = 0;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = o;
    for (let end = pos + 1 + s.charCodeAt(pos++); pos < end; pos++) buf[o++] = s.charCodeAt(pos);
    out[i] = buf.subarray(start, o);
  }
  return out;
}

/** What every packed collection holds: the packed string and its element count. */
abstract class Packed {
  /** The packed elements. */
  protected s: BStr = '';
  /** Number of members (fields of a hash). */
  protected n = 0;

  /** Number of members (fields of a hash). */
  get size(): number {
    return this.n;
  }

  /** Remove the member at [at, end) of the packed string. */
  protected cut(at: number, end: number): void {
    const s = this.s;
    this.s = [s.slice(0, at), s.slice(end)].join('');
    this.n--;
  }

  /** A copy (COPY): strings are immutable, so this shares the packed string. */
  clone(): this {
    const c = new (this.constructor as new () => this)();
    c.s = this.s;
    c.n = this.n;
    return c;
  }
}

/** A packed Map-like collection: keys and values come from entries(). */
abstract class PackedPairs<V> extends Packed {
  abstract entries(): IterableIterator<[BStr, V]>;

  [Symbol.iterator](): IterableIterator<[BStr, V]> {
    return this.entries();
  }

  *keys(): IterableIterator<BStr> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
}

/** A small hash as one byte string of field, value, field, value... (Map-like). */
export class PackedMap extends PackedPairs<BStr> {
  get(k: BStr): BStr | undefined {
    const s = this.s;
    const at = find(s, k, 2);
    if (at < 0) return undefined;
    const v = at + 1 + k.length;
    return s.slice(v + 1, v + 1 + s.charCodeAt(v));
  }

  has(k: BStr): boolean {
    return find(this.s, k, 2) >= 0;
  }

  /** Set a field (both strings must be packable). */
  set(k: BStr, v: BStr): this {
    this.put(k, v);
    return this;
  }

  /** set(), telling whether the field is new (one walk instead of has() and set()). */
  put(k: BStr, v: BStr): boolean {
    const s = this.s;
    const at = find(s, k, 2);
    if (at < 0) {
      this.s = [s, lenChar(k), k, lenChar(v), v].join('');
      this.n++;
      return true;
    }
    const vAt = at + 1 + k.length;
    this.s = [s.slice(0, vAt), lenChar(v), v, s.slice(vAt + 1 + s.charCodeAt(vAt))].join('');
    return false;
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 2);
    if (at >= 0) this.cut(at, at + 2 + k.length + this.s.charCodeAt(at + 1 + k.length));
    return at >= 0;
  }

  *entries(): IterableIterator<[BStr, BStr]> {
    const s = this.s;
    let pos = 0;
    while (pos < s.length) {
      const kl = s.charCodeAt(pos);
      const k = s.slice(pos + 1, pos + 1 + kl);
      pos += kl + 1;
      const vl = s.charCodeAt(pos);
      const v = s.slice(pos + 1, pos + 1 + vl);
      pos += vl + 1;
      yield [k, v];
    }
  }

  /** The fields in the record model (views into one buffer). */
  toRecord(): Array<{ field: Uint8Array; value: Uint8Array }> {
    const flat = unpackBytes(this.s, this.n * 2);
    const out: Array<{ field: Uint8Array; value: Uint8Array }> = new Array(this.n);
    for (let i = 0; i < out.length; i++) out[i] = { field: flat[2 * i]!, value: flat[2 * i + 1]! };
    return out;
  }
}

/** A small set as one byte string of its members (Set-like). */
export class PackedSet extends Packed {
  has(k: BStr): boolean {
    return find(this.s, k, 1) >= 0;
  }

  /** Add a member (it must be packable). */
  add(k: BStr): this {
    if (find(this.s, k, 1) < 0) this.push(k);
    return this;
  }

  /** Add a member known to be absent (and packable): no walk. */
  push(k: BStr): void {
    this.s = [this.s, lenChar(k), k].join('');
    this.n++;
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 1);
    if (at >= 0) this.cut(at, at + 1 + k.length);
    return at >= 0;
  }

  *values(): IterableIterator<BStr> {
    const s = this.s;
    let pos = 0;
    while (pos < s.length) {
      const l = s.charCodeAt(pos);
      yield s.slice(pos + 1, pos + 1 + l);
      pos += l + 1;
    }
  }

  [Symbol.iterator](): IterableIterator<BStr> {
    return this.values();
  }

  /** The members in the record model (views into one buffer). */
  toRecord(): Uint8Array[] {
    return unpackBytes(this.s, this.n);
  }
}

/** A sorted-set member as the commands see it (keyspace.ts ZNode). */
interface ZNodeLike {
  member: BStr;
  score: number;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** A score as the 8 chars of its float64 bytes (exact, -0 and infinities included). */
function scoreChars(score: number): string {
  f64[0] = score;
  const b = f64Bytes;
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!);
}

function readScore(s: BStr, at: number): number {
  const b = f64Bytes;
  for (let i = 0; i < 8; i++) b[i] = s.charCodeAt(at + i);
  return f64[0]!;
}

/**
 * A small sorted set as one byte string of member, score (8 bytes), member, score... in
 * insertion order (Map-like over member -> node; the commands sort it when they need order, as
 * they sort a Map). Nodes handed out are fresh: change a score with set(), never through a node.
 */
export class PackedZMap extends PackedPairs<ZNodeLike> {
  get(k: BStr): ZNodeLike | undefined {
    const at = find(this.s, k, 1, 8);
    return at < 0 ? undefined : { member: k, score: readScore(this.s, at + 1 + k.length) };
  }

  has(k: BStr): boolean {
    return find(this.s, k, 1, 8) >= 0;
  }

  /** Set a member's score (the member must be packable; `node.member` is `k`). */
  set(k: BStr, node: ZNodeLike): this {
    const s = this.s;
    const at = find(this.s, k, 1, 8);
    if (at < 0) {
      this.s = [s, lenChar(k), k, scoreChars(node.score)].join('');
      this.n++;
    } else {
      const sAt = at + 1 + k.length;
      this.s = [s.slice(0, sAt), scoreChars(node.score), s.slice(sAt + 8)].join('');
    }
    return this;
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 1, 8);
    if (at >= 0) this.cut(at, at + 9 + k.length);
    return at >= 0;
  }

  *entries(): IterableIterator<[BStr, ZNodeLike]> {
    const s = this.s;
    let pos = 0;
    while (pos < s.length) {
      const l = s.charCodeAt(pos);
      const member = s.slice(pos + 1, pos + 1 + l);
      yield [member, { member, score: readScore(s, pos + 1 + l) }];
      pos += l + 9;
    }
  }
}
