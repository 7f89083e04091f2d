/**
 * Intset blobs (Redis intset.c; ../shared/FORMATS.md §6.3). RDB type 11.
 *
 * Buffering model: read whole from one RDB string; `base` is the absolute file offset of
 * blob[0], used only for error offsets.
 *
 * Layout: u32 LE encoding (bytes per element: 2, 4 or 8), u32 LE length, then `length`
 * signed LE integers of that width in strictly ascending order.
 */

import { ByteWriter } from '../bytes/writer.js';
import { CorruptError } from '../errors.js';
import { intBytes } from '../model/bytes.js';

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function bad(base: number, at: number, message: string): CorruptError {
  return new CorruptError('rdb', 'RDB_BAD_INTSET', base + at, message);
}

/** Walk the members in file order, validating as intsetValidateIntegrity (deep) does; returns the count. */
function walk(blob: Uint8Array, base: number, each: ((v: number | bigint) => void) | null): number {
  if (blob.length < 8) throw bad(base, 0, `intset of ${blob.length} bytes is shorter than its 8-byte header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const enc = view.getUint32(0, true);
  if (enc !== 2 && enc !== 4 && enc !== 8) throw bad(base, 0, `invalid intset encoding ${enc} (expected 2, 4 or 8)`);
  const count = view.getUint32(4, true);
  if (count === 0) throw bad(base, 4, 'empty intset');
  if (8 + count * enc !== blob.length) {
    throw bad(base, 4, `intset of ${count} x ${enc}-byte elements needs ${8 + count * enc} bytes, the string holds ${blob.length}`);
  }
  let prev: number | bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * enc;
    const v: number | bigint = enc === 2 ? view.getInt16(at, true) : enc === 4 ? view.getInt32(at, true) : view.getBigInt64(at, true);
    if (prev !== null && !(v > prev)) throw bad(base, at, `intset element ${v} is not greater than the previous ${prev}`);
    prev = v;
    if (each) each(v);
  }
  return count;
}

/** Decode to decimal ASCII members in file order, validating as intsetValidateIntegrity (deep) does. */
export function decodeIntset(blob: Uint8Array, base: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  walk(blob, base, (v) => out.push(intBytes(v)));
  return out;
}

/** Member i of a validated intset (validateIntset): a number, or a bigint past 2^53. */
export function intsetMember(blob: Uint8Array, i: number): number | bigint {
  const enc = blob[0]!;
  const at = 8 + i * enc;
  const lo = blob[at]! | (blob[at + 1]! << 8);
  if (enc === 2) return lo >= 0x8000 ? lo - 0x10000 : lo;
  const i32 = lo | (blob[at + 2]! << 16) | (blob[at + 3]! << 24);
  if (enc === 4) return i32;
  const hi = blob[at + 4]! | (blob[at + 5]! << 8) | (blob[at + 6]! << 16) | (blob[at + 7]! << 24);
  const v = hi * 2 ** 32 + (i32 >>> 0);
  return Number.isSafeInteger(v) ? v : new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getBigInt64(at, true);
}

/** Validate as decodeIntset does without materializing members; returns the member count. */
export function validateIntset(blob: Uint8Array, base: number): number {
  return walk(blob, base, null);
}

/**
 * encodeIntset for members that are all safe integers, as numbers: the common case (a set of
 * ids), without a BigInt per member. The same bytes as encodeIntset of the same values.
 */
export function encodeSafeIntset(values: Float64Array): Uint8Array {
  values.sort();
  let n = 0;
  for (let i = 0; i < values.length; i++) if (n === 0 || values[n - 1] !== values[i]) values[n++] = values[i]!;
  let enc = 2;
  if (n > 0) {
    const lo = values[0]!;
    const hi = values[n - 1]!;
    if (lo < -2147483648 || hi > 2147483647) enc = 8;
    else if (lo < -32768 || hi > 32767) enc = 4;
  }
  const out = new Uint8Array(8 + n * enc);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, enc, true);
  dv.setUint32(4, n, true);
  for (let i = 0, at = 8; i < n; i++, at += enc) {
    const v = values[i]!;
    if (enc === 2) dv.setInt16(at, v, true);
    else if (enc === 4) dv.setInt32(at, v, true);
    else {
      const hi = Math.floor(v / 2 ** 32);
      dv.setUint32(at, v - hi * 2 ** 32, true);
      dv.setInt32(at + 4, hi, true);
    }
  }
  return out;
}

/** Encode: sorts ascending (duplicates dropped, as intsetAdd ignores them), smallest width (2/4/8). */
export function encodeIntset(values: readonly bigint[]): Uint8Array {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const uniq: bigint[] = [];
  for (const v of sorted) {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`intset value ${v} is outside int64`);
    if (uniq.length === 0 || uniq[uniq.length - 1] !== v) uniq.push(v);
  }
  let enc = 2;
  if (uniq.length > 0) {
    const lo = uniq[0]!;
    const hi = uniq[uniq.length - 1]!;
    if (lo < -2147483648n || hi > 2147483647n) enc = 8;
    else if (lo < -32768n || hi > 32767n) enc = 4;
  }
  const w = new ByteWriter(8 + uniq.length * enc);
  w.u32le(enc).u32le(uniq.length);
  for (const v of uniq) {
    if (enc === 2) w.i16le(Number(v));
    else if (enc === 4) w.i32le(Number(v));
    else w.i64leBig(v);
  }
  return w.take();
}
