/**
 * The record model shared by the RDB and AOF codecs, the engine and every operation.
 * Keys and values are bytes. Times are milliseconds since the epoch (numbers: they fit
 * in 2^53). Every record read from a file carries its byte span [start, end).
 */

/** A half-open byte range in the source file. */
export interface Span {
  start: number;
  end: number;
}

/** Redis's logical types. */
export type RedisType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | 'module' | 'array';

/** A stream ID: milliseconds and sequence, both unsigned 64-bit. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

/** One stream entry (tombstones are not kept). Fields in order, duplicates allowed as Redis allows. */
export interface StreamEntry {
  id: StreamId;
  fields: Array<[Uint8Array, Uint8Array]>;
}

/** A pending entry of a consumer group's PEL. */
export interface StreamPendingEntry {
  id: StreamId;
  deliveryTime: number;
  deliveryCount: number;
  /** The consumer owning it (null when no consumer lists it: invalid, but kept). */
  consumer: Uint8Array | null;
}

/** A consumer of a consumer group. */
export interface StreamConsumer {
  name: Uint8Array;
  seenTime: number;
  /** RDB 11+ only; null when the file does not store it. */
  activeTime: number | null;
  pending: StreamId[];
}

/** A consumer group. */
export interface StreamGroup {
  name: Uint8Array;
  lastId: StreamId;
  /** Entries read by the group; null when unknown (stored as 2^64-1, or absent before RDB 10), as XINFO shows nil. */
  entriesRead: number | null;
  pending: StreamPendingEntry[];
  consumers: StreamConsumer[];
  /**
   * RDB 14+ (stream type 27): the group's NACK zone, PEL ids released with XNACK and owned by no
   * consumer, in file order. Absent when the file's stream type has no NACK zone.
   */
  nacked?: StreamId[];
}

/** One idempotent-producer record: an iid and the entry id it produced. */
export interface StreamIdmpEntry {
  iid: Uint8Array;
  id: StreamId;
}

/** One idempotent producer (XADD IDMP pid iid) and its tracked iids, oldest first. */
export interface StreamIdmpProducer {
  pid: Uint8Array;
  entries: StreamIdmpEntry[];
}

/** A stream's IDMP state (RDB 13+, stream types 26 and 27). */
export interface StreamIdmp {
  /** Seconds an iid is remembered (XCFGSET IDMP-DURATION). */
  duration: number;
  /** Iids remembered per producer (XCFGSET IDMP-MAXSIZE). */
  maxEntries: number;
  producers: StreamIdmpProducer[];
  /** All-time count of entries added with an iid. */
  iidsAdded: number;
  /** All-time count of duplicate iids refused. */
  iidsDuplicates: number;
}

/** A stream's full state. v2+ fields are null when read from an older file. */
export interface StreamValue {
  entries: StreamEntry[];
  length: number;
  lastId: StreamId;
  firstId: StreamId | null;
  maxDeletedId: StreamId | null;
  entriesAdded: number | null;
  groups: StreamGroup[];
  /** RDB 13+ (stream types 26, 27): the IDMP section. Absent when the file's stream type has none. */
  idmp?: StreamIdmp;
  /** The entries as stored (RdbDecoderOptions.packed): then `entries` is empty. */
  packed?: PackedStreamNodes;
}

/**
 * Stream nodes as stored, validated (RdbDecoderOptions.packed), for a writer that walks their
 * listpacks instead of entry objects: each node's radix-tree key (its master id, ms and seq as
 * u64 big-endian) and listpack, which the decoder checked as it checks a node it decodes.
 */
export interface PackedStreamNodes {
  nodes: Array<{ master: Uint8Array; blob: Uint8Array }>;
  /** Live entries in all the nodes. */
  live: number;
}

/** One element of an array value: its index (uint64) and its value as the string Redis replies with. */
export interface ArrayElement {
  index: bigint;
  value: Uint8Array;
}

/** An array (RDB 14+, type 28): a sparse index → string map, ascending index, plus ARINSERT's cursor. */
export interface ArrayValue {
  /** The next ARINSERT index, or null when never set (stored as absent). */
  insertIndex: bigint | null;
  elements: ArrayElement[];
}

/**
 * One key-metadata class attached to a key (RDB 13+, opcode 243 under the REDIS magic): a module
 * metadata class named by four characters, with its value saved through the module opcodes.
 */
