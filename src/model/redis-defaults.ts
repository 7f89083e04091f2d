/**
 * Redis 7.0's default encoding-conversion limits (redis.conf as shipped; 7.0.15's
 * hash-max-listpack-entries is 512). The RDB writer chooses encodings by them, and the memory
 * estimator predicts what a server that loaded a dump holds by them.
 */

/** hash-max-listpack-entries */
export const HASH_MAX_LISTPACK_ENTRIES = 512;
/** zset-max-listpack-entries */
export const ZSET_MAX_LISTPACK_ENTRIES = 128;
/** set-max-intset-entries */
export const SET_MAX_INTSET_ENTRIES = 512;
/** set-max-listpack-entries (Redis 7.2 and later: RDB 11) */
export const SET_MAX_LISTPACK_ENTRIES = 128;
/** hash-/zset-max-listpack-value: longest element kept in a listpack */
export const MAX_LISTPACK_VALUE = 64;
