/**
 * Ziplist blobs (Redis ziplist.c; ../shared/FORMATS.md §6.1, checks from §10). Used by RDB
 * types 10, 12, 13 and the nodes of type 14 (quicklist v1), i.e. files of RDB version <= 9.
 *
 * Buffering model: a ziplist arrives as one RDB string and is read whole. `base` is the
 * absolute file offset of blob[0], only used for error offsets. Strings are subarray views.
 *
 * Layout: u32 LE zlbytes, u32 LE zltail (offset of the last entry), u16 LE zllen (65535 =
 * unknown), entries, 0xFF. Entry = prevlen (1 byte if < 254, else 0xFE + u32 LE), encoding
 * (strings: 6-bit / 14-bit BE / 32-bit BE lengths; ints: C0 int16, D0 int32, E0 int64,
 * F0 int24, FE int8, F1..FD immediates 0..12), data.
 */

import { ByteWriter } from '../bytes/writer.js';
import { CorruptError } from '../errors.js';
import { parseCanonicalInt } from '../model/bytes.js';
import { type LpValue, lpValueBytes } from './listpack.js';

const HEADER = 10;
const COUNT_UNKNOWN = 65535;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function bad(base: number, at: number, message: string): CorruptError {
  return new CorruptError('rdb', 'RDB_BAD_ZIPLIST', base + at, message);
}

function int64Value(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Walk a ziplist with Redis's always-on deep checks (ziplistValidateIntegrity), calling `each` per entry. */
function walk(blob: Uint8Array, base: number, each: ((v: LpValue) => void) | null): number {
  const size = blob.length;
  if (size < HEADER + 1) throw bad(base, 0, `ziplist of ${size} bytes is shorter than its 11-byte minimum`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const zlbytes = view.getUint32(0, true);
  if (zlbytes !== size) throw bad(base, 0, `ziplist header says ${zlbytes} bytes, the string holds ${size}`);
  const last = size - 1;
  if (blob[last] !== 0xff) throw bad(base, last, 'ziplist does not end with the 0xFF terminator');
  const zltail = view.getUint32(4, true);
  if (zltail > last) throw bad(base, 4, `ziplist tail offset ${zltail} is past the end (${size} bytes)`);
  const declared = view.getUint16(8, true);
  let p = HEADER;
  let prev = -1; // start of the previous entry
  let prevSize = 0;
  let count = 0;
  while (blob[p] !== 0xff) {
    const start = p;
    // prevlen: the first byte picks the form (0xFE = 5 bytes), not the value.
    let prevlen: number;
    if (blob[p]! < 0xfe) {
      prevlen = blob[p]!;
      p += 1;
    } else {
      if (p + 5 > last) throw bad(base, start, 'ziplist entry prevlen runs past the terminator');
      prevlen = view.getUint32(p + 1, true);
      p += 5;
    }
    if (p >= last) throw bad(base, start, 'ziplist entry encoding runs past the terminator');
    const b = blob[p]!;
    let hdr: number;
    let len = 0;
    let isStr = true;
    switch (b >> 6) {
      case 0:
        hdr = 1;
        len = b & 0x3f;
        break;
      case 1:
        if (p + 2 > last) throw bad(base, start, 'ziplist string length runs past the terminator');
        hdr = 2;
        len = ((b & 0x3f) << 8) | blob[p + 1]!;
        break;
      case 2:
        if (p + 5 > last) throw bad(base, start, 'ziplist string length runs past the terminator');
        hdr = 5;
        len = view.getUint32(p + 1, false);
        break;
      default:
        isStr = false;
        hdr = 1;
        if (b === 0xc0) len = 2;
        else if (b === 0xd0) len = 4;
        else if (b === 0xe0) len = 8;
        else if (b === 0xf0) len = 3;
        else if (b === 0xfe) len = 1;
        else if (b >= 0xf1 && b <= 0xfd) len = 0;
        else throw bad(base, p, `invalid ziplist entry encoding byte 0x${b.toString(16)}`);
    }
    const dataAt = p + hdr;
    const end = dataAt + len;
    if (end > last) throw bad(base, start, `ziplist entry of ${end - start} bytes runs past the terminator`);
    if (prevlen !== prevSize)
      throw bad(base, start, `ziplist entry prevlen ${prevlen} does not match the previous entry's size ${prevSize}`);
    if (!each) {
      /* validation only */
    } else if (isStr) each(blob.subarray(dataAt, end));
    else if (b === 0xc0) each(view.getInt16(dataAt, true));
    else if (b === 0xd0) each(view.getInt32(dataAt, true));
    else if (b === 0xe0) each(int64Value(view.getBigInt64(dataAt, true)));
    else if (b === 0xf0) {
      const u = blob[dataAt]! | (blob[dataAt + 1]! << 8) | (blob[dataAt + 2]! << 16);
      each(u >= 0x800000 ? u - 0x1000000 : u);
    } else if (b === 0xfe) each(view.getInt8(dataAt));
    else each((b & 0x0f) - 1);
    prev = start;
    prevSize = end - start;
    p = end;
    count++;
  }
  if (p !== last) throw bad(base, p, `ziplist end marker found at byte ${p}, ${last - p} bytes before the end`);
  if (prev !== -1 && prev !== zltail) throw bad(base, 4, `ziplist tail offset ${zltail} is not the last entry's offset ${prev}`);
  if (declared !== COUNT_UNKNOWN && declared !== count) {
    throw bad(base, 8, `ziplist header counts ${declared} entries, found ${count}`);
  }
  return count;
}

/** Validate a ziplist as decodeZiplist does, without materializing entries; returns the entry count. */
export function validateZiplist(blob: Uint8Array, base: number): number {
  return walk(blob, base, null);
}

/** Decode every entry; `base` = absolute file offset of blob[0], used in CorruptError offsets. */
export function decodeZiplistValues(blob: Uint8Array, base: number): LpValue[] {
  const out: LpValue[] = [];
  walk(blob, base, (v) => out.push(v));
  return out;
}

/** Same, ints rendered as decimal ASCII bytes. */
export function decodeZiplist(blob: Uint8Array, base: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  walk(blob, base, (v) => out.push(lpValueBytes(v)));
  return out;
}

/** The integer an item is stored as (zipTryEncoding: canonical int64 strings), or null for a string. */
function asInt(v: LpValue): bigint | null {
  if (v instanceof Uint8Array) return v.length > 0 && v.length < 32 ? parseCanonicalInt(v) : null;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`ziplist integer ${v} is not a safe integer`);
    return BigInt(v);
  }
  if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`ziplist integer ${v} is outside int64`);
  return v;
}

