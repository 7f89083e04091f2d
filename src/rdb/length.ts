/**
 * RDB length encoding (rdbLoadLen / rdbSaveLen), see constants.ts LengthTag for the bit layout.
 * 32- and 64-bit forms are big-endian. Readers accept non-minimal forms; writers emit the
 * smallest.
 */
import { type Cursor, corrupt, readU8, require } from '../bytes/cursor.js';
import type { ByteWriter } from '../bytes/writer.js';

/** A decoded length byte sequence: either a length or a special string encoding (11xxxxxx). */
export interface LengthOrEncoding {
  encoded: boolean;
  /** The length, or the StringEncoding number when encoded. */
  value: number;
}

/** Read a length or special-encoding marker. 64-bit lengths above 2^53 are corrupt here (see readLengthBig). */
export function readLengthOrEncoding(r: Cursor): LengthOrEncoding {
  const c = readLengthCode(r);
  return c < 0 ? { encoded: true, value: -1 - c } : { encoded: false, value: c };
}

/**
 * readLengthOrEncoding as one number, with no object per read (strings read millions of
 * lengths): the length (>= 0), or -1 - the StringEncoding number for a special encoding.
 */
export function readLengthCode(r: Cursor): number {
  const start = r.pos;
  const b = readU8(r);
  const tag = b >> 6;
  if (tag === 0) return b & 0x3f;
  if (tag === 1) return ((b & 0x3f) << 8) | readU8(r);
  if (tag === 3) return -1 - (b & 0x3f);
  if (b === 0x80) {
    require(r, 4, 'a 32-bit length');
    const v = r.view.getUint32(r.pos, false);
    r.pos += 4;
    return v;
  }
  if (b === 0x81) {
    require(r, 8, 'a 64-bit length');
    const hi = r.view.getUint32(r.pos, false);
    const lo = r.view.getUint32(r.pos + 4, false);
    if (hi > 0x1fffff)
      throw corrupt(r, 'RDB_BAD_LENGTH', `64-bit length too large (0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')})`, start);
    r.pos += 8;
    return hi * 4294967296 + lo;
  }
  throw corrupt(r, 'RDB_BAD_LENGTH_ENCODING', `unknown length encoding byte 0x${b.toString(16)}`, start);
}

/** Read a plain length (a special encoding here is corrupt). */
export function readLength(r: Cursor): number {
  const start = r.pos;
  const c = readLengthCode(r);
  if (c < 0)
    throw corrupt(r, 'RDB_BAD_LENGTH_ENCODING', `expected a length, found string encoding 0x${(0xc0 | (-1 - c)).toString(16)}`, start);
  return c;
}

/** Read a length as an unsigned 64-bit bigint (stream ids, entries-read which may be 2^64-1). */
export function readLengthBig(r: Cursor): bigint {
  const start = r.pos;
  const b = readU8(r);
  const tag = b >> 6;
  if (tag === 0) return BigInt(b & 0x3f);
  if (tag === 1) return BigInt(((b & 0x3f) << 8) | readU8(r));
  if (b === 0x80) {
    require(r, 4, 'a 32-bit length');
    const v = r.view.getUint32(r.pos, false);
    r.pos += 4;
    return BigInt(v);
  }
  if (b === 0x81) {
    require(r, 8, 'a 64-bit length');
    const v = r.view.getBigUint64(r.pos, false);
    r.pos += 8;
    return v;
  }
  throw corrupt(r, 'RDB_BAD_LENGTH_ENCODING', `unknown length encoding byte 0x${b.toString(16)}`, start);
}

/** Write a length in the smallest form. */
export function writeLength(w: ByteWriter, len: number | bigint): void {
  if (typeof len === 'bigint') {
    if (len < 0n) throw new RangeError('negative length');
    if (len > 0xffffffffn) {
      w.u8(0x81).u64beBig(len);
      return;
    }
    len = Number(len);
  }
  if (len < 64) w.u8(len);
  else if (len < 16384) w.u8(0x40 | (len >> 8)).u8(len & 0xff);
  else if (len <= 0xffffffff) w.u8(0x80).u32be(len);
  else w.u8(0x81).u64beBig(BigInt(len));
}
