/**
 * The engine's keyspace: 16 databases of Maps keyed by bytesKey(key). Values are held in
 * working shapes and turned into the record model by toValue(): small hashes, sets and sorted
 * sets packed into one byte string each (packed.ts, walked linearly as Redis walks a listpack),
 * larger ones as Sets/Maps so membership is O(1), lists in packed chunks (packed-list.ts), stream entries one packed
 * string each (stream-entry.ts). Each aggregate remembers the encoding Redis
 * 7.0 would hold it in with default thresholds, because conversions are one-way (listpack ->
 * skiplist, intset -> hashtable) and the encoding is visible in the record model and, for zset
 * "-0" scores, in DEBUG DIGEST.
 *
 * Memory. Key names and the elements of lists, sets, hashes, zsets and stream entries are
 * held as byte strings (`BStr`: a JS string whose char codes are the bytes, 0..255), which V8
 * stores one byte per char with a 16-byte header; a Uint8Array copy costs over 200 bytes of
 * object, buffer and allocation overhead per element, which put a 750 MB AOF at 8 GB of heap.
 * They are turned back into bytes only when a key is handed out (toValue, one key at a time).
 * String values are BStrs too: one object each instead of a Uint8Array's three or four (the
 * typed array, its ArrayBuffer, on- or off-heap bytes), which the young generation copied and
 * promoted for every SET of an AOF replay; the commands that edit bytes (APPEND, SETRANGE,
 * SETBIT, BITFIELD, PFADD) copy the value out as bytes and store the result back.
 */
import { bytesKey, compareBytes, keyBytes, parseCanonicalInt, parseSmallCanonicalInt } from '../model/bytes.js';
import type { StreamId, StreamValue, Value } from '../model/record.js';
import { PACK_MAX_ENTRIES, PackedMap, PackedSet, PackedZMap, packable } from './packed.js';
import { PackedList } from './packed-list.js';
import { entryFromRecord, entryId, entryRecords, type XEntry } from './stream-entry.js';
import { ZScoreMap } from './zmap.js';

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

/** A stream: entries in ID order. */
export interface XStream {
  entries: XEntry[];
  lastId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: number;
  groups: Map<string, Group>;
}

/** A sorted set's members: packed (packed.ts) exactly while Redis keeps it as a listpack, else member -> score (zmap.ts). */
export type ZMap = ZScoreMap | PackedZMap;

/** The engine's value shapes. */
export type EValue =
  | { type: 'string'; value: BStr }
  | { type: 'list'; value: PackedList }
  | { type: 'set'; value: Set<BStr> | PackedSet; intset: boolean }
  | { type: 'zset'; value: ZMap; listpack: boolean; sorted: ZNode[] | null }
  | { type: 'hash'; value: Map<BStr, BStr> | PackedMap; listpack: boolean }
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

/** A hash value: packed (packed.ts) exactly while Redis keeps it as a listpack. */
export type HashValue = Extract<EValue, { type: 'hash' }>;

/** A set value: packed while it has at most 128 members of at most 64 bytes (any encoding). */
export type SetValue = Extract<EValue, { type: 'set' }>;

/** hashTypeConvert to hashtable: the hash leaves its listpack (and its packed form) for good. */
export function hashToTable(h: HashValue): void {
  h.listpack = false;
  if (h.value instanceof PackedMap) h.value = new Map(h.value);
}

/** Make room in a set for member `k`: a packed set it would outgrow becomes a Set. */
export function setMakeRoom(s: SetValue, k: BStr): void {
  if (s.value instanceof PackedSet && (s.value.size >= PACK_MAX_ENTRIES || !packable(k))) s.value = new Set(s.value);
}

/** A sorted-set value. */
export type ZsetValue = Extract<EValue, { type: 'zset' }>;

/**
 * Hold a zset's members in the shape its `listpack` flag calls for: packed while a listpack
 * (where a -0 score is stored as integer 0, as zsetConvert does), a ZScoreMap as a skiplist.
 */
export function zsetReshape(z: ZsetValue): void {
  const v = z.value;
  if (z.listpack && !(v instanceof PackedZMap)) {
    const m = new PackedZMap();
    for (const [k, n] of v) m.set(k, { member: k, score: n.score === 0 ? 0 : n.score });
    z.value = m;
  } else if (!z.listpack && v instanceof PackedZMap) z.value = ZScoreMap.from(v);
}

