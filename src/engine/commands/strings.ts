/**
 * String commands (t_string.c, bitops.c): SET and its variants, APPEND, SETRANGE, the INCR
 * family, INCRBYFLOAT, MSET/MSETNX, GETSET, GETDEL, GETEX, SETBIT, BITOP, BITFIELD.
 * Strings are bytes; integer-looking strings are kept as their decimal bytes (as `getDecodedObject`
 * would print them), so the record model and the digest see exactly what Redis stores.
 */
import { ascii, concatBytes, latin1, parseCanonicalInt } from '../../model/bytes.js';
import { Err, fail, lower, parseInt64 } from '../argv.js';
import { type CommandTable, type Ctx, lookup, lookupType } from '../context.js';
import { strBytes, stringValue } from '../keyspace.js';
import { addLongDouble, formatLongDoubleHuman, isInfText, type LongDouble, parseLongDouble } from '../longdouble.js';
import { bitfield } from './bitfield.js';

/** Redis's proto-max-bulk-len default: the largest string SETRANGE/APPEND/SETBIT may build. */
const MAX_STRING = 512 * 1024 * 1024;

type Unit = 's' | 'ms';

interface SetFlags {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  expire: { at: boolean; unit: Unit; arg: Uint8Array } | null;
}

/** parseExtendedStringArgumentsOrReply: SET / GETEX options. */
function parseSetFlags(argv: Uint8Array[], from: number, isGetex: boolean): SetFlags {
  const f: SetFlags = { nx: false, xx: false, get: false, keepTtl: false, persist: false, expire: null };
  for (let j = from; j < argv.length; j++) {
    const o = lower(argv[j]!);
    const next = j + 1 < argv.length ? argv[j + 1]! : null;
    if (!isGetex && o === 'nx' && !f.xx) f.nx = true;
    else if (!isGetex && o === 'xx' && !f.nx) f.xx = true;
    else if (!isGetex && o === 'get') f.get = true;
    else if (!isGetex && o === 'keepttl' && !f.persist && !f.expire) f.keepTtl = true;
    else if (isGetex && o === 'persist' && !f.expire && !f.keepTtl) f.persist = true;
    else if ((o === 'ex' || o === 'px' || o === 'exat' || o === 'pxat') && next && !f.keepTtl && !f.persist && !f.expire) {
      f.expire = { at: o.endsWith('at'), unit: o.startsWith('e') ? 's' : 'ms', arg: next };
      j++;
    } else fail(Err.SYNTAX);
  }
  return f;
}

/** getExpireMillisecondsOrReply: the absolute expiry in ms. */
export function expireMs(c: Ctx, arg: Uint8Array, unit: Unit, absolute: boolean, cmd: string): number {
  const v = parseInt64(arg);
  const bad = `ERR invalid expire time in '${cmd}' command`;
  if (v <= 0n || (unit === 's' && v > 9223372036854775807n / 1000n)) fail(bad);
  let ms = unit === 's' ? v * 1000n : v;
  if (!absolute) ms += BigInt(c.now);
  if (ms <= 0n || ms > 9223372036854775807n) fail(bad);
  return Number(ms);
}

/** The string at key as bytes (a copy), or WRONGTYPE; null when missing. */
function getString(c: Ctx, key: Uint8Array): Uint8Array | null {
  const v = lookupType(c, key, 'string');
  return v ? strBytes(v.value) : null;
}

function setGeneric(c: Ctx, cmd: string, key: Uint8Array, val: Uint8Array, f: SetFlags): unknown {
  const expireAt = f.expire ? expireMs(c, f.expire.arg, f.expire.unit, f.expire.at, cmd) : null;
  const old = f.get ? getString(c, key) : null;
  const found = lookup(c, key) !== undefined;
  if ((f.nx && found) || (f.xx && !found)) return f.get ? old : null;
  const slot = c.db.set(key, stringValue(val), f.keepTtl);
  if (expireAt !== null) slot.expireAt = expireAt;
  return f.get ? old : 'OK';
}

