/**
 * The engine's keyspace: 16 databases of Maps keyed by bytesKey(key). Values are held in
 * working shapes (Maps for sets/hashes/zsets so membership is O(1)) and turned into the
 * record model by toValue(). Each aggregate remembers the encoding Redis 7.0 would hold it in
 * with default thresholds, because conversions are one-way (listpack -> skiplist, intset ->
 * hashtable) and the encoding is visible in the record model and, for zset "-0" scores, in
 * DEBUG DIGEST.
 */
import { bytesKey, compareBytes, parseCanonicalInt } from '../model/bytes.js';
import type { StreamId, Value } from '../model/record.js';
import { compareStreamIds } from '../model/record.js';

/** Redis 7.0 default thresholds (redis.conf). */
export const Limits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
} as const;

/** A sorted-set member. */
export interface ZNode {
  member: Uint8Array;
  score: number;
}

/** A pending entry (NACK). */
export interface Nack {
  id: StreamId;
  deliveryTime: number;
  deliveryCount: number;
  consumer: Consumer | null;
}

/** A consumer: its own PEL shares the group's Nack objects. */
export interface Consumer {
  name: Uint8Array;
  seenTime: number;
  pel: Map<string, Nack>;
}

/** A consumer group. */
export interface Group {
  name: Uint8Array;
  lastId: StreamId;
  /** -1 = unknown (SCG_INVALID_ENTRIES_READ). */
  entriesRead: number;
  pel: Map<string, Nack>;
  consumers: Map<string, Consumer>;
}

/** A stream entry. */
export interface XEntry {
  id: StreamId;
  fields: Array<[Uint8Array, Uint8Array]>;
}

/** A stream: entries in ID order. */
export interface XStream {
  entries: XEntry[];
  lastId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: number;
  groups: Map<string, Group>;
}

/** The engine's value shapes. */
export type EValue =
  | { type: 'string'; value: Uint8Array }
  | { type: 'list'; value: Uint8Array[] }
  | { type: 'set'; value: Map<string, Uint8Array>; intset: boolean }
  | { type: 'zset'; value: Map<string, ZNode>; listpack: boolean; sorted: ZNode[] | null }
  | { type: 'hash'; value: Map<string, [Uint8Array, Uint8Array]>; listpack: boolean }
  | { type: 'stream'; value: XStream };

/** One key's slot. */
export interface Slot {
  key: Uint8Array;
  value: EValue;
  expireAt: number | null;
}

/** One database. */
export class Db {
  readonly slots = new Map<string, Slot>();

  get(key: Uint8Array): Slot | undefined {
    return this.slots.get(bytesKey(key));
  }

  /** Store a value, replacing any previous one; the TTL is dropped unless keepTtl. */
  set(key: Uint8Array, value: EValue, keepTtl = false): Slot {
    const k = bytesKey(key);
    const old = this.slots.get(k);
    const slot: Slot = { key: old ? old.key : key.slice(), value, expireAt: keepTtl && old ? old.expireAt : null };
    this.slots.set(k, slot);
    return slot;
  }

  delete(key: Uint8Array): boolean {
    return this.slots.delete(bytesKey(key));
  }

  get size(): number {
    return this.slots.size;
  }
}

/** Stream id as a Map key that sorts like the id (fixed-width hex of both halves). */
export function idKey(id: StreamId): string {
  return id.ms.toString(16).padStart(16, '0') + id.seq.toString(16).padStart(16, '0');
}

/** A fresh empty stream. */
export function newStream(): XStream {
  return { entries: [], lastId: { ms: 0n, seq: 0n }, maxDeletedId: { ms: 0n, seq: 0n }, entriesAdded: 0, groups: new Map() };
}

/** Whether a set member may live in an intset (a canonical signed 64-bit integer). */
export function isIntsetMember(m: Uint8Array): boolean {
  return m.length <= 20 && parseCanonicalInt(m) !== null;
}

/** A zset's members ordered by (score, member bytes), cached until the next change. */
export function zsetSorted(v: Extract<EValue, { type: 'zset' }>): ZNode[] {
  if (!v.sorted) {
    v.sorted = [...v.value.values()].sort((a, b) => (a.score - b.score) || (a.score === b.score ? compareBytes(a.member, b.member) : 0));
  }
  return v.sorted;
}

/** Binary search: index of the first stream entry with id >= `id`. */
export function streamLowerBound(entries: XEntry[], id: StreamId): number {
  let lo = 0, hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStreamIds(entries[mid]!.id, id) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Encoding name Redis 7.0 reports for a value (OBJECT ENCODING). */
export function encodingName(v: EValue): string {
  switch (v.type) {
    case 'string': {
      const s = v.value;
      if (s.length <= 20 && parseCanonicalInt(s) !== null) return 'int';
      return s.length <= 44 ? 'embstr' : 'raw';
    }
    case 'list': return 'quicklist';
    case 'set': return v.intset ? 'intset' : 'hashtable';
    case 'zset': return v.listpack ? 'listpack' : 'skiplist';
    case 'hash': return v.listpack ? 'listpack' : 'hashtable';
    case 'stream': return 'stream';
  }
}

/** Convert a working value to the record model (copies of the containers, shared bytes). */
export function toValue(v: EValue): Value {
  switch (v.type) {
    case 'string': return { type: 'string', value: v.value };
    case 'list': return { type: 'list', value: v.value.slice() };
    case 'set': return { type: 'set', value: [...v.value.values()] };
    case 'zset': return { type: 'zset', value: zsetSorted(v).map((n) => [n.member, n.score] as [Uint8Array, number]) };
    case 'hash': return { type: 'hash', value: [...v.value.values()].map(([field, value]) => ({ field, value })) };
    case 'stream': {
      const s = v.value;
      return {
        type: 'stream',
        value: {
          entries: s.entries.map((e) => ({ id: e.id, fields: e.fields })),
          length: s.entries.length,
          lastId: s.lastId,
          firstId: s.entries.length ? s.entries[0]!.id : { ms: 0n, seq: 0n },
          maxDeletedId: s.maxDeletedId,
          entriesAdded: s.entriesAdded,
          groups: [...s.groups.values()].map((g) => ({
            name: g.name,
            lastId: g.lastId,
            entriesRead: g.entriesRead,
            pending: [...g.pel.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, n]) => ({
              id: n.id, deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount, consumer: n.consumer ? n.consumer.name : null,
            })),
            consumers: [...g.consumers.values()].sort((a, b) => compareBytes(a.name, b.name)).map((c) => ({
              name: c.name,
              seenTime: c.seenTime,
              activeTime: null,
              pending: [...c.pel.keys()].sort().map((k) => c.pel.get(k)!.id),
            })),
          })).sort((a, b) => compareBytes(a.name, b.name)),
        },
      };
    }
  }
}

