/**
 * The engine's keyspace: 16 databases of Maps keyed by bytesKey(key). Values are held in
 * working shapes (Sets/Maps for sets/hashes/zsets so membership is O(1), a deque for lists)
 * and turned into the record model by toValue(). Each aggregate remembers the encoding Redis
 * 7.0 would hold it in with default thresholds, because conversions are one-way (listpack ->
 * skiplist, intset -> hashtable) and the encoding is visible in the record model and, for zset
 * "-0" scores, in DEBUG DIGEST.
 *
 * Memory. Key names and the elements of lists, sets, hashes, zsets and stream entries are
 * held as byte strings (`BStr`: a JS string whose char codes are the bytes, 0..255), which V8
 * stores one byte per char with a 16-byte header; a Uint8Array copy costs over 200 bytes of
 * object, buffer and allocation overhead per element, which put a 750 MB AOF at 8 GB of heap.
 * They are turned back into bytes only when a key is handed out (toValue, one key at a time).
 * String values stay Uint8Array: the string commands edit bytes.
 */
import { bytesKey, compareBytes, keyBytes, parseCanonicalInt } from '../model/bytes.js';
import type { StreamId, Value } from '../model/record.js';
import { compareStreamIds } from '../model/record.js';
import { Deque } from './deque.js';

/** Bytes held as a JS string of char codes 0..255 (see the file comment). */
export type BStr = string;

/** Bytes as a BStr (a flat one-byte string). */
export const bstr = bytesKey;

/** A BStr's bytes. */
export const strBytes = keyBytes;

/** memcmp order of two BStrs (char codes are the bytes, so JS string order is byte order). */
export function compareBStr(a: BStr, b: BStr): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
  member: BStr;
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

/** A stream entry: fields and values alternate in `fields`. */
export interface XEntry {
  id: StreamId;
  fields: BStr[];
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
  | { type: 'list'; value: Deque<BStr> }
  | { type: 'set'; value: Set<BStr>; intset: boolean }
  | { type: 'zset'; value: Map<BStr, ZNode>; listpack: boolean; sorted: ZNode[] | null }
  | { type: 'hash'; value: Map<BStr, BStr>; listpack: boolean }
  | { type: 'stream'; value: XStream };

/** One key's slot (the key name is the Map key of its db). */
export interface Slot {
  value: EValue;
  expireAt: number | null;
}

/** One database: slots by the key name as a BStr. */
export class Db {
  readonly slots = new Map<BStr, Slot>();

  get(key: Uint8Array): Slot | undefined {
    return this.slots.get(bytesKey(key));
  }

  /** Store a value, replacing any previous one; the TTL is dropped unless keepTtl. */
  set(key: Uint8Array, value: EValue, keepTtl = false): Slot {
    const k = bytesKey(key);
    const old = keepTtl ? this.slots.get(k) : undefined;
    const slot: Slot = { value, expireAt: old ? old.expireAt : null };
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
  if (!v.sorted) v.sorted = sortZNodes(v.value);
  return v.sorted;
}

function sortZNodes(m: Map<BStr, ZNode>): ZNode[] {
  return [...m.values()].sort((a, b) => a.score - b.score || (a.score === b.score ? compareBStr(a.member, b.member) : 0));
}

/** Binary search: index of the first stream entry with id >= `id`. */
export function streamLowerBound(entries: XEntry[], id: StreamId): number {
  let lo = 0,
    hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStreamIds(entries[mid]!.id, id) < 0) lo = mid + 1;
    else hi = mid;
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
    case 'list':
      return 'quicklist';
    case 'set':
      return v.intset ? 'intset' : 'hashtable';
    case 'zset':
      return v.listpack ? 'listpack' : 'skiplist';
    case 'hash':
      return v.listpack ? 'listpack' : 'hashtable';
    case 'stream':
      return 'stream';
  }
}

