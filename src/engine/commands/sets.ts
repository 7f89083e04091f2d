/**
 * Set commands (t_set.c): SADD, SREM, SMOVE, SPOP, SINTERSTORE, SUNIONSTORE, SDIFFSTORE.
 * Encoding as Redis 7.0 keeps it: intset while every member is a canonical 64-bit integer and
 * there are at most 512 of them, hashtable otherwise; a hashtable set never goes back.
 * SPOP picks members with Math.random (Redis propagates it as SREM/DEL, so replay never uses it).
 */
import { bytesKey } from '../../model/bytes.js';
import { Err, fail, parseIntArg } from '../argv.js';
import { type CommandTable, type Ctx, lookup, lookupType } from '../context.js';
import { type BStr, isIntsetMember, Limits, type SetValue, setMakeRoom, strBytes } from '../keyspace.js';
import { PackedSet } from '../packed.js';

type SetV = SetValue;

/** setTypeAdd: add a member, converting intset -> hashtable when needed. */
export function setAdd(s: SetV, m: Uint8Array): boolean {
  return setAddStr(s, bytesKey(m), m);
}

/** setAdd of a member already held as a BStr (`bytes` its bytes when at hand). */
function setAddStr(s: SetV, k: BStr, bytes?: Uint8Array): boolean {
  const v = s.value;
  if (v instanceof PackedSet) {
    if (v.has(k)) return false;
    setMakeRoom(s, k);
    if (s.value instanceof PackedSet) s.value.push(k);
    else s.value.add(k);
  } else {
    // a hashtable set: one Set operation, the size tells whether the member was new
    const before = v.size;
    v.add(k);
    if (v.size === before) return false;
  }
  if (s.intset && !isIntsetMember(bytes ?? strBytes(k))) s.intset = false;
  if (s.intset && s.value.size > Limits.setMaxIntsetEntries) s.intset = false;
  return true;
}

/** setTypeCreate: the encoding a new set starts with for its first member. */
export function newSet(first: Uint8Array | null): SetV {
  return { type: 'set', value: new PackedSet(), intset: first === null || isIntsetMember(first) };
}

function store(c: Ctx, dst: Uint8Array, members: Iterable<BStr>): number {
  const s = newSet(null);
  for (const m of members) setAddStr(s, m);
  c.db.delete(dst);
  if (s.value.size > 0) c.db.set(dst, s);
  return s.value.size;
}

function sources(c: Ctx, a: Uint8Array[], from: number): Array<SetV | undefined> {
  const out: Array<SetV | undefined> = [];
  for (let j = from; j < a.length; j++) out.push(lookupType(c, a[j]!, 'set'));
  return out;
}

export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    run: (c, a) => {
      let s = lookupType(c, a[1]!, 'set');
      if (!s) {
        s = newSet(a[2]!);
        c.db.set(a[1]!, s);
      }
      let n = 0;
      for (let j = 2; j < a.length; j++) if (setAdd(s, a[j]!)) n++;
      return n;
    },
  },
  srem: {
    arity: -3,
    run: (c, a) => {
      const s = lookupType(c, a[1]!, 'set');
      if (!s) return 0;
      let n = 0;
      for (let j = 2; j < a.length; j++) if (s.value.delete(bytesKey(a[j]!))) n++;
      if (s.value.size === 0) c.db.delete(a[1]!);
      return n;
    },
  },
  smove: {
    arity: 4,
    run: (c, a) => {
      const src = lookupType(c, a[1]!, 'set');
      if (!src) return 0;
      const dst = lookupType(c, a[2]!, 'set');
      const k = bytesKey(a[3]!);
      if (src === dst) return src.value.has(k) ? 1 : 0;
      if (!src.value.delete(k)) return 0;
      if (src.value.size === 0) c.db.delete(a[1]!);
      if (dst) setAdd(dst, a[3]!);
      else {
        const s = newSet(a[3]!);
        setAdd(s, a[3]!);
        c.db.set(a[2]!, s);
      }
      return 1;
    },
  },
  spop: {
    arity: -2,
    run: (c, a) => {
      if (a.length > 3) fail(Err.SYNTAX);
      let n: number | null = null;
      if (a.length === 3) {
        n = parseIntArg(a[2]!, Err.NOT_POSITIVE);
        if (n < 0) fail(Err.NOT_POSITIVE);
      }
      const s = lookupType(c, a[1]!, 'set');
      if (!s) return n === null ? null : [];
      const keys = [...s.value];
      const out: Uint8Array[] = [];
      for (let i = 0; i < (n ?? 1) && keys.length; i++) {
        const k = keys.splice(Math.floor(Math.random() * keys.length), 1)[0]!;
        out.push(strBytes(k));
        s.value.delete(k);
      }
      if (s.value.size === 0) c.db.delete(a[1]!);
      return n === null ? (out[0] ?? null) : out;
    },
  },
  sinterstore: {
    arity: -3,
    run: (c, a) => {
      const srcs: SetV[] = [];
      for (let j = 2; j < a.length; j++) {
        const s = lookupType(c, a[j]!, 'set');
        if (!s) {
          c.db.delete(a[1]!);
          return 0;
        }
        srcs.push(s);
      }
      const sets = srcs.slice().sort((x, y) => x.value.size - y.value.size);
      const out: BStr[] = [];
      for (const k of sets[0]!.value) if (sets.every((s) => s.value.has(k))) out.push(k);
      return store(c, a[1]!, out);
    },
  },
  sunionstore: {
    arity: -3,
    run: (c, a) => {
      const out = new Set<BStr>();
      for (const s of sources(c, a, 2)) if (s) for (const k of s.value) out.add(k);
      return store(c, a[1]!, out);
    },
  },
  sdiffstore: {
    arity: -3,
    run: (c, a) => {
      const srcs = sources(c, a, 2);
      const out = new Set<BStr>(srcs[0] ? srcs[0].value : []);
      for (const s of srcs.slice(1)) if (s) for (const k of s.value) out.delete(k);
      return store(c, a[1]!, out);
    },
  },
  sismember: { arity: 3, run: (c, a) => (lookupType(c, a[1]!, 'set')?.value.has(bytesKey(a[2]!)) ? 1 : 0) },
  scard: { arity: 2, run: (c, a) => lookupType(c, a[1]!, 'set')?.value.size ?? 0 },
  type: { arity: 2, run: (c, a) => lookup(c, a[1]!)?.value.type ?? 'none' },
};