export interface KeyMetaClass {
  /** The 32-bit class spec as stored (name, version, flags). */
  spec: number;
  /** The class's four-character name (decoded from spec). */
  name: string;
  /** Class version, 0-31 (decoded from spec). */
  version: number;
  /** The three flag bits (bit 0: the loader may ignore the class when it is not registered). */
  flags: number;
  /** The value's module opcode items, decoded. */
  items: ModuleItem[];
  /** The value's raw bytes, its module opcodes through the EOF opcode, for pass-through writing. */
  payload: Uint8Array;
}

/** One hash field, with its optional per-field expiry (ms). */
export interface HashField {
  field: Uint8Array;
  value: Uint8Array;
  expireAt?: number;
}

/** One module opcode item of a module value or module aux payload. */
export type ModuleItem =
  | { op: 'sint'; value: bigint }
  | { op: 'uint'; value: bigint }
  | { op: 'float'; value: number }
  | { op: 'double'; value: number }
  | { op: 'string'; value: Uint8Array };

/** A module value: the module type name and encoding version from the 64-bit id, and its payload. */
export interface ModuleValue {
  moduleId: bigint;
  name: string;
  encver: number;
  /** The opcode stream, decoded. */
  items: ModuleItem[];
  /** The raw bytes of the value after the type byte's key (module id through EOF opcode), for pass-through. */
  payload: Uint8Array;
}

/** A value typed per Redis type. */
export type Value =
  | { type: 'string'; value: Uint8Array }
  | { type: 'list'; value: Uint8Array[] }
  | { type: 'set'; value: Uint8Array[] }
  | { type: 'zset'; value: Array<[Uint8Array, number]> }
  | { type: 'hash'; value: HashField[] }
  | { type: 'stream'; value: StreamValue }
  | { type: 'module'; value: ModuleValue }
  | { type: 'array'; value: ArrayValue };

/**
 * How an aggregate was stored in the file (decoder option `layout`): what a memory estimate needs
 * beyond the elements, since Redis keeps loaded blobs as they were stored.
 */
export interface StoredLayout {
  /** Byte length of each stored blob: the value's ziplist/listpack/intset/zipmap, each quicklist node, each stream node. */
  blobs: number[];
  /** Quicklist: elements in each node (a PLAIN node holds one). Stream: live entries in each node. */
  counts?: number[];
  /** Stream: each node's master id, the key of its radix-tree entry. */
  nodeIds?: StreamId[];
}

/** A key with its value. `encoding` names the file's encoding (as OBJECT ENCODING would after load). */
export type KeyEntry = Value & {
  kind: 'key';
  db: number;
  key: Uint8Array;
  encoding: string;
  /** The RDB type id the value was stored with (null when it did not come from an RDB). */
  rdbType: number | null;
  expireAt: number | null;
  idle?: number;
  freq?: number;
  /** Key metadata classes (RDB 13+), in file order; absent when the key has none. */
  meta?: KeyMetaClass[];
  /**
   * For a hash stored in a template encoding (RDB 15+, types 29-32): the template id it refers to
   * (null in the self-contained forms without one) and the self-contained forms' leading value.
   */
  template?: { id: number | null; lead?: number };
  span?: Span;
  /** Present when the decoder was asked for it (RdbDecoderOptions.layout). */
  layout?: StoredLayout;
  /**
   * The value's bytes as stored, everything after the key name (RdbDecoderOptions.rawValues): an
   * encoder writing exactly the input's version copies them instead of encoding `value` again.
   * Whoever changes `value` must drop this.
   */
  raw?: Uint8Array;
  /**
   * The value as its stored blob, validated (RdbDecoderOptions.packed): then `value` is empty and
   * the elements are in the blob, for a writer that walks it instead of element objects.
   */
  packed?: PackedBlob;
};

/**
 * A small aggregate's elements as stored, in one validated blob (RdbDecoderOptions.packed): a
 * listpack (a hash's or zset's elements alternate name, value; a list's or set's are its
 * elements), or an intset. Duplicate names or members, odd counts and bad scores were reported
 * before a value gets this form, so a walk of the blob meets none of them.
 */
