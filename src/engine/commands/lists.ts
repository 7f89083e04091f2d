/**
 * List commands (t_list.c): pushes, LINSERT, LSET, LREM, LTRIM, pops with COUNT, RPOPLPUSH /
 * LMOVE, LMPOP, and the blocking forms run without blocking (Redis propagates BLPOP as LPOP,
 * BLMOVE as LMOVE...). Redis 7.0 keeps every list as a quicklist; the engine packs elements
 * into chunks much as a quicklist does (packed-list.ts).
 */
import { Err, fail, lower, parseDouble, parseIntArg } from '../argv.js';
import { type CommandTable, type Ctx, lookupType } from '../context.js';
import { type BStr, bstr, strBytes } from '../keyspace.js';
import { PackedList } from '../packed-list.js';

type ListV = { type: 'list'; value: PackedList };

function push(c: Ctx, a: Uint8Array[], left: boolean, onlyExisting: boolean): number {
  let l = lookupType(c, a[1]!, 'list');
  if (!l) {
    if (onlyExisting) return 0;
    l = { type: 'list', value: new PackedList() };
    c.db.set(a[1]!, l);
  }
  const d = l.value;
  if (left) for (let j = 2; j < a.length; j++) d.pushFront(bstr(a[j]!));
  else d.pushBackBytes(a, 2);
  return l.value.length;
}

function popCount(arg: Uint8Array | undefined): number | null {
  if (arg === undefined) return null;
  const n = parseIntArg(arg, Err.NOT_POSITIVE);
  if (n < 0) fail(Err.NOT_POSITIVE);
  return n;
}

function popFrom(c: Ctx, key: Uint8Array, l: ListV, left: boolean, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n && l.value.length > 0; i++) out.push(strBytes((left ? l.value.popFront() : l.value.popBack())!));
  if (l.value.length === 0) c.db.delete(key);
  return out;
}

function pop(c: Ctx, a: Uint8Array[], left: boolean): unknown {
  if (a.length > 3) fail(`ERR wrong number of arguments for '${left ? 'lpop' : 'rpop'}' command`);
  const n = popCount(a[2]);
  const l = lookupType(c, a[1]!, 'list');
  if (!l) return null;
  if (n === null) return popFrom(c, a[1]!, l, left, 1)[0];
  if (n === 0) return [];
  return popFrom(c, a[1]!, l, left, n);
}

function side(arg: Uint8Array): boolean {
  const s = lower(arg);
  if (s === 'left') return true;
  if (s === 'right') return false;
  return fail(Err.SYNTAX);
}

function move(c: Ctx, src: Uint8Array, dst: Uint8Array, fromLeft: boolean, toLeft: boolean): Uint8Array | null {
  const s = lookupType(c, src, 'list');
  if (!s) return null;
  const d = lookupType(c, dst, 'list');
  const v = fromLeft ? s.value.popFront()! : s.value.popBack()!;
  if (d) {
    if (toLeft) d.value.pushFront(v);
    else d.value.pushBack(v);
  } else {
    c.db.set(dst, { type: 'list', value: PackedList.from([v]) });
  }
  if (s.value.length === 0 && !(d === s)) c.db.delete(src);
  return strBytes(v);
}

/** Normalize a [start, stop] range against length n (Redis LRANGE/LTRIM rules); null when empty. */
export function normRange(start: number, stop: number, n: number): [number, number] | null {
  if (start < 0) start = n + start;
  if (stop < 0) stop = n + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return null;
  if (stop >= n) stop = n - 1;
  return [start, stop];
}

function mpop(c: Ctx, a: Uint8Array[], first: number): unknown {
  const numkeys = parseIntArg(a[first]!);
  if (numkeys <= 0) fail('ERR numkeys should be greater than 0');
  const whereIdx = first + 1 + numkeys;
  if (whereIdx >= a.length) fail(Err.SYNTAX);
  const left = side(a[whereIdx]!);
  let count = 1;
  for (let j = whereIdx + 1; j < a.length; j++) {
    if (lower(a[j]!) === 'count' && j + 1 < a.length && count === 1) {
      count = parseIntArg(a[++j]!, 'ERR count should be greater than 0');
      if (count <= 0) fail('ERR count should be greater than 0');
    } else fail(Err.SYNTAX);
  }
  for (let k = first + 1; k < whereIdx; k++) {
    const l = lookupType(c, a[k]!, 'list');
    if (l) return [a[k]!, popFrom(c, a[k]!, l, left, count)];
  }
  return null;
}

