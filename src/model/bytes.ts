/**
 * Byte helpers shared by every layer: Redis keys and values are binary strings, kept as
 * Uint8Array. Text appears only when presenting (JSON, terminal), through these helpers.
 */

// ignoreBOM: a leading EF BB BF is part of the bytes (a decoder drops it by default)
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/** UTF-8 encode a JS string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode bytes as UTF-8, or return null when they are not valid UTF-8. ASCII fast path for short strings. */
export function tryUtf8(bytes: Uint8Array): string | null {
  if (bytes.length < 64) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Decode bytes for display: invalid sequences become U+FFFD. */
export function displayText(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}

/**
 * Latin-1 view (one char per byte) of b[from, to); used for ASCII-only protocol numbers and
 * words. Eight chars per String.fromCharCode: a char at a time, a 17-digit score's text took 17
 * string concatenations (Number() of 200k such texts: 88-117 ms, now 60-78).
 */
export function latin1(b: Uint8Array, from = 0, to = b.length): string {
  let s = '';
  let i = from;
  for (; i + 8 <= to; i += 8) s += String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
  for (; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** ASCII bytes of a JS string whose chars are all < 256 (numbers, protocol words). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** The texts of the small integers intBytes hands out (shared: values are never written to). */
const SMALL_INT_MIN = -128;
const SMALL_INT_MAX = 1023;
const smallInts: Array<Uint8Array | undefined> = new Array(SMALL_INT_MAX - SMALL_INT_MIN + 1);

/**
 * The decimal ASCII text of an integer (as Redis's lpGet gives a listpack integer, or an
 * int-encoded string's value): digits written straight into the array, no JS string on the way;
 * the texts of -128..1023 made once and shared.
 */
export function intBytes(v: number | bigint): Uint8Array {
  if (typeof v === 'bigint' || !Number.isSafeInteger(v)) return ascii(String(v));
  if (v >= SMALL_INT_MIN && v <= SMALL_INT_MAX) {
    let b = smallInts[v - SMALL_INT_MIN];
    if (b === undefined) smallInts[v - SMALL_INT_MIN] = b = ascii(String(v));
    return b;
  }
  const out = new Uint8Array(intTextLength(v));
  writeIntText(v, out, 0);
  return out;
}

/** Bytes of a safe integer's decimal text (int32 comparisons below 2^31, else float divisions). */
function intTextLength(v: number): number {
  const neg = v < 0 ? 1 : 0;
  const a = neg ? -v : v;
  if (a < 0x80000000) return neg + int32Digits(a | 0);
  let n = neg + 1;
  for (let t = a; t >= 10; t = Math.floor(t / 10)) n++;
  return n;
}

/** Decimal digits of 0 <= u < 2^31. */
function int32Digits(u: number): number {
  if (u < 100000) return u < 10 ? 1 : u < 100 ? 2 : u < 1000 ? 3 : u < 10000 ? 4 : 5;
  return u < 1000000 ? 6 : u < 10000000 ? 7 : u < 100000000 ? 8 : u < 1000000000 ? 9 : 10;
}

/**
 * Write an integer's decimal text (at most 20 bytes) at out[at]; returns its length. Below 2^31
 * the digits come from int32 divisions (no float division or % on doubles).
 */
export function writeIntText(v: number | bigint, out: Uint8Array, at: number): number {
  if (typeof v === 'bigint' || !Number.isSafeInteger(v)) {
    const text = String(v);
    for (let k = 0; k < text.length; k++) out[at + k] = text.charCodeAt(k);
    return text.length;
  }
  const neg = v < 0;
  let u = neg ? -v : v;
  if (neg) out[at] = 0x2d;
  const first = at + (neg ? 1 : 0);
  if (u < 0x80000000) {
    let x = u | 0;
    const n = int32Digits(x);
    for (let i = first + n - 1; i > first; i--) {
      const q = (x / 10) | 0;
      out[i] = 0x30 + (x - q * 10);
      x = q;
    }
    out[first] = 0x30 + x;
    return first + n - at;
  }
  const n = intTextLength(v);
  for (let i = at + n - 1; i >= first; i--) {
    out[i] = 0x30 + (u % 10);
    u = Math.floor(u / 10);
  }
  return n;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** memcmp-style ordering (Redis's order for members with equal scores, and for keys). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const fcc = String.fromCharCode;

/**
 * Longer inputs than this go to the installed latin1 decoder, when there is one: bytesKey's
 * explicit cases end here, and past them the decoder (one Buffer reused) took 2-3x less than
 * `fromCharCode.apply` at 44-64 bytes (XADD's packed entries are often that long).
 */
const LONG_LATIN1 = 40;
/** A native decoder of bytes to a latin1 string, installed by the CLI (io/latin1.ts); none in the pure core. */
let longLatin1: ((b: Uint8Array) => string) | null = null;

/**
 * Install (or with null remove) a decoder that bytesKey uses for inputs over 40 bytes: it must
 * map each byte to the char of the same code. Node's Buffer does it 5x faster than
 * `fromCharCode.apply` at a few hundred bytes, but the core does not use Buffer (io/ installs it).
 */
export function setLatin1Decoder(decode: ((b: Uint8Array) => string) | null): void {
  longLatin1 = decode;
}

/**
 * A Map key for bytes (latin1 string: one char per byte, lossless). Up to 40 bytes the chars
 * are passed as arguments: `fromCharCode.apply` over a typed array costs about twice as much
 * there (measured on the bench AOF's arguments, which are mostly that short; 17-40 bytes are its
 * stream field values, member names and SET values, which went through apply).
 */
export function bytesKey(b: Uint8Array): string {
  // biome-ignore format: one line per length
  switch (b.length) {
    case 0:
      return '';
    case 1:
      return fcc(b[0]!);
    case 2:
      return fcc(b[0]!, b[1]!);
    case 3:
      return fcc(b[0]!, b[1]!, b[2]!);
    case 4:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!);
    case 5:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!);
    case 6:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!);
    case 7:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!);
    case 8:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!);
    case 9:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!);
    case 10:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!);
    case 11:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!);
    case 12:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!);
    case 13:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!);
    case 14:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!);
    case 15:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!);
    case 16:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!);
    case 17:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!);
    case 18:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!);
    case 19:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!);
    case 20:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!);
    case 21:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!);
    case 22:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!);
    case 23:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!);
    case 24:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!);
    case 25:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!);
    case 26:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!);
    case 27:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!);
    case 28:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!);
    case 29:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!);
    case 30:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!);
    case 31:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!);
    case 32:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!);
    case 33:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!);
    case 34:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!);
    case 35:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!);
    case 36:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!, b[35]!);
    case 37:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!, b[35]!, b[36]!);
    case 38:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!, b[35]!, b[36]!, b[37]!);
    case 39:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!, b[35]!, b[36]!, b[37]!, b[38]!);
    case 40:
      return fcc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!, b[24]!, b[25]!, b[26]!, b[27]!, b[28]!, b[29]!, b[30]!, b[31]!, b[32]!, b[33]!, b[34]!, b[35]!, b[36]!, b[37]!, b[38]!, b[39]!);
  }
  if (longLatin1 !== null && b.length > LONG_LATIN1) return longLatin1(b);
  if (b.length < 4096) return fcc.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += fcc.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/** Inverse of bytesKey. */