export interface PackedBlob {
  format: 'listpack' | 'intset';
  blob: Uint8Array;
  /** Elements in the blob (a hash or zset: two per field or member). */
  count: number;
  /** A zset: the score of member k at [k] when the blob stores it as text (as parsed to validate it). */
  scores?: Float64Array;
  /** A list of more than one quicklist node: every node's listpack, in order (`blob` is the first); `count` is their total. */
  nodes?: Uint8Array[];
}

/**
 * The element count past which the operations that read RDB files have keys handed over in parts,
 * and past which the JSON export writes a hash as [field, value] pairs and a zset from its highest
 * score down (SPEC.md §3), so a key reads the same whether it came whole or in parts.
 */
export const PART_THRESHOLD = 8192;

/** The types whose values a decoder may hand over in parts (a string is always held whole). */
export type PartedType = 'list' | 'set' | 'zset' | 'hash' | 'stream';

/**
 * Keys too big to hold: the start of a key handed over in parts. It carries everything a whole
 * key record carries but its elements; the elements follow as `key-part` records, then one
 * `key-end`. Nothing else comes between a key's start and its end. A decoder does this past a
 * size threshold (RdbDecoderOptions.partThreshold); smaller keys stay whole `key` records.
 */
export interface KeyStartRecord {
  kind: 'key-start';
  type: PartedType;
  db: number;
  key: Uint8Array;
  /** As KeyEntry.encoding. */
  encoding: string;
  rdbType: number | null;
  expireAt: number | null;
  idle?: number;
  freq?: number;
  /**
   * Element count when the file states it before the elements (hash fields, set and zset members,
   * linked-list elements); null when it does not (quicklists count nodes, listpacks are read whole,
   * streams store their length after the entries).
   */
  count: number | null;
  /** Key metadata classes (RDB 13+), as on a whole key record. */
  meta?: KeyMetaClass[];
  /** Quicklist node count (list types 14 and 18); each list part then says where its nodes end. */
  nodes?: number;
  /** `start` is the key's first byte (its prefix opcodes included); `end` where the elements begin. */
  span?: Span;
}

/** A stream's metadata, which the file stores after its entries. */
export interface StreamMeta {
  length: number;
  lastId: StreamId;
  firstId: StreamId | null;
  maxDeletedId: StreamId | null;
  entriesAdded: number | null;
  /** Number of consumer groups that follow. */
  groups: number;
}

/**
 * The payload of one part, in file order. Aggregates: batches of elements of the start's type
 * (zset members in file order: Redis saves a skiplist from its highest score down). Streams, in
 * this order: `stream-entries` batches, one `stream-meta`, then per group one `stream-group`,
 * `stream-pel` batches (pending entries; their owner is not known yet: `consumer` is null), one
 * `stream-consumers` (their count), per consumer one `stream-consumer` followed by `stream-consumer-pel` batches of its pending ids (with
 * their delivery time and count from the group PEL), then for a type-27 stream one
 * `stream-nack-zone` and its `stream-nacked` batches; after the groups, a type-26/27 stream's
 * `stream-idmp`. Batches of a quicklist or of stream entries never split a stored node.
 */
export type KeyPart =
  | {
      part: 'list';
      /** Empty when the batch is `packed`. */
      items: Uint8Array[];
      /** The batch's quicklist nodes as stored, validated listpacks (RdbDecoderOptions.packed). */
      packed?: Uint8Array[];
      /** From a quicklist: the element count of each node in this batch, in order (a part never splits a node). */
      nodes?: number[];
      /** The stored layout of this batch's nodes (decoder option `layout`). */
      layout?: StoredLayout;
    }
  | { part: 'set'; items: Uint8Array[] }
  | { part: 'zset'; items: Array<[Uint8Array, number]> }
  | { part: 'hash'; items: HashField[] }
  | {
      part: 'stream-entries';
      /** Empty when the entries are `packed`. */
      items: StreamEntry[];
      /** The batch's nodes as stored (RdbDecoderOptions.packed). */
      packed?: PackedStreamNodes;
      /** Live entries of each stored node in this batch, in order (a node may hold none: all deleted). */
      nodes: number[];
      /** The stored layout of this batch's nodes (decoder option `layout`). */
      layout?: StoredLayout;
    }
  | { part: 'stream-meta'; meta: StreamMeta }
  | { part: 'stream-group'; name: Uint8Array; lastId: StreamId; entriesRead: number | null; pending: number }
  | { part: 'stream-pel'; items: StreamPendingEntry[] }
  | { part: 'stream-consumers'; count: number }
  | { part: 'stream-consumer'; name: Uint8Array; seenTime: number; activeTime: number | null; pending: number }
  | {
      part: 'stream-consumer-pel';
      items: StreamId[];
      /** Per id, its group PEL entry's delivery time and count. */
      delivery: Array<[time: number, count: number]>;
    }
  | { part: 'stream-nack-zone'; count: number }
  | { part: 'stream-nacked'; items: StreamId[] }
  | { part: 'stream-idmp'; idmp: StreamIdmp };

