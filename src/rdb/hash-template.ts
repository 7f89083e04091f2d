/**
 * The hash-template registry (RDB 15+, opcode 242; SPEC.md "RDB 13-15"). Each record defines one
 * template: its id (length), its field count (length, at least 1), then the field names, strictly
 * ascending by length and then by bytes (sdscmplen order), as Redis's loader requires. Keys of
 * types 30 and 32 refer to a template by id; it must be defined earlier in the file.
 */
import { type Cursor, corrupt } from '../bytes/cursor.js';
import type { ByteWriter } from '../bytes/writer.js';
import { compareBytes } from '../model/bytes.js';
import { readLength, writeLength } from './length.js';
import { readString, type WriteStringOptions, writeString } from './string.js';

/** Template field order: shorter first, then bytewise. */
export function compareTemplateFields(a: Uint8Array, b: Uint8Array): number {
  return a.length - b.length || compareBytes(a, b);
}

/** Require at least one field, strictly ascending in template order. */
export function checkTemplateFields(r: Cursor, fields: readonly Uint8Array[], at: number): void {
  if (fields.length === 0) throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', 'hash template with zero fields', at);
  for (let i = 1; i < fields.length; i++) {
    if (compareTemplateFields(fields[i - 1]!, fields[i]!) >= 0)
      throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', 'hash template fields are not strictly sorted (length, then bytes)', at);
  }
}

/** Read one registry record (after its opcode byte). */
export function readHashTemplate(r: Cursor, maxString: number): { id: number; fields: Uint8Array[] } {
  const at = r.pos;
  const id = readLength(r);
  const n = readLength(r);
  const fields: Uint8Array[] = [];
  for (let i = 0; i < n; i++) fields.push(readString(r, maxString));
  checkTemplateFields(r, fields, at);
  return { id, fields };
}

/** Write one registry record, opcode included. */
export function writeHashTemplate(w: ByteWriter, id: number, fields: readonly Uint8Array[], opts?: WriteStringOptions): void {
  w.u8(242);
  writeLength(w, id);
  writeLength(w, fields.length);
  for (const f of fields) writeString(w, f, opts);
}
