/**
 * Stream commands (t_stream.c): XADD with MAXLEN/MINID trimming, XDEL, XTRIM, XGROUP (CREATE,
 * SETID, DESTROY, CREATECONSUMER, DELCONSUMER), XACK, XCLAIM, XAUTOCLAIM, XSETID.
 *
 * Trimming is exact. Redis propagates `~` trims rewritten as `=` with the resulting length or
 * first ID, so replay is exact; a live `~` would trim whole listpack nodes only, which the engine
 * (keeping no node layout) does not model. Stream IDs are two unsigned 64-bit BigInts.
 */
import { bytesKey, latin1 } from '../../model/bytes.js';
import type { StreamId } from '../../model/record.js';
import { compareStreamIds } from '../../model/record.js';
import { Err, fail, lower, parseInt64, parseIntArg } from '../argv.js';
import { type CommandTable, type Ctx, lookupType } from '../context.js';
import { type Consumer, type Group, idKey, type Nack, newStream, type XStream } from '../keyspace.js';
import { entryHasKey, entryId, idChars, packEntry, streamLowerBound } from '../stream-entry.js';

const U64 = 18446744073709551615n;
const BAD_ID = 'ERR Invalid stream ID specified as stream command argument';

/** Parse "ms-seq", "ms" (seq = missingSeq) or, when allowed, "ms-*" (seq null). */
function parseId(b: Uint8Array, missingSeq: bigint, strict: boolean, allowSpecial = false): { id: StreamId; seqGiven: boolean } {
  return tryParseId(b, missingSeq, strict, allowSpecial) ?? fail(BAD_ID);
}

/** The digits b[from, to) as an unsigned 64-bit value, or null (not 1..20 digits, or above 2^64-1). */
function idPart(b: Uint8Array, from: number, to: number): bigint | null {
  const n = to - from;
  if (n === 0 || n > 20) return null;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (n <= 15) return BigInt(v); // exact below 2^53: no text on the way
  const big = BigInt(latin1(b.subarray(from, to)));
  return big > U64 ? null : big;
}

