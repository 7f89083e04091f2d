/**
 * Sorted-set commands (t_zset.c): ZADD with NX/XX/GT/LT/CH/INCR, ZINCRBY, ZREM, the three
 * ZREMRANGEBY*, ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE, ZRANGESTORE, ZPOPMIN/ZPOPMAX and the
 * blocking / multi-key pop forms (run without blocking).
 *
 * Encoding: listpack while <= 128 members of <= 64 bytes, else skiplist; ZADD picks the
 * starting encoding from the first member only, and skiplist never goes back except for the
 * *STORE results that Redis converts by their final content. A listpack cannot hold -0: it
 * stores the score as integer 0, which DEBUG DIGEST then prints as "0".
 */
import { bytesKey } from '../../model/bytes.js';
import { Err, fail, lower, parseDouble, parseIntArg, readDouble } from '../argv.js';
import { type CommandTable, type Ctx, lookup, lookupType } from '../context.js';
import {
  type BStr,
  bstr,
  compareBStr,
  Limits,
  strBytes,
  type ZMap,
  type ZNode,
  type ZsetValue,
  zsetReshape,
  zsetSorted,
  zsetToSkiplist,
} from '../keyspace.js';
import { PackedZMap } from '../packed.js';
import { ZScoreMap } from '../zmap.js';
import { normRange } from './lists.js';

type ZsetV = ZsetValue;

/** A new empty zset in the given encoding. */
export function newZset(listpack: boolean): ZsetV {
  return { type: 'zset', value: listpack ? new PackedZMap() : new ZScoreMap(), listpack, sorted: null };
}

/** Insert or update a member, converting listpack -> skiplist as zsetAdd does (`isNew`: whether it is absent, when the caller knows). */
function zsetPutStr(z: ZsetV, k: BStr, score: number, isNew = !z.value.has(k)): void {
  if (z.listpack && isNew && (z.value.size + 1 > Limits.zsetMaxListpackEntries || k.length > Limits.zsetMaxListpackValue))
    zsetToSkiplist(z);
  if (z.listpack && score === 0) score = 0; // -0 becomes integer 0 in a listpack
  z.value.setScore(k, score);
  z.sorted = null;
}

function zsetDelete(z: ZsetV, member: BStr): boolean {
  const ok = z.value.delete(member);
  if (ok) z.sorted = null;
  return ok;
}

/** zsetConvertToListpackIfNeeded over the final content (a listpack stores -0 as 0: zsetReshape). */
function settleEncoding(z: ZsetV): void {
  z.listpack = z.value.size <= Limits.zsetMaxListpackEntries;
  if (z.listpack) for (const n of z.value.values()) if (n.member.length > Limits.zsetMaxListpackValue) z.listpack = false;
  zsetReshape(z);
}

function zadd(c: Ctx, a: Uint8Array[], forceIncr: boolean): unknown {
  let nx = false,
    xx = false,
    ch = false,
    incr = forceIncr,
    gt = false,
    lt = false;
  let i = 2;
  if (!forceIncr) {
    for (; i < a.length; i++) {
      // a score (no option starts with a digit, a sign or a dot) ends the options without its text
      const c0 = a[i]![0];
      if (c0 !== undefined && ((c0 >= 0x30 && c0 <= 0x39) || c0 === 0x2d || c0 === 0x2b || c0 === 0x2e)) break;
      const o = lower(a[i]!);
      if (o === 'nx') nx = true;
      else if (o === 'xx') xx = true;
      else if (o === 'ch') ch = true;
      else if (o === 'incr') incr = true;
      else if (o === 'gt') gt = true;
      else if (o === 'lt') lt = true;
      else break;
    }
  }
  const elements = a.length - i;
  if (elements % 2 || !elements) fail(Err.SYNTAX);
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && elements > 2) fail('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = i; j < a.length; j += 2) scores.push(parseDouble(a[j]!));
  let z = lookupType(c, a[1]!, 'zset');
  if (!z) {
    if (xx) return incr ? null : 0;
    z = newZset(a[i + 1]!.length <= Limits.zsetMaxListpackValue);
    c.db.set(a[1]!, z);
  }
  let added = 0,
    updated = 0,
    processed = 0;
  let last = 0;
  for (let j = 0; j < scores.length; j++) {
    let score = scores[j]!;
    const k = bytesKey(a[i + 1 + j * 2]!);
    const cur = z.value.score(k);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) fail('ERR resulting score is not a number (NaN)');
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      last = score;
      processed++;
      if (score !== cur) {
        zsetPutStr(z, k, score, false);
        updated++;
      }
    } else {
      if (xx) continue;
      zsetPutStr(z, k, score, true);
      last = score;
      added++;
      processed++;
    }
  }
  if (incr) return processed ? last : null;
  return ch ? added + updated : added;
}

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

