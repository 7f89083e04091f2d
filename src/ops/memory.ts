/**
 * Per-key memory estimate: what `MEMORY USAGE key SAMPLES 0` answers on a 64-bit Redis 7.0
 * (jemalloc) that loaded the same RDB (SPEC.md "Memory model"). It counts the key's sds, its
 * dictEntry and the value in the encoding Redis gives it after load: robj, sds headers and
 * jemalloc classes, listpack/intset/quicklist-node bytes as allocated, dict bucket arrays, skiplist
 * nodes, stream radix trees, listpacks and consumer groups. The expire entry is reported apart.
 *
 * Inputs are element sizes, not whole values: a `KeyMemory` takes a key's head, then its
 * elements in any number of batches, then `finish()`; it keeps only counters, so a key handed
 * over in parts costs no more than its largest batch. `estimateKeyMemory` does it for a whole key.
 */

import { parseCanonicalInt } from '../model/bytes.js';
import {
  compareStreamIds,
  type HashField,
  type KeyEntry,
  type KeyPart,
  type KeyStartRecord,
  type RedisType,
  type StoredLayout,
  type StreamValue,
} from '../model/record.js';
import {
  HASH_MAX_LISTPACK_ENTRIES as HASH_LISTPACK_ENTRIES,
  SET_MAX_INTSET_ENTRIES as INTSET_ENTRIES,
  MAX_LISTPACK_VALUE as LISTPACK_VALUE,
  ZSET_MAX_LISTPACK_ENTRIES as ZSET_LISTPACK_ENTRIES,
} from '../model/redis-defaults.js';
import { RdbType } from '../rdb/constants.js';
import { stringEncoding } from '../rdb/decoder.js';
import { listpackElementSize } from '../rdb/listpack.js';
import { streamAsParts } from '../rdb/stream.js';
import { planStreamNodes, streamIdBytes } from '../rdb/stream-write.js';
import { d2string } from '../rdb/value-write.js';
import { DictTables, dictSize, jemallocSize, RaxCounter, sdsAlloc } from './memory-alloc.js';

/** sizeof() of Redis 7.0 structures on 64-bit builds. */
const ROBJ = 16;
const DICT_ENTRY = 24;
const DICT = 56;
const QUICKLIST = 40;
const QUICKLIST_NODE = 40;
const ZSET = 16;
const ZSKIPLIST = 32;
/** zmalloc_size of the skiplist header node: 24 + 32 levels x 16 = 536 -> 640. */
const ZSL_HEADER = jemallocSize(24 + 32 * 16);
const STREAM = 80;
const STREAM_CG = 40;
const STREAM_CONSUMER = 24;
const STREAM_NACK = 24;
const STREAM_ID = 16;
/** streamRadixTreeMemoryUsage counts sizeof(raxNode) (4) plus 30 longs per node. */
const RAX_NODE = 4 + 8 * 30;
/** Default limits of redis.conf 7.0. */
const QUICKLIST_NODE_LIMIT = 8192;
const EMBSTR_LIMIT = 44;
const LISTPACK_EMPTY = 7;

/**
 * Expected zmalloc_size of a skiplist node (24 bytes + 16 per level) over zslRandomLevel's
 * distribution (P = 1/4, at most 32 levels). The level of each node is random in Redis, so this
 * is the one part of a skiplist zset's figure that can only be estimated (spread: 48 to 560 B).
 */
export const SKIPLIST_NODE_EXPECTED: number = (() => {
  let e = 0;
  let p = 0.75;
  for (let level = 1; level <= 32; level++) {
    e += (level === 32 ? p / 0.75 : p) * jemallocSize(24 + 16 * level);
    p *= 0.25;
  }
  return e;
})();

/** What a key costs in memory. */
export interface MemoryEstimate {
  /** MEMORY USAGE: key sds + dictEntry + value. */
  bytes: number;
  /** The entry in the expires dict (24 bytes) when the key has a TTL; not part of `bytes`. */
  expiryBytes: number;
  /** OBJECT ENCODING after a Redis 7.0 loads it. */
  encoding: string;
  /** Elements (list/set/zset members, hash fields, stream entries); a string's byte length. */
  elements: number;
  /** Byte length of the largest element (hash: field or value); a string's byte length. */
  largestElement: number;
}

