/**
 * Listpack blobs (Redis listpack.c; ../shared/FORMATS.md §6.2, checks from §10).
 *
 * Buffering model: a listpack is always read whole (it arrives as one RDB string), so these
 * are plain functions over one Uint8Array. `base` is the absolute file offset of blob[0] and
 * is only used for error offsets. Decoded strings are subarray views of the blob.
 *
 * Layout: u32 LE total bytes, u16 LE element count (65535 = unknown), elements, 0xFF.
 * Element = encoding+data (size L) then backlen (L in 7-bit groups, most significant first,
 * every byte but the first with bit 7 set; 1..5 bytes chosen from L).
 */

import { ByteWriter } from '../bytes/writer.js';
import { CorruptError } from '../errors.js';
import { bytesHash, intBytes, parseCanonicalInt, parseSmallCanonicalInt, writeIntText } from '../model/bytes.js';
import type { HashField } from '../model/record.js';
import { parseRedisDoubleBytes, redisDoubleValid } from './string.js';

/** A listpack element: bytes, or an integer (number when |v| <= 2^53-1, else bigint). */
export type LpValue = Uint8Array | number | bigint;

const HEADER = 6;
const COUNT_UNKNOWN = 65535;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function bad(base: number, at: number, message: string): CorruptError {
  return new CorruptError('rdb', 'RDB_BAD_LISTPACK', base + at, message);
}

