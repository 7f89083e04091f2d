/**
 * Key metadata (RDB 13+, opcode 243 under the REDIS magic; SPEC.md "RDB 13-15"), read from Redis's
 * keymeta.c save/load pair. Before a key's type byte: 243, the class count (length, at most 7:
 * module classes 1-7; class 0, the expiry, is saved as EXPIRETIME_MS), then per class a 32-bit
 * class spec (4 bytes, little-endian) and the class value saved through the module opcodes,
 * ending with the module EOF opcode. The spec packs, from the top: four 6-bit characters of the
 * class name (charset A-Z a-z 0-9 _ -), a 5-bit version and 3 flag bits; the top 8 bits are 0.
 */
import { type Cursor, corrupt, readBytes } from '../bytes/cursor.js';
import type { ByteWriter } from '../bytes/writer.js';
import type { KeyMetaClass } from '../model/record.js';
import { readLength, writeLength } from './length.js';
import { readModuleItems } from './module.js';

/** Module metadata classes a key can carry (ids 1-7). */
export const KEY_META_MAX_CLASSES = 7;
const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** Decode a class spec into name, version and flags; null when its top 8 bits are not zero (Redis refuses it). */
export function decodeClassSpec(spec: number): { name: string; version: number; flags: number } | null {
  const flags = spec & 7;
  const version = (spec >>> 3) & 31;
  let rest = spec >>> 8;
  let name = '';
  for (let i = 0; i < 4; i++) {
    name = CHARSET[rest & 63]! + name;
    rest >>>= 6;
  }
  return rest === 0 ? { name, version, flags } : null;
}

/** Encode a class spec from its name, version and flags. */
export function encodeClassSpec(name: string, version: number, flags: number): number {
  let v = 0;
  for (const ch of name.padEnd(4, 'A').slice(0, 4)) v = v * 64 + Math.max(CHARSET.indexOf(ch), 0);
  return ((v * 32 + (version & 31)) * 8 + (flags & 7)) >>> 0;
}

/** Read the classes of one KEY_META record (after its opcode byte). */
export function readKeyMeta(r: Cursor, maxString: number): KeyMetaClass[] {
  const at = r.pos;
  const n = readLength(r);
  if (n > KEY_META_MAX_CLASSES)
    throw corrupt(r, 'RDB_BAD_KEY_META', `key metadata with ${n} classes (at most ${KEY_META_MAX_CLASSES})`, at);
  const out: KeyMetaClass[] = [];
  for (let i = 0; i < n; i++) {
    const specAt = r.pos;
    const b = readBytes(r, 4, 'a key metadata class spec');
    const spec = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
    const d = decodeClassSpec(spec);
    if (!d) throw corrupt(r, 'RDB_BAD_KEY_META', `key metadata class spec 0x${spec.toString(16).padStart(8, '0')} is invalid`, specAt);
    const valueAt = r.pos;
    const items = readModuleItems(r, maxString);
    out.push({ spec, name: d.name, version: d.version, flags: d.flags, items, payload: r.buf.slice(valueAt, r.pos) });
  }
  return out;
}

/** Write one KEY_META record, opcode included (nothing when there are no classes, as Redis does). */
export function writeKeyMeta(w: ByteWriter, classes: readonly KeyMetaClass[]): void {
  if (classes.length === 0) return;
  w.u8(243);
  writeLength(w, classes.length);
  for (const c of classes) {
    w.u32le(c.spec >>> 0);
    w.bytes(c.payload);
  }
}