function parseScoreBound(b: Uint8Array): [number, boolean] {
  const ex = b[0] === 0x28;
  const v = readDouble(ex ? b.subarray(1) : b);
  if (v === null || Number.isNaN(v)) fail('ERR min or max is not a float');
  return [v, ex];
}

function parseScoreRange(minA: Uint8Array, maxA: Uint8Array): ScoreRange {
  const [min, minex] = parseScoreBound(minA);
  const [max, maxex] = parseScoreBound(maxA);
  return { min, max, minex, maxex };
}

function inScore(s: number, r: ScoreRange): boolean {
  return (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max);
}

type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'val'; v: BStr; ex: boolean };

function parseLexBound(b: Uint8Array): LexBound {
  if (b.length === 1 && b[0] === 0x2d) return { kind: 'min' };
  if (b.length === 1 && b[0] === 0x2b) return { kind: 'max' };
  if (b[0] === 0x28) return { kind: 'val', v: bstr(b.subarray(1)), ex: true };
  if (b[0] === 0x5b) return { kind: 'val', v: bstr(b.subarray(1)), ex: false };
  return fail('ERR min or max not valid string range item');
}

function lexGte(m: BStr, b: LexBound): boolean {
  if (b.kind === 'min') return true;
  if (b.kind === 'max') return false;
  const d = compareBStr(m, b.v);
  return b.ex ? d > 0 : d >= 0;
}

function lexLte(m: BStr, b: LexBound): boolean {
  if (b.kind === 'max') return true;
  if (b.kind === 'min') return false;
  const d = compareBStr(m, b.v);
  return b.ex ? d < 0 : d <= 0;
}

/**
 * The members a lex range selects, as Redis walks them: from the first member (in score order)
 * that is >= min, while members are <= max. Redis documents lex ranges only for members of
 * equal score; with mixed scores this is what a listpack does (a skiplist's result then depends
 * on its random levels, so it is not reproducible at all).
 */
function lexRun(ordered: ZNode[], lo: LexBound, hi: LexBound): ZNode[] {
  let i = 0;
  while (i < ordered.length && !lexGte(ordered[i]!.member, lo)) i++;
  const out: ZNode[] = [];
  for (; i < ordered.length && lexLte(ordered[i]!.member, hi); i++) out.push(ordered[i]!);
  return out;
}

/** The reverse walk: from the last member <= max backwards while >= min. */
function lexRunRev(ordered: ZNode[], lo: LexBound, hi: LexBound): ZNode[] {
  let i = ordered.length - 1;
  while (i >= 0 && !lexLte(ordered[i]!.member, hi)) i--;
  const out: ZNode[] = [];
  for (; i >= 0 && lexGte(ordered[i]!.member, lo); i--) out.push(ordered[i]!);
  return out;
}

function removeWhere(c: Ctx, key: Uint8Array, z: ZsetV, nodes: ZNode[]): number {
  for (const n of nodes) zsetDelete(z, n.member);
  if (z.value.size === 0) c.db.delete(key);
  return nodes.length;
}

