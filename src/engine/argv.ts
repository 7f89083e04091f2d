/**
 * Argument parsing for engine commands, with Redis 7.0's error texts. A command handler
 * validates everything before it mutates anything (as Redis does) and signals a failure by
 * throwing a CommandError; Engine.apply turns it into an error object.
 */
import { ascii, latin1, parseCanonicalInt } from '../model/bytes.js';

/** A command failed: `message` is the Redis error line without the leading '-'. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Redis's shared error texts. */
export const Err = {
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NOT_INT: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  SYNTAX: 'ERR syntax error',
  NO_KEY: 'ERR no such key',
  OUT_OF_RANGE: 'ERR index out of range',
  OVERFLOW: 'ERR increment or decrement would overflow',
  DB_INDEX: 'ERR DB index is out of range',
  NOT_POSITIVE: 'ERR value is out of range, must be positive',
} as const;

/** Throw a CommandError. */
export function fail(message: string): never {
  throw new CommandError(message);
}

/** Lower-cased ASCII name of an argument (command names, options). */
export function lower(b: Uint8Array): string {
  return latin1(b).toLowerCase();
}

/** A signed 64-bit integer (string2ll rules), or a CommandError with `message`. */
export function parseInt64(b: Uint8Array, message: string = Err.NOT_INT): bigint {
  const v = parseCanonicalInt(b);
  if (v === null) fail(message);
  return v;
}

/** A signed integer that must fit in a JS number (counts, indexes, ms times). */
export function parseIntArg(b: Uint8Array, message: string = Err.NOT_INT): number {
  const v = parseInt64(b, message);
  if (v > 9007199254740991n) return Number.MAX_SAFE_INTEGER;
  if (v < -9007199254740991n) return Number.MIN_SAFE_INTEGER;
  return Number(v);
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Powers of ten exact as doubles (10^0..10^22). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A plain decimal ("-12", "3.25", ".5", "7.") of at most 15 digits read straight from its
 * bytes, or undefined for any other form. Exact: the digits make an integer below 2^53 and
 * 10^f (f <= 15) is exact, so one IEEE division rounds correctly, as strtod does.
 */
function plainDecimal(b: Uint8Array): number | undefined {
  const n = b.length;
  let i = 0;
  const neg = b[0] === 0x2d;
  if (neg || b[0] === 0x2b) i = 1;
  let m = 0;
  let digits = 0;
  let dot = -1;
  for (; i < n; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && dot < 0) dot = digits;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const v = dot < 0 ? m : m / POW10[digits - dot]!;
  return neg ? -v : v;
}

/**
 * A double as Redis's string2d/strtod reads it: no spaces, "inf"/"infinity" in any case with
 * an optional sign, never NaN. Returns null when invalid.
 */
export function readDouble(b: Uint8Array): number | null {
  if (b.length === 0 || b.length > 5000) return null;
  const plain = plainDecimal(b);
  if (plain !== undefined) return plain;
  const s = latin1(b);
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (!FLOAT_RE.test(s)) return null;
  return Number(s);
}

/** A double argument or "ERR value is not a valid float". */
export function parseDouble(b: Uint8Array, message: string = Err.NOT_FLOAT): number {
  const v = readDouble(b);
  if (v === null) fail(message);
  return v;
}

/** Decimal bytes of an integer. */
export function intBytes(v: number | bigint): Uint8Array {
  return ascii(String(v));
}

/** The arity error of a command. */
export function arityError(name: string): CommandError {
  return new CommandError(`ERR wrong number of arguments for '${name}' command`);
}
