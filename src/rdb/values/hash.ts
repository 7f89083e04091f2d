/**
 * Hash values (FORMATS.md §5.5): type 4 (one field/value per unit); 24 and the pre-GA 22 with
 * per-field TTLs (Valkey's 22 is HASH_2: field, value, absolute expiry); the blobs 9 (zipmap),
 * 13 (ziplist), 16 (listpack) and 25/23 (listpack of field, value, TTL triples).
 */
import { type Cursor, corrupt, readI64LE } from '../../bytes/cursor.js';
import type { HashField, Value } from '../../model/record.js';
import { RdbType } from '../constants.js';
import { readLength } from '../length.js';
import { decodeListpackFields, decodeListpackValues, listpackDuplicate, lpValueBytes, scanListpack } from '../listpack.js';
import { readDiscardedString, readString } from '../string.js';
import { decodeZiplist } from '../ziplist.js';
import { decodeZipmap } from '../zipmap.js';
import { readBlob, type ValueContext, type ValueFrame } from './frame.js';

/** What a validated field stands for in check mode (only the number of fields counts). */
const DISCARDED: HashField = { field: new Uint8Array(0), value: new Uint8Array(0) };

/** Type 4: a count, then one field and its value per unit. */
export function readHashtableHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    f.left = readLength(r);
    return f.left === 0 ? { type: 'hash', value: [] } : undefined;
  }
  if (ctx.scratch) {
    // check mode: a type 4 hash is not checked for duplicate fields, so nothing of it is kept
    readDiscardedString(r, ctx.max, ctx.scratch);
    readDiscardedString(r, ctx.max, ctx.scratch);
    f.items.push(DISCARDED);
  } else {
    const field = readString(r, ctx.max);
    const value = readString(r, ctx.max);
    f.items.push({ field, value });
  }
  return --f.left === 0 ? { type: 'hash', value: f.items as HashField[] } : undefined;
}

/** Types 22 and 24: [min expiry,] a count, then one field per unit with its TTL. */
export function readMetadataHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    const minExpire = f.type === RdbType.HASH_METADATA ? readI64LE(r) : 0;
    const n = readLength(r);
    f.minExpire = minExpire;
    f.left = n;
    return n === 0 ? { type: 'hash', value: [] } : undefined;
  }
  const at = r.pos;
  let item: HashField;
  if (ctx.family === 'valkey') {
    const field = readString(r, ctx.max);
    const value = readString(r, ctx.max);
    const exp = readI64LE(r);
    if (exp < -1) throw corrupt(r, 'RDB_BAD_HASH_TTL', `hash field expiry ${exp} is invalid`, at);
    item = exp === -1 ? { field, value } : { field, value, expireAt: exp };
  } else {
    const ttl = readLength(r);
    const field = readString(r, ctx.max);
    const value = readString(r, ctx.max);
    item = { field, value };
    if (ttl !== 0) item.expireAt = f.type === RdbType.HASH_METADATA ? ttl + f.minExpire - 1 : ttl;
  }
  f.items.push(item);
  return --f.left === 0 ? { type: 'hash', value: f.items as HashField[] } : undefined;
}

/** Type 9: one zipmap. */
export function readZipmapHash(r: Cursor, _f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  const pairs = decodeZipmap(blob, r.base + at);
  return { type: 'hash', value: pairs.map(([field, value]) => ({ field, value })) };
}

/** Types 13 and 16: one blob of field, value, field, value... */
export function readPackedHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  if ((ctx.scratch || ctx.packed) && f.type === RdbType.HASH_LISTPACK) {
    // check mode and packed values: no field objects; the first duplicate field twice lets the decoder report it
    const n = scanListpack(blob, r.base + at, true);
    if (n % 2) throw corrupt(r, 'RDB_BAD_HASH', 'hash blob has an odd number of elements', at);
    const dup = listpackDuplicate(blob, n, 0, 2);
    if (dup)
      return {
        type: 'hash',
        value: [
          { field: dup, value: dup },
          { field: dup, value: dup },
        ],
      };
    if (!ctx.scratch) {
      if (n) f.packed = { format: 'listpack', blob, count: n };
      return { type: 'hash', value: [] };
    }
    return { type: 'hash', value: n ? [DISCARDED] : [] };
  }
  if (f.type === RdbType.HASH_LISTPACK) {
    const fields = decodeListpackFields(blob, r.base + at);
    if (!fields) throw corrupt(r, 'RDB_BAD_HASH', 'hash blob has an odd number of elements', at);
    return { type: 'hash', value: fields };
  }
  const els = decodeZiplist(blob, r.base + at);
  if (els.length % 2) throw corrupt(r, 'RDB_BAD_HASH', 'hash blob has an odd number of elements', at);
  const fields: HashField[] = [];
  for (let i = 0; i < els.length; i += 2) fields.push({ field: els[i]!, value: els[i + 1]! });
  return { type: 'hash', value: fields };
}

/** Types 25 and 23: [min expiry,] one listpack of field, value, TTL (0 = none) triples. */
export function readListpackExHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  // the stored minimum expiry is a hint Redis recomputes on load; the triples carry every TTL
  if (f.type === RdbType.HASH_LISTPACK_EX) readI64LE(r);
  const { blob, at } = readBlob(r, ctx);
  const vals = decodeListpackValues(blob, r.base + at);
  if (vals.length % 3) throw corrupt(r, 'RDB_BAD_HASH', 'hash listpack-ex blob is not made of triples', at);
  const fields: HashField[] = [];
  for (let i = 0; i < vals.length; i += 3) {
    const ttl = vals[i + 2];
    const field = lpValueBytes(vals[i]!);
    const value = lpValueBytes(vals[i + 1]!);
    if (typeof ttl !== 'number') throw corrupt(r, 'RDB_BAD_HASH_TTL', 'hash listpack-ex TTL is not an integer', at);
    fields.push(ttl === 0 ? { field, value } : { field, value, expireAt: ttl });
  }
  return { type: 'hash', value: fields };
}