/** One part of a key handed over in parts (db and key repeated, so a consumer needs no state to filter). */
export type KeyPartRecord = KeyPart & { kind: 'key-part'; db: number; key: Uint8Array; span?: Span };

/** The end of a key handed over in parts. */
export interface KeyEndRecord {
  kind: 'key-end';
  type: PartedType;
  db: number;
  key: Uint8Array;
  /** Elements handed over (list/set/zset members, hash fields, live stream entries). */
  count: number;
  /** The whole key's byte range, as a whole key record's span. */
  span?: Span;
}

/** File header: magic family and version. */
export interface HeaderRecord {
  kind: 'header';
  family: 'redis' | 'valkey';
  version: number;
  /**
   * The version field as written, present only when it is not plain digits (`"001\\xcf"`): Redis reads
   * it with atoi, and so does rdbkit (SPEC.md §1.1).
   */
  versionField?: string;
  span?: Span;
}

/** An AUX field (redis-ver, ctime, ...). */
export interface AuxRecord {
  kind: 'aux';
  key: Uint8Array;
  value: Uint8Array;
  span?: Span;
}

/** SELECTDB. */
export interface SelectDbRecord {
  kind: 'selectdb';
  db: number;
  span?: Span;
}

/** RESIZEDB hint. */
export interface ResizeDbRecord {
  kind: 'resizedb';
  db: number;
  dbSize: number;
  expiresSize: number;
  span?: Span;
}

/** A function library (FUNCTION2; the pre-GA FUNCTION form is rebuilt into the same shape). */
export interface FunctionRecord {
  kind: 'function';
  code: Uint8Array;
  /** Library name and engine when they could be read from the shebang. */
  name: string | null;
  engine: string | null;
  span?: Span;
}

/** Module AUX data. */
export interface ModuleAuxRecord {
  kind: 'module-aux';
  moduleId: bigint;
  name: string;
  encver: number;
  when: number;
  items: ModuleItem[];
  payload: Uint8Array;
  span?: Span;
}

/** Redis cluster SLOT_INFO (opcode 244). */
export interface SlotInfoRecord {
  kind: 'slot-info';
  slot: number;
  keys: number;
  expires: number;
  span?: Span;
}

/** Valkey 9 SLOT_IMPORT (opcode 243 under VALKEY magic). */
export interface SlotImportRecord {
  kind: 'slot-import';
  job: Uint8Array;
  ranges: Array<[number, number]>;
  span?: Span;
}

/** A hash-template registry record (RDB 15+, opcode 242): a template id and its sorted field names. */
export interface HashTemplateRecord {
  kind: 'hash-template';
  id: number;
  fields: Uint8Array[];
  span?: Span;
}

/** End of the RDB: checksum stored and computed (null for versions without one). */
export interface EofRecord {
  kind: 'eof';
  /** Stored CRC64 as 16 hex digits, null when the version has none. */
  checksum: string | null;
  /** Whether the checksum was verified (false when absent or stored as 0). */
  verified: boolean;
  span?: Span;
}

/** Everything an RDB decoder emits. */
export type RdbRecord =
  | HeaderRecord
  | AuxRecord
  | SelectDbRecord
  | ResizeDbRecord
  | FunctionRecord
  | ModuleAuxRecord
  | SlotInfoRecord
  | SlotImportRecord
  | HashTemplateRecord
  | KeyEntry
  | KeyStartRecord
  | KeyPartRecord
  | KeyEndRecord
  | EofRecord;

/** A logged command (AOF): arguments as bytes, with its span and the last #TS annotation seen. */
export interface Command {
  argv: Uint8Array[];
  span: Span;
  /** Unix seconds from the last `#TS:` annotation before this command, if any. */
  timestamp?: number;
}

/** Compare stream ids. */
export function compareStreamIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}
