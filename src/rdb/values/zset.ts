/**
 * Sorted-set values (FORMATS.md §5.4): types 3 (text scores) and 5 (binary scores), one
 * member per unit; 12 (ziplist) and 17 (listpack) of member/score pairs.
 */
import { type Cursor, corrupt } from '../../bytes/cursor.js';
import { compareBytes } from '../../model/bytes.js';
import type { Value } from '../../model/record.js';
import { RdbType } from '../constants.js';
import { readLength } from '../length.js';
import { decodeListpackMembers, listpackDuplicate, listpackScoresValid, lpValueBytes, scanListpack } from '../listpack.js';
import { parseRedisDoubleBytes, readBinaryDouble, readString, readStringDouble } from '../string.js';
import { decodeZiplistValues } from '../ziplist.js';
import { readBlob, type ValueContext, type ValueFrame } from './frame.js';

/** Types 3 and 5: a count, then one member and its score per unit. */
export function readSkiplistZset(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    f.left = readLength(r);
    return f.left === 0 ? { type: 'zset', value: [] } : undefined;
  }
  const at = r.pos;
  const m = readString(r, ctx.max);
  const score = f.type === RdbType.ZSET ? readStringDouble(r) : readBinaryDouble(r);
  if (Number.isNaN(score)) throw corrupt(r, 'RDB_BAD_ZSET', 'zset score is NaN', at);
  f.items.push([m, score]);
  if (--f.left > 0) return undefined;
  // a zset handed over in parts keeps the file's order (earlier batches are gone)
  const items = f.items as Array<[Uint8Array, number]>;
  return { type: 'zset', value: f.parted ? items : zsetOrder(items) };
}

/** Types 12 and 17: one blob of member, score, member, score... */
export function readPackedZset(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  if (f.type === RdbType.ZSET_LISTPACK) {
    if (ctx.scratch || ctx.packed) return checkListpackZset(r, f, ctx, blob, at);
    const members = decodeListpackMembers(blob, r.base + at);
    if (members === 'odd') throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has an odd number of elements', at);
    if (members === 'bad-score') throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has a score that is not a number', at);
    return { type: 'zset', value: members };
  }
  const els = decodeZiplistValues(blob, r.base + at);
  if (els.length % 2) throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has an odd number of elements', at);
  const pairs: Array<[Uint8Array, number]> = [];
  for (let i = 0; i < els.length; i += 2) {
    const sv = els[i + 1]!;
    // integral scores are stored as integer entries; others as their text
    const s = sv instanceof Uint8Array ? parseRedisDoubleBytes(sv, 0, sv.length) : Number(sv);
    if (s === null || Number.isNaN(s)) throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has a score that is not a number', at);
    pairs.push([lpValueBytes(els[i]!), s]);
  }
  return { type: 'zset', value: pairs };
}

/**
 * Check mode and packed values: the same validation and errors without a pair per member. The
 * value stands in for the members: empty, one member (check mode; a packed value is its blob),
 * or the first duplicate twice (the decoder's duplicate check then reports it as it would on the
 * whole set).
 */
function checkListpackZset(r: Cursor, f: ValueFrame, ctx: ValueContext, blob: Uint8Array, at: number): Value {
  const n = scanListpack(blob, r.base + at, true);
  if (n % 2) throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has an odd number of elements', at);
  // a packed value keeps the scores stored as text, parsed (the writer then does not parse them again)
  const scores = ctx.scratch ? undefined : scoreArray(n >> 1);
  if (!listpackScoresValid(blob, n, scores)) throw corrupt(r, 'RDB_BAD_ZSET', 'zset blob has a score that is not a number', at);
  const dup = listpackDuplicate(blob, n, 0, 2);
  if (dup)
    return {
      type: 'zset',
      value: [
        [dup, 0],
        [dup, 0],
      ],
    };
  if (!ctx.scratch) {
    if (n) f.packed = { format: 'listpack', blob, count: n, scores };
    return { type: 'zset', value: [] };
  }
  return { type: 'zset', value: n ? ONE_MEMBER : [] };
}

const ONE_MEMBER: Array<[Uint8Array, number]> = [[new Uint8Array(0), 0]];

/**
 * The scores of a packed zset: a view of a shared slab. A Float64Array of its own per zset (its
 * storage off the V8 heap past 64 bytes) took more than the rest of checkListpackZset (35k small
 * zsets of big.rdb). A slab lives while a view of it does.
 */
let scoreSlab = new Float64Array(4096);
let scoreAt = 0;

function scoreArray(n: number): Float64Array {
  if (n > 1024) return new Float64Array(n);
  if (scoreAt + n > scoreSlab.length) {
    scoreSlab = new Float64Array(4096);
    scoreAt = 0;
  }
  const v = scoreSlab.subarray(scoreAt, scoreAt + n);
  scoreAt += n;
  return v;
}

/**
 * Plain zsets are saved from the skiplist's tail to its head (highest score first); the model
 * keeps Redis order (ascending score, then member bytes), as ZRANGE and the listpack forms have it.
 */
function zsetOrder(items: Array<[Uint8Array, number]>): Array<[Uint8Array, number]> {
  const cmp = (a: [Uint8Array, number], b: [Uint8Array, number]): number => a[1] - b[1] || compareBytes(a[0], b[0]) || 0;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < items.length && (ascending || descending); i++) {
    const d = cmp(items[i - 1]!, items[i]!);
    if (d > 0) ascending = false;
    if (d < 0) descending = false;
  }
  if (ascending) return items;
  if (descending) return items.reverse();
  return items.sort(cmp);
}
