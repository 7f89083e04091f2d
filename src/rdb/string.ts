/**
 * RDB strings (rdbGenericLoadStringObject / rdbSaveRawString) and the two double forms.
 *
 * A string is a length and raw bytes, or a special encoding: INT8/16/32 (decoded to decimal
 * text, as Redis does) or LZF (clen, ulen, clen compressed bytes inflating to exactly ulen).
 * Returned strings are views into the cursor's buffer (no copy) except LZF and int strings.
 */
import { type Cursor, corrupt, readBytes, readF64LE, readU8, require } from '../bytes/cursor.js';
import { lzfCompress, lzfDecompress } from '../bytes/lzf.js';
import type { ByteWriter } from '../bytes/writer.js';
import { ascii, parseSmallCanonicalInt } from '../model/bytes.js';
import { formatG17 } from '../model/number.js';

export { formatG17 } from '../model/number.js';

import { StringEncoding } from './constants.js';
import { readLength, readLengthOrEncoding, writeLength } from './length.js';

/** Default cap on one string's length (Redis's proto-max-bulk-len defaults to 512 MiB). */
export const DEFAULT_MAX_STRING = 1024 * 1024 * 1024;

/** A reusable buffer for strings that are read only to be validated (LZF output lands here). */
export interface Scratch {
  buf: Uint8Array;
}

/**
 * Read an RDB string. `maxLen` guards allocation against corrupt lengths. With `scratch`, an LZF
 * string is inflated into that buffer and the result is valid only until the next read.
 */
export function readString(r: Cursor, maxLen = DEFAULT_MAX_STRING, scratch?: Scratch): Uint8Array {
  const start = r.pos;
  const l = readLengthOrEncoding(r);
  if (!l.encoded) {
    if (l.value > maxLen) throw corrupt(r, 'RDB_STRING_TOO_LONG', `string length ${l.value} exceeds the limit of ${maxLen} bytes`, start);
    return readBytes(r, l.value, 'a string');
  }
  switch (l.value) {
    case StringEncoding.INT8: {
      require(r, 1);
      const v = r.view.getInt8(r.pos);
      r.pos += 1;
      return ascii(String(v));
    }
    case StringEncoding.INT16: {
      require(r, 2);
      const v = r.view.getInt16(r.pos, true);
      r.pos += 2;
      return ascii(String(v));
    }
    case StringEncoding.INT32: {
      require(r, 4);
      const v = r.view.getInt32(r.pos, true);
      r.pos += 4;
      return ascii(String(v));
    }
    case StringEncoding.LZF: {
      const clen = readLength(r);
      const ulen = readLength(r);
      if (ulen > maxLen) throw corrupt(r, 'RDB_STRING_TOO_LONG', `LZF string length ${ulen} exceeds the limit of ${maxLen} bytes`, start);
      if (clen > maxLen)
        throw corrupt(r, 'RDB_STRING_TOO_LONG', `LZF compressed length ${clen} exceeds the limit of ${maxLen} bytes`, start);
      const dataAt = r.pos;
      const data = readBytes(r, clen, 'LZF data');
      if (scratch && scratch.buf.length < ulen) scratch.buf = new Uint8Array(Math.max(ulen, scratch.buf.length * 2));
      const out = lzfDecompress(data, ulen, scratch?.buf);
      if (typeof out === 'string') throw corrupt(r, 'RDB_BAD_LZF', `invalid LZF data (${out}; clen ${clen}, ulen ${ulen})`, dataAt);
      return out;
    }
    default:
      throw corrupt(r, 'RDB_BAD_STRING_ENCODING', `unknown string encoding ${l.value}`, start);
  }
}

/** Options for writing strings. */
export interface WriteStringOptions {
  /** Try LZF for strings longer than 20 bytes (Redis `rdbcompression yes`). Default true. */
  compress?: boolean;
}

/** Write a string as Redis would: int encoding when canonical and 32-bit, LZF when it saves >= 4 bytes, else raw. */
export function writeString(w: ByteWriter, s: Uint8Array, opts: WriteStringOptions = {}): void {
  if (s.length <= 11 && s.length > 0) {
    const n = parseSmallCanonicalInt(s);
    if (n !== null && n >= -2147483648 && n <= 2147483647) {
      if (n >= -128 && n <= 127) w.u8(0xc0).u8(n & 0xff);
      else if (n >= -32768 && n <= 32767) w.u8(0xc1).i16le(n);
      else w.u8(0xc2).i32le(n);
      return;
    }
  }
  if ((opts.compress ?? true) && s.length > 20) {
    const packed = lzfCompress(s, s.length - 4);
    if (packed) {
      w.u8(0xc3);
      writeLength(w, packed.length);
      writeLength(w, s.length);
      w.bytes(packed);
      return;
    }
  }
  writeLength(w, s.length);
  w.bytes(s);
}

/** Write raw bytes as a plain length-prefixed string (no int/LZF attempt). */
export function writeRawString(w: ByteWriter, s: Uint8Array): void {
  writeLength(w, s.length);
  w.bytes(s);
}

/** Read a "string double" (type 3 zsets): length byte, 253 NaN, 254 +inf, 255 -inf, else ASCII. */
export function readStringDouble(r: Cursor): number {
  const start = r.pos;
  const n = readU8(r);
  if (n === 253) return NaN;
  if (n === 254) return Infinity;
  if (n === 255) return -Infinity;
  const text = readBytes(r, n, 'a double');
  let s = '';
  for (let i = 0; i < text.length; i++) s += String.fromCharCode(text[i]!);
  const v = parseRedisDouble(s);
  if (v === null) throw corrupt(r, 'RDB_BAD_DOUBLE', `invalid double text "${s}"`, start);
  return v;
}

/** Read an 8-byte LE IEEE double (type 5 zsets, module DOUBLE). */
export function readBinaryDouble(r: Cursor): number {
  return readF64LE(r);
}

/** Parse a double as strtod would for Redis's texts ("inf", "-inf", "1.5", "1e+20"). */
export function parseRedisDouble(s: string): number | null {
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** Write a "string double" (type 3) using %.17g text, as every type-3 writer did. */
export function writeStringDouble(w: ByteWriter, v: number): void {
  if (Number.isNaN(v)) {
    w.u8(253);
    return;
  }
  if (v === Infinity) {
    w.u8(254);
    return;
  }
  if (v === -Infinity) {
    w.u8(255);
    return;
  }
  const text = ascii(formatG17(v));
  w.u8(text.length).bytes(text);
}