/** zsetConvert to skiplist: the zset leaves its listpack (and its packed form) for good. */
export function zsetToSkiplist(z: ZsetValue): void {
  z.listpack = false;
  zsetReshape(z);
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
  if (m.length <= 15) return parseSmallCanonicalInt(m) !== null; // no BigInt for the common case
  return m.length <= 20 && parseCanonicalInt(m) !== null;
}

/** A zset's members ordered by (score, member bytes), cached until the next change. */
export function zsetSorted(v: Extract<EValue, { type: 'zset' }>): ZNode[] {
  if (!v.sorted) v.sorted = sortZNodes(v.value);
  return v.sorted;
}

function sortZNodes(m: ZMap): ZNode[] {
  return [...m.values()].sort((a, b) => a.score - b.score || (a.score === b.score ? compareBStr(a.member, b.member) : 0));
}

/** Encoding name Redis 7.0 reports for a value (OBJECT ENCODING). */
export function encodingName(v: EValue): string {
  switch (v.type) {
    case 'string': {
      const s = v.value;
      if (s.length <= 20 && parseCanonicalInt(strBytes(s)) !== null) return 'int';
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

/** Convert a working value to the record model (fresh containers and bytes). */
export function toValue(v: EValue): Value {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: strBytes(v.value) };
    case 'list':
      return { type: 'list', value: v.value.toRecord() };
    case 'set': {
      if (v.value instanceof PackedSet) return { type: 'set', value: v.value.toRecord() };
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
      if (v.value instanceof PackedMap) return { type: 'hash', value: v.value.toRecord() };
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
      return { type: 'stream', value: { entries: entryRecords(s.entries), ...streamHead(s) } };
    }
  }
}

/** A stream in the record model but its entries: counters, and groups with their PELs and consumers in rax order. */
export function streamHead(s: XStream): Omit<StreamValue, 'entries'> {
  return {
    length: s.entries.length,
    lastId: s.lastId,
    firstId: s.entries.length ? entryId(s.entries[0]!) : { ms: 0n, seq: 0n },
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
  };
}

/** A string value holding a copy of `bytes`. */
export function stringValue(bytes: Uint8Array): EValue {
  return { type: 'string', value: bstr(bytes) };
}

/** A deep copy of a working value (COPY). */
export function cloneValue(v: EValue): EValue {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: v.value };
    case 'list':
      return { type: 'list', value: v.value.clone() };
    case 'set':
      return { type: 'set', value: v.value instanceof PackedSet ? v.value.clone() : new Set(v.value), intset: v.intset };
    case 'zset': {
      return { type: 'zset', value: v.value.clone(), listpack: v.listpack, sorted: null };
    }
    case 'hash':
      return { type: 'hash', value: v.value instanceof PackedMap ? v.value.clone() : new Map(v.value), listpack: v.listpack };
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
      return { type: 'string', value: bstr(v.value) };
    case 'list':
      return { type: 'list', value: PackedList.from(v.value.map(bstr)) };
    case 'set': {
      const s: SetValue = { type: 'set', value: new PackedSet(), intset: v.value.length <= Limits.setMaxIntsetEntries };
      for (const e of v.value) {
        const k = bstr(e);
        setMakeRoom(s, k);
        s.value.add(k);
        if (s.intset && !isIntsetMember(e)) s.intset = false;
      }
      return s;
    }
    case 'zset': {
      const m = new ZScoreMap();
      let lp = v.value.length <= Limits.zsetMaxListpackEntries;
      for (const [member, score] of v.value) {
        const k = bstr(member);
        m.set(k, { member: k, score });
        if (member.length > Limits.zsetMaxListpackValue) lp = false;
      }
      const z: ZsetValue = { type: 'zset', value: m, listpack: lp, sorted: null };
      zsetReshape(z);
      return z;
    }
    case 'hash': {
      let lp = v.value.length <= Limits.hashMaxListpackEntries;
      if (lp)
        for (const f of v.value)
          if (f.field.length > Limits.hashMaxListpackValue || f.value.length > Limits.hashMaxListpackValue) lp = false;
      const m = lp ? new PackedMap() : new Map<BStr, BStr>();
      for (const f of v.value) m.set(bstr(f.field), bstr(f.value));
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
          entries: s.entries.map(entryFromRecord),
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