export function keyBytes(s: string): Uint8Array {
  return ascii(s);
}

/** Base64 of bytes (no Buffer in the core). */
export function toBase64(bytes: Uint8Array): string {
  return btoa(bytesKey(bytes));
}

/** Bytes of a base64 string. */
export function fromBase64(text: string): Uint8Array {
  return ascii(atob(text));
}

/**
 * Parse bytes as a canonical signed 64-bit decimal (Redis string2ll rules: no '+', no leading
 * zeros, no "-0", no spaces, at most 20 chars). Returns the bigint, or null.
 */
export function parseCanonicalInt(b: Uint8Array): bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  if (n <= 15) {
    const v = parseSmallCanonicalInt(b);
    return v === null ? null : BigInt(v);
  }
  let i = 0;
  let neg = false;
  if (b[0] === 0x2d) {
    neg = true;
    i = 1;
  }
  if (b[i] === 0x30) return null; // "0" is short; "-0…", "0…" are not canonical
  let v = 0n;
  for (; i < n; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10n + BigInt(c);
  }
  if (neg) v = -v;
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** parseCanonicalInt for at most 15 bytes, as a number (no BigInt): the common, fast case. */
export function parseSmallCanonicalInt(b: Uint8Array): number | null {
  const n = b.length;
  if (n === 0 || n > 15) return null;
  let i = 0;
  let neg = false;
  if (b[0] === 0x2d) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  if (b[i] === 0x30) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

let dupTable = new Int32Array(256);

/**
 * A 32-bit hash of b[from, to) for open-addressing tables: four bytes (one little-endian word)
 * per step and one multiply, the last 0-3 bytes one at a time, then a final mix (a multiply only
 * carries bits upwards, and the tables take the low bits).
 */
export function bytesHash(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  let k = from;
  for (; k + 4 <= to; k += 4) h = Math.imul(h ^ (b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (b[k + 3]! << 24)), 0x01000193);
  for (; k < to; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/**
 * The first byte string that occurs twice in `items`, or null. Hashes (bytesHash) into a reused
 * open-addressing table and compares bytes only on a hash match: no strings, no Set.
 */
export function findDuplicate(items: readonly Uint8Array[]): Uint8Array | null {
  const n = items.length;
  if (n < 2) return null;
  if (n <= 8) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (bytesEqual(items[i]!, items[j]!)) return items[i]!;
    return null;
  }
  let size = 16;
  while (size < n * 2) size <<= 1;
  if (dupTable.length < size) dupTable = new Int32Array(size);
  else dupTable.fill(0, 0, size);
  const mask = size - 1;
  for (let i = 0; i < n; i++) {
    const b = items[i]!;
    let slot = bytesHash(b, 0, b.length) & mask;
    for (;;) {
      const at = dupTable[slot]!;
      if (at === 0) {
        dupTable[slot] = i + 1;
        break;
      }
      if (bytesEqual(items[at - 1]!, b)) return b;
      slot = (slot + 1) & mask;
    }
  }
  return null;
}
