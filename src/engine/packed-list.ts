/**
 * The engine's list: a deque of packed chunks, as Redis 7.0's quicklist is a list of listpack
 * nodes. Each chunk is ONE byte string (BStr): a one-char element count, then each element as a
 * LEB128 length (7 bits a char, low group first) and its bytes. A chunk takes up to 128
 * elements and 4 KiB (a longer element gets a chunk of its own), so a list costs about one
 * string per 128 elements instead of one per element, and the GC has that much less to trace.
 *
 * The interface is the one the list commands used on a Deque of BStrs (push and pop at both
 * ends, indexed get and set, toArray and replace for the O(n) commands). A push or pop at an
 * end builds that end's chunk again (at most 4 KiB copied, as a listpack insert moves its tail);
 * an index walks the chunks from the nearer end.
 */
import { bytesKey } from '../model/bytes.js';
import { Deque } from './deque.js';
import type { BStr } from './keyspace.js';

/** Most elements in one chunk. */
const CHUNK_ENTRIES = 128;

/** Most bytes in one chunk (unless one element is larger). */
const CHUNK_BYTES = 4096;

/** An element's LEB128 length prefix. */
function lenChars(n: number): string {
  if (n < 0x80) return String.fromCharCode(n);
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode(0x80 | (n & 0x7f));
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

/** Cursor over a chunk: `pos` the next element's offset; after next(), s[start, pos) are its bytes. */
export class ChunkReader {
  pos = 1;
  start = 0;
  constructor(readonly s: BStr) {}

  /** Step over the next element; its bytes are s[start, pos). */
  next(): void {
    const s = this.s;
    let len = 0,
      mul = 1,
      c: number;
    do {
      c = s.charCodeAt(this.pos++);
      len += (c & 0x7f) * mul;
      mul *= 0x80;
    } while (c & 0x80);
    this.start = this.pos;
    this.pos += len;
  }

  element(): BStr {
    return this.s.slice(this.start, this.pos);
  }
}

function count(chunk: BStr): number {
  return chunk.charCodeAt(0);
}

/** A chunk of `items` (each join copies into one flat string: see packed.ts). */
function makeChunk(items: readonly BStr[], from: number, to: number): BStr {
  const parts: string[] = [String.fromCharCode(to - from)];
  for (let i = from; i < to; i++) parts.push(lenChars(items[i]!.length), items[i]!);
  return parts.join('');
}

/** pushBackBytes's buffer: kept between calls up to this size (a chunk is at most 4 KiB but for one long element). */
const SCRATCH_MAX = 64 << 10;
let scratch = new Uint8Array(CHUNK_BYTES + 64);

/** A list of byte strings in packed chunks. */
export class PackedList {
  private chunks = new Deque<BStr>();
  private size = 0;

  /** A list holding `items` in order. */
  static from(items: readonly BStr[]): PackedList {
    const l = new PackedList();
    l.replace(items);
    return l;
  }

  get length(): number {
    return this.size;
  }

  /** Whether `chunk` can take one more element of `v.length` bytes. */
  private roomFor(chunk: BStr, v: BStr): boolean {
    return count(chunk) < CHUNK_ENTRIES && chunk.length + v.length <= CHUNK_BYTES;
  }

  pushBack(v: BStr): void {
    const d = this.chunks;
    const last = d.length ? d.at(d.length - 1) : null;
    if (last !== null && this.roomFor(last, v))
      d.set(d.length - 1, [String.fromCharCode(count(last) + 1), last.slice(1), lenChars(v.length), v].join(''));
    else d.pushBack(makeChunk([v], 0, 1));
    this.size++;
  }

  /**
   * pushBack of each of `items` in order, each chunk built once: the last chunk is filled and
   * new ones made exactly as one pushBack at a time would, without a new string per element.
   */
  pushBackAll(items: readonly BStr[]): void {
    const d = this.chunks;
    let parts: string[] = [];
    let n = 0;
    let len = 1; // the chunk's length as a string, its count char included
    let reopened = false;
    if (d.length) {
      const last = d.at(d.length - 1);
      parts.push(last.slice(1));
      n = count(last);
      len = last.length;
      reopened = true;
    }
    for (const v of items) {
      if (n > 0 && !(n < CHUNK_ENTRIES && len + v.length <= CHUNK_BYTES)) {
        this.putChunk(parts, n, reopened);
        parts = [];
        n = 0;
        len = 1;
        reopened = false;
      }
      const lc = lenChars(v.length);
      parts.push(lc, v);
      n++;
      len += lc.length + v.length;
    }
    if (n > 0) this.putChunk(parts, n, reopened);
    this.size += items.length;
  }

  /**
   * pushBackAll of the elements a[from..], taken as bytes: each chunk's new elements are packed
   * straight into a scratch buffer and made a string once (no string per element, no join of
   * them), the chunks cut exactly as pushBackAll cuts them.
   */
  pushBackBytes(a: readonly Uint8Array[], from: number): void {
    const d = this.chunks;
    let buf = scratch;
    let w = 1; // scratch[0] is the count char of a chunk that is not reopened
    let n = 0;
    let len = 1; // the chunk's length as a string, its count char included
    let last: BStr | null = null;
    if (d.length) {
      last = d.at(d.length - 1);
      n = count(last);
      len = last.length;
    }
    for (let j = from; j < a.length; j++) {
      const v = a[j]!;
      const vl = v.length;
      if (n > 0 && !(n < CHUNK_ENTRIES && len + vl <= CHUNK_BYTES)) {
        this.putBytesChunk(buf, w, n, last);
        w = 1;
        n = 0;
        len = 1;
        last = null;
      }
      if (w + vl + 8 > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, w + vl + 8));
        grown.set(buf.subarray(0, w));
        buf = grown;
        if (grown.length <= SCRATCH_MAX) scratch = grown;
      }
      const w0 = w;
      let l = vl;
      while (l >= 0x80) {
        buf[w++] = 0x80 | (l & 0x7f);
        l = Math.floor(l / 0x80);
      }
      buf[w++] = l;
      // a short element byte by byte: TypedArray#set costs more than the copy at these sizes
      if (vl <= 32) for (let k = 0; k < vl; k++) buf[w + k] = v[k]!;
      else buf.set(v, w);
      w += vl;
      n++;
      len += w - w0;
    }
    if (n > 0) this.putBytesChunk(buf, w, n, last);
    this.size += a.length - from;
  }

  /** Store the chunk of `n` elements whose new ones are packed in buf[1, w): over `last` when it is the reopened last chunk, else after it. */
  private putBytesChunk(buf: Uint8Array, w: number, n: number, last: BStr | null): void {
    if (last !== null) {
      if (w === 1) return; // nothing was added to it
      this.chunks.set(this.chunks.length - 1, [String.fromCharCode(n), last.slice(1), bytesKey(buf.subarray(1, w))].join(''));
    } else {
      buf[0] = n;
      this.chunks.pushBack(bytesKey(buf.subarray(0, w)));
    }
  }

  /** Store the chunk of `n` elements packed in `parts`: over the last chunk when `reopened`, else after it. */
  private putChunk(parts: string[], n: number, reopened: boolean): void {
    if (reopened && parts.length === 1) return; // nothing was added to it
    parts.unshift(String.fromCharCode(n));
    const chunk = parts.join('');
    if (reopened) this.chunks.set(this.chunks.length - 1, chunk);
    else this.chunks.pushBack(chunk);
  }

  pushFront(v: BStr): void {
    const d = this.chunks;
    const first = d.length ? d.at(0) : null;
    if (first !== null && this.roomFor(first, v))
      d.set(0, [String.fromCharCode(count(first) + 1), lenChars(v.length), v, first.slice(1)].join(''));
    else d.pushFront(makeChunk([v], 0, 1));
    this.size++;
  }

  /** Remove and return the head (undefined when empty). */
  popFront(): BStr | undefined {
    const d = this.chunks;
    if (this.size === 0) return undefined;
    const first = d.at(0);
    const r = new ChunkReader(first);
    r.next();
    const v = r.element();
    if (count(first) === 1) d.popFront();
    else d.set(0, [String.fromCharCode(count(first) - 1), first.slice(r.pos)].join(''));
    this.size--;
    return v;
  }

  /** Remove and return the tail (undefined when empty). */
  popBack(): BStr | undefined {
    const d = this.chunks;
    if (this.size === 0) return undefined;
    const last = d.at(d.length - 1);
    const n = count(last);
    const r = new ChunkReader(last);
    let at = 1;
    for (let i = 0; i < n; i++) {
      at = r.pos;
      r.next();
    }
    const v = r.element();
    if (n === 1) d.popBack();
    else d.set(d.length - 1, [String.fromCharCode(n - 1), last.slice(1, at)].join(''));
    this.size--;
    return v;
  }

  /** Chunk index and index within it of element i (in [0, length)), from the nearer end. */
  private locate(i: number): [number, number] {
    const d = this.chunks;
    if (i < this.size / 2) {
      let c = 0;
      while (i >= count(d.at(c))) i -= count(d.at(c++));
      return [c, i];
    }
    let c = d.length - 1;
    let rest = this.size - i; // elements from i to the end
    while (rest > count(d.at(c))) rest -= count(d.at(c--));
    return [c, count(d.at(c)) - rest];
  }

  /** The element at index i (0 = head); i must be in [0, length). */
  at(i: number): BStr {
    const [c, k] = this.locate(i);
    const r = new ChunkReader(this.chunks.at(c));
    for (let j = 0; j <= k; j++) r.next();
    return r.element();
  }

  /** Replace the element at index i (in [0, length)). */
  set(i: number, v: BStr): void {
    const [c, k] = this.locate(i);
    const chunk = this.chunks.at(c);
    const r = new ChunkReader(chunk);
    let at = 1;
    for (let j = 0; j <= k; j++) {
      at = r.pos;
      r.next();
    }
    this.chunks.set(c, [chunk.slice(0, at), lenChars(v.length), v, chunk.slice(r.pos)].join(''));
  }

  /** The elements head to tail as a new array. */
  toArray(): BStr[] {
    const out: BStr[] = new Array(this.size);
    let o = 0;
    const d = this.chunks;
    for (let c = 0; c < d.length; c++) {
      const r = new ChunkReader(d.at(c));
      for (let n = count(r.s); n > 0; n--) {
        r.next();
        out[o++] = r.element();
      }
    }
    return out;
  }

  /** Number of chunks (for writers that walk them: ops/engine-rdb.ts). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /**
   * Chunk i (in [0, chunkCount)): a one-char element count, then each element as a LEB128
   * length (7 bits a char, low group first) and its bytes (see the file comment).
   */
  chunk(i: number): BStr {
    return this.chunks.at(i);
  }

  /** The elements in the record model: views into one new buffer. */
  toRecord(): Uint8Array[] {
    const d = this.chunks;
    let total = 0;
    for (let c = 0; c < d.length; c++) total += d.at(c).length;
    const buf = new Uint8Array(total);
    const out: Uint8Array[] = new Array(this.size);
    let o = 0,
      e = 0;
    for (let c = 0; c < d.length; c++) {
      const r = new ChunkReader(d.at(c));
      const s = r.s;
      for (let n = count(s); n > 0; n--) {
        r.next();
        const start = o;
        for (let p = r.start; p < r.pos; p++) buf[o++] = s.charCodeAt(p);
        out[e++] = buf.subarray(start, o);
      }
    }
    return out;
  }

  /** A copy (COPY): chunks are immutable strings, so they are shared. */
  clone(): PackedList {
    const l = new PackedList();
    l.chunks = Deque.from(this.chunks.toArray());
    l.size = this.size;
    return l;
  }

  /** Replace the whole content with `items`. */
  replace(items: readonly BStr[]): void {
    const chunks: BStr[] = [];
    let from = 0;
    while (from < items.length) {
      let to = from + 1;
      let bytes = 1 + items[from]!.length + 1;
      while (to < items.length && to - from < CHUNK_ENTRIES && bytes + items[to]!.length + 1 <= CHUNK_BYTES)
        bytes += items[to++]!.length + 1;
      chunks.push(makeChunk(items, from, to));
      from = to;
    }
    this.chunks = Deque.from(chunks);
    this.size = items.length;
  }
}
