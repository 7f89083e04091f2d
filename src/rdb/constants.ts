/**
 * RDB constants transcribed from the format (../shared/FORMATS.md §2–§5; Redis rdb.h,
 * Valkey rdb.h). Everything multi-byte is little-endian unless noted.
 */

/**
 * Highest RDB version this reader understands per magic family. 13 is Redis 8.6 (key metadata,
 * stream IDMP), 14 Redis 8.8 (stream NACK zone, arrays), 15 Redis trunk 8.9+ (hash templates).
 */
export const MAX_REDIS_RDB_VERSION = 15;
export const VALKEY_RDB_VERSIONS = [80] as const;

/**
 * Value type ids (the byte before a key). Ids 22–25 mean different things under a VALKEY magic
 * (22 = Valkey HASH_2); see typeName().
 */
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
  /** Redis 7.4 RCs: HASH_METADATA_PRE_GA. Valkey 9: HASH_2. */
  HASH_METADATA_PRE_GA: 22,
  HASH_LISTPACK_EX_PRE_GA: 23,
  HASH_METADATA: 24,
  HASH_LISTPACK_EX: 25,
  /** RDB 13: type 21 plus the IDMP section after the consumer groups. */
  STREAM_LISTPACKS_4: 26,
  /** RDB 14: type 26 plus a NACK zone after each group's consumers. */
  STREAM_LISTPACKS_5: 27,
  /** RDB 14: a sparse array of strings (count, insert cursor, tagged elements). */
  ARRAY: 28,
  /** RDB 15, DUMP form: a hash in template listpack encoding, field names inline. */
  HASH_TMPL_LP: 29,
  /** RDB 15, file form: a values listpack whose first entry is a template id (opcode 242). */
  HASH_TMPL_LP_REF: 30,
  /** RDB 15, DUMP form: a hash in template array encoding, field names inline. */
  HASH_TMPL_ARRAY: 31,
  /** RDB 15, file form: a template id, then one string per template field. */
  HASH_TMPL_ARRAY_REF: 32,
  /** Defined by Redis trunk only when built with GCRA; its layout is not published: refused. */
  GCRA: 33,
} as const;

/** The first RDB version that can hold each type id above 25 (FORMATS.md §13, SPEC.md). */
export const TYPE_MIN_VERSION: Record<number, number> = { 26: 13, 27: 14, 28: 14, 29: 15, 30: 15, 31: 15, 32: 15 };

