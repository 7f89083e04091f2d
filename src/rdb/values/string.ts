/** String values (type 0): one string atom, possibly integer- or LZF-encoded (FORMATS.md §5.1). */
import { type Cursor, require } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { readDiscardedString, readString } from '../string.js';
import type { ValueContext, ValueFrame } from './frame.js';

/** Read a string value in one unit; remembers whether it was integer-encoded (OBJECT ENCODING "int"). */
export function readStringValue(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const b = r.buf[r.pos];
  require(r, 1);
  // check mode: the value is dropped after its encoding is named, so it is only validated
  const v = ctx.scratch ? readDiscardedString(r, ctx.max, ctx.scratch) : readString(r, ctx.max);
  f.intEncoded = b !== undefined && b >= 0xc0 && b <= 0xc2;
  return { type: 'string', value: v };
}