/** Bytes the backlen takes for an entry of encoding+data size L (strict "<" thresholds). */
export function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function int64Value(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * What walk does with each element besides validating it: nothing; push it to `out` as an
 * LpValue; push it as bytes (integers as their decimal text); note where it is (elStart/elLen,
 * integers as text in intText; WhereNames: of the second element of each pair, an integer only
 * as one), for duplicate checks without an object per element; or pair it
 * with the element before it, as hash fields ({ field, value }) or zset members ([member, score]),
 * without an array of the elements in between.
 */
const Each = { None: 0, Value: 1, Bytes: 2, Where: 3, Fields: 4, Members: 5, WhereNames: 6 } as const;
type Each = (typeof Each)[keyof typeof Each];

/**
 * Walk a listpack, validating as Redis's deep lpValidateIntegrity does, and hand every element
 * (a view or an integer) over as `mode` says. Returns the element count.
 */
function walk(blob: Uint8Array, base: number, mode: Each, out: unknown[] | null, placeholder?: Uint8Array): number {
  const size = blob.length;
  if (size < HEADER + 1) throw bad(base, 0, `listpack of ${size} bytes is shorter than its 7-byte minimum`);
  // header and lengths from bytes (no DataView per listpack)
  const total = u32At(blob, 0);
  if (total !== size) throw bad(base, 0, `listpack header says ${total} bytes, the string holds ${size}`);
  if (blob[size - 1] !== 0xff) throw bad(base, size - 1, 'listpack does not end with the 0xFF terminator');
  const declared = blob[4]! | (blob[5]! << 8);
  const last = size - 1; // index of the terminator: every element must end at or before it
  let p = HEADER;
  let count = 0;
  // Value and Bytes store element k at out[at + k]: Value from 0 (a reused array is overwritten,
  // not emptied and grown again), Bytes after what out holds
  const at = out === null || mode !== Each.Bytes ? 0 : out.length;
  textAt = 0;
  pending = null;
  badScore = false;
  while (blob[p] !== 0xff) {
    const start = p;
    const b = blob[p]!;
    let hdr: number;
    let len = 0; // string payload length, or int data bytes
    let isStr = false;
    if (b < 0x80) hdr = 1;
    else if ((b & 0xc0) === 0x80) {
      hdr = 1;
      len = b & 0x3f;
      isStr = true;
    } else if ((b & 0xe0) === 0xc0) {
      hdr = 2;
    } else if ((b & 0xf0) === 0xe0) {
      hdr = 2;
      isStr = true;
    } else if (b === 0xf0) {
      hdr = 5;
      isStr = true;
    } else if (b === 0xf1) {
      hdr = 1;
      len = 2;
    } else if (b === 0xf2) {
      hdr = 1;
      len = 3;
    } else if (b === 0xf3) {
      hdr = 1;
      len = 4;
    } else if (b === 0xf4) {
      hdr = 1;
      len = 8;
    } else throw bad(base, start, `invalid listpack element encoding byte 0x${b.toString(16)}`);
    if (start + hdr > last) throw bad(base, start, 'listpack element header runs past the terminator');
    if ((b & 0xf0) === 0xe0) len = ((b & 0x0f) << 8) | blob[p + 1]!;
    else if (b === 0xf0) len = u32At(blob, p + 1);
    const l = hdr + len;
    const blen = backlenSize(l);
    if (start + l + blen > last) throw bad(base, start, `listpack element of ${l + blen} bytes runs past the terminator`);
    // Decode the backlen right-to-left as lpDecodeBacklen does (up to 5 bytes while bit 7 is set);
    // a one-byte backlen (elements up to 127 bytes: nearly all) is the byte itself.
    let bl = blob[start + l + blen - 1]!;
    if (bl & 0x80) {
      bl = 0;
      let mul = 1;
      for (let i = start + l + blen - 1; ; i--) {
        const byte = blob[i]!;
        bl += (byte & 0x7f) * mul;
        if (!(byte & 0x80)) break;
        mul *= 128;
        if (mul > 2 ** 28) {
          bl = -1;
          break;
        }
      }
    }
    if (bl !== l) throw bad(base, start + l, `listpack element backlen does not match its size ${l}`);
    if (mode === Each.Fields || mode === Each.Members) {
      const el: LpValue = isStr ? blob.subarray(start + hdr, start + l) : intAt(blob, p, b);
      if (count % 2 === 0) pending = el;
      else if (mode === Each.Fields) out!.push({ field: lpValueBytes(pending!), value: lpValueBytes(el) });
      else {
        // integral scores are stored as integer entries; others as their text
        const score = el instanceof Uint8Array ? parseRedisDoubleBytes(el, 0, el.length) : Number(el);
        if (score === null || Number.isNaN(score)) badScore = true;
        out!.push([lpValueBytes(pending!), score ?? 0]);
      }
    } else if (mode !== Each.None) {
      const noting = mode === Each.Where || mode === Each.WhereNames;
      if (isStr && !noting) out![at + count] = placeholder ?? blob.subarray(start + hdr, start + l);
      else if (isStr) where(count, start + hdr, len);
      else if (mode === Each.WhereNames && (count & 1) === 1) where(count, -1, 0);
      else {
        const v = intAt(blob, p, b);
        if (mode === Each.Value) out![at + count] = v;
        else if (mode === Each.Bytes) out![at + count] = intBytes(v);
        else whereInt(count, v);
      }
    }
    p = start + l + blen;
    count++;
  }
  if (p !== last) throw bad(base, p, `listpack terminator found at byte ${p}, ${last - p} bytes before the end`);
  if (declared !== COUNT_UNKNOWN && declared !== count) {
    throw bad(base, 4, `listpack header counts ${declared} elements, found ${count}`);
  }
  return count;
}

/** The integer of the element at p whose encoding byte b is an integer encoding. */
function intAt(blob: Uint8Array, p: number, b: number): number | bigint {
  if (b < 0x80) return b;
  if ((b & 0xe0) === 0xc0) {
    const u = ((b & 0x1f) << 8) | blob[p + 1]!;
    return u >= 4096 ? u - 8192 : u;
  }
  return wideIntAt(blob, p, b);
}

/** The u32 little-endian at b[p]. */
function u32At(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 2 ** 24;
}

/**
 * The element lpElementAt read last: a string at blob[from, to), or (from = -1) the integer `int`.
 * One object reused, so a walk of a validated listpack makes none per element.
 */
export const lpElement = { from: 0, to: 0, int: 0 as number | bigint };

/**
 * Read the element at p of a listpack that was validated (scanListpack, validateListpack) into
 * lpElement; returns where the next element starts (the terminator after the last). The first
 * element is at LISTPACK_FIRST.
 */
export function lpElementAt(blob: Uint8Array, p: number): number {
  const b = blob[p]!;
  const el = lpElement;
  let l: number;
  if (b < 0x80) {
    el.from = -1;
    el.int = b;
    l = 1;
  } else if ((b & 0xc0) === 0x80) {
    el.from = p + 1;
    l = 1 + (b & 0x3f);
  } else if ((b & 0xe0) === 0xc0) {
    el.from = -1;
    const u = ((b & 0x1f) << 8) | blob[p + 1]!;
    el.int = u >= 4096 ? u - 8192 : u;
    l = 2;
  } else if ((b & 0xf0) === 0xe0) {
    el.from = p + 2;
    l = 2 + (((b & 0x0f) << 8) | blob[p + 1]!);
  } else if (b === 0xf0) {
    el.from = p + 5;
    l = 5 + (blob[p + 1]! | (blob[p + 2]! << 8) | (blob[p + 3]! << 16)) + blob[p + 4]! * 2 ** 24;
  } else {
    el.from = -1;
    el.int = wideIntAt(blob, p, b);
    l = b === 0xf1 ? 3 : b === 0xf2 ? 4 : b === 0xf3 ? 5 : 9;
  }
  el.to = p + l;
  return p + l + (l <= 127 ? 1 : backlenSize(l));
}

/** intAt for the encodings 0xF1-0xF4 (16 to 64 bits), without a DataView. */
function wideIntAt(blob: Uint8Array, p: number, b: number): number | bigint {
  const lo = blob[p + 1]! | (blob[p + 2]! << 8);
  if (b === 0xf1) return lo >= 0x8000 ? lo - 0x10000 : lo;
  if (b === 0xf2) {
    const u = lo | (blob[p + 3]! << 16);
    return u >= 0x800000 ? u - 0x1000000 : u;
  }
  const i32 = lo | (blob[p + 3]! << 16) | (blob[p + 4]! << 24);
  if (b === 0xf3) return i32;
  const hi = blob[p + 5]! | (blob[p + 6]! << 8) | (blob[p + 7]! << 16) | (blob[p + 8]! << 24);
  const v = hi * 2 ** 32 + (i32 >>> 0);
  if (Number.isSafeInteger(v)) return v;
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getBigInt64(p + 1, true);
}

/** Where a listpack's first element starts (after its 6-byte header). */
export const LISTPACK_FIRST = HEADER;

/** The first element of the pair being read (Each.Fields, Each.Members). */
let pending: LpValue | null = null;
/** Whether an Each.Members walk met a score that is not a number. */
let badScore = false;

/**
 * Where the elements of the last Each.Where walk are: element i is blob[elStart[i], +elLen[i]),
 * or, when elStart[i] < 0, intText[-1 - elStart[i], +elLen[i]) (an integer as its decimal text).
 */
let elStart = new Int32Array(256);
let elLen = new Int32Array(256);
let intText = new Uint8Array(1024);
let textAt = 0;

function where(i: number, start: number, len: number): void {
  if (i >= elStart.length) {
    const s = new Int32Array(elStart.length * 2);
    s.set(elStart);
    elStart = s;
    const l = new Int32Array(elLen.length * 2);
    l.set(elLen);
    elLen = l;
  }
  elStart[i] = start;
  elLen[i] = len;
}

function whereInt(i: number, v: number | bigint): void {
  if (textAt + 20 > intText.length) {
    const t = new Uint8Array(intText.length * 2);
    t.set(intText);
    intText = t;
  }
  const n = writeIntText(v, intText, textAt);
  where(i, -1 - textAt, n);
  textAt += n;
}

/** Validate a listpack as decodeListpack does, without materializing elements; returns the element count. */
export function validateListpack(blob: Uint8Array, base: number): number {
  return walk(blob, base, Each.None, null);
}

/**
 * Validate a listpack as decodeListpack does and note where its elements are, without making an
 * object per element (check mode): the element count, then listpackDuplicate and
 * listpackScoresValid read the elements found. With `pairs` (a hash's or a zset's name, value,
 * ...), an integer in second place (a value or a score) is noted as an integer without its text,
 * which nothing reads.
 */
export function scanListpack(blob: Uint8Array, base: number, pairs = false): number {
  return walk(blob, base, pairs ? Each.WhereNames : Each.Where, null);
}

/**
 * Among the elements first, first + stride, ... (< count) of the listpack last scanned (`blob`),
 * the first that equals an earlier one, as bytes (a copy), or null: findDuplicate's answer for
 * those elements, integers compared as their text (as lpGet gives them).
 */
export function listpackDuplicate(blob: Uint8Array, count: number, first: number, stride: number): Uint8Array | null {
  const n = first < count ? Math.floor((count - first - 1) / stride) + 1 : 0;
  if (n < 2) return null;
  let size = 16;
  while (size < n * 2) size <<= 1;
  if (dupSlots.length < size) dupSlots = new Int32Array(size);
  else dupSlots.fill(0, 0, size);
  const mask = size - 1;
  for (let i = first; i < count; i += stride) {
    const s = elStart[i]!;
    const len = elLen[i]!;
    const src = s < 0 ? intText : blob;
    const at = s < 0 ? -1 - s : s;
    let slot = bytesHash(src, at, at + len) & mask;
    for (;;) {
      const j = dupSlots[slot]!;
      if (j === 0) {
        dupSlots[slot] = i + 1;
        break;
      }
      if (sameElement(blob, j - 1, src, at, len)) return src.slice(at, at + len);
      slot = (slot + 1) & mask;
    }
  }
  return null;
}

let dupSlots = new Int32Array(256);

function sameElement(blob: Uint8Array, j: number, src: Uint8Array, at: number, len: number): boolean {
  if (elLen[j] !== len) return false;
  const s = elStart[j]!;
  const other = s < 0 ? intText : blob;
  const o = s < 0 ? -1 - s : s;
  for (let k = 0; k < len; k++) if (other[o + k] !== src[at + k]) return false;
  return true;
}

/**
 * Whether the elements 1, 3, 5, ... of the listpack last scanned are valid zset scores (not NaN).
 * With `scores`, the value of each score stored as text goes to scores[i >> 1] (integer scores
 * are left out: their digits are at hand).
 */
export function listpackScoresValid(blob: Uint8Array, count: number, scores?: Float64Array): boolean {
  for (let i = 1; i < count; i += 2) {
    const s = elStart[i]!;
    if (s < 0) continue; // an integer score
    if (!scores) {
      if (!redisDoubleValid(blob, s, s + elLen[i]!)) return false;
      continue;
    }
    const v = parseRedisDoubleBytes(blob, s, s + elLen[i]!);
    if (v === null || Number.isNaN(v)) return false;
    scores[i >> 1] = v;
  }
  return true;
}

/** Decode every element; `base` = absolute file offset of blob[0], used in CorruptError offsets. */
export function decodeListpackValues(blob: Uint8Array, base: number): LpValue[] {
  const out: LpValue[] = [];
  walk(blob, base, Each.Value, out);
  return out;
}

/**
 * For a validating reader that drops the elements at once: every element into `into` (reused from
 * one listpack to the next, never emptied: emptying it freed its storage, and refilling a stream
 * node's ~1,000 elements grew it again, 300 MB of allocation for big.rdb's streams), string
 * elements as `placeholder`. Returns the element count n; into[n] is undefined (past the last,
 * as in an array of n).
 */
export function readListpackValuesInto(blob: Uint8Array, base: number, placeholder: Uint8Array, into: Array<LpValue | undefined>): number {
  const n = walk(blob, base, Each.Value, into as unknown[], placeholder);
  into[n] = undefined;
  return n;
}

/** An element as bytes: integers as their decimal ASCII text (as Redis lpGet does). */
export function lpValueBytes(v: LpValue): Uint8Array {
  return v instanceof Uint8Array ? v : intBytes(v);
}

/** Same, ints rendered as decimal ASCII bytes (as Redis lpGet does). */
export function decodeListpack(blob: Uint8Array, base: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  walk(blob, base, Each.Bytes, out);
  return out;
}

/** decodeListpack appending to `out` (a list's elements, node after node); returns the count added. */
export function appendListpack(blob: Uint8Array, base: number, out: Uint8Array[]): number {
  return walk(blob, base, Each.Bytes, out);
}

/**
 * A listpack of field, value, field, value... decoded (as decodeListpack) straight into hash
 * fields, or null when it holds an odd number of elements.
 */
export function decodeListpackFields(blob: Uint8Array, base: number): HashField[] | null {
  const out: HashField[] = [];
  return walk(blob, base, Each.Fields, out) % 2 ? null : out;
}

/**
 * A listpack of member, score, member, score... decoded straight into zset members: the members,
 * 'odd' for an odd element count, or 'bad-score' when a score is not a number (neither a Redis
 * double text nor an integer entry, or NaN); a walk error comes first, as with decodeListpackValues.
 */
export function decodeListpackMembers(blob: Uint8Array, base: number): Array<[Uint8Array, number]> | 'odd' | 'bad-score' {
  const out: Array<[Uint8Array, number]> = [];
  if (walk(blob, base, Each.Members, out) % 2) return 'odd';
  return badScore ? 'bad-score' : out;
}

/** The integer an item is stored as, or null when it is stored as a string. */
function asInt(v: LpValue): bigint | number | null {
  if (v instanceof Uint8Array) {
    // up to 15 digits without a BigInt (the same value: below 2^53)
    if (v.length <= 15) return parseSmallCanonicalInt(v);
    const n = parseCanonicalInt(v);
    return n === null ? null : int64Value(n);
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`listpack integer ${v} is not a safe integer`);
    return v;
  }
  if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`listpack integer ${v} is outside int64`);
  return int64Value(v);
}