/** Write an entry's encoding and data; returns nothing, the caller measures. */
function writeEntryBody(w: ByteWriter, v: LpValue): void {
  const big = asInt(v);
  if (big !== null) {
    if (big >= 0n && big <= 12n) {
      w.u8(0xf1 + Number(big));
      return;
    }
    if (big >= -128n && big <= 127n) {
      w.u8(0xfe).u8(Number(big) & 0xff);
      return;
    }
    if (big >= -32768n && big <= 32767n) {
      w.u8(0xc0).i16le(Number(big));
      return;
    }
    if (big >= -8388608n && big <= 8388607n) {
      const u = Number(big) & 0xffffff;
      w.u8(0xf0)
        .u8(u & 0xff)
        .u8((u >> 8) & 0xff)
        .u8(u >> 16);
      return;
    }
    if (big >= -2147483648n && big <= 2147483647n) {
      w.u8(0xd0).i32le(Number(big));
      return;
    }
    w.u8(0xe0).i64leBig(big);
    return;
  }
  const s = v as Uint8Array;
  const len = s.length;
  if (len <= 0x3f) w.u8(len);
  else if (len <= 0x3fff) w.u8(0x40 | (len >> 8)).u8(len & 0xff);
  else w.u8(0x80).u32be(len);
  w.bytes(s);
}

/**
 * Encode as Redis >= 3.2 (RDB >= 6 int forms) would: canonical int64 strings become int
 * entries (immediates 0..12, int8, int16, int24, int32, int64), prevlen 1 or 5 bytes.
 */
export function encodeZiplist(items: readonly LpValue[]): Uint8Array {
  const w = new ByteWriter(64);
  w.u32le(0).u32le(0).u16le(0);
  let prevSize = 0;
  let tail = HEADER;
  for (const v of items) {
    const start = w.length;
    tail = start;
    if (prevSize < 254) w.u8(prevSize);
    else w.u8(0xfe).u32le(prevSize);
    writeEntryBody(w, v);
    prevSize = w.length - start;
  }
  w.u8(0xff);
  if (w.length > 0xffffffff) throw new RangeError(`ziplist of ${w.length} bytes exceeds 4 GiB`);
  w.patchU32le(0, w.length);
  w.patchU32le(4, tail);
  w.patchU16le(8, Math.min(items.length, COUNT_UNKNOWN));
  return w.take();
}

/** Size in bytes of one entry as encodeZiplist writes it after an entry of `prevSize` bytes. */
export function ziplistEntrySize(v: LpValue, prevSize: number): number {
  const pl = prevSize < 254 ? 1 : 5;
  const big = asInt(v);
  if (big !== null) {
    if (big >= 0n && big <= 12n) return pl + 1;
    if (big >= -128n && big <= 127n) return pl + 2;
    if (big >= -32768n && big <= 32767n) return pl + 3;
    if (big >= -8388608n && big <= 8388607n) return pl + 4;
    if (big >= -2147483648n && big <= 2147483647n) return pl + 5;
    return pl + 9;
  }
  const len = (v as Uint8Array).length;
  return pl + (len <= 0x3f ? 1 : len <= 0x3fff ? 2 : 5) + len;
}
