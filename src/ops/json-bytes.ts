/**
 * Byte strings as JSON text, written straight into a ByteWriter (the export's primitive): a byte
 * string that is valid UTF-8 becomes a JSON string with JSON.stringify's escapes (the short forms
 * \b \t \n \f \r \" \\, and \u00xx for other control characters), any other one
 * {"base64":"..."}. Escapes come from tables; a string without any is copied whole.
 */
import type { ByteWriter } from '../bytes/writer.js';

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64C = new Uint8Array(64).map((_, i) => B64.charCodeAt(i));

/** Per byte < 0x80: 0 copy as is, 1 needs an escape. */
const NEEDS_ESCAPE = new Uint8Array(128).map((_, c) => (c < 0x20 || c === 0x22 || c === 0x5c ? 1 : 0));

/**
 * Whether bytes are valid UTF-8 (as TextDecoder's fatal mode decides: no overlongs, no
 * surrogates, nothing above U+10FFFF). Used for object member names, which must be strings.
 */
export function isUtf8(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = utf8SeqLength(b, i, n);
    if (len === 0) return false;
    i += len;
  }
  return true;
}

/** Length of the valid UTF-8 sequence of 2-4 bytes starting at b[i] (a byte >= 0x80), 0 when invalid. */
function utf8SeqLength(b: Uint8Array, i: number, n: number): number {
  const c = b[i]!;
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < n && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= n) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80 ? 0 : 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= n) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80 ? 0 : 4;
  }
  return 0;
}

/**
 * JSON.stringify's escape of each byte < 0x80 as bytes: ESCAPE_LEN[c] is 0 for a byte copied as
 * is, else 2 (\b \t \n \f \r \" \\) or 6 (\u00xx); the sequence is at ESCAPE_BYTES[c * 8].
 */