/** Write an entry's backlen: `l` in 7-bit groups, most significant first, every byte but the first with bit 7. */
export function writeBacklen(w: ByteWriter, l: number): void {
  if (l <= 127) w.u8(l);
  else if (l < 16383) w.u8(l >> 7).u8((l & 0x7f) | 0x80);
  else if (l < 2097151)
    w.u8(l >> 14)
      .u8(((l >> 7) & 0x7f) | 0x80)
      .u8((l & 0x7f) | 0x80);
  else if (l < 268435455)
    w.u8(l >> 21)
      .u8(((l >> 14) & 0x7f) | 0x80)
      .u8(((l >> 7) & 0x7f) | 0x80)
      .u8((l & 0x7f) | 0x80);
  else
    w.u8(Math.floor(l / 2 ** 28))
      .u8(((l >> 21) & 0x7f) | 0x80)
      .u8(((l >> 14) & 0x7f) | 0x80)
      .u8(((l >> 7) & 0x7f) | 0x80)
      .u8((l & 0x7f) | 0x80);
}

/** Write the encoding byte(s) of a string entry of `len` bytes; returns the entry's size without its backlen. */
export function writeListpackStringHead(w: ByteWriter, len: number): number {
  if (len <= 63) {
    w.u8(0x80 | len);
    return 1 + len;
  }
  if (len <= 4095) {
    w.u8(0xe0 | (len >> 8)).u8(len & 0xff);
    return 2 + len;
  }
  w.u8(0xf0).u32le(len);
  return 5 + len;
}