/** A deep copy of a working value (COPY). */
export function cloneValue(v: EValue): EValue {
  switch (v.type) {
    case 'string': return { type: 'string', value: v.value };
    case 'list': return { type: 'list', value: v.value.slice() };
    case 'set': return { type: 'set', value: new Map(v.value), intset: v.intset };
    case 'zset': {
      const m = new Map<string, ZNode>();
      for (const [k, n] of v.value) m.set(k, { member: n.member, score: n.score });
      return { type: 'zset', value: m, listpack: v.listpack, sorted: null };
    }
    case 'hash': {
      const m = new Map<string, [Uint8Array, Uint8Array]>();
      for (const [k, [f, val]] of v.value) m.set(k, [f, val]);
      return { type: 'hash', value: m, listpack: v.listpack };
    }
    case 'stream': {
      const s = v.value;
      const groups = new Map<string, Group>();
      for (const [gk, g] of s.groups) {
        const consumers = new Map<string, Consumer>();
        for (const [ck, cn] of g.consumers) consumers.set(ck, { name: cn.name, seenTime: cn.seenTime, pel: new Map() });
        const pel = new Map<string, Nack>();
        for (const [nk, n] of g.pel) {
          const owner = n.consumer ? consumers.get(bytesKey(n.consumer.name))! : null;
          const copy: Nack = { id: n.id, deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount, consumer: owner };
          pel.set(nk, copy);
          if (owner) owner.pel.set(nk, copy);
        }
        groups.set(gk, { name: g.name, lastId: g.lastId, entriesRead: g.entriesRead, pel, consumers });
      }
      return { type: 'stream', value: { entries: s.entries.slice(), lastId: s.lastId, maxDeletedId: s.maxDeletedId, entriesAdded: s.entriesAdded, groups } };
    }
  }
}

/**
 * A record-model value as a working value, with the encoding Redis 7.0 picks when loading it
 * (rdbLoadObject converts to the loading server's thresholds). Module values are refused.
 */
export function fromValue(v: Value): EValue {
  switch (v.type) {
    case 'string': return { type: 'string', value: v.value };
    case 'list': return { type: 'list', value: v.value.slice() };
    case 'set': {
      const m = new Map<string, Uint8Array>();
      let intset = v.value.length <= Limits.setMaxIntsetEntries;
      for (const e of v.value) { m.set(bytesKey(e), e); if (intset && !isIntsetMember(e)) intset = false; }
      return { type: 'set', value: m, intset };
    }
    case 'zset': {
      const m = new Map<string, ZNode>();
      let lp = v.value.length <= Limits.zsetMaxListpackEntries;
      for (const [member, score] of v.value) {
        m.set(bytesKey(member), { member, score });
        if (member.length > Limits.zsetMaxListpackValue) lp = false;
      }
      const z: EValue = { type: 'zset', value: m, listpack: lp, sorted: null };
      if (lp) for (const n of m.values()) if (Object.is(n.score, -0)) n.score = 0;
      return z;
    }
    case 'hash': {
      const m = new Map<string, [Uint8Array, Uint8Array]>();
      let lp = v.value.length <= Limits.hashMaxListpackEntries;
      for (const f of v.value) {
        m.set(bytesKey(f.field), [f.field, f.value]);
        if (f.field.length > Limits.hashMaxListpackValue || f.value.length > Limits.hashMaxListpackValue) lp = false;
      }
      return { type: 'hash', value: m, listpack: lp };
    }
    case 'stream': {
      const s = v.value;
      const groups = new Map<string, Group>();
      for (const g of s.groups) {
        const consumers = new Map<string, Consumer>();
        for (const cn of g.consumers) consumers.set(bytesKey(cn.name), { name: cn.name, seenTime: cn.seenTime, pel: new Map() });
        const pel = new Map<string, Nack>();
        for (const p of g.pending) {
          const owner = p.consumer ? consumers.get(bytesKey(p.consumer)) ?? null : null;
          const n: Nack = { id: p.id, deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount, consumer: owner };
          pel.set(idKey(p.id), n);
          if (owner) owner.pel.set(idKey(p.id), n);
        }
        groups.set(bytesKey(g.name), { name: g.name, lastId: g.lastId, entriesRead: g.entriesRead ?? -1, pel, consumers });
      }
      return {
        type: 'stream',
        value: {
          entries: s.entries.map((e) => ({ id: e.id, fields: e.fields })),
          lastId: s.lastId,
          maxDeletedId: s.maxDeletedId ?? { ms: 0n, seq: 0n },
          entriesAdded: s.entriesAdded ?? s.length,
          groups,
        },
      };
    }
    case 'module':
      throw new Error('module values cannot be held by the engine');
  }
}
