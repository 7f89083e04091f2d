/**
 * The x87 80-bit `long double` arithmetic behind INCRBYFLOAT and HINCRBYFLOAT (t_string.c,
 * t_hash.c): both operands are read with strtold (rounded to a 64-bit significand), added in
 * long double, and printed with "%.17Lf" minus trailing zeros (util.c ld2string, LD_STR_HUMAN).
 * JS doubles give different digits ("10.59999999999999964" instead of "10.6"), so values are kept
 * exactly as BigInt significand x 2^exponent and rounded half-to-even at each step, as the FPU
 * and glibc's printf do. Subnormals and the long double exponent limits are not modelled.
 */

/** A finite long double: sig * 2^exp, |sig| < 2^64 (0 is sig 0). */
export interface LongDouble {
  sig: bigint;
  exp: number;
}

const SIG_BITS = 64n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Round num/den (den > 0) to the nearest integer, ties to even. */
function divRound(num: bigint, den: bigint): bigint {
  const neg = num < 0n;
  const a = neg ? -num : num;
  let q = a / den;
  const r = a - q * den;
  if (r * 2n > den || (r * 2n === den && (q & 1n) === 1n)) q += 1n;
  return neg ? -q : q;
}

/** Round the exact rational num/den to a 64-bit significand. */
function fromRational(num: bigint, den: bigint): LongDouble {
  if (num === 0n) return { sig: 0n, exp: 0 };
  const a = num < 0n ? -num : num;
  // exponent e with 2^63 <= a/den / 2^e < 2^64
  let e = bitLength(a) - bitLength(den) - Number(SIG_BITS);
  for (;;) {
    const sig = e >= 0 ? divRound(num, den << BigInt(e)) : divRound(num << BigInt(-e), den);
    const bl = bitLength(sig < 0n ? -sig : sig);
    if (bl > 64) {
      e++;
      continue;
    }
    if (bl < 64) {
      e--;
      continue;
    }
    return { sig, exp: e };
  }
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** strtold of a decimal string (no spaces, no hex); null when not a finite number. */
export function parseLongDouble(s: string): LongDouble | null {
  const m = DEC_RE.exec(s);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const exp10 = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  if (Math.abs(exp10) > 6000) return null;
  let num = BigInt(digits || '0');
  let den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den = 10n ** BigInt(-exp10);
  if (m[1] === '-') num = -num;
  return fromRational(num, den);
}

/** strtold's infinities ("inf", "infinity", any case, optional sign). */
export function isInfText(s: string): boolean {
  return /^[+-]?inf(inity)?$/i.test(s);
}

/** a + b rounded to a 64-bit significand. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  const e = Math.min(a.exp, b.exp);
  const sum = (a.sig << BigInt(a.exp - e)) + (b.sig << BigInt(b.exp - e));
  return e >= 0 ? fromRational(sum << BigInt(e), 1n) : fromRational(sum, 1n << BigInt(-e));
}

/** "%.17Lf" without trailing zeros (and without a trailing dot), as ld2string LD_STR_HUMAN. */
export function formatLongDoubleHuman(v: LongDouble): string {
  const scaled = v.exp >= 0 ? (v.sig << BigInt(v.exp)) * 10n ** 17n : divRound(v.sig * 10n ** 17n, 1n << BigInt(-v.exp));
  const neg = scaled < 0n || (scaled === 0n && v.sig < 0n);
  const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(18, '0');
  let s = `${neg ? '-' : ''}${digits.slice(0, -17)}.${digits.slice(-17)}`;
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