/**
 * Append one integer element in its smallest form (encoding+data+backlen), straight into the
 * writer: no LpValue, no intermediate bytes. `n` is a safe integer, or a bigint within int64.
 */
export function writeListpackInt(w: ByteWriter, n: number | bigint): void {
  if (typeof n !== 'number') {
    if (n < -9007199254740991n || n > 9007199254740991n) {
      w.u8(0xf4).i64leBig(n);
      writeBacklen(w, 9);
      return;
    }
    n = Number(n);
  }
  if (n >= 0 && n <= 127) {
    w.u8(n);
    writeBacklen(w, 1);
  } else if (n >= -4096 && n <= 4095) {
    const u = n & 0x1fff;
    w.u8(0xc0 | (u >> 8)).u8(u & 0xff);
    writeBacklen(w, 2);
  } else if (n >= -32768 && n <= 32767) {
    w.u8(0xf1).i16le(n);
    writeBacklen(w, 3);
  } else if (n >= -8388608 && n <= 8388607) {
    const u = n & 0xffffff;
    w.u8(0xf2)
      .u8(u & 0xff)
      .u8((u >> 8) & 0xff)
      .u8(u >> 16);
    writeBacklen(w, 4);
  } else if (n >= -2147483648 && n <= 2147483647) {
    w.u8(0xf3).i32le(n);
    writeBacklen(w, 5);
  } else {
    w.u8(0xf4).i64leBig(BigInt(n));
    writeBacklen(w, 9);
  }
}