/** Opcodes: bytes that are not value types. */
export const Opcode = {
  /** Redis 15+: one hash template of the registry (id, field count, sorted field names). */
  HASH_TEMPLATE: 242,
  /** Valkey 9: SLOT_IMPORT. Under the REDIS magic (RDB 13+) the same byte is KEY_META. */
  SLOT_IMPORT: 243,
  /** Redis 13+: key metadata classes for the next key (count, then spec + module-opcode value each). */
  KEY_META: 243,
  /** Redis 7.4+: slot id, keys, expires (three lengths). */
  SLOT_INFO: 244,
  /** One library's source code. */
  FUNCTION2: 245,
  /** 7.0-rc1/rc2 only: name, engine, [description], code. */
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  /** LRU idle seconds (length) for the next key. */
  IDLE: 248,
  /** LFU counter (1 byte) for the next key. */
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  /** int64 LE ms for the next key. */
  EXPIRETIME_MS: 252,
  /** int32 seconds for the next key. */
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/**
 * Length encoding, first byte's top two bits:
 *   00xxxxxx                  6-bit length
 *   01xxxxxx xxxxxxxx         14-bit length (big-endian)
 *   10000000 + 4 bytes        32-bit length, big-endian
 *   10000001 + 8 bytes        64-bit length, big-endian (RDB >= 8)
 *   11xxxxxx                  special string encoding, low 6 bits = StringEncoding
 */
export const LengthTag = {
  BITS6: 0,
  BITS14: 1,
  BITS32: 0x80,
  BITS64: 0x81,
  ENCVAL: 3,
} as const;

/** Special string encodings (after a 11xxxxxx length byte). */
export const StringEncoding = {
  INT8: 0,
  INT16: 1,
  INT32: 2,
  LZF: 3,
} as const;

/**
 * Redis Enterprise opcodes found in some RE files (librdb defines.h). Only RAM_LRU has a known
 * layout (one length, a hint with no effect on the data); it is skipped.
 */
export const EnterpriseOpcode = {
  RAM_LRU: 107,
} as const;

/** Module opcode stream items (module values and MODULE_AUX payloads). */
export const ModuleOpcode = {
  EOF: 0,
  SINT: 1,
  UINT: 2,
  FLOAT: 3,
  DOUBLE: 4,
  STRING: 5,
} as const;

/** Quicklist-2 node containers. */
export const QuicklistContainer = {
  PLAIN: 1,
  PACKED: 2,
} as const;

/** Per type id: Redis type and the encoding it names (as OBJECT ENCODING reports after load). */
const TYPE_INFO: Record<number, readonly [string, string, string]> = {
  0: ['string', 'string', 'raw'],
  1: ['list', 'list', 'linkedlist'],
  2: ['set', 'set', 'hashtable'],
  3: ['zset', 'zset', 'skiplist'],
  4: ['hash', 'hash', 'hashtable'],
  5: ['zset', 'zset-2', 'skiplist'],
  6: ['module', 'module-pre-ga', 'module'],
  7: ['module', 'module-2', 'module'],
  9: ['hash', 'hash-zipmap', 'zipmap'],
  10: ['list', 'list-ziplist', 'ziplist'],
  11: ['set', 'set-intset', 'intset'],
  12: ['zset', 'zset-ziplist', 'ziplist'],
  13: ['hash', 'hash-ziplist', 'ziplist'],
  14: ['list', 'list-quicklist', 'quicklist'],
  15: ['stream', 'stream-listpacks', 'stream'],
  16: ['hash', 'hash-listpack', 'listpack'],
  17: ['zset', 'zset-listpack', 'listpack'],
  18: ['list', 'list-quicklist-2', 'quicklist'],
  19: ['stream', 'stream-listpacks-2', 'stream'],
  20: ['set', 'set-listpack', 'listpack'],
  21: ['stream', 'stream-listpacks-3', 'stream'],
  22: ['hash', 'hash-metadata-pre-ga', 'hashtable'],
  23: ['hash', 'hash-listpack-ex-pre-ga', 'listpackex'],
  24: ['hash', 'hash-metadata', 'hashtable'],
  25: ['hash', 'hash-listpack-ex', 'listpackex'],
  26: ['stream', 'stream-listpacks-4', 'stream'],
  27: ['stream', 'stream-listpacks-5', 'stream'],
  28: ['array', 'array', 'array'],
  29: ['hash', 'hash-template-listpack', 'template-listpack'],
  30: ['hash', 'hash-template-listpack-ref', 'template-listpack'],
  31: ['hash', 'hash-template-array', 'template-array'],
  32: ['hash', 'hash-template-array-ref', 'template-array'],
  33: ['gcra', 'gcra', 'gcra'],
};

/** Type name for messages ("hash-listpack"), as redis-check-rdb's rdb_type_string. */
export function typeName(type: number, family: 'redis' | 'valkey' = 'redis'): string {
  if (family === 'valkey' && type === 22) return 'hash-2';
  return TYPE_INFO[type]?.[1] ?? `unknown-type-${type}`;
}

/** Redis type of a type id, or null when unknown. */
export function redisTypeOf(type: number): string | null {
  return TYPE_INFO[type]?.[0] ?? null;
}

/** Encoding reported for a type id. */
export function encodingOf(type: number): string {
  return TYPE_INFO[type]?.[2] ?? 'unknown';
}

/** Name of an opcode, for messages. */
export function opcodeName(op: number, family: 'redis' | 'valkey' = 'redis'): string {
  if (op === 243) return family === 'valkey' ? 'SLOT_IMPORT' : 'KEY_META';
  for (const [k, v] of Object.entries(Opcode)) if (v === op) return k;
  return `opcode-${op}`;
}
