/**
 * Array values (type 28, RDB 14+; the layout is described in ../array.ts). The header (count and
 * insert cursor) is one unit, then each element is one unit, so a huge array is never re-parsed.
 */
import { type Cursor, corrupt, readBytes, readF64LE } from '../../bytes/cursor.js';
import { ascii } from '../../model/bytes.js';
import type { ArrayElement, Value } from '../../model/record.js';
import { ARRAY_SMALLSTR_MAX, ArrayTag, arrayFloatText } from '../array.js';
import { readLength, readLengthBig } from '../length.js';
import { readString } from '../string.js';
import type { ValueContext, ValueFrame } from './frame.js';

/** The highest element index (2^64-1 is the "none" cursor in memory). */
const MAX_INDEX = (1n << 64n) - 2n;

/** Read the array header, then one element per unit. */
export function readArrayValue(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    const n = readLength(r);
    const flagAt = r.pos;
    const flag = readLength(r);
    if (flag > 1) throw corrupt(r, 'RDB_BAD_ARRAY', `array insert-cursor flag must be 0 or 1, found ${flag}`, flagAt);
    const insertIndex = flag === 1 ? readLengthBig(r) : null;
    f.left = n;
    f.array = { insertIndex, elements: [] };
    return n === 0 ? { type: 'array', value: f.array } : undefined;
  }
  const at = r.pos;
  const index = readLengthBig(r);
  const tagAt = r.pos;
  const tag = readLength(r);
  let value: Uint8Array;
  switch (tag) {
    case ArrayTag.STR:
      value = readString(r, ctx.max);
      break;
    case ArrayTag.SMALLSTR:
      value = readString(r, ctx.max);
      if (value.length > ARRAY_SMALLSTR_MAX)
        throw corrupt(r, 'RDB_BAD_ARRAY', `array small-string element of ${value.length} bytes (at most ${ARRAY_SMALLSTR_MAX})`, tagAt);
      break;
    case ArrayTag.INT:
      {
        const b = readBytes(r, 8, 'an array integer');
        value = ascii(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true).toString());
      }
      break;
    case ArrayTag.FLOAT:
      value = ascii(arrayFloatText(readF64LE(r)));
      break;
    default:
      throw corrupt(r, 'RDB_BAD_ARRAY', `unknown array element tag ${tag}`, tagAt);
  }
  const a = f.array!;
  if (index > MAX_INDEX) throw corrupt(r, 'RDB_BAD_ARRAY', `array index ${index} is out of range`, at);
  const prev = a.elements[a.elements.length - 1];
  if (prev && index <= prev.index) throw corrupt(r, 'RDB_BAD_ARRAY', `array index ${index} does not ascend (after ${prev.index})`, at);
  const el: ArrayElement = { index, value };
  if (!ctx.scratch) a.elements.push(el);
  else if (!prev)
    a.elements.push(el); // validation mode keeps the last index only, for the order check
  else a.elements[a.elements.length - 1] = el;
  return --f.left === 0 ? { type: 'array', value: a } : undefined;
}