type Aggregate = 'sum' | 'min' | 'max';

function zsetSources(c: Ctx, a: Uint8Array[], cmd: string): { keys: Array<ZMap | Map<BStr, ZNode> | null>; numkeys: number; next: number } {
  const numkeys = parseIntArg(a[2]!);
  if (numkeys < 1) fail(`ERR at least 1 input key is needed for '${cmd}' command`);
  if (numkeys > a.length - 3) fail(Err.SYNTAX);
  const keys: Array<ZMap | Map<BStr, ZNode> | null> = [];
  for (let j = 0; j < numkeys; j++) {
    const slot = lookup(c, a[3 + j]!);
    if (!slot) {
      keys.push(null);
      continue;
    }
    if (slot.value.type === 'zset') keys.push(slot.value.value);
    else if (slot.value.type === 'set') {
      const m = new Map<string, ZNode>();
      for (const k of slot.value.value) m.set(k, { member: k, score: 1 });
      keys.push(m);
    } else fail(Err.WRONGTYPE);
  }
  return { keys, numkeys, next: 3 + numkeys };
}

function aggregate(op: Aggregate, acc: number, v: number): number {
  if (op === 'sum') {
    const r = acc + v;
    return Number.isNaN(r) ? 0 : r;
  }
  return op === 'min' ? Math.min(v, acc) : Math.max(v, acc);
}

function zstore(c: Ctx, a: Uint8Array[], op: 'union' | 'inter' | 'diff', cmd: string): number {
  const { keys, numkeys, next } = zsetSources(c, a, cmd);
  const weights = new Array<number>(numkeys).fill(1);
  let agg: Aggregate = 'sum';
  for (let j = next; j < a.length; j++) {
    const o = lower(a[j]!);
    if (op !== 'diff' && o === 'weights' && a.length - j - 1 >= numkeys) {
      for (let k = 0; k < numkeys; k++) weights[k] = parseDouble(a[j + 1 + k]!, 'ERR weight value is not a float');
      j += numkeys;
    } else if (op !== 'diff' && o === 'aggregate' && j + 1 < a.length) {
      const t = lower(a[++j]!);
      if (t !== 'sum' && t !== 'min' && t !== 'max') fail(Err.SYNTAX);
      agg = t;
    } else fail(Err.SYNTAX);
  }
  const out = new Map<string, ZNode>();
  const weighted = (v: number, w: number): number => {
    const r = v * w;
    return Number.isNaN(r) ? 0 : r;
  };
  if (op === 'union') {
    keys.forEach((m, idx) => {
      if (!m) return;
      for (const [k, n] of m) {
        const s = weighted(n.score, weights[idx]!);
        const e = out.get(k);
        if (e) e.score = aggregate(agg, e.score, s);
        else out.set(k, { member: n.member, score: s });
      }
    });
  } else if (op === 'inter') {
    if (keys.every((m) => m)) {
      const order = keys.map((m, idx) => ({ m: m!, idx })).sort((x, y) => x.m.size - y.m.size);
      const first = order[0]!;
      for (const [k, n] of first.m) {
        let score = weighted(n.score, weights[first.idx]!);
        let ok = true;
        for (const o of order.slice(1)) {
          const e = o.m.get(k);
          if (!e) {
            ok = false;
            break;
          }
          score = aggregate(agg, score, weighted(e.score, weights[o.idx]!));
        }
        if (ok) out.set(k, { member: n.member, score });
      }
    }
  } else if (keys[0]) {
    for (const [k, n] of keys[0]) if (!keys.slice(1).some((m) => m?.has(k))) out.set(k, { member: n.member, score: n.score });
  }
  c.db.delete(a[1]!);
  if (out.size === 0) return 0;
  const z: ZsetV = { type: 'zset', value: ZScoreMap.from(out), listpack: false, sorted: null };
  settleEncoding(z);
  c.db.set(a[1]!, z);
  return out.size;
}

