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
 *
 * Appends wait in a tail. One command often adds many elements (an AOF's HSET, SADD, ZADD
 * carry up to 64 pairs each), and a new packed string per element made building a key
 * quadratic: 6.6 GB allocated replaying a 126 MB AOF, each byte a reason for the young
 * generation to be collected once more. New elements are kept as an array of the strings
 * they are made of and joined into the packed string once: at the next read that needs the
 * whole string (iteration, a cut) or when the engine settles after each command
 * (settlePacked), so no tail outlives the command that made it.
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

/*
 * The membership filter. An AOF builds a small collection by commands of up to 64 members each,
 * and every new member was a walk of the whole packed string to learn that it is absent (the
 * walk of a 128-member set, each member also compared as a string when the lengths agree). One
 * 2048-bit filter, shared by every collection, holds two bits of each element's first string
 * (member, field) of the collection that used it last: a member with a bit clear is certainly
 * absent and is appended without a walk; with both bits set (a member, or about 1.4% of others
 * at 128 elements) the walk decides. The filter is rebuilt from the elements when another
 * collection uses it. Removing an element leaves its bits (still correct: the filter may only
 * say "maybe" too often, never "absent" for a member).
 */
const filterBits = new Int32Array(64);
let filterOwner: Packed | null = null;

/** FNV-1a of s[from, from + len). */
function hashOf(s: string, from: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < from + len; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** The last string hashed whole (memberHash) and its hash: ZADD asks absent() twice and append() hashes it again. */
let lastHashed: string | null = null;
let lastHash = 0;

/** hashOf a whole string, remembered for the next call with the same string. */
function memberHash(k: string): number {
  if (k === lastHashed) return lastHash;
  lastHash = hashOf(k, 0, k.length);
  lastHashed = k;
  return lastHash;
}

/** Set the two filter bits of hash `h`. */
function filterAdd(h: number): void {
  filterBits[(h >>> 5) & 63]! |= 1 << (h & 31);
  filterBits[(h >>> 16) & 63]! |= 1 << ((h >>> 11) & 31);
}

/** Collections with a tail, joined by settlePacked. */
const unsettled: Packed[] = [];

/** Join every tail appended since the last call (the engine calls it after each command). */
export function settlePacked(): void {
  for (let i = 0; i < unsettled.length; i++) unsettled[i]!.settle();
  unsettled.length = 0;
}

/** What every packed collection holds: the packed string and its element count. */
abstract class Packed {
  /** The packed elements (but those in the tail). */
  protected s: BStr = '';
  /** Number of members (fields of a hash), the tail's included. */
  protected n = 0;
  /**
   * Elements appended after `s`, not yet packed: `width` strings each (the member; the field
   * and its value; the member and its score's 8 chars), each packed with a one-char length
   * but a score.
   */
  protected tail: string[] | null = null;
  /** Strings per element in the tail (a getter: no field per collection). */
  protected abstract get width(): number;
  /** Whether the tail's second string of an element is a score (8 chars, no length). */
  protected get scored(): boolean {
    return false;
  }

  /** Number of members (fields of a hash). */
  get size(): number {
    return this.n;
  }

  /**
   * The packed string itself, its tail joined (for writers that walk it: ops/engine-rdb.ts): each
   * string element a one-char length and its bytes, a PackedZMap's member followed by its score's
   * 8 float64 bytes (little-endian, as the platform's Float64Array: see scoreChars).
   */
  packed(): BStr {
    this.settle();
    return this.s;
  }

  /**
   * True when `k` is certainly not the first string of an element (false: maybe). Only for the
   * paths that add (the filter follows the collection that asked last).
   */
  protected absent(k: BStr): boolean {
    if (filterOwner !== this) this.buildFilter();
    const h = memberHash(k);
    return (filterBits[(h >>> 5) & 63]! & (1 << (h & 31))) === 0 || (filterBits[(h >>> 16) & 63]! & (1 << ((h >>> 11) & 31))) === 0;
  }

  /** Make the filter this collection's: the bits of every element's first string. */
  private buildFilter(): void {
    filterBits.fill(0);
    filterOwner = this;
    const s = this.s;
    const w = this.width;
    const fixed = this.scored ? 8 : 0;
    let pos = 0;
    while (pos < s.length) {
      const l = s.charCodeAt(pos);
      filterAdd(hashOf(s, pos + 1, l));
      pos += l + 1;
      if (fixed) pos += fixed;
      else if (w === 2) pos += s.charCodeAt(pos) + 1;
    }
    const t = this.tail;
    if (t !== null) for (let i = 0; i < t.length; i += w) filterAdd(hashOf(t[i]!, 0, t[i]!.length));
  }

  /** Index in the tail of the element whose first string is `k`, or -1. */
  protected inTail(k: BStr): number {
    const t = this.tail;
    if (t === null) return -1;
    const w = this.width;
    for (let i = 0; i < t.length; i += w) if (t[i] === k) return i;
    return -1;
  }

  /** Append an element made of `a` (and `b` for pairs) to the tail. */
  protected append(a: string, b?: string): void {
    let t = this.tail;
    if (t === null) {
      t = this.tail = [];
      unsettled.push(this);
    }
    t.push(a);
    if (b !== undefined) t.push(b);
    this.n++;
    if (filterOwner === this) filterAdd(memberHash(a));
  }

  /** Pack the tail into `s`, in one join. */
  settle(): void {
    const t = this.tail;
    if (t === null) return;
    const w = this.width;
    const scored = this.scored;
    // presized: lengths and strings, a score without a length
    const parts: string[] = new Array(1 + (t.length / w) * (w === 1 ? 2 : scored ? 3 : 4));
    parts[0] = this.s;
    let k = 1;
    for (let i = 0; i < t.length; i += w) {
      parts[k++] = lenChar(t[i]!);
      parts[k++] = t[i]!;
      if (w === 2) {
        if (!scored) parts[k++] = lenChar(t[i + 1]!);
        parts[k++] = t[i + 1]!;
      }
    }
    this.s = parts.join('');
    this.tail = null;
  }

  /** Remove the element at [at, end) of the packed string. */
  protected cut(at: number, end: number): void {
    const s = this.s;
    this.s = [s.slice(0, at), s.slice(end)].join('');
    this.n--;
  }

  /** Remove the element whose first string is `k` from the tail; false when it is not there. */
  protected deleteInTail(k: BStr): boolean {
    const i = this.inTail(k);
    if (i < 0) return false;
    this.tail!.splice(i, this.width);
    this.n--;
    return true;
  }

  /** A copy (COPY): strings are immutable, so this shares the packed string. */
  clone(): this {
    this.settle();
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
  protected get width(): number {
    return 2;
  }

  get(k: BStr): BStr | undefined {
    const s = this.s;
    const at = find(s, k, 2);
    if (at < 0) {
      const i = this.inTail(k);
      return i < 0 ? undefined : this.tail![i + 1];
    }
    const v = at + 1 + k.length;
    return s.slice(v + 1, v + 1 + s.charCodeAt(v));
  }

  has(k: BStr): boolean {
    return find(this.s, k, 2) >= 0 || this.inTail(k) >= 0;
  }

  /** Set a field (both strings must be packable). */
  set(k: BStr, v: BStr): this {
    this.put(k, v);
    return this;
  }

  /** set(), telling whether the field is new (one walk instead of has() and set()). */
  put(k: BStr, v: BStr): boolean {
    if (this.absent(k)) {
      this.append(k, v);
      return true;
    }
    const s = this.s;
    const at = find(s, k, 2);
    if (at < 0) {
      const i = this.inTail(k);
      if (i >= 0) {
        this.tail![i + 1] = v;
        return false;
      }
      this.append(k, v);
      return true;
    }
    const vAt = at + 1 + k.length;
    this.s = [s.slice(0, vAt), lenChar(v), v, s.slice(vAt + 1 + s.charCodeAt(vAt))].join('');
    return false;
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 2);
    if (at >= 0) this.cut(at, at + 2 + k.length + this.s.charCodeAt(at + 1 + k.length));
    else return this.deleteInTail(k);
    return true;
  }

  *entries(): IterableIterator<[BStr, BStr]> {
    this.settle();
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
    this.settle();
    const flat = unpackBytes(this.s, this.n * 2);
    const out: Array<{ field: Uint8Array; value: Uint8Array }> = new Array(this.n);
    for (let i = 0; i < out.length; i++) out[i] = { field: flat[2 * i]!, value: flat[2 * i + 1]! };
    return out;
  }
}

/** A small set as one byte string of its members (Set-like). */
export class PackedSet extends Packed {
  protected get width(): number {
    return 1;
  }

  has(k: BStr): boolean {
    return !this.absent(k) && (find(this.s, k, 1) >= 0 || this.inTail(k) >= 0);
  }

  /** Add a member (it must be packable). */
  add(k: BStr): this {
    if (!this.has(k)) this.append(k);
    return this;
  }

  /** Add a member known to be absent (and packable): no walk. */
  push(k: BStr): void {
    this.append(k);
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 1);
    if (at >= 0) this.cut(at, at + 1 + k.length);
    else return this.deleteInTail(k);
    return true;
  }

  *values(): IterableIterator<BStr> {
    this.settle();
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
    this.settle();
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

/** The score whose 8 chars start at `at` of a PackedZMap's packed string (see packed()) or of a tail's score string. */
export function readScore(s: BStr, at: number): number {
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
  protected get width(): number {
    return 2;
  }

  protected override get scored(): boolean {
    return true;
  }

  get(k: BStr): ZNodeLike | undefined {
    const at = find(this.s, k, 1, 8);
    if (at >= 0) return { member: k, score: readScore(this.s, at + 1 + k.length) };
    const i = this.inTail(k);
    return i < 0 ? undefined : { member: k, score: readScore(this.tail![i + 1]!, 0) };
  }

  has(k: BStr): boolean {
    return find(this.s, k, 1, 8) >= 0 || this.inTail(k) >= 0;
  }

  /** The score of a member (no node), undefined when absent. */
  score(k: BStr): number | undefined {
    if (this.absent(k)) return undefined;
    const at = find(this.s, k, 1, 8);
    if (at >= 0) return readScore(this.s, at + 1 + k.length);
    const i = this.inTail(k);
    return i < 0 ? undefined : readScore(this.tail![i + 1]!, 0);
  }

  /** Set a member's score (the member must be packable; `node.member` is `k`). */
  set(k: BStr, node: ZNodeLike): this {
    this.setScore(k, node.score);
    return this;
  }

  /** set() without a node. */
  setScore(k: BStr, score: number): void {
    if (this.absent(k)) {
      this.append(k, scoreChars(score));
      return;
    }
    const s = this.s;
    const at = find(this.s, k, 1, 8);
    if (at < 0) {
      const i = this.inTail(k);
      if (i >= 0) this.tail![i + 1] = scoreChars(score);
      else this.append(k, scoreChars(score));
    } else {
      const sAt = at + 1 + k.length;
      this.s = [s.slice(0, sAt), scoreChars(score), s.slice(sAt + 8)].join('');
    }
  }

  delete(k: BStr): boolean {
    const at = find(this.s, k, 1, 8);
    if (at >= 0) this.cut(at, at + 9 + k.length);
    else return this.deleteInTail(k);
    return true;
  }

  *entries(): IterableIterator<[BStr, ZNodeLike]> {
    this.settle();
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
