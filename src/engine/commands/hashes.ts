/**
 * Hash commands (t_hash.c): HSET/HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT.
 * Encoding: listpack while <= 128 fields and every field/value <= 64 bytes (checked on the
 * arguments before writing, as hashTypeTryConversion does), then hashtable for good.
 */
import { ascii, bytesKey, latin1, parseCanonicalInt } from '../../model/bytes.js';
import { Err, fail, intBytes, parseInt64 } from '../argv.js';
import { type CommandTable, type Ctx, lookupType } from '../context.js';
import { type HashValue, hashToTable, Limits, strBytes } from '../keyspace.js';
import { addLongDouble, formatLongDoubleHuman, isInfText, type LongDouble, parseLongDouble } from '../longdouble.js';
import { PackedMap } from '../packed.js';

type HashV = HashValue;

function getOrCreate(c: Ctx, key: Uint8Array): HashV {
  let h = lookupType(c, key, 'hash');
  if (!h) {
    h = { type: 'hash', value: new PackedMap(), listpack: true };
    c.db.set(key, h);
  }
  return h;
}

/** hashTypeTryConversion over argv[from..to]. */
function tryConversion(h: HashV, a: Uint8Array[], from: number, to: number): void {
  if (!h.listpack) return;
  for (let j = from; j <= to; j++)
    if (a[j]!.length > Limits.hashMaxListpackValue) {
      hashToTable(h);
      return;
    }
}

/** hashTypeSet. Returns true when the field was new. */
export function hashSet(h: HashV, field: Uint8Array, value: Uint8Array): boolean {
  if (h.listpack && (field.length > Limits.hashMaxListpackValue || value.length > Limits.hashMaxListpackValue)) hashToTable(h);
  const k = bytesKey(field);
  let had: boolean;
  if (h.value instanceof PackedMap) had = !h.value.put(k, bytesKey(value));
  else {
    // a hashtable hash: one Map operation, the size tells whether the field was new
    const before = h.value.size;
    h.value.set(k, bytesKey(value));
    had = h.value.size === before;
  }
  if (h.listpack && h.value.size > Limits.hashMaxListpackEntries) hashToTable(h);
  return !had;
}

export const hashCommands: CommandTable = {
  hset: {
    arity: -4,
    run: (c, a) => {
      if (a.length % 2 === 1) fail("ERR wrong number of arguments for 'hset' command");
      const h = getOrCreate(c, a[1]!);
      tryConversion(h, a, 2, a.length - 1);
      let n = 0;
      for (let j = 2; j < a.length; j += 2) if (hashSet(h, a[j]!, a[j + 1]!)) n++;
      return n;
    },
  },
  hmset: {
    arity: -4,
    run: (c, a) => {
      if (a.length % 2 === 1) fail("ERR wrong number of arguments for 'hmset' command");
      const h = getOrCreate(c, a[1]!);
      tryConversion(h, a, 2, a.length - 1);
      for (let j = 2; j < a.length; j += 2) hashSet(h, a[j]!, a[j + 1]!);
      return 'OK';
    },
  },
  hsetnx: {
    arity: 4,
    run: (c, a) => {
      const h = getOrCreate(c, a[1]!);
      tryConversion(h, a, 2, 3);
      if (h.value.has(bytesKey(a[2]!))) return 0;
      hashSet(h, a[2]!, a[3]!);
      return 1;
    },
  },
  hdel: {
    arity: -3,
    run: (c, a) => {
      const h = lookupType(c, a[1]!, 'hash');
      if (!h) return 0;
      let n = 0;
      for (let j = 2; j < a.length; j++) if (h.value.delete(bytesKey(a[j]!))) n++;
      if (h.value.size === 0) c.db.delete(a[1]!);
      return n;
    },
  },
  hincrby: {
    arity: 4,
    run: (c, a) => {
      const by = parseInt64(a[3]!);
      const h = getOrCreate(c, a[1]!);
      const cur = h.value.get(bytesKey(a[2]!));
      let v = 0n;
      if (cur !== undefined) {
        const p = cur.length <= 20 ? parseCanonicalInt(strBytes(cur)) : null;
        if (p === null) fail('ERR hash value is not an integer');
        v = p;
      }
      const r = v + by;
      if (r > 9223372036854775807n || r < -9223372036854775808n) fail('ERR increment or decrement would overflow');
      hashSet(h, a[2]!, intBytes(r));
      return r;
    },
  },
  hincrbyfloat: {
    arity: 4,
    run: (c, a) => {
      const bt = latin1(a[3]!);
      const by = parseLongDouble(bt);
      if (by === null) fail(isInfText(bt) ? 'ERR value is NaN or Infinity' : Err.NOT_FLOAT);
      const h = getOrCreate(c, a[1]!);
      const cur = h.value.get(bytesKey(a[2]!));
      let v: LongDouble = { sig: 0n, exp: 0 };
      if (cur !== undefined) {
        const t = cur.length <= 5000 ? cur : '';
        const p = parseLongDouble(t);
        if (p === null) fail(isInfText(t) ? 'ERR increment would produce NaN or Infinity' : 'ERR hash value is not a float');
        v = p;
      }
      const out = ascii(formatLongDoubleHuman(addLongDouble(v, by)));
      hashSet(h, a[2]!, out);
      return out;
    },
  },
  hget: {
    arity: 3,
    run: (c, a) => {
      const v = lookupType(c, a[1]!, 'hash')?.value.get(bytesKey(a[2]!));
      return v === undefined ? null : strBytes(v);
    },
  },
};