const ESCAPE_LEN = new Uint8Array(128);
const ESCAPE_BYTES = new Uint8Array(128 * 8);
for (let c = 0; c < 128; c++) {
  if (!NEEDS_ESCAPE[c]) continue;
  const short: Record<number, string> = { 34: '\\"', 92: '\\\\', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  const e = short[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  ESCAPE_LEN[c] = e.length;
  for (let k = 0; k < e.length; k++) ESCAPE_BYTES[c * 8 + k] = e.charCodeAt(k);
}

/**
 * ESCAPE_RUN[c] holds c's escape repeated RUN_MAX times, so a run of one escaped byte (NUL
 * padding: DEBUG POPULATE values, fixed-width records) is written by one copy instead of byte by
 * byte: 5M NUL-padded 100-byte values spent 40% of `convert --to jsonl` here before. The view
 * of k escapes is made once (runView), not per run: a view is an allocation.
 */
const RUN_MAX = 256;
const ESCAPE_RUN: Uint8Array[] = [];
for (let c = 0; c < 128; c++) {
  const l = ESCAPE_LEN[c]!;
  const run = new Uint8Array(l * RUN_MAX);
  for (let k = 0; k < run.length; k++) run[k] = ESCAPE_BYTES[c * 8 + (k % l)]!;
  ESCAPE_RUN.push(run);
}
const RUN_VIEWS: Array<Uint8Array | undefined> = new Array(128 * (RUN_MAX + 1));

/** The escapes of a run of `k` bytes c (2 <= k <= RUN_MAX). */
function runView(c: number, k: number): Uint8Array {
  const at = c * (RUN_MAX + 1) + k;
  let v = RUN_VIEWS[at];
  if (v === undefined) RUN_VIEWS[at] = v = ESCAPE_RUN[c]!.subarray(0, k * ESCAPE_LEN[c]!);
  return v;
}

/**
 * Per byte, what writing it in a JSON string takes: 0 a copy (ASCII that needs no escape), 1 an
 * escape (ESCAPE_LEN), 2 a UTF-8 sequence to validate (any byte >= 0x80).
 */
const BYTE_CLASS = new Uint8Array(256).map((_, c) => (c >= 0x80 ? 2 : NEEDS_ESCAPE[c]!));

/**
 * Write b[from, to) as a JSON string (quotes included) into buf at o, which has room for
 * 6 * (to - from) + 2 bytes (every byte an escape): one pass copies, escapes from a table (runs of one escaped
 * byte by whole copies) and validates UTF-8. Returns where the string ends, or -1 when the bytes
 * are not valid UTF-8 (what was written then means nothing).
 */
export function jsonStringInto(buf: Uint8Array, at: number, b: Uint8Array, from: number, to: number): number {
  let o = at;
  buf[o++] = 0x22;
  // the run that needs nothing (often the whole string) is copied four bytes a step while all four
  // need nothing, in the same pass that looks at them: the bytes of the step that stops the run are
  // written again below. A scan, then a copy by set() through a subarray view (4.7M of them on
  // big.rdb), took 218 ms where this takes 141 ms for 2M of big.rdb's strings.
  let i = from;
  if (to - from >= 64) {
    // a long string (raw values): its plain run is found eight bytes a step with no stores, then
    // copied whole (0.85 ns a byte where the loop below takes 1.4 on 45-1500-byte strings)
    while (
      i + 8 <= to &&
      (BYTE_CLASS[b[i]!]! |
        BYTE_CLASS[b[i + 1]!]! |
        BYTE_CLASS[b[i + 2]!]! |
        BYTE_CLASS[b[i + 3]!]! |
        BYTE_CLASS[b[i + 4]!]! |
        BYTE_CLASS[b[i + 5]!]! |
        BYTE_CLASS[b[i + 6]!]! |
        BYTE_CLASS[b[i + 7]!]!) ===
        0
    )
      i += 8;
    if (i > from) {
      buf.set(b.subarray(from, i), o);
      o += i - from;
    }
  }
  while (i + 4 <= to) {
    const c0 = b[i]!;
    const c1 = b[i + 1]!;
    const c2 = b[i + 2]!;
    const c3 = b[i + 3]!;
    buf[o] = c0;
    buf[o + 1] = c1;
    buf[o + 2] = c2;
    buf[o + 3] = c3;
    if ((BYTE_CLASS[c0]! | BYTE_CLASS[c1]! | BYTE_CLASS[c2]! | BYTE_CLASS[c3]!) !== 0) break;
    i += 4;
    o += 4;
  }
  while (i < to) {
    const c = b[i]!;
    const k = BYTE_CLASS[c]!;
    if (k === 0) {
      buf[o++] = c;
      i++;
      continue;
    }
    if (k === 2) {
      const len = utf8SeqLength(b, i, to);
      if (len === 0) return -1;
      buf[o++] = c;
      buf[o++] = b[i + 1]!;
      if (len > 2) buf[o++] = b[i + 2]!;
      if (len > 3) buf[o++] = b[i + 3]!;
      i += len;
      continue;
    }
    const l = ESCAPE_LEN[c]!;
    if (i + 1 < to && b[i + 1] === c) {
      let end = i + 2;
      const lim = Math.min(to, i + RUN_MAX);
      // four bytes a step (one branch for four): NUL padding is most of a DEBUG POPULATE value
      while (end + 4 <= lim && ((b[end]! ^ c) | (b[end + 1]! ^ c) | (b[end + 2]! ^ c) | (b[end + 3]! ^ c)) === 0) end += 4;
      while (end < lim && b[end] === c) end++;
      const run = runView(c, end - i);
      buf.set(run, o);
      o += run.length;
      i = end;
      continue;
    }
    const e = c << 3;
    buf[o] = ESCAPE_BYTES[e]!;
    buf[o + 1] = ESCAPE_BYTES[e + 1]!;
    if (l === 6) {
      buf[o + 2] = ESCAPE_BYTES[e + 2]!;
      buf[o + 3] = ESCAPE_BYTES[e + 3]!;
      buf[o + 4] = ESCAPE_BYTES[e + 4]!;
      buf[o + 5] = ESCAPE_BYTES[e + 5]!;
    }
    o += l;
    i++;
  }
  buf[o++] = 0x22;
  return o;
}

/** Write b[from, to) in base64 into buf at o (room for ceil(n / 3) * 4 bytes); returns where it ends. */
function base64Into(buf: Uint8Array, at: number, b: Uint8Array, from: number, to: number): number {
  let o = at;
  let i = from;
  for (; i + 3 <= to; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    buf[o] = B64C[v >> 18]!;
    buf[o + 1] = B64C[(v >> 12) & 63]!;
    buf[o + 2] = B64C[(v >> 6) & 63]!;
    buf[o + 3] = B64C[v & 63]!;
    o += 4;
  }
  if (to - i === 1) {
    const v = b[i]! << 16;
    buf[o++] = B64C[v >> 18]!;
    buf[o++] = B64C[(v >> 12) & 63]!;
    buf[o++] = 0x3d;
    buf[o++] = 0x3d;
  } else if (to - i === 2) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8);
    buf[o++] = B64C[v >> 18]!;
    buf[o++] = B64C[(v >> 12) & 63]!;
    buf[o++] = B64C[(v >> 6) & 63]!;
    buf[o++] = 0x3d;
  }
  return o;
}

const BASE64_OPEN = new Uint8Array([...'{"base64":"'].map((c) => c.charCodeAt(0)));