function bpop(c: Ctx, a: Uint8Array[], left: boolean): unknown {
  parseDouble(a[a.length - 1]!, 'ERR timeout is not a float or out of range');
  for (let k = 1; k < a.length - 1; k++) {
    const l = lookupType(c, a[k]!, 'list');
    if (l) return [a[k]!, popFrom(c, a[k]!, l, left, 1)[0]];
  }
  return null;
}

export const listCommands: CommandTable = {
  lpush: { arity: -3, run: (c, a) => push(c, a, true, false) },
  rpush: { arity: -3, run: (c, a) => push(c, a, false, false) },
  lpushx: { arity: -3, run: (c, a) => push(c, a, true, true) },
  rpushx: { arity: -3, run: (c, a) => push(c, a, false, true) },
  linsert: {
    arity: 5,
    run: (c, a) => {
      const w = lower(a[2]!);
      if (w !== 'before' && w !== 'after') fail(Err.SYNTAX);
      const l = lookupType(c, a[1]!, 'list');
      if (!l) return 0;
      const pivot = bstr(a[3]!);
      const all = l.value.toArray();
      const i = all.indexOf(pivot);
      if (i < 0) return -1;
      all.splice(w === 'before' ? i : i + 1, 0, bstr(a[4]!));
      l.value.replace(all);
      return l.value.length;
    },
  },
  lset: {
    arity: 4,
    run: (c, a) => {
      const l = lookupType(c, a[1]!, 'list');
      if (!l) fail(Err.NO_KEY);
      let i = parseIntArg(a[2]!);
      if (i < 0) i += l.value.length;
      if (i < 0 || i >= l.value.length) fail(Err.OUT_OF_RANGE);
      l.value.set(i, bstr(a[3]!));
      return 'OK';
    },
  },
  lrem: {
    arity: 4,
    run: (c, a) => {
      const count = parseIntArg(a[2]!);
      const l = lookupType(c, a[1]!, 'list');
      if (!l) return 0;
      const v = l.value.toArray();
      const el = bstr(a[3]!);
      let removed = 0;
      if (count >= 0) {
        const out: BStr[] = [];
        for (const e of v) {
          if ((count === 0 || removed < count) && e === el) removed++;
          else out.push(e);
        }
        l.value.replace(out);
      } else {
        const out: BStr[] = [];
        for (let i = v.length - 1; i >= 0; i--) {
          if (removed < -count && v[i] === el) removed++;
          else out.push(v[i]!);
        }
        l.value.replace(out.reverse());
      }
      if (l.value.length === 0) c.db.delete(a[1]!);
      return removed;
    },
  },
  ltrim: {
    arity: 4,
    run: (c, a) => {
      const start = parseIntArg(a[2]!);
      const stop = parseIntArg(a[3]!);
      const l = lookupType(c, a[1]!, 'list');
      if (!l) return 'OK';
      const r = normRange(start, stop, l.value.length);
      // Trim by popping from both ends: O(removed), so LPUSH + LTRIM capped lists stay cheap.
      if (!r) l.value.replace([]);
      else {
        const tail = l.value.length - 1 - r[1];
        for (let i = 0; i < r[0]; i++) l.value.popFront();
        for (let i = 0; i < tail; i++) l.value.popBack();
      }
      if (l.value.length === 0) c.db.delete(a[1]!);
      return 'OK';
    },
  },
  lpop: { arity: -2, run: (c, a) => pop(c, a, true) },
  rpop: { arity: -2, run: (c, a) => pop(c, a, false) },
  rpoplpush: { arity: 3, run: (c, a) => move(c, a[1]!, a[2]!, false, true) },
  lmove: { arity: 5, run: (c, a) => move(c, a[1]!, a[2]!, side(a[3]!), side(a[4]!)) },
  brpoplpush: {
    arity: 4,
    run: (c, a) => {
      parseDouble(a[3]!, 'ERR timeout is not a float or out of range');
      return move(c, a[1]!, a[2]!, false, true);
    },
  },
  blmove: {
    arity: 6,
    run: (c, a) => {
      const f = side(a[3]!),
        t = side(a[4]!);
      parseDouble(a[5]!, 'ERR timeout is not a float or out of range');
      return move(c, a[1]!, a[2]!, f, t);
    },
  },
  lmpop: { arity: -4, run: (c, a) => mpop(c, a, 1) },
  blmpop: {
    arity: -5,
    run: (c, a) => {
      parseDouble(a[1]!, 'ERR timeout is not a float or out of range');
      return mpop(c, a, 2);
    },
  },
  blpop: { arity: -3, run: (c, a) => bpop(c, a, true) },
  brpop: { arity: -3, run: (c, a) => bpop(c, a, false) },
};
