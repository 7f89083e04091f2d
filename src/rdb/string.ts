/**
 * RDB strings (rdbGenericLoadStringObject / rdbSaveRawString) and the two double forms.
 *
 * A string is a length and raw bytes, or a special encoding: INT8/16/32 (decoded to decimal
 * text, as Redis does) or LZF (clen, ulen, clen compressed bytes inflating to exactly ulen).
 * Returned strings are views into the cursor's buffer (no copy) except LZF and int strings.
 */
import { type Cursor, corrupt, readBytes, readF64LE, readU8, require } from '../bytes/cursor.js';
import { lzfCompress, lzfInflate, lzfValidate } from '../bytes/lzf.js';
import type { ByteWriter } from '../bytes/writer.js';
import { ascii, intBytes, latin1, parseSmallCanonicalInt } from '../model/bytes.js';
import { formatG17 } from '../model/number.js';

export { formatG17 } from '../model/number.js';

import { StringEncoding } from './constants.js';
import { readLength, readLengthCode, writeLength } from './length.js';

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
  return readStringAtom(r, maxLen, scratch, false);
}

/**
 * Read a string that is only validated, its bytes discarded (check mode): the same reads and
 * errors as readString with `scratch`, but an LZF string of more than 20 bytes is walked without
 * being inflated and an integer one is not turned into text. The result tells the string's
 * OBJECT ENCODING as its length does (an integer one is empty, an LZF one past 44 bytes is 45
 * long); its bytes are meaningful only for strings of up to 20 bytes that are not integer-encoded.
 */
export function readDiscardedString(r: Cursor, maxLen: number, scratch: Scratch): Uint8Array {
  return readStringAtom(r, maxLen, scratch, true);
}

function readStringAtom(r: Cursor, maxLen: number, scratch: Scratch | undefined, discard: boolean): Uint8Array {
  const start = r.pos;
  const c = readLengthCode(r);
  if (c >= 0) {
    if (c > maxLen) throw corrupt(r, 'RDB_STRING_TOO_LONG', `string length ${c} exceeds the limit of ${maxLen} bytes`, start);
    return readBytes(r, c, 'a string');
  }
  const enc = -1 - c;
  if (enc === StringEncoding.LZF) return readLzf(r, maxLen, start, scratch, discard);
  const v = readIntEncoded(r, enc, start);
  return discard ? NO_BYTES : intBytes(v);
}

const NO_BYTES = new Uint8Array(0);

/** The longest string Redis keeps as embstr (OBJECT_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_MAX = 44;

/** The integer of an INT8/16/32-encoded string (the length byte read), or a corrupt encoding. */
function readIntEncoded(r: Cursor, enc: number, start: number): number {
  switch (enc) {
    case StringEncoding.INT8: {
      require(r, 1);
      const v = r.view.getInt8(r.pos);
      r.pos += 1;
      return v;
    }
    case StringEncoding.INT16: {
      require(r, 2);
      const v = r.view.getInt16(r.pos, true);
      r.pos += 2;
      return v;
    }
    case StringEncoding.INT32: {
      require(r, 4);
      const v = r.view.getInt32(r.pos, true);
      r.pos += 4;
      return v;
    }
    default:
      throw corrupt(r, 'RDB_BAD_STRING_ENCODING', `unknown string encoding ${enc}`, start);
  }
}

/** An LZF string after its length byte: inflated from the cursor's buffer in place, or (discard) only validated. */
function readLzf(r: Cursor, maxLen: number, start: number, scratch: Scratch | undefined, discard: boolean): Uint8Array {
  const clen = readLength(r);
  const ulen = readLength(r);
  if (ulen > maxLen) throw corrupt(r, 'RDB_STRING_TOO_LONG', `LZF string length ${ulen} exceeds the limit of ${maxLen} bytes`, start);
  if (clen > maxLen) throw corrupt(r, 'RDB_STRING_TOO_LONG', `LZF compressed length ${clen} exceeds the limit of ${maxLen} bytes`, start);
  const dataAt = r.pos;
  require(r, clen, 'LZF data');
  r.pos += clen;
  if (discard && ulen > 20) {
    const failure = lzfValidate(r.buf, dataAt, dataAt + clen, ulen);
    if (failure !== null) throw badLzf(r, failure, clen, ulen, dataAt);
    // nothing was inflated, so the scratch buffer need not grow to ulen: past 44 bytes every length
    // gives the same OBJECT ENCODING (raw), and the scratch buffer starts at 4096 bytes
    return scratch!.buf.subarray(0, Math.min(ulen, EMBSTR_MAX + 1));
  }
  if (scratch && scratch.buf.length < ulen) scratch.buf = new Uint8Array(Math.max(ulen, scratch.buf.length * 2));
  const out = lzfInflate(r.buf, dataAt, dataAt + clen, ulen, scratch?.buf);
  if (typeof out === 'string') throw badLzf(r, out, clen, ulen, dataAt);
  return out;
}