/** The head of a key, before its elements. */
export interface KeyHead {
  type: RedisType;
  keyLength: number;
  /** RDB type id of the stored value (null when not read from an RDB). */
  rdbType: number | null;
  hasExpiry: boolean;
  layout?: StoredLayout;
}

function raxUsage(r: RaxCounter): number {
  // streamRadixTreeMemoryUsage assigns (not adds) the element term, dropping sizeof(rax)
  return r.elements * STREAM_ID + r.nodes * RAX_NODE;
}

function intWidth(v: bigint): number {
  if (v >= -32768n && v <= 32767n) return 2;
  if (v >= -2147483648n && v <= 2147483647n) return 4;
  return 8;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Accumulates one key's memory from its head, element batches and end. */
export class KeyMemory {
  private n = 0;
  private largest = 0;
  /** Bytes of the elements as listpack entries (list: of the current planned/stored node). */
  private lpBytes = LISTPACK_EMPTY;
  /** Sum over elements of their hashtable/skiplist cost (sds, dictEntry, node). */
  private tableBytes = 0;
  private maxLen = 0;
  /** Index of the first element that forces a hashtable while loading (set: first non-integer; hash: first long pair). */
  private firstBreak = -1;
  private intsetWidth = 2;
  // quicklists
  private nodes = 0;
  private nodeAlloc = 0;
  private nodeLeft = 0;
  private nodeIndex = -1;
  private valueBytes = 0;
  private encodingName = '';

  constructor(private readonly head: KeyHead) {}

  /** A string value; `intEncoded`: stored as an RDB integer. */
  string(value: Uint8Array, intEncoded = false): void {
    this.n = value.length;
    this.largest = value.length;
    let encoding = stringEncoding(value, intEncoded);
    if (encoding === 'int') {
      this.valueBytes = ROBJ;
    } else if (value.length <= EMBSTR_LIMIT) {
      // robj, sdshdr8 and the bytes in one allocation
      encoding = 'embstr';
      this.valueBytes = jemallocSize(ROBJ + 3 + value.length + 1);
    } else {
      encoding = 'raw';
      this.valueBytes = ROBJ + sdsAlloc(value.length);
    }
    this.encodingName = encoding;
  }

  /** List elements or set members, in stored order. */
  members(batch: readonly Uint8Array[]): void {
    if (this.head.type === 'list') {
      for (const e of batch) this.listElement(e);
      return;
    }
    for (const m of batch) {
      if (m.length > this.largest) this.largest = m.length;
      this.tableBytes += DICT_ENTRY + sdsAlloc(m.length);
      if (this.firstBreak < 0) {
        const v = m.length <= 20 ? parseCanonicalInt(m) : null;
        if (v === null || v < INT64_MIN || v > INT64_MAX) this.firstBreak = this.n;
        else this.intsetWidth = Math.max(this.intsetWidth, intWidth(v));
      }
      this.n++;
    }
  }

  private listElement(e: Uint8Array): void {
    if (e.length > this.largest) this.largest = e.length;
    const size = listpackElementSize(e);
    const layout = this.head.layout;
    if (layout?.counts && this.head.rdbType !== RdbType.LIST_ZIPLIST) {
      // stored nodes: follow them (a ziplist node becomes a listpack of these elements)
      while (this.nodeLeft === 0 && this.nodeIndex + 1 < layout.counts.length) this.nodeLeft = layout.counts[++this.nodeIndex]!;
      if (this.head.rdbType === RdbType.LIST_QUICKLIST) {
        this.lpBytes += size;
        if (--this.nodeLeft === 0) this.closeNode();
      } else {
        this.nodeLeft--;
      }
    } else if (this.head.rdbType === RdbType.LIST_ZIPLIST) {
      this.lpBytes += size;
    } else {
      // pushed one by one (_quicklistNodeAllowInsert with fill -2: 8 KiB nodes)
      if (this.nodes === 0 || this.lpBytes + e.length + 8 > QUICKLIST_NODE_LIMIT) {
        if (this.nodes > 0) this.closeNode();
        this.nodes++;
      }
      this.lpBytes += size;
    }
    this.n++;
  }

  private closeNode(): void {
    this.nodeAlloc += QUICKLIST_NODE + jemallocSize(this.lpBytes);
    this.lpBytes = LISTPACK_EMPTY;
  }

  /** Sorted-set members with their scores. */
  zmembers(batch: ReadonlyArray<readonly [Uint8Array, number]>): void {
    for (const [m, score] of batch) {
      if (m.length > this.largest) this.largest = m.length;
      if (m.length > this.maxLen) this.maxLen = m.length;
      this.lpBytes += listpackElementSize(m) + scoreEntrySize(score);
      this.tableBytes += sdsAlloc(m.length) + DICT_ENTRY + SKIPLIST_NODE_EXPECTED;
      this.n++;
    }
  }

  /** Hash fields with their values. */
  fields(batch: readonly HashField[]): void {
    for (const { field, value } of batch) {
      const longest = Math.max(field.length, value.length);
      if (longest > this.largest) this.largest = longest;
      if (longest > LISTPACK_VALUE && this.firstBreak < 0) this.firstBreak = this.n;
      this.lpBytes += listpackElementSize(field) + listpackElementSize(value);
      this.tableBytes += sdsAlloc(field.length) + sdsAlloc(value.length) + DICT_ENTRY;
      this.n++;
    }
  }

  /** A whole stream (its PEL and consumer ids in rax order, as Redis keeps them). */
  stream(v: StreamValue): void {
    const sorted: StreamValue = {
      ...v,
      groups: v.groups.map((g) => ({
        ...g,
        pending: [...g.pending].sort((a, b) => compareStreamIds(a.id, b.id)),
        consumers: g.consumers.map((c) => ({ ...c, pending: [...c.pending].sort(compareStreamIds) })),
      })),
    };
    for (const p of streamAsParts(sorted)) this.streamPart(p);
    this.streamEnd();
  }

  // streams, part by part
  private main: RaxCounter | null = null;
  private streamBytes = 0;
  private pelRax: RaxCounter | null = null;
  private consumerRax: RaxCounter | null = null;

  /**
   * One part of a stream (SPEC.md §2.1), in file order; PEL and consumer ids come in rax order
   * (Redis saves them so). Nodes as stored when the part (or the whole key's head) has their layout.
   */
  streamPart(p: KeyPart): void {
    switch (p.part) {
      case 'stream-entries': {
        this.main ??= new RaxCounter();
        for (const e of p.items) {
          for (const [f, x] of e.fields) {
            const l = Math.max(f.length, x.length);
            if (l > this.largest) this.largest = l;
          }
        }
        const layout = p.layout ?? this.head.layout;
        if (layout?.nodeIds) {
          // a whole key's layout is used once, with its first (and only) entries part
          for (const id of layout.nodeIds) this.main.insert(streamIdBytes(id));
          for (const b of layout.blobs) this.streamBytes += jemallocSize(b);
        } else {
          for (const node of planStreamNodes(p.items)) {
            this.main.insert(node.key);
            this.streamBytes += jemallocSize(node.listpack.length);
          }
        }
        return;
      }
      case 'stream-meta':
        this.n = p.meta.length;
        return;
      case 'stream-group':
        this.closeGroup();
        this.streamBytes += STREAM_CG + STREAM_NACK * p.pending;
        this.pelRax = new RaxCounter();
        return;
      case 'stream-pel':
        for (const x of p.items) this.pelRax!.insert(streamIdBytes(x.id));
        return;
      case 'stream-consumer':
        this.closeConsumer();
        this.streamBytes += STREAM_CONSUMER + p.name.length;
        this.consumerRax = new RaxCounter();
        return;
      case 'stream-consumer-pel':
        for (const id of p.items) this.consumerRax!.insert(streamIdBytes(id));
        return;
      default:
        return;
    }
  }

  /** The end of a stream given in parts. */
  streamEnd(): void {
    this.closeGroup();
    this.valueBytes = ROBJ + STREAM + raxUsage(this.main ?? new RaxCounter()) + this.streamBytes;
    this.encodingName = 'stream';
  }

  private closeConsumer(): void {
    if (this.consumerRax) this.streamBytes += raxUsage(this.consumerRax);
    this.consumerRax = null;
  }

  private closeGroup(): void {
    this.closeConsumer();
    if (this.pelRax) this.streamBytes += raxUsage(this.pelRax);
    this.pelRax = null;
  }

  /** One part of a list, set, zset or hash given in parts (quicklist nodes as the part's layout says). */
  part(p: KeyPart): void {
    switch (p.part) {
      case 'list':
        if (p.layout) {
          const l = (this.head.layout ??= { blobs: [] });
          for (const b of p.layout.blobs) l.blobs.push(b);
          if (p.layout.counts) for (const c of p.layout.counts) (l.counts ??= []).push(c);
        }
        return this.members(p.items);
      case 'set':
        return this.members(p.items);
      case 'zset':
        return this.zmembers(p.items);
      case 'hash':
        return this.fields(p.items);
      default:
        return this.streamPart(p);
    }
  }

  /** A module value: Redis asks the module (its mem_usage callback); the stored payload stands in. */
  module(payloadBytes: number): void {
    this.valueBytes = payloadBytes;
    this.encodingName = 'module';
  }

  /** The estimate, once every element has been given. */
  finish(): MemoryEstimate {
    const h = this.head;
    const value = this.valueFor(h.type);
    return {
      bytes: sdsAlloc(h.keyLength) + DICT_ENTRY + value,
      expiryBytes: h.hasExpiry ? DICT_ENTRY : 0,
      encoding: this.encodingName,
      elements: this.n,
      largestElement: this.largest,
    };
  }

  private blob(): number | null {
    const b = this.head.layout?.blobs;
    return b && b.length === 1 ? b[0]! : null;
  }

  private valueFor(type: RedisType): number {
    const t = this.head.rdbType;
    switch (type) {
      case 'string':
      case 'stream':
      case 'module':
        return this.valueBytes;
      case 'list': {
        this.encodingName = 'quicklist';
        const layout = this.head.layout;
        if (layout?.counts && t === RdbType.LIST_QUICKLIST_2) {
          let alloc = 0;
          for (const b of layout.blobs) alloc += QUICKLIST_NODE + jemallocSize(b);
          return ROBJ + QUICKLIST + alloc;
        }
        if (t === RdbType.LIST_ZIPLIST) {
          // one ziplist becomes one node: a listpack of its elements
          return ROBJ + QUICKLIST + QUICKLIST_NODE + jemallocSize(this.lpBytes);
        }
        if (this.n > 0 && this.lpBytes > LISTPACK_EMPTY) this.closeNode();
        return ROBJ + QUICKLIST + this.nodeAlloc;
      }
      case 'set': {
        const blob = t === RdbType.SET_INTSET ? this.blob() : null;
        const allInts = this.firstBreak < 0;
        if (allInts && this.n <= INTSET_ENTRIES) {
          this.encodingName = 'intset';
          return ROBJ + jemallocSize(blob ?? 8 + this.n * this.intsetWidth);
        }
        this.encodingName = 'hashtable';
        let slots: number;
        if (this.n > INTSET_ENTRIES || blob !== null) {
          slots = dictSize(this.n);
        } else {
          // integers first went to an intset, converted at the first other member
          const d = new DictTables();
          d.expand(this.firstBreak);
          d.addMany(this.firstBreak);
          d.expand(this.n);
          d.addMany(this.n - this.firstBreak);
          slots = d.slots;
        }
        return ROBJ + DICT + 8 * slots + this.tableBytes;
      }
      case 'zset': {
        const blob = t === RdbType.ZSET_LISTPACK || t === RdbType.ZSET_ZIPLIST ? this.blob() : null;
        const small = blob !== null ? this.n <= ZSET_LISTPACK_ENTRIES : this.n <= ZSET_LISTPACK_ENTRIES && this.maxLen <= LISTPACK_VALUE;
        if (small) {
          this.encodingName = 'listpack';
          // a stored listpack is kept as allocated; a ziplist or a skiplist is rebuilt as a listpack
          return ROBJ + jemallocSize(t === RdbType.ZSET_LISTPACK && blob !== null ? blob : this.lpBytes);
        }
        this.encodingName = 'skiplist';
        let slots = dictSize(this.n);
        if (blob !== null) {
          // zsetConvert adds one by one into an unsized dict
          const d = new DictTables();
          d.addMany(this.n);
          slots = d.slots;
        }
        return ROBJ + ZSET + ZSKIPLIST + DICT + 8 * slots + ZSL_HEADER + Math.round(this.tableBytes);
      }
      case 'array':
        // Redis 8 arrays have no 7.0 form: counted as a hashtable of their element strings
        this.encodingName = 'array';
        return ROBJ + DICT + 8 * dictSize(this.n) + this.tableBytes;
      case 'hash': {
        const blobType = t === RdbType.HASH_LISTPACK || t === RdbType.HASH_ZIPLIST || t === RdbType.HASH_ZIPMAP;
        const blob = blobType ? this.blob() : null;
        // a stored ziplist/listpack stays one while its entry count allows, whatever its value lengths
        if (blob !== null && this.n <= HASH_LISTPACK_ENTRIES && (t !== RdbType.HASH_ZIPMAP || this.firstBreak < 0)) {
          this.encodingName = 'listpack';
          return ROBJ + jemallocSize(t === RdbType.HASH_LISTPACK ? blob : this.lpBytes);
        }
        if (blob === null && this.n <= HASH_LISTPACK_ENTRIES && this.firstBreak < 0) {
          this.encodingName = 'listpack';
          return ROBJ + jemallocSize(this.lpBytes);
        }
        this.encodingName = 'hashtable';
        let slots = dictSize(this.n);
        if (blob === null && this.n <= HASH_LISTPACK_ENTRIES) {
          // loaded into a listpack until the first long field or value, then converted
          const k = this.firstBreak;
          const d = new DictTables();
          d.expand(k);
          d.addMany(k + 1);
          const rest = this.n - k - 1;
          if (rest > 4) d.expand(rest);
          d.addMany(rest);
          slots = d.slots;
        }
        return ROBJ + DICT + 8 * slots + this.tableBytes;
      }
    }
  }
}

/** Size of a zset score's listpack entry: d2string text, stored as an integer when it is one. */
function scoreEntrySize(score: number): number {
  if (Number.isInteger(score) && Math.abs(score) < 2 ** 53) return listpackElementSize(score === 0 ? 0 : score);
  return listpackElementSize(new TextEncoder().encode(d2string(score)));
}

/** The head of a decoded key. */
export function keyHead(entry: KeyEntry): KeyHead {
  const head: KeyHead = { type: entry.type, keyLength: entry.key.length, rdbType: entry.rdbType, hasExpiry: entry.expireAt !== null };
  if (entry.layout) head.layout = entry.layout;
  return head;
}

/** The head of a key handed over in parts (its quicklist layout comes with its parts). */
export function partsHead(s: KeyStartRecord): KeyHead {
  const head: KeyHead = { type: s.type, keyLength: s.key.length, rdbType: s.rdbType, hasExpiry: s.expireAt !== null };
  if (s.type === 'list' && s.nodes !== undefined) head.layout = { blobs: [], counts: [] };
  return head;
}

/** Feed a whole decoded value to an accumulator. */
export function addValue(m: KeyMemory, entry: KeyEntry): void {
  switch (entry.type) {
    case 'string':
      return m.string(entry.value, entry.encoding === 'int');
    case 'list':
    case 'set':
      return m.members(entry.value);
    case 'zset':
      return m.zmembers(entry.value);
    case 'hash':
      return m.fields(entry.value);
    case 'stream':
      return m.stream(entry.value);
    case 'module':
      return m.module(entry.value.payload.length);
    case 'array':
      return m.members(entry.value.elements.map((e) => e.value));
  }
}

/** Estimate a whole decoded key (decode with `layout: true` for lists and streams as stored). */
export function estimateKeyMemory(entry: KeyEntry): MemoryEstimate {
  const m = new KeyMemory(keyHead(entry));
  addValue(m, entry);
  return m.finish();
}