/**
 * Bytes of many BStrs as views into one buffer: one allocation per key instead of one per
 * element (about twice as fast, and far fewer objects for the GC while a dump is written).
 */
class BytesPack {
  private buf: Uint8Array;
  private o = 0;
  constructor(total: number) {
    this.buf = new Uint8Array(total);
  }

  /** Copy s in and return its view. */
  put(s: BStr): Uint8Array {
    const buf = this.buf;
    const start = this.o;
    let o = start;
    for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
    this.o = o;
    return buf.subarray(start, o);
  }
}

/** Convert a working value to the record model (fresh containers and bytes; string values shared). */
export function toValue(v: EValue): Value {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: v.value };
    case 'list': {
      const d = v.value;
      let total = 0;
      for (let i = 0; i < d.length; i++) total += d.at(i).length;
      const pack = new BytesPack(total);
      const out: Uint8Array[] = new Array(d.length);
      for (let i = 0; i < out.length; i++) out[i] = pack.put(d.at(i));
      return { type: 'list', value: out };
    }
    case 'set': {
      let total = 0;
      for (const m of v.value) total += m.length;
      const pack = new BytesPack(total);
      const out: Uint8Array[] = new Array(v.value.size);
      let i = 0;
      for (const m of v.value) out[i++] = pack.put(m);
      return { type: 'set', value: out };
    }
    case 'zset': {
      // Sorted without caching it on the value: the dump must not leave an array per zset behind.
      const sorted = v.sorted ?? sortZNodes(v.value);
      let total = 0;
      for (const n of sorted) total += n.member.length;
      const pack = new BytesPack(total);
      const out: Array<[Uint8Array, number]> = new Array(sorted.length);
      for (let i = 0; i < sorted.length; i++) out[i] = [pack.put(sorted[i]!.member), sorted[i]!.score];
      return { type: 'zset', value: out };
    }
    case 'hash': {
      let total = 0;
      for (const [f, val] of v.value) total += f.length + val.length;
      const pack = new BytesPack(total);
      const out: Array<{ field: Uint8Array; value: Uint8Array }> = new Array(v.value.size);
      let i = 0;
      for (const [f, val] of v.value) out[i++] = { field: pack.put(f), value: pack.put(val) };
      return { type: 'hash', value: out };
    }
    case 'stream': {
      const s = v.value;
      return {
        type: 'stream',
        value: {
          entries: streamEntries(s.entries),
          length: s.entries.length,
          lastId: s.lastId,
          firstId: s.entries.length ? s.entries[0]!.id : { ms: 0n, seq: 0n },
          maxDeletedId: s.maxDeletedId,
          entriesAdded: s.entriesAdded,
          groups: [...s.groups.values()]
            .map((g) => ({
              name: g.name,
              lastId: g.lastId,
              entriesRead: g.entriesRead,
              pending: [...g.pel.entries()]
                .sort((a, b) => (a[0] < b[0] ? -1 : 1))
                .map(([, n]) => ({
                  id: n.id,
                  deliveryTime: n.deliveryTime,
                  deliveryCount: n.deliveryCount,
                  consumer: n.consumer ? n.consumer.name : null,
                })),
              consumers: [...g.consumers.values()]
                .sort((a, b) => compareBytes(a.name, b.name))
                .map((c) => ({
                  name: c.name,
                  seenTime: c.seenTime,
                  activeTime: null,
                  pending: [...c.pel.keys()].sort().map((k) => c.pel.get(k)!.id),
                })),
            }))
            .sort((a, b) => compareBytes(a.name, b.name)),
        },
      };
    }
  }
}

