/**
 * Keyspace commands (db.c, expire.c): DEL, UNLINK, the EXPIRE family with NX/XX/GT/LT, PERSIST,
 * RENAME/RENAMENX, MOVE, COPY and RESTORE. RESTORE needs a DUMP payload decoder, injected with
 * Engine.setDumpDecoder() so the engine does not depend on the RDB codec.
 */
import { latin1 } from '../../model/bytes.js';
import { Err, fail, lower, parseInt64, parseIntArg } from '../argv.js';
import { type CommandTable, type Ctx, lookup } from '../context.js';
import { cloneValue, fromValue } from '../keyspace.js';

function expireGeneric(c: Ctx, a: Uint8Array[], cmd: string, unitMs: boolean, relative: boolean): number {
  let nx = false,
    xx = false,
    gt = false,
    lt = false;
  for (let j = 3; j < a.length; j++) {
    const o = lower(a[j]!);
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else fail(`ERR Unsupported option ${latin1(a[j]!)}`);
  }
  if ((nx && xx) || (nx && gt) || (nx && lt)) fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) fail('ERR GT and LT options at the same time are not compatible');
  let when = parseInt64(a[2]!);
  const bad = `ERR invalid expire time in '${cmd}' command`;
  if (!unitMs) {
    if (when > 9223372036854775807n / 1000n || when < -9223372036854775808n / 1000n) fail(bad);
    when *= 1000n;
  }
  const base = relative ? BigInt(c.now) : 0n;
  if (when > 9223372036854775807n - base) fail(bad);
  when += base;
  const slot = lookup(c, a[1]!);
  if (!slot) return 0;
  const cur = slot.expireAt;
  if (nx && cur !== null) return 0;
  if (xx && cur === null) return 0;
  if (gt && (cur === null || when <= BigInt(cur))) return 0;
  if (lt && cur !== null && when >= BigInt(cur)) return 0;
  if (!c.loading && when <= BigInt(c.now)) {
    c.db.delete(a[1]!);
    return 1;
  }
  slot.expireAt = Number(when);
  return 1;
}

/** A db index argument: integer and in range. */
export function dbIndex(c: Ctx, arg: Uint8Array, notInt: string = Err.NOT_INT): number {
  const v = parseIntArg(arg, notInt);
  if (v < 0 || v >= c.engine.dbs.length) fail(Err.DB_INDEX);
  return v;
}

function renameGeneric(c: Ctx, a: Uint8Array[], nx: boolean): unknown {
  const src = lookup(c, a[1]!);
  if (!src) fail(Err.NO_KEY);
  const same = a[1]!.length === a[2]!.length && a[1]!.every((b, i) => b === a[2]![i]);
  if (same) return nx ? 0 : 'OK';
  if (lookup(c, a[2]!)) {
    if (nx) return 0;
    c.db.delete(a[2]!);
  }
  c.db.delete(a[1]!);
  const slot = c.db.set(a[2]!, src.value);
  slot.expireAt = src.expireAt;
  return nx ? 1 : 'OK';
}

