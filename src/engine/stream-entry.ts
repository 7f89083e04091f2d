/**
 * A stream entry held as ONE byte string (BStr): its ID as 16 big-endian bytes (ms, then seq),
 * then its fields and values alternating, each a LEB128 length (7 bits a char, low group first)
 * and its bytes. One string per entry instead of an entry object, an ID object, two BigInts, an
 * array and a string per field and value: the engine holds millions of entries.
 *
 * Because the ID leads, big-endian, entries sort by ID as strings sort: an entry is >= the
 * 16-char key of an ID exactly when its own ID is >= that ID (a longer string with an equal
 * prefix sorts after it). So the binary search compares strings, never BigInts.
 */
import { bytesKey } from '../model/bytes.js';
import type { StreamId } from '../model/record.js';

/** A packed stream entry (see the file comment). */
export type XEntry = string;

const U32 = 0xffffffffn;
const idBytes = new Uint8Array(16);
const idView = new DataView(idBytes.buffer);

/** IDs up to this are written through numbers (no BigInt shifts and masks: each makes a BigInt). */
const SAFE = 9007199254740991n;
const TWO32 = 4294967296;

function writeId(id: StreamId): void {
  if (id.ms <= SAFE && id.seq <= SAFE) {
    const ms = Number(id.ms);
    const seq = Number(id.seq);
    idView.setUint32(0, Math.floor(ms / TWO32));
    idView.setUint32(4, ms >>> 0);
    idView.setUint32(8, Math.floor(seq / TWO32));
    idView.setUint32(12, seq >>> 0);
    return;
  }
  idView.setUint32(0, Number(id.ms >> 32n));
  idView.setUint32(4, Number(id.ms & U32));
  idView.setUint32(8, Number(id.seq >> 32n));
  idView.setUint32(12, Number(id.seq & U32));
}

/** The 16-char key of an ID: its bytes big-endian, so keys order as IDs do. */
export function idChars(id: StreamId): string {
  writeId(id);
  return bytesKey(idBytes);
}

function u32At(e: XEntry, at: number): number {
  return ((e.charCodeAt(at) << 24) | (e.charCodeAt(at + 1) << 16) | (e.charCodeAt(at + 2) << 8) | e.charCodeAt(at + 3)) >>> 0;
}

function u64At(e: XEntry, at: 0 | 8): bigint {
  const v = idPartNumber(e, at);
  return v >= 0 ? BigInt(v) : (BigInt(u32At(e, at)) << 32n) | BigInt(u32At(e, at + 4));
}

/** An entry's ID ms (at 0) or seq (at 8) as a number when it is below 2^53, else -1. */
export function idPartNumber(e: XEntry, at: 0 | 8): number {
  const hi = u32At(e, at);
  return hi < 0x200000 ? hi * 0x100000000 + u32At(e, at + 4) : -1;
}

/**
 * The [from, to) char ranges of an entry's fields and values, in order, into `r` (two numbers
 * each); returns how many numbers were written.
 */
export function entryRanges(e: XEntry, r: number[]): number {
  let k = 0;
  let pos = 16;
  while (pos < e.length) {
    let len = 0;
    let mul = 1;
    let c: number;
    do {
      c = e.charCodeAt(pos++);
      len += (c & 0x7f) * mul;
      mul *= 0x80;
    } while (c & 0x80);
    r[k++] = pos;
    r[k++] = pos + len;
    pos += len;
  }
  return k;
}

/** entryRecords' ranges of one entry (reused). */
const ranges: number[] = [];

/** An entry's ID. */
export function entryId(e: XEntry): StreamId {
  return { ms: u64At(e, 0), seq: u64At(e, 8) };
}

/** Whether entry `e` has the ID whose key is `key` (idChars). */
export function entryHasKey(e: XEntry, key: string): boolean {
  return e.startsWith(key);
}

/** Index of the first entry with an ID >= `id`. */
export function streamLowerBound(entries: XEntry[], id: StreamId): number {
  const key = idChars(id);
  let lo = 0,
    hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lebSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function putLeb(buf: Uint8Array, o: number, n: number): number {
  while (n >= 0x80) {
    buf[o++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 0x80);
  }
  buf[o++] = n;
  return o;
}

/** Fields up to this many bytes are copied by a loop, longer ones by TypedArray#set. */
const SHORT_COPY = 32;

/** Scratch space entries are built in (one string is made from it). */
let scratch = new Uint8Array(4096);

/** Pack an entry of `id` with fields and values `items[from..]` alternating. */
export function packEntry(id: StreamId, items: Uint8Array[], from = 0): XEntry {
  let total = 16;
  for (let i = from; i < items.length; i++) total += lebSize(items[i]!.length) + items[i]!.length;
  if (total > scratch.length) scratch = new Uint8Array(Math.max(total, scratch.length * 2));
  const buf = scratch;
  writeId(id);
  for (let i = 0; i < 16; i++) buf[i] = idBytes[i]!;
  let o = 16;
  for (let i = from; i < items.length; i++) {
    const b = items[i]!;
    const n = b.length;
    o = putLeb(buf, o, n);
    // a short field byte by byte: TypedArray#set costs more than the copy at these sizes
    if (n <= SHORT_COPY) for (let k = 0; k < n; k++) buf[o + k] = b[k]!;
    else buf.set(b, o);
    o += n;
  }
  return bytesKey(buf.subarray(0, total));
}

/** Entries in the record model: IDs and field/value pairs as views into one buffer per call. */
export function entryRecords(entries: XEntry[]): Array<{ id: StreamId; fields: Array<[Uint8Array, Uint8Array]> }> {
  let total = 0;
  for (const e of entries) total += e.length - 16;
  const buf = new Uint8Array(total);
  const ab = buf.buffer;
  let o = 0;
  const out: Array<{ id: StreamId; fields: Array<[Uint8Array, Uint8Array]> }> = new Array(entries.length);
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    const fields: Array<[Uint8Array, Uint8Array]> = [];
    let field: Uint8Array | null = null;
    const nr = entryRanges(e, ranges);
    for (let i = 0; i < nr; i += 2) {
      const start = o;
      for (let pos = ranges[i]!, end = ranges[i + 1]!; pos < end; pos++) buf[o++] = e.charCodeAt(pos);
      // a view made by the constructor: subarray() costs about twice as much (its species lookup)
      const view = new Uint8Array(ab, start, o - start);
      if (field === null) field = view;
      else {
        fields.push([field, view]);
        field = null;
      }
    }
    out[k] = { id: entryId(e), fields };
  }
  return out;
}

/** A record-model entry packed. */
export function entryFromRecord(e: { id: StreamId; fields: Array<[Uint8Array, Uint8Array]> }): XEntry {
  return packEntry(e.id, e.fields.flat());
}