/** A deep copy of a working value (COPY). */
export function cloneValue(v: EValue): EValue {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: v.value };
    case 'list':
      return { type: 'list', value: Deque.from(v.value.toArray()) };
    case 'set':
      return { type: 'set', value: new Set(v.value), intset: v.intset };
    case 'zset': {
      const m = new Map<BStr, ZNode>();
      for (const [k, n] of v.value) m.set(k, { member: n.member, score: n.score });
      return { type: 'zset', value: m, listpack: v.listpack, sorted: null };
    }
    case 'hash':
      return { type: 'hash', value: new Map(v.value), listpack: v.listpack };
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
      return {
        type: 'stream',
        value: { entries: s.entries.slice(), lastId: s.lastId, maxDeletedId: s.maxDeletedId, entriesAdded: s.entriesAdded, groups },
      };
    }
  }
}

/**
 * A record-model value as a working value, with the encoding Redis 7.0 picks when loading it
 * (rdbLoadObject converts to the loading server's thresholds). Module values are refused.
 */
export function fromValue(v: Value): EValue {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: v.value };
    case 'list':
      return { type: 'list', value: Deque.from(v.value.map(bstr)) };
    case 'set': {
      const m = new Set<BStr>();
      let intset = v.value.length <= Limits.setMaxIntsetEntries;
      for (const e of v.value) {
        m.add(bstr(e));
        if (intset && !isIntsetMember(e)) intset = false;
      }
      return { type: 'set', value: m, intset };
    }
    case 'zset': {
      const m = new Map<BStr, ZNode>();
      let lp = v.value.length <= Limits.zsetMaxListpackEntries;
      for (const [member, score] of v.value) {
        const k = bstr(member);
        m.set(k, { member: k, score });
        if (member.length > Limits.zsetMaxListpackValue) lp = false;
      }
      const z: EValue = { type: 'zset', value: m, listpack: lp, sorted: null };
      if (lp) for (const n of m.values()) if (Object.is(n.score, -0)) n.score = 0;
      return z;
    }
    case 'hash': {
      const m = new Map<BStr, BStr>();
      let lp = v.value.length <= Limits.hashMaxListpackEntries;
      for (const f of v.value) {
        m.set(bstr(f.field), bstr(f.value));
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
          const owner = p.consumer ? (consumers.get(bytesKey(p.consumer)) ?? null) : null;
          const n: Nack = { id: p.id, deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount, consumer: owner };
          pel.set(idKey(p.id), n);
          if (owner) owner.pel.set(idKey(p.id), n);
        }
        groups.set(bytesKey(g.name), { name: g.name, lastId: g.lastId, entriesRead: g.entriesRead ?? -1, pel, consumers });
      }
      return {
        type: 'stream',
        value: {
          entries: s.entries.map((e) => ({ id: e.id, fields: flatFields(e.fields) })),
          lastId: s.lastId,
          maxDeletedId: s.maxDeletedId ?? { ms: 0n, seq: 0n },
          entriesAdded: s.entriesAdded ?? s.length,
          groups,
        },
      };
    }
    case 'module':
      throw new Error('module values cannot be held by the engine');
    case 'array':
      throw new Error('array values (Redis 8.8, RDB 14) cannot be held by the engine, which follows Redis 7.0');
  }
}

/** Stream entries with their flat BStr fields as record-model pairs of bytes (one buffer per stream). */
function streamEntries(entries: XEntry[]): Array<{ id: StreamId; fields: Array<[Uint8Array, Uint8Array]> }> {
  let total = 0;
  for (const e of entries) for (const f of e.fields) total += f.length;
  const pack = new BytesPack(total);
  return entries.map((e) => {
    const flat = e.fields;
    const fields: Array<[Uint8Array, Uint8Array]> = new Array(flat.length >> 1);
    for (let i = 0; i < fields.length; i++) fields[i] = [pack.put(flat[2 * i]!), pack.put(flat[2 * i + 1]!)];
    return { id: e.id, fields };
  });
}

/** Record-model field pairs as a stream entry's flat BStrs. */
function flatFields(pairs: Array<[Uint8Array, Uint8Array]>): BStr[] {
  const out: BStr[] = new Array(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    out[2 * i] = bstr(pairs[i]![0]);
    out[2 * i + 1] = bstr(pairs[i]![1]);
  }
  return out;
}
