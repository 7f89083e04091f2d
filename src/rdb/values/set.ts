/** Set values (FORMATS.md §5.3): type 2 (one member per unit), 11 (intset) and 20 (listpack). */
import type { Cursor } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { decodeIntset, validateIntset } from '../intset.js';
import { readLength } from '../length.js';
import { decodeListpack, listpackDuplicate, scanListpack } from '../listpack.js';
import { readString } from '../string.js';
import { readBlob, type ValueContext, type ValueFrame } from './frame.js';

/** A stand-in member list for a set validated in skipValues mode (non-empty, so the key is kept). */
const NON_EMPTY: Uint8Array[] = [new Uint8Array(0)];

/** Type 2: a count, then one member per unit. */
export function readHashtableSet(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    f.left = readLength(r);
    return f.left === 0 ? { type: 'set', value: [] } : undefined;
  }
  f.items.push(readString(r, ctx.max));
  return --f.left === 0 ? { type: 'set', value: f.items as Uint8Array[] } : undefined;
}

/** Type 11: one intset. */
export function readIntsetSet(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  if (ctx.scratch || ctx.packed) {
    const n = validateIntset(blob, r.base + at);
    if (ctx.scratch) return { type: 'set', value: NON_EMPTY };
    f.packed = { format: 'intset', blob, count: n };
    return { type: 'set', value: [] };
  }
  return { type: 'set', value: decodeIntset(blob, r.base + at) };
}

/** Type 20: one listpack of members. */
export function readListpackSet(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  if (ctx.scratch || ctx.packed) {
    // check mode and packed values: no member arrays; the first duplicate twice lets the decoder report it
    const n = scanListpack(blob, r.base + at);
    const dup = listpackDuplicate(blob, n, 0, 1);
    if (dup) return { type: 'set', value: [dup, dup] };
    if (ctx.scratch) return { type: 'set', value: n ? NON_EMPTY : [] };
    if (n) f.packed = { format: 'listpack', blob, count: n };
    return { type: 'set', value: [] };
  }
  return { type: 'set', value: decodeListpack(blob, r.base + at) };
}