export const keyCommands: CommandTable = {
  del: {
    arity: -2,
    run: (c, a) => {
      let n = 0;
      for (let j = 1; j < a.length; j++) if (lookup(c, a[j]!) && c.db.delete(a[j]!)) n++;
      return n;
    },
  },
  unlink: {
    arity: -2,
    run: (c, a) => {
      let n = 0;
      for (let j = 1; j < a.length; j++) if (lookup(c, a[j]!) && c.db.delete(a[j]!)) n++;
      return n;
    },
  },
  exists: {
    arity: -2,
    run: (c, a) => {
      let n = 0;
      for (let j = 1; j < a.length; j++) if (lookup(c, a[j]!)) n++;
      return n;
    },
  },
  expire: { arity: -3, run: (c, a) => expireGeneric(c, a, 'expire', false, true) },
  pexpire: { arity: -3, run: (c, a) => expireGeneric(c, a, 'pexpire', true, true) },
  expireat: { arity: -3, run: (c, a) => expireGeneric(c, a, 'expireat', false, false) },
  pexpireat: { arity: -3, run: (c, a) => expireGeneric(c, a, 'pexpireat', true, false) },
  persist: {
    arity: 2,
    run: (c, a) => {
      const slot = lookup(c, a[1]!);
      if (!slot || slot.expireAt === null) return 0;
      slot.expireAt = null;
      return 1;
    },
  },
  rename: { arity: 3, run: (c, a) => renameGeneric(c, a, false) },
  renamenx: { arity: 3, run: (c, a) => renameGeneric(c, a, true) },
  move: {
    arity: 3,
    run: (c, a) => {
      const v = parseIntArg(a[2]!);
      if (v < 0 || v >= c.engine.dbs.length) fail('ERR DB index is out of range');
      if (v === c.dbIndex) fail('ERR source and destination objects are the same');
      const slot = lookup(c, a[1]!);
      if (!slot) return 0;
      const dst = c.engine.dbs[v]!;
      const there = dst.get(a[1]!);
      if (there && (c.loading || there.expireAt === null || there.expireAt > c.now)) return 0;
      c.db.delete(a[1]!);
      dst.set(a[1]!, slot.value).expireAt = slot.expireAt;
      return 1;
    },
  },
  copy: {
    arity: -3,
    run: (c, a) => {
      let dbi = c.dbIndex;
      let replace = false;
      for (let j = 3; j < a.length; j++) {
        const o = lower(a[j]!);
        if (o === 'replace') replace = true;
        else if (o === 'db' && j + 1 < a.length) dbi = dbIndex(c, a[++j]!);
        else fail(Err.SYNTAX);
      }
      const same = a[1]!.length === a[2]!.length && a[1]!.every((b, i) => b === a[2]![i]);
      if (dbi === c.dbIndex && same) fail('ERR source and destination objects are the same');
      const src = lookup(c, a[1]!);
      if (!src) return 0;
      const dst = c.engine.dbs[dbi]!;
      const there = dst.get(a[2]!);
      const live = there && (c.loading || there.expireAt === null || there.expireAt > c.now);
      if (live && !replace) return 0;
      if (there) dst.delete(a[2]!);
      dst.set(a[2]!, cloneValue(src.value)).expireAt = src.expireAt;
      return 1;
    },
  },
  restore: {
    arity: -4,
    run: (c, a) => {
      let replace = false,
        absttl = false;
      for (let j = 4; j < a.length; j++) {
        const o = lower(a[j]!);
        if (o === 'replace') replace = true;
        else if (o === 'absttl') absttl = true;
        else if ((o === 'idletime' || o === 'freq') && j + 1 < a.length) {
          const v = parseInt64(a[++j]!);
          if (v < 0n)
            fail(o === 'idletime' ? 'ERR Invalid IDLETIME value, must be >= 0' : 'ERR Invalid FREQ value, must be >= 0 and <= 255');
          if (o === 'freq' && v > 255n) fail('ERR Invalid FREQ value, must be >= 0 and <= 255');
        } else fail(Err.SYNTAX);
      }
      let ttl = parseInt64(a[2]!);
      if (ttl < 0n) fail('ERR Invalid TTL value, must be >= 0');
      if (!replace && lookup(c, a[1]!)) fail('BUSYKEY Target key name already exists.');
      const decode = c.engine.dumpDecoder;
      if (!decode) fail('ERR RESTORE needs a DUMP payload decoder (none is installed in this engine)');
      let value: ReturnType<typeof decode>;
      try {
        value = decode(a[3]!);
      } catch {
        fail('ERR Bad data format');
      }
      if (value.type === 'array')
        fail('ERR Bad data format: array values (RDB 14, Redis 8.8) cannot be held by this engine, which follows Redis 7.0');
      if (ttl > 0n && !absttl) ttl += BigInt(c.now);
      if (ttl > 0n && !c.loading && ttl <= BigInt(c.now)) {
        c.db.delete(a[1]!);
        return 'OK';
      }
      c.db.delete(a[1]!);
      c.db.set(a[1]!, fromValue(value)).expireAt = ttl > 0n ? Number(ttl) : null;
      return 'OK';
    },
  },
};