/** parseId, or null for an invalid ID (no exception: XCLAIM probes each argument). */
function tryParseId(b: Uint8Array, missingSeq: bigint, strict: boolean, allowSpecial = false): { id: StreamId; seqGiven: boolean } | null {
  const n = b.length;
  if (n > 64) return null;
  if (!strict && n === 1 && b[0] === 0x2d) return { id: { ms: 0n, seq: 0n }, seqGiven: true };
  if (!strict && n === 1 && b[0] === 0x2b) return { id: { ms: U64, seq: U64 }, seqGiven: true };
  const dash = b.indexOf(0x2d);
  const ms = idPart(b, 0, dash < 0 ? n : dash);
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  if (allowSpecial && n - dash === 2 && b[dash + 1] === 0x2a) return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = idPart(b, dash + 1, n);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

function strictId(b: Uint8Array): StreamId {
  return parseId(b, 0n, true).id;
}

function fmt(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamId;
  noMkStream: boolean;
  id: { id: StreamId; seqGiven: boolean } | null;
  next: number;
}

/** streamParseAddOrTrimArgsOrReply. LIMIT is accepted and ignored: trimming here is exact. */
function parseAddOrTrim(c: Ctx, a: Uint8Array[], xadd: boolean): TrimArgs {
  const t: TrimArgs = { strategy: 'none', maxlen: 0, minid: { ms: 0n, seq: 0n }, noMkStream: false, id: null, next: a.length };
  let approx = false,
    limitGiven = false,
    limit = 0n;
  let i = 2;
  for (; i < a.length; i++) {
    const more = a.length - 1 - i;
    const d = a[i]![0]! - 0x30;
    if (xadd && d >= 0 && d <= 9) {
      // An ID (no option starts with a digit): the common XADD, read without its text.
      t.id = parseId(a[i]!, 0n, true, true);
      t.next = i;
      break;
    }
    const o = lower(a[i]!);
    if (xadd && o === '*') {
      t.next = i;
      break;
    }
    if (o === 'maxlen' && more) {
      if (t.strategy !== 'none') fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const nx = latin1(a[i + 1]!);
      if (more >= 2 && (nx === '~' || nx === '=')) {
        approx = nx === '~';
        i++;
      }
      const v = parseInt64(a[i + 1]!);
      if (v < 0n) fail('ERR The MAXLEN argument must be >= 0.');
      t.maxlen = v > 9007199254740991n ? Number.MAX_SAFE_INTEGER : Number(v);
      i++;
      t.strategy = 'maxlen';
    } else if (o === 'minid' && more) {
      if (t.strategy !== 'none') fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const nx = latin1(a[i + 1]!);
      if (more >= 2 && (nx === '~' || nx === '=')) {
        approx = nx === '~';
        i++;
      }
      t.minid = strictId(a[i + 1]!);
      i++;
      t.strategy = 'minid';
    } else if (o === 'limit' && more) {
      limit = parseInt64(a[i + 1]!);
      if (limit < 0n) fail('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && o === 'nomkstream') {
      t.noMkStream = true;
    } else if (xadd) {
      t.id = parseId(a[i]!, 0n, true, true);
      t.next = i;
      break;
    } else fail(Err.SYNTAX);
  }
  if (limit && t.strategy === 'none') fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && t.strategy === 'none') fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (!c.loading && limitGiven && !approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
  return t;
}

function trim(s: XStream, t: TrimArgs): number {
  let n = 0;
  if (t.strategy === 'maxlen') n = Math.max(0, s.entries.length - t.maxlen);
  else if (t.strategy === 'minid') n = streamLowerBound(s.entries, t.minid);
  if (n > 0) s.entries.splice(0, n);
  return n;
}

/** streamNextID: the next auto ID after `last` at time `now`. */
function nextId(last: StreamId, now: number): StreamId | null {
  const ms = BigInt(now);
  if (ms > last.ms) return { ms, seq: 0n };
  if (last.seq < U64) return { ms: last.ms, seq: last.seq + 1n };
  if (last.ms < U64) return { ms: last.ms + 1n, seq: 0n };
  return null;
}

function entryExists(s: XStream, id: StreamId): boolean {
  const i = streamLowerBound(s.entries, id);
  return i < s.entries.length && entryHasKey(s.entries[i]!, idChars(id));
}

function consumerOf(c: Ctx, g: Group, name: Uint8Array): Consumer {
  const k = bytesKey(name);
  let cn = g.consumers.get(k);
  if (!cn) {
    cn = { name: name.slice(), seenTime: c.now, pel: new Map() };
    g.consumers.set(k, cn);
  } else {
    cn.seenTime = c.now;
  }
  return cn;
}

function groupOrFail(c: Ctx, a: Uint8Array[]): { s: XStream; g: Group } {
  const v = lookupType(c, a[1]!, 'stream');
  const g = v ? v.value.groups.get(bytesKey(a[2]!)) : undefined;
  if (!v || !g) fail(`NOGROUP No such key '${latin1(a[1]!)}' or consumer group '${latin1(a[2]!)}'`);
  return { s: v.value, g };
}

function dropNack(g: Group, k: string): void {
  const n = g.pel.get(k);
  if (!n) return;
  g.pel.delete(k);
  n.consumer?.pel.delete(k);
}

/** Claim `k` for consumer `cn` (the shared part of XCLAIM and XAUTOCLAIM). */
function claim(g: Group, k: string, n: Nack, cn: Consumer, deliveryTime: number, retry: number | null, justid: boolean): void {
  if (n.consumer !== cn) n.consumer?.pel.delete(k);
  n.deliveryTime = deliveryTime;
  if (retry !== null) n.deliveryCount = retry;
  else if (!justid) n.deliveryCount++;
  if (n.consumer !== cn) {
    cn.pel.set(k, n);
    n.consumer = cn;
  }
  void g;
}

export const streamCommands: CommandTable = {
  xadd: {
    arity: -5,
    run: (c, a) => {
      const t = parseAddOrTrim(c, a, true);
      const fieldPos = t.next + 1;
      if (a.length - fieldPos < 2 || (a.length - fieldPos) % 2 === 1) fail("ERR wrong number of arguments for 'xadd' command");
      if (t.id?.seqGiven && t.id.id.ms === 0n && t.id.id.seq === 0n) fail('ERR The ID specified in XADD must be greater than 0-0');
      let v = lookupType(c, a[1]!, 'stream');
      if (!v) {
        if (t.noMkStream) return null;
        v = { type: 'stream', value: newStream() };
        c.db.set(a[1]!, v);
      }
      const s = v.value;
      if (s.lastId.ms === U64 && s.lastId.seq === U64) fail('ERR The stream has exhausted the last possible ID, unable to add more items');
      let id: StreamId;
      if (!t.id) {
        id = nextId(s.lastId, c.now)!;
      } else if (!t.id.seqGiven) {
        if (t.id.id.ms === s.lastId.ms) {
          if (s.lastId.seq === U64) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
          id = { ms: t.id.id.ms, seq: s.lastId.seq + 1n };
        } else if (t.id.id.ms > s.lastId.ms) id = { ms: t.id.id.ms, seq: 0n };
        else fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
      } else {
        id = t.id.id;
        if (compareStreamIds(id, s.lastId) <= 0) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
      }
      s.entries.push(packEntry(id, a, fieldPos));
      s.lastId = id;
      s.entriesAdded++;
      trim(s, t);
      return fmt(id);
    },
  },
  xtrim: {
    arity: -4,
    run: (c, a) => {
      const v = lookupType(c, a[1]!, 'stream');
      const t = parseAddOrTrim(c, a, false);
      if (!v) return 0;
      return trim(v.value, t);
    },
  },
  xdel: {
    arity: -3,
    run: (c, a) => {
      const ids = a.slice(2).map(strictId);
      const v = lookupType(c, a[1]!, 'stream');
      if (!v) return 0;
      const s = v.value;
      let n = 0;
      for (const id of ids) {
        const i = streamLowerBound(s.entries, id);
        if (i < s.entries.length && entryHasKey(s.entries[i]!, idChars(id))) {
          s.entries.splice(i, 1);
          if (compareStreamIds(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
          n++;
        }
      }
      return n;
    },
  },
  xsetid: {
    arity: -3,
    run: (c, a) => {
      const id = strictId(a[2]!);
      let added = -1n;
      let maxDel: StreamId = { ms: 0n, seq: 0n };
      for (let i = 3; i < a.length; i += 2) {
        const o = lower(a[i]!);
        if (o === 'entriesadded' && i + 1 < a.length) {
          added = parseInt64(a[i + 1]!);
          if (added < 0n) fail('ERR entries_added must be positive');
        } else if (o === 'maxdeletedid' && i + 1 < a.length) {
          maxDel = strictId(a[i + 1]!);
          if (compareStreamIds(id, maxDel) < 0) fail('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        } else fail(Err.SYNTAX);
      }
      const v = lookupType(c, a[1]!, 'stream');
      if (!v) fail(Err.NO_KEY);
      const s = v.value;
      if (s.entries.length > 0) {
        if (compareStreamIds(id, entryId(s.entries[s.entries.length - 1]!)) < 0)
          fail('ERR The ID specified in XSETID is smaller than the target stream top item');
        if (added !== -1n && BigInt(s.entries.length) > added)
          fail('ERR The entries_added specified in XSETID is smaller than the target stream length');
      }
      s.lastId = id;
      if (added !== -1n) s.entriesAdded = Number(added);
      if (maxDel.ms !== 0n || maxDel.seq !== 0n) s.maxDeletedId = maxDel;
      return 'OK';
    },
  },
  xgroup: {
    arity: -2,
    sub: { create: -5, setid: -5, destroy: 4, createconsumer: 5, delconsumer: 5 },
    run: (c, a) => {
      const sub = lower(a[1]!);
      let mkstream = false;
      let entriesRead = -1;
      let v: { type: 'stream'; value: XStream } | undefined;
      let g: Group | undefined;
      if (a.length >= 4) {
        for (let i = 5; i < a.length; ) {
          const o = lower(a[i]!);
          if (sub === 'create' && o === 'mkstream') {
            mkstream = true;
            i++;
          } else if ((sub === 'create' || sub === 'setid') && o === 'entriesread' && i + 1 < a.length) {
            entriesRead = parseIntArg(a[i + 1]!);
            if (entriesRead < 0 && entriesRead !== -1) fail('ERR value for ENTRIESREAD must be positive or -1');
            i += 2;
          } else fail(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try XGROUP HELP.`);
        }
        v = lookupType(c, a[2]!, 'stream');
        if (!v && !mkstream)
          fail(
            'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
          );
        if (v) {
          g = v.value.groups.get(bytesKey(a[3]!));
          if (!g && (sub === 'setid' || sub === 'createconsumer' || sub === 'delconsumer')) {
            fail(`NOGROUP No such consumer group '${latin1(a[3]!)}' for key name '${latin1(a[2]!)}'`);
          }
        }
      }
      if (sub === 'create' && a.length >= 5 && a.length <= 8) {
        let id: StreamId;
        if (latin1(a[4]!) === '$') id = v ? v.value.lastId : { ms: 0n, seq: 0n };
        else id = strictId(a[4]!);
        if (!v) {
          v = { type: 'stream', value: newStream() };
          c.db.set(a[2]!, v);
        }
        const k = bytesKey(a[3]!);
        if (v.value.groups.has(k)) fail('BUSYGROUP Consumer Group name already exists');
        v.value.groups.set(k, { name: a[3]!.slice(), lastId: id, entriesRead, pel: new Map(), consumers: new Map() });
        return 'OK';
      }
      if (sub === 'setid' && (a.length === 5 || a.length === 7)) {
        const id = latin1(a[4]!) === '$' ? v!.value.lastId : parseId(a[4]!, 0n, false).id;
        g!.lastId = id;
        g!.entriesRead = entriesRead;
        return 'OK';
      }
      if (sub === 'destroy' && a.length === 4) {
        if (!g) return 0;
        v!.value.groups.delete(bytesKey(a[3]!));
        return 1;
      }
      if (sub === 'createconsumer' && a.length === 5) {
        const k = bytesKey(a[4]!);
        if (g!.consumers.has(k)) return 0;
        g!.consumers.set(k, { name: a[4]!.slice(), seenTime: c.now, pel: new Map() });
        return 1;
      }
      if (sub === 'delconsumer' && a.length === 5) {
        const k = bytesKey(a[4]!);
        const cn = g!.consumers.get(k);
        if (!cn) return 0;
        const pending = cn.pel.size;
        for (const nk of cn.pel.keys()) g!.pel.delete(nk);
        g!.consumers.delete(k);
        return pending;
      }
      return fail(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try XGROUP HELP.`);
    },
  },
  xack: {
    arity: -4,
    run: (c, a) => {
      const v = lookupType(c, a[1]!, 'stream');
      const g = v ? v.value.groups.get(bytesKey(a[2]!)) : undefined;
      if (!v || !g) return 0;
      const ids = a.slice(3).map(strictId);
      let n = 0;
      for (const id of ids) {
        const k = idKey(id);
        if (g.pel.has(k)) {
          dropNack(g, k);
          n++;
        }
      }
      return n;
    },
  },
  xclaim: {
    arity: -6,
    run: (c, a) => {
      const { s, g } = groupOrFail(c, a);
      let minidle = parseIntArg(a[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
      if (minidle < 0) minidle = 0;
      const ids: StreamId[] = [];
      let j = 5;
      for (; j < a.length; j++) {
        const id = tryParseId(a[j]!, 0n, true);
        if (!id) break;
        ids.push(id.id);
      }
      let retry: number | null = null;
      let delivery: number | null = null;
      let force = false,
        justid = false;
      let lastId: StreamId = { ms: 0n, seq: 0n };
      for (; j < a.length; j++) {
        const more = a.length - 1 - j;
        const o = lower(a[j]!);
        if (o === 'force') force = true;
        else if (o === 'justid') justid = true;
        else if (o === 'idle' && more) delivery = c.now - parseIntArg(a[++j]!, 'ERR Invalid IDLE option argument for XCLAIM');
        else if (o === 'time' && more) delivery = parseIntArg(a[++j]!, 'ERR Invalid TIME option argument for XCLAIM');
        else if (o === 'retrycount' && more) retry = parseIntArg(a[++j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
        else if (o === 'lastid' && more) lastId = strictId(a[++j]!);
        else fail(`ERR Unrecognized XCLAIM option '${latin1(a[j]!)}'`);
      }
      if (compareStreamIds(lastId, g.lastId) > 0) g.lastId = lastId;
      // Redis clamps a future TIME to its clock; an AOF loader's clock is the wall clock at load,
      // later than any logged TIME, so while loading rdbkit clamps to the later of both.
      const limit = c.loading ? Math.max(c.now, Date.now()) : c.now;
      if (delivery === null || delivery < 0 || delivery > limit) delivery = delivery === null || delivery < 0 ? c.now : limit;
      let cn: Consumer | null = null;
      const out: string[] = [];
      for (const id of ids) {
        const k = idKey(id);
        let n = g.pel.get(k);
        if (!entryExists(s, id)) {
          if (n) dropNack(g, k);
          continue;
        }
        if (force && !n) {
          n = { id, deliveryTime: c.now, deliveryCount: 1, consumer: null };
          g.pel.set(k, n);
        }
        if (!n) continue;
        if (n.consumer && minidle && c.now - n.deliveryTime < minidle) continue;
        if (!cn) cn = consumerOf(c, g, a[3]!);
        claim(g, k, n, cn, delivery, retry, justid);
        out.push(fmt(id));
      }
      return out;
    },
  },
  xautoclaim: {
    arity: -6,
    run: (c, a) => {
      const { s, g } = groupOrFail(c, a);
      let minidle = parseIntArg(a[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
      if (minidle < 0) minidle = 0;
      const start = parseId(a[5]!, 0n, false).id;
      let count = 100,
        justid = false;
      for (let j = 6; j < a.length; j++) {
        const o = lower(a[j]!);
        if (o === 'count' && j + 1 < a.length) {
          count = parseIntArg(a[++j]!, 'ERR COUNT must be > 0');
          if (count < 1 || count > 2 ** 50) fail('ERR COUNT must be > 0');
        } else if (o === 'justid') justid = true;
        else fail(Err.SYNTAX);
      }
      let attempts = count * 10;
      const keys = [...g.pel.keys()].filter((k) => k >= idKey(start)).sort();
      let cn: Consumer | null = null;
      const claimed: string[] = [];
      const deleted: string[] = [];
      let idx = 0;
      for (; idx < keys.length && attempts-- > 0 && count > 0; idx++) {
        const k = keys[idx]!;
        const n = g.pel.get(k)!;
        if (!entryExists(s, n.id)) {
          dropNack(g, k);
          deleted.push(fmt(n.id));
          count--;
          continue;
        }
        if (minidle && c.now - n.deliveryTime < minidle) continue;
        if (!cn) cn = consumerOf(c, g, a[3]!);
        claim(g, k, n, cn, c.now, null, justid);
        claimed.push(fmt(n.id));
        count--;
      }
      const next = idx < keys.length ? fmt(g.pel.get(keys[idx]!)?.id ?? { ms: 0n, seq: 0n }) : '0-0';
      return [next, claimed, deleted];
    },
  },
};