function incrBy(c: Ctx, key: Uint8Array, by: bigint): bigint {
  const cur = getString(c, key);
  let v = 0n;
  if (cur !== null) {
    const p = cur.length <= 20 ? parseCanonicalInt(cur) : null;
    if (p === null) fail(Err.NOT_INT);
    v = p;
  }
  const r = v + by;
  if (r > 9223372036854775807n || r < -9223372036854775808n) fail(Err.OVERFLOW);
  c.db.set(key, { type: 'string', value: r.toString() }, true);
  return r;
}

function bitOffset(arg: Uint8Array): number {
  const v = parseCanonicalInt(arg);
  if (v === null || v < 0n || v >= BigInt(MAX_STRING) * 8n) fail('ERR bit offset is not an integer or out of range');
  return Number(v);
}

/** Grow a string to at least n bytes with zero padding. */
function grow(s: Uint8Array, n: number): Uint8Array {
  if (s.length >= n) return s;
  const out = new Uint8Array(n);
  out.set(s);
  return out;
}

export const stringCommands: CommandTable = {
  set: {
    arity: -3,
    run: (c, a) => setGeneric(c, 'set', a[1]!, a[2]!, parseSetFlags(a, 3, false)),
  },
  setnx: {
    arity: 3,
    run: (c, a) =>
      setGeneric(c, 'setnx', a[1]!, a[2]!, { nx: true, xx: false, get: false, keepTtl: false, persist: false, expire: null }) === 'OK'
        ? 1
        : 0,
  },
  setex: {
    arity: 4,
    run: (c, a) =>
      setGeneric(c, 'setex', a[1]!, a[3]!, {
        nx: false,
        xx: false,
        get: false,
        keepTtl: false,
        persist: false,
        expire: { at: false, unit: 's', arg: a[2]! },
      }),
  },
  psetex: {
    arity: 4,
    run: (c, a) =>
      setGeneric(c, 'psetex', a[1]!, a[3]!, {
        nx: false,
        xx: false,
        get: false,
        keepTtl: false,
        persist: false,
        expire: { at: false, unit: 'ms', arg: a[2]! },
      }),
  },
  getset: {
    arity: 3,
    run: (c, a) => {
      const old = getString(c, a[1]!);
      c.db.set(a[1]!, stringValue(a[2]!));
      return old;
    },
  },
  getdel: {
    arity: 2,
    run: (c, a) => {
      const old = getString(c, a[1]!);
      if (old !== null) c.db.delete(a[1]!);
      return old;
    },
  },
  getex: {
    arity: -2,
    run: (c, a) => {
      const f = parseSetFlags(a, 2, true);
      const old = getString(c, a[1]!);
      if (old === null) return null;
      if (f.expire) {
        const at = expireMs(c, f.expire.arg, f.expire.unit, f.expire.at, 'getex');
        if (!c.loading && at <= c.now) c.db.delete(a[1]!);
        else c.db.get(a[1]!)!.expireAt = at;
      } else if (f.persist) {
        c.db.get(a[1]!)!.expireAt = null;
      }
      return old;
    },
  },
  append: {
    arity: 3,
    run: (c, a) => {
      const cur = getString(c, a[1]!);
      if (cur === null) {
        c.db.set(a[1]!, stringValue(a[2]!));
        return a[2]!.length;
      }
      if (cur.length + a[2]!.length > MAX_STRING) fail('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      const next = concatBytes([cur, a[2]!]);
      c.db.get(a[1]!)!.value = stringValue(next);
      return next.length;
    },
  },
  setrange: {
    arity: 4,
    run: (c, a) => {
      const off = parseInt64(a[2]!);
      if (off < 0n) fail('ERR offset is out of range');
      const val = a[3]!;
      const cur = getString(c, a[1]!);
      if (cur === null && val.length === 0) return 0;
      if (cur !== null && val.length === 0) return cur.length;
      if (off + BigInt(val.length) > BigInt(MAX_STRING)) fail('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      const o = Number(off);
      const next = grow(cur ?? new Uint8Array(0), o + val.length);
      next.set(val, o);
      if (cur === null) c.db.set(a[1]!, stringValue(next));
      else c.db.get(a[1]!)!.value = stringValue(next);
      return next.length;
    },
  },
  incr: { arity: 2, run: (c, a) => incrBy(c, a[1]!, 1n) },
  decr: { arity: 2, run: (c, a) => incrBy(c, a[1]!, -1n) },
  incrby: { arity: 3, run: (c, a) => incrBy(c, a[1]!, parseInt64(a[2]!)) },
  decrby: {
    arity: 3,
    run: (c, a) => {
      const by = parseInt64(a[2]!);
      if (by === -9223372036854775808n) fail('ERR decrement would overflow');
      return incrBy(c, a[1]!, -by);
    },
  },
  incrbyfloat: {
    arity: 3,
    run: (c, a) => {
      const cur = getString(c, a[1]!);
      let v: LongDouble = { sig: 0n, exp: 0 };
      let inf = false;
      if (cur !== null) {
        const t = cur.length <= 5000 ? latin1(cur) : '';
        const p = parseLongDouble(t);
        if (p === null && !isInfText(t)) fail(Err.NOT_FLOAT);
        if (p) v = p;
        else inf = true;
      }
      const bt = latin1(a[2]!);
      const by = parseLongDouble(bt);
      if (by === null && !isInfText(bt)) fail(Err.NOT_FLOAT);
      if (inf || by === null) fail('ERR increment would produce NaN or Infinity');
      const text = formatLongDoubleHuman(addLongDouble(v, by));
      c.db.set(a[1]!, { type: 'string', value: text }, true);
      return ascii(text);
    },
  },
  mset: {
    arity: -3,
    run: (c, a) => {
      if (a.length % 2 === 0) fail("ERR wrong number of arguments for 'mset' command");
      for (let j = 1; j < a.length; j += 2) c.db.set(a[j]!, stringValue(a[j + 1]!));
      return 'OK';
    },
  },
  msetnx: {
    arity: -3,
    run: (c, a) => {
      if (a.length % 2 === 0) fail("ERR wrong number of arguments for 'msetnx' command");
      for (let j = 1; j < a.length; j += 2) if (lookup(c, a[j]!)) return 0;
      for (let j = 1; j < a.length; j += 2) c.db.set(a[j]!, stringValue(a[j + 1]!));
      return 1;
    },
  },
  setbit: {
    arity: 4,
    run: (c, a) => {
      const off = bitOffset(a[2]!);
      const bitArg = latin1(a[3]!);
      if (bitArg !== '0' && bitArg !== '1') fail('ERR bit is not an integer or out of range');
      const cur = getString(c, a[1]!);
      const byte = off >> 3;
      const next = grow(cur ?? new Uint8Array(0), byte + 1);
      const mask = 1 << (7 - (off & 7));
      const old = (next[byte]! & mask) !== 0 ? 1 : 0;
      if (bitArg === '1') next[byte]! |= mask;
      else next[byte]! &= ~mask;
      if (cur === null) c.db.set(a[1]!, stringValue(next));
      else c.db.get(a[1]!)!.value = stringValue(next);
      return old;
    },
  },
  bitop: {
    arity: -4,
    run: (c, a) => {
      const op = lower(a[1]!);
      if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') fail(Err.SYNTAX);
      if (op === 'not' && a.length !== 4) fail('ERR BITOP NOT must be called with a single source key.');
      const srcs: Array<Uint8Array> = [];
      for (let j = 3; j < a.length; j++) srcs.push(getString(c, a[j]!) ?? new Uint8Array(0));
      let max = 0;
      for (const s of srcs) max = Math.max(max, s.length);
      if (max === 0) {
        c.db.delete(a[2]!);
        return 0;
      }
      const out = new Uint8Array(max);
      for (let i = 0; i < max; i++) {
        let b = srcs[0]![i] ?? 0;
        if (op === 'not') b = ~b & 0xff;
        for (let k = 1; k < srcs.length; k++) {
          const x = srcs[k]![i] ?? 0;
          if (op === 'and') b &= x;
          else if (op === 'or') b |= x;
          else b ^= x;
        }
        out[i] = b;
      }
      c.db.set(a[2]!, stringValue(out));
      return max;
    },
  },
  bitfield: { arity: -2, run: (c, a) => bitfield(c, a, false) },
  bitfield_ro: { arity: -2, run: (c, a) => bitfield(c, a, true) },
  get: { arity: 2, run: (c, a) => getString(c, a[1]!) },
};

export { getString, grow, MAX_STRING };
