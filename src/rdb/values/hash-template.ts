/**
 * Hashes in template encodings (RDB 15+, types 29-32; SPEC.md "RDB 13-15"). A template is a
 * sorted list of field names registered once per file (opcode 242, see ../hash-template.ts);
 * a key then stores only its values:
 *   30 TMPL_LP_REF     a listpack: the template id, then one value per template field
 *   32 TMPL_ARRAY_REF  the template id (length), then one string per template field
 * The self-contained forms carry their field names (DUMP payloads; valid in a file too):
 *   29 TMPL_LP         a leading length, a listpack of field names, a values listpack as in 30
 *   31 TMPL_ARRAY      a leading length, the field count, the names, then one string per field
 * The leading length of 29/31 is kept as read (its meaning is not settled by the sources here).
 */
import { type Cursor, corrupt } from '../../bytes/cursor.js';
import type { HashField, Value } from '../../model/record.js';
import { RdbType } from '../constants.js';
import { checkTemplateFields } from '../hash-template.js';
import { readLength } from '../length.js';
import { decodeListpack, decodeListpackValues, type LpValue, lpValueBytes } from '../listpack.js';
import { readString } from '../string.js';
import { readBlob, type ValueContext, type ValueFrame } from './frame.js';

function pair(fields: readonly Uint8Array[], values: readonly Uint8Array[]): HashField[] {
  const out: HashField[] = [];
  for (let i = 0; i < fields.length; i++) out.push({ field: fields[i]!, value: values[i]! });
  return out;
}

function templateOf(r: Cursor, ctx: ValueContext, id: number, at: number): Uint8Array[] {
  const fields = ctx.templates.get(id);
  if (!fields) throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', `hash refers to template ${id}, which the file did not define before it`, at);
  return fields;
}

/** A values listpack: its first entry the template id, then `n` values (n = null: any). */
function splitValues(r: Cursor, vals: LpValue[], at: number): { id: number; values: Uint8Array[] } {
  const id = vals[0];
  if (typeof id !== 'number' || id < 0)
    throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', 'template listpack: the first entry is not a template id', at);
  return { id, values: vals.slice(1).map(lpValueBytes) };
}

/** Types 29 and 30 (one unit). */
export function readTemplateListpackHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value {
  let lead: number | undefined;
  let fields: Uint8Array[] | null = null;
  if (f.type === RdbType.HASH_TMPL_LP) {
    lead = readLength(r);
    const { blob, at } = readBlob(r, ctx);
    fields = decodeListpack(blob, r.base + at);
    checkTemplateFields(r, fields, at);
  }
  const { blob, at } = readBlob(r, ctx);
  const vals = decodeListpackValues(blob, r.base + at);
  if (vals.length === 0) throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', 'template listpack is empty', at);
  const { id, values } = splitValues(r, vals, at);
  fields ??= templateOf(r, ctx, id, at);
  if (values.length !== fields.length)
    throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', `template listpack holds ${values.length} values for ${fields.length} fields`, at);
  f.template = lead === undefined ? { id } : { id, lead };
  return { type: 'hash', value: pair(fields, values) };
}

/** Types 31 and 32: a header unit, then one string per unit (names, then values). */
export function readTemplateArrayHash(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    const at = r.pos;
    if (f.type === RdbType.HASH_TMPL_ARRAY_REF) {
      const id = readLength(r);
      const fields = templateOf(r, ctx, id, at);
      f.templateFields = fields;
      f.template = { id };
      f.left = fields.length;
      return undefined;
    }
    const lead = readLength(r);
    const n = readLength(r);
    if (n === 0) throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', 'template hash with zero fields', at);
    f.template = { id: null, lead };
    f.templateFields = [];
    f.left = 2 * n;
    return undefined;
  }
  const at = r.pos;
  const s = readString(r, ctx.max);
  const fields = f.templateFields!;
  // type 31 stores its n names first: 2n strings in all, of which fields.length are names read
  const n = f.type === RdbType.HASH_TMPL_ARRAY ? (fields.length + f.items.length + f.left) / 2 : 0;
  if (fields.length < n) {
    fields.push(s);
    if (fields.length === n) checkTemplateFields(r, fields, at);
  } else f.items.push(s);
  if (--f.left > 0) return undefined;
  return { type: 'hash', value: pair(fields, f.items as Uint8Array[]) };
}