/** Bytes jsonBytesInto may take for n bytes: a JSON string or a {"base64":...} object. */
export function jsonBytesBound(n: number): number {
  return n * 6 + 24;
}

/**
 * writeJsonBytes of b[from, to) into buf at o, which has room for jsonBytesBound(to - from)
 * bytes; returns where it ends.
 */
export function jsonBytesInto(buf: Uint8Array, at: number, b: Uint8Array, from: number, to: number): number {
  const o = jsonStringInto(buf, at, b, from, to);
  if (o >= 0) return o;
  buf.set(BASE64_OPEN, at);
  const end = base64Into(buf, at + BASE64_OPEN.length, b, from, to);
  buf[end] = 0x22;
  buf[end + 1] = 0x7d;
  return end + 2;
}

/** Write a byte string as a JSON string, or {"base64":...} when it is not UTF-8. */
export function writeJsonBytes(w: ByteWriter, b: Uint8Array): void {
  w.length = jsonBytesInto(w.reserve(jsonBytesBound(b.length)), w.length, b, 0, b.length);
}

/** The digits of u (0 <= u < 2^31) at buf[o], counted by comparisons; returns where they end. */
function smallIntInto(buf: Uint8Array, o: number, v: number): number {
  let u = v;
  const digits =
    u < 10
      ? 1
      : u < 100
        ? 2
        : u < 1000
          ? 3
          : u < 10000
            ? 4
            : u < 100000
              ? 5
              : u < 1000000
                ? 6
                : u < 10000000
                  ? 7
                  : u < 100000000
                    ? 8
                    : u < 1000000000
                      ? 9
                      : 10;
  for (let k = o + digits - 1; k > o; k--) {
    const q = (u / 10) | 0;
    buf[k] = 0x30 + (u - q * 10);
    u = q;
  }
  buf[o] = 0x30 + u;
  return o + digits;
}

/**
 * Write a safe integer's decimal digits into buf at o (room for 22 bytes), as String(v) gives
 * them, optionally between quotes (an integer element as the JSON string of its text), with no
 * string on the way; returns where they end. All divisions are int32 ones: past 2^31 the number
 * is cut at 10^8 once (a stream id's 13-digit milliseconds). Counting the digits by float
 * divisions took 255 ms for 3M mixed integers where this takes 91 ms.
 */
export function jsonIntInto(buf: Uint8Array, at: number, v: number, quoted: boolean): number {
  let o = at;
  if (quoted) buf[o++] = 0x22;
  let u = v;
  if (u < 0) {
    buf[o++] = 0x2d;
    u = -u;
  }
  if (u < 0x80000000) o = smallIntInto(buf, o, u | 0);
  else {
    // u < 2^53: hi < 2^27, and hi * 10^8 is exact
    const hi = Math.floor(u / 1e8);
    let lo = (u - hi * 1e8) | 0;
    o = smallIntInto(buf, o, hi);
    for (let k = o + 7; k >= o; k--) {
      const q = (lo / 10) | 0;
      buf[k] = 0x30 + (lo - q * 10);
      lo = q;
    }
    o += 8;
  }
  if (quoted) buf[o++] = 0x22;
  return o;
}

/** 10^0 .. 10^22, each exact as a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** The doubles nearest 10^-6 .. 10^21 (as the literals 1e-6 ... name them), for the decimal exponent. */
const POW10_FROM_MINUS6 = Array.from({ length: 28 }, (_, k) => Number(`1e${k - 6}`));

/**
 * A double's String() text at buf[at] (room for 25 bytes) with no string on the way, when the
 * shortest digits can be found exactly: a non-integral |v| in [1e-6, 1e15) (String() writes it in
 * fixed notation) named by a decimal of 16 significant digits or fewer. Its 15 digits m =
 * round(|v| * 10^k) are exact (the product's error and v's distance to the decimal stay under
 * 0.11 each), and m / 10^k (both exact, one correctly rounded division) is v only when that
 * decimal names v. Two decimals of 15 digits or fewer never name the same double (DBL_DIG), so m
 * without trailing zeros is the shortest text, String()'s. Else see sixteenDigits. Anything else
 * goes through String().
 */
export function jsonDoubleInto(buf: Uint8Array, at: number, v: number): number {
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < 1e15 && !Number.isInteger(a)) {
    // n: the decimal exponent, 10^(n-1) <= a < 10^n (as doubles), 15 - n fraction digits
    let n = a >= 1 ? 1 : -5;
    while (a >= POW10_FROM_MINUS6[n + 6]!) n++;
    const k = 15 - n;
    const m = Math.round(a * POW10[k]!);
    if (m < 1e15 && m / POW10[k]! === a) return fixedInto(buf, at, v, m, k);
    const m16 = sixteenDigits(a, k + 1);
    if (m16 >= 0) return fixedInto(buf, at, v, m16, k + 1);
  }
  return asciiDouble(buf, at, v);
}