function zrangestore(c: Ctx, a: Uint8Array[]): number {
  let by: 'rank' | 'score' | 'lex' = 'rank';
  let rev = false;
  let offset = 0,
    count = -1,
    limit = false;
  for (let j = 5; j < a.length; j++) {
    const o = lower(a[j]!);
    if (o === 'byscore' && by === 'rank') by = 'score';
    else if (o === 'bylex' && by === 'rank') by = 'lex';
    else if (o === 'rev') rev = true;
    else if (o === 'limit' && j + 2 < a.length) {
      offset = parseIntArg(a[j + 1]!);
      count = parseIntArg(a[j + 2]!);
      limit = true;
      j += 2;
    } else fail(Err.SYNTAX);
  }
  if (limit && by === 'rank') fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  let minA = a[3]!,
    maxA = a[4]!;
  if (rev && by !== 'rank') [minA, maxA] = [maxA, minA];
  let picked: ZNode[] = [];
  if (by === 'rank') {
    const start = parseIntArg(a[3]!),
      stop = parseIntArg(a[4]!);
    const z = lookupType(c, a[2]!, 'zset');
    if (z) {
      const all = zsetSorted(z);
      const ordered = rev ? all.slice().reverse() : all;
      const r = normRange(start, stop, ordered.length);
      if (r) picked = ordered.slice(r[0], r[1] + 1);
    }
  } else {
    const range = by === 'score' ? parseScoreRange(minA, maxA) : null;
    const lex = by === 'lex' ? ([parseLexBound(minA), parseLexBound(maxA)] as const) : null;
    const z = lookupType(c, a[2]!, 'zset');
    if (z) {
      const all = zsetSorted(z);
      const ordered = rev ? all.slice().reverse() : all;
      const matched = range
        ? ordered.filter((n) => inScore(n.score, range))
        : rev
          ? lexRunRev(all, lex![0], lex![1])
          : lexRun(all, lex![0], lex![1]);
      if (offset < 0) picked = [];
      else picked = matched.slice(offset, count < 0 ? undefined : offset + count);
    }
  }
  c.db.delete(a[1]!);
  if (picked.length === 0) return 0;
  const z = newZset(picked.length <= Limits.zsetMaxListpackEntries);
  for (const n of picked) zsetPutStr(z, n.member, n.score);
  c.db.set(a[1]!, z);
  return picked.length;
}

function popFrom(c: Ctx, key: Uint8Array, z: ZsetV, max: boolean, n: number): Array<[Uint8Array, number]> {
  const all = zsetSorted(z);
  const take = max ? all.slice(Math.max(0, all.length - n)).reverse() : all.slice(0, n);
  for (const t of take) zsetDelete(z, t.member);
  if (z.value.size === 0) c.db.delete(key);
  return take.map((t) => [strBytes(t.member), t.score]);
}

function zpop(c: Ctx, a: Uint8Array[], max: boolean): unknown {
  if (a.length > 3) fail(Err.SYNTAX);
  let n = 1;
  if (a.length === 3) {
    n = parseIntArg(a[2]!, Err.NOT_POSITIVE);
    if (n < 0) fail(Err.NOT_POSITIVE);
  }
  const z = lookupType(c, a[1]!, 'zset');
  if (!z || n === 0) return [];
  return popFrom(c, a[1]!, z, max, n);
}

function zmpop(c: Ctx, a: Uint8Array[], first: number): unknown {
  const numkeys = parseIntArg(a[first]!);
  if (numkeys <= 0) fail('ERR numkeys should be greater than 0');
  const whereIdx = first + 1 + numkeys;
  if (whereIdx >= a.length) fail(Err.SYNTAX);
  const w = lower(a[whereIdx]!);
  if (w !== 'min' && w !== 'max') fail(Err.SYNTAX);
  let count = 1;
  for (let j = whereIdx + 1; j < a.length; j++) {
    if (lower(a[j]!) === 'count' && j + 1 < a.length) {
      count = parseIntArg(a[++j]!, 'ERR count should be greater than 0');
      if (count <= 0) fail('ERR count should be greater than 0');
    } else fail(Err.SYNTAX);
  }
  for (let k = first + 1; k < whereIdx; k++) {
    const z = lookupType(c, a[k]!, 'zset');
    if (z) return [a[k]!, popFrom(c, a[k]!, z, w === 'max', count)];
  }
  return null;
}

