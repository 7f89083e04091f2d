/** Module values (type 7, FORMATS.md §5.8): a 64-bit module id, then the module opcode stream to EOF. */
import type { Cursor } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { readLengthBig } from '../length.js';
import { decodeModuleId, readModuleItems } from '../module.js';
import type { ValueContext, ValueFrame } from './frame.js';

/** Read a module value in one unit, keeping its raw payload for pass-through writing. */
export function readModuleValue(r: Cursor, _f: ValueFrame, ctx: ValueContext): Value {
  const idAt = r.pos;
  const moduleId = readLengthBig(r);
  const items = readModuleItems(r, ctx.max);
  const { name, encver } = decodeModuleId(moduleId);
  return { type: 'module', value: { moduleId, name, encver, items, payload: r.buf.slice(idAt, r.pos) } };
}