/** 2^27 + 1: Veltkamp's split of a double into two halves of 26 bits. */
const SPLIT = 134217729;

/**
 * The 16 digits s (10^15 <= s < 10^16, s / 10^k names a) String() takes for a, which no decimal of
 * 15 digits or fewer names, or -1 (then String()). a * 10^k is had exactly as hi + lo (Dekker's
 * product: 10^k is exact, nothing overflows), so the 16-digit decimals near it are m - 1, m, m + 1
 * (m = round(hi)); those that name a (an exact integer below 2^53 over 10^k: one correctly rounded
 * division) compete on their distance to hi + lo, as String() picks the closest. hi - s is exact
 * (Sterbenz), and (hi - s) + lo rounds off less than the 2^-51 steps of a * 10^k for a >= 1e-6,
 * so the distances compare as exactly; an exact tie is left to String().
 */
function sixteenDigits(a: number, k: number): number {
  const p = POW10[k]!;
  const hi = a * p;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * p;
  const ph = t - (t - p);
  const pl = p - ph;
  const lo = ah * ph - hi + ah * pl + al * ph + al * pl;
  const m = Math.round(hi);
  if (m - 1 < 1e15 || m + 1 >= 1e16 || m + 1 > 9007199254740991) return -1;
  let best = -1;
  let bestDistance = 2;
  for (let s = m - 1; s <= m + 1; s++) {
    if (s / p !== a) continue;
    const d = Math.abs(hi - s + lo);
    if (d === bestDistance) return -1;
    if (d < bestDistance) {
      best = s;
      bestDistance = d;
    }
  }
  return best;
}

/** m * 10^-k (m < 2^53 and not a multiple of 10^k) in fixed notation, signed as v, at buf[at]. */
function fixedInto(buf: Uint8Array, at: number, v: number, m: number, k: number): number {
  let o = at;
  if (v < 0) buf[o++] = 0x2d;
  const p = POW10[k]!;
  // m / p may round up to the next integer: the fraction is then negative
  let ip = Math.floor(m / p);
  let frac = m - ip * p;
  if (frac < 0) {
    ip--;
    frac += p;
  }
  if (frac === 0) return asciiDouble(buf, at, v);
  o = ip < 0x80000000 ? smallIntInto(buf, o, ip) : jsonIntInto(buf, o, ip, false);
  buf[o++] = 0x2e;
  // the fraction's k digits (frac < 2^53: 16 at most, the others leading zeros) from two int32
  // halves of 8 digits, by int32 divisions (a float % is a call to fmod), then the trailing zeros cut
  let fh = Math.floor(frac / 1e8);
  let fl = frac - fh * 1e8;
  if (fl < 0) {
    fh--;
    fl += 1e8;
  } else if (fl >= 1e8) {
    fh++;
    fl -= 1e8;
  }
  let x = fl | 0;
  let q = o + k - 1;
  for (let j = 0; j < 8 && q >= o; j++, q--) {
    const d = (x / 10) | 0;
    buf[q] = 0x30 + (x - d * 10);
    x = d;
  }
  x = fh | 0;
  for (; q >= o; q--) {
    const d = (x / 10) | 0;
    buf[q] = 0x30 + (x - d * 10);
    x = d;
  }
  let end = o + k;
  while (buf[end - 1] === 0x30) end--;
  return end;
}

const INF = new Uint8Array([0x22, 0x69, 0x6e, 0x66, 0x22]);
const NEG_INF = new Uint8Array([0x22, 0x2d, 0x69, 0x6e, 0x66, 0x22]);
const NEG_ZERO = new Uint8Array([0x22, 0x2d, 0x30, 0x22]);

/** A zset score as the JSON export writes it (scoreToJson's form) at buf[at] (room for 25 bytes). */
export function jsonScoreInto(buf: Uint8Array, at: number, s: number): number {
  if (Number.isSafeInteger(s) && !Object.is(s, -0)) return jsonIntInto(buf, at, s, false);
  const fixed = s === Infinity ? INF : s === -Infinity ? NEG_INF : Object.is(s, -0) ? NEG_ZERO : null;
  if (fixed === null) return jsonDoubleInto(buf, at, s);
  buf.set(fixed, at);
  return at + fixed.length;
}

/** String(v) at buf[at]. */
function asciiDouble(buf: Uint8Array, at: number, v: number): number {
  const s = String(v);
  for (let q = 0; q < s.length; q++) buf[at + q] = s.charCodeAt(q);
  return at + s.length;
}
