/**
 * Array values (type 28, RDB 14+; SPEC.md "RDB 13-15"): a sparse map from uint64 indices to
 * strings. Layout: element count (length), insert-cursor flag (length: 0 none, 1 present) and,
 * when present, the cursor (length); then per element its index (length), a tag (length) and
 * the payload the tag names:
 *   0 STR        a string atom
 *   1 INT        8 bytes, a little-endian int64 (the element is its decimal text)
 *   2 FLOAT      8 bytes, a little-endian double (the element is its shortest text, ".0" kept)
 *   3 SMALLSTR   a string atom of at most 7 bytes
 * Redis picks the most compact tag for each value; every element is logically a string, so the
 * model keeps the string and the writer picks the tag again the same way.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { latin1 } from '../model/bytes.js';
import { writeLength } from './length.js';
import { writeRawString } from './string.js';

/** Element tags. */
export const ArrayTag = { STR: 0, INT: 1, FLOAT: 2, SMALLSTR: 3 } as const;

/** Longest element stored with the SMALLSTR tag (64-bit Redis inlines up to 7 bytes). */
export const ARRAY_SMALLSTR_MAX = 7;
/** Integers inline as INT only within 62 bits (Redis keeps two tag bits in the word). */
const INT_MIN = -(1n << 61n);
const INT_MAX = (1n << 61n) - 1n;
/** The insert cursor Redis stores as "none" in memory; in the file it is the flag 0. */
export const ARRAY_INSERT_NONE = (1n << 64n) - 1n;

/** The text of an element stored with the FLOAT tag: the shortest round-trip form, ".0" kept. */
export function arrayFloatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const s = d2string(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Redis's d2string: integers in a safe range as integers, others in fpconv's notation. */
function d2string(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const lim = 2 ** 62;
  if (Number.isInteger(x) && x >= -lim && x <= lim) return BigInt(x).toString();
  return fpconvText(x);
}

/** fpconv_dtoa's layout of the shortest digits: plain integer, plain decimal, or d.ddde±x. */
function fpconvText(x: number): string {
  const neg = x < 0;
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  let digits = mant.replace('.', '');
  const e = Number(expText);
  const k = e - digits.length + 1;
  const exp = Math.abs(e);
  let out: string;
  if (k >= 0 && exp < digits.length + 7) out = digits + '0'.repeat(k);
  else if (k < 0 && (k > -7 || exp < 4)) {
    const offset = digits.length + k;
    out = offset <= 0 ? `0.${'0'.repeat(-offset)}${digits}` : `${digits.slice(0, offset)}.${digits.slice(offset)}`;
  } else {
    const max = neg ? 17 : 18;
    if (digits.length > max) digits = digits.slice(0, max);
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${exp}`;
  }
  return neg ? `-${out}` : out;
}

/** The tag Redis stores a value with, and the INT / FLOAT payload. */
export function arrayTagOf(v: Uint8Array): { tag: number; int?: bigint; float?: number } {
  const s = v.length <= 24 ? latin1(v) : '';
  if (s && /^(0|-?[1-9][0-9]*)$/.test(s)) {
    const n = BigInt(s);
    if (n >= INT_MIN && n <= INT_MAX) return { tag: ArrayTag.INT, int: n };
  }
  if (s && /^-?[0-9]*\.[0-9]*$/.test(s) && /[0-9]/.test(s)) {
    const f = Number(s);
    if (Number.isFinite(f)) {
      const t = truncateFloat(f);
      if (arrayFloatText(t) === s) return { tag: ArrayTag.FLOAT, float: t };
    }
  }
  return { tag: v.length <= ARRAY_SMALLSTR_MAX ? ArrayTag.SMALLSTR : ArrayTag.STR };
}

/** The double with its two lowest mantissa bits cleared (Redis keeps its tag there). */
export function truncateFloat(f: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, f, true);
  dv.setUint8(0, dv.getUint8(0) & ~3);
  return dv.getFloat64(0, true);
}

/** Write an array value (after its type byte and key). */
export function writeArrayValue(
  w: ByteWriter,
  insertIndex: bigint | null,
  elements: ReadonlyArray<{ index: bigint; value: Uint8Array }>,
): void {
  writeLength(w, elements.length);
  if (insertIndex === null || insertIndex === ARRAY_INSERT_NONE) writeLength(w, 0);
  else {
    writeLength(w, 1);
    writeLength(w, insertIndex);
  }
  for (const el of elements) {
    writeLength(w, el.index);
    const t = arrayTagOf(el.value);
    writeLength(w, t.tag);
    if (t.tag === ArrayTag.INT) w.bytes(int64le(t.int!));
    else if (t.tag === ArrayTag.FLOAT) w.f64le(t.float!);
    else writeRawString(w, el.value);
  }
}

function int64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, n, true);
  return b;
}