function badLzf(r: Cursor, failure: string, clen: number, ulen: number, at: number): Error {
  return corrupt(r, 'RDB_BAD_LZF', `invalid LZF data (${failure}; clen ${clen}, ulen ${ulen})`, at);
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
  require(r, n, 'a double');
  const at = r.pos;
  r.pos += n;
  const v = parseRedisDoubleBytes(r.buf, at, at + n);
  if (v === null) throw corrupt(r, 'RDB_BAD_DOUBLE', `invalid double text "${latin1(r.buf.subarray(at, at + n))}"`, start);
  return v;
}

/** Read an 8-byte LE IEEE double (type 5 zsets, module DOUBLE). */
export function readBinaryDouble(r: Cursor): number {
  return readF64LE(r);
}

/** The words parseRedisDoubleBytes takes for infinities and NaN (any letter case), and what they are. */
const DOUBLE_WORDS: ReadonlyArray<[string, number]> = [
  ['inf', Infinity],
  ['+inf', Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-inf', -Infinity],
  ['-infinity', -Infinity],
  ['nan', NaN],
  ['-nan', NaN],
];

/**
 * Parse a double as strtod would for Redis's texts ("inf", "-inf", "1.5", "1e+20"): the Latin-1
 * text b[from..to), scanned as bytes, a decimal matching
 * /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/ (a number of up to 15 digits and no exponent is computed
 * directly, others by Number()), or one of the words, or null.
 */
export function parseRedisDoubleBytes(b: Uint8Array, from: number, to: number, exact = true): number | null {
  let i = from;
  const c0 = from < to ? b[from] : undefined;
  if (c0 === 0x2b || c0 === 0x2d) i++;
  const intAt = i;
  // the digits before and after the point as one integer (exact while they are 15 or fewer)
  let m = 0;
  while (i < to && b[i]! >= 0x30 && b[i]! <= 0x39) m = m * 10 + (b[i++]! - 0x30);
  const intDigits = i - intAt;
  if (i === to && intDigits > 0 && intDigits <= 15) return c0 === 0x2d ? -m : m;
  let fracDigits = 0;
  if (i < to && b[i] === 0x2e) {
    i++;
    const fracAt = i;
    while (i < to && b[i]! >= 0x30 && b[i]! <= 0x39) m = m * 10 + (b[i++]! - 0x30);
    fracDigits = i - fracAt;
  }
  if (intDigits === 0 && fracDigits === 0) return doubleWord(b, from, to);
  // Clinger's fast path: an integer below 2^53 over an exact power of ten is one correctly
  // rounded division, the double the text names (Number() of 200k such texts took 44 ms, this 7)
  if (i === to && intDigits + fracDigits <= 15) return c0 === 0x2d ? -(m / POW10[fracDigits]!) : m / POW10[fracDigits]!;
  if (i < to && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < to && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const expAt = i;
    while (i < to && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    if (i === expAt) return null;
  }
  if (i !== to) return null;
  // a text that got here is a decimal: Number() gives it a value, never NaN
  return exact ? Number(latin1(b, from, to)) : 0;
}

/**
 * Whether parseRedisDoubleBytes gives a number other than NaN for b[from..to), decided without
 * computing a value it would have to make a text for (check mode validates scores it never uses).
 */
export function redisDoubleValid(b: Uint8Array, from: number, to: number): boolean {
  const v = parseRedisDoubleBytes(b, from, to, false);
  return v !== null && !Number.isNaN(v);
}

/** 10^0 .. 10^15, each exact as a double. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

function doubleWord(b: Uint8Array, from: number, to: number): number | null {
  const n = to - from;
  for (const [word, value] of DOUBLE_WORDS) {
    if (word.length !== n) continue;
    let k = 0;
    // ASCII letters fold to lower case (toLowerCase maps no other Latin-1 byte to ASCII)
    while (k < n && (b[from + k]! | (b[from + k]! >= 0x41 && b[from + k]! <= 0x5a ? 0x20 : 0)) === word.charCodeAt(k)) k++;
    if (k === n) return value;
  }
  return null;
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