function bzpop(c: Ctx, a: Uint8Array[], max: boolean): unknown {
  parseDouble(a[a.length - 1]!, 'ERR timeout is not a float or out of range');
  for (let k = 1; k < a.length - 1; k++) {
    const z = lookupType(c, a[k]!, 'zset');
    if (z) return [a[k]!, ...popFrom(c, a[k]!, z, max, 1)[0]!];
  }
  return null;
}

export const zsetCommands: CommandTable = {
  zadd: { arity: -4, run: (c, a) => zadd(c, a, false) },
  zincrby: { arity: 4, run: (c, a) => zadd(c, a, true) },
  zrem: {
    arity: -3,
    run: (c, a) => {
      const z = lookupType(c, a[1]!, 'zset');
      if (!z) return 0;
      let n = 0;
      for (let j = 2; j < a.length; j++) if (zsetDelete(z, bytesKey(a[j]!))) n++;
      if (z.value.size === 0) c.db.delete(a[1]!);
      return n;
    },
  },
  zremrangebyscore: {
    arity: 4,
    run: (c, a) => {
      const r = parseScoreRange(a[2]!, a[3]!);
      const z = lookupType(c, a[1]!, 'zset');
      if (!z) return 0;
      return removeWhere(
        c,
        a[1]!,
        z,
        [...z.value.values()].filter((n) => inScore(n.score, r)),
      );
    },
  },
  zremrangebylex: {
    arity: 4,
    run: (c, a) => {
      const lo = parseLexBound(a[2]!),
        hi = parseLexBound(a[3]!);
      const z = lookupType(c, a[1]!, 'zset');
      if (!z) return 0;
      return removeWhere(c, a[1]!, z, lexRun(zsetSorted(z), lo, hi));
    },
  },
  zremrangebyrank: {
    arity: 4,
    run: (c, a) => {
      const start = parseIntArg(a[2]!),
        stop = parseIntArg(a[3]!);
      const z = lookupType(c, a[1]!, 'zset');
      if (!z) return 0;
      const r = normRange(start, stop, z.value.size);
      if (!r) return 0;
      return removeWhere(c, a[1]!, z, zsetSorted(z).slice(r[0], r[1] + 1));
    },
  },
  zunionstore: { arity: -4, run: (c, a) => zstore(c, a, 'union', 'zunionstore') },
  zinterstore: { arity: -4, run: (c, a) => zstore(c, a, 'inter', 'zinterstore') },
  zdiffstore: { arity: -4, run: (c, a) => zstore(c, a, 'diff', 'zdiffstore') },
  zrangestore: { arity: -5, run: (c, a) => zrangestore(c, a) },
  zpopmin: { arity: -2, run: (c, a) => zpop(c, a, false) },
  zpopmax: { arity: -2, run: (c, a) => zpop(c, a, true) },
  bzpopmin: { arity: -3, run: (c, a) => bzpop(c, a, false) },
  bzpopmax: { arity: -3, run: (c, a) => bzpop(c, a, true) },
  zmpop: { arity: -4, run: (c, a) => zmpop(c, a, 1) },
  bzmpop: {
    arity: -5,
    run: (c, a) => {
      parseDouble(a[1]!, 'ERR timeout is not a float or out of range');
      return zmpop(c, a, 2);
    },
  },
  zscore: { arity: 3, run: (c, a) => lookupType(c, a[1]!, 'zset')?.value.get(bytesKey(a[2]!))?.score ?? null },
};
