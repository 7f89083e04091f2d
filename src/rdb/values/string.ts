/** String values (type 0): one string atom, possibly integer- or LZF-encoded (FORMATS.md §5.1). */
import { type Cursor, require } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { readString } from '../string.js';
import type { ValueContext, ValueFrame } from './frame.js';

/** Read a string value in one unit; remembers whether it was integer-encoded (OBJECT ENCODING "int"). */
export function readStringValue(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  const b = r.buf[r.pos];
  require(r, 1);
  const v = readString(r, ctx.max, ctx.scratch);
  f.intEncoded = b !== undefined && b >= 0xc0 && b <= 0xc2;
  return { type: 'string', value: v };
}