/** Append one element (encoding+data+backlen) in the smallest form. */
export function writeListpackElement(w: ByteWriter, v: LpValue): void {
  const n = asInt(v);
  if (n !== null) {
    writeListpackInt(w, n);
    return;
  }
  const s = v as Uint8Array;
  const l = writeListpackStringHead(w, s.length);
  w.bytes(s);
  writeBacklen(w, l);
}

/**
 * The writer encodeListpack reuses: each listpack then costs one exact copy (none through
 * encodeListpackView), where a fresh writer grew by doubling from 64 bytes (an allocation and a
 * copy per step, most of them off-heap).
 */
let scratch = new ByteWriter(1 << 12);
/** The last listpack was over 1 MiB: the next one starts on a fresh small buffer. */
let scratchHuge = false;

function encodeIntoScratch(items: readonly LpValue[]): ByteWriter {
  if (scratchHuge) {
    scratch = new ByteWriter(1 << 12); // do not keep a huge listpack's buffer
    scratchHuge = false;
  }
  const w = scratch;
  w.length = 0;
  w.u32le(0).u16le(0);
  for (const v of items) writeListpackElement(w, v);
  w.u8(0xff);
  if (w.length > 0xffffffff) throw new RangeError(`listpack of ${w.length} bytes exceeds 4 GiB`);
  w.patchU32le(0, w.length);
  w.patchU16le(4, Math.min(items.length, COUNT_UNKNOWN));
  scratchHuge = w.length > 1 << 20;
  return w;
}

/** Encode; a Uint8Array that is a canonical int64 (parseCanonicalInt) is stored as an int entry (smallest form). */
export function encodeListpack(items: readonly LpValue[]): Uint8Array {
  return encodeIntoScratch(items).take();
}

/**
 * encodeListpack without its copy: a view of the reused buffer, valid until the next listpack is
 * encoded. For a caller that consumes the bytes at once (writeString copies or compresses them).
 */
export function encodeListpackView(items: readonly LpValue[]): Uint8Array {
  return encodeIntoScratch(items).finish();
}

/** Size in bytes of one element as encodeListpack would write it (for node-size limits). */
export function listpackElementSize(v: LpValue): number {
  const n = asInt(v);
  if (n !== null) {
    if (typeof n !== 'number') return 10;
    if (n >= 0 && n <= 127) return 2;
    if (n >= -4096 && n <= 4095) return 3;
    if (n >= -32768 && n <= 32767) return 4;
    if (n >= -8388608 && n <= 8388607) return 5;
    if (n >= -2147483648 && n <= 2147483647) return 6;
    return 10;
  }
  const len = (v as Uint8Array).length;
  const l = len + (len <= 63 ? 1 : len <= 4095 ? 2 : 5);
  return l + backlenSize(l);
}
