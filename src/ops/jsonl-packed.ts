/**
 * The JSON of values the decoder kept as their validated blob (KeyEntry.packed, decoder option
 * `packed`): written from the blob's bytes element by element, with no element objects, byte
 * for byte what writeEntryJson writes for the decoded value. Integer elements become their digits
 * straight away; names, members and scores are read where they lie in the blob.
 */
import type { ByteWriter } from '../bytes/writer.js';
import type { KeyEntry, PackedBlob, StreamValue, Value } from '../model/record.js';
import { decodeIntset, intsetMember } from '../rdb/intset.js';
import { decodeListpack, decodeListpackFields, decodeListpackMembers, LISTPACK_FIRST, lpElement, lpElementAt } from '../rdb/listpack.js';
import { decodeStoredNodes } from '../rdb/stream.js';
import { parseRedisDoubleBytes } from '../rdb/string.js';
import { jsonBytesBound, jsonBytesInto, jsonIntInto, jsonScoreInto, jsonStringInto } from './json-bytes.js';

/** The decoded value of a packed one (for the writers that need elements). */
function unpackValue(type: KeyEntry['type'], p: PackedBlob): Value {
  if (p.format === 'intset') return { type: 'set', value: decodeIntset(p.blob, 0) };
  switch (type) {
    case 'hash':
      return { type, value: decodeListpackFields(p.blob, 0)! };
    case 'zset':
      return { type, value: decodeListpackMembers(p.blob, 0) as Array<[Uint8Array, number]> };
    case 'list':
    case 'set':
      return { type, value: p.nodes ? p.nodes.flatMap((node) => decodeListpack(node, 0)) : decodeListpack(p.blob, 0) };
    default:
      throw new Error(`a ${type} value is never packed`);
  }
}

/** The same key with its packed value decoded (for the generic JSON path). */
export function unpackEntry(e: KeyEntry): KeyEntry {
  const { packed, ...rest } = e;
  return { ...rest, ...unpackValue(e.type, packed!) } as KeyEntry;
}

/** A stream value with its entries kept as stored (StreamValue.packed) decoded (for the generic JSON path). */
export function unpackStream(v: StreamValue): StreamValue {
  const { packed, ...rest } = v;
  return { ...rest, entries: packed ? [...v.entries, ...decodeStoredNodes(packed)] : v.entries };
}

/**
 * Whether writePackedValue writes this value: not a hash or zset past the part threshold (written
 * as pairs, or from the highest score down, from the decoded value).
 */
export function writesPacked(e: KeyEntry, partThreshold: number): boolean {
  return (e.type !== 'hash' && e.type !== 'zset') || e.packed!.count / 2 <= partThreshold;
}

/**
 * Most bytes the element lpElementAt read last takes in JSON, with room to spare for a comma,
 * brackets and a score after it. The loops below write into the writer's buffer through a local
 * end `o` (handed back as w.length), making room once per element.
 */
export function elementBound(): number {
  const el = lpElement;
  return el.from >= 0 ? jsonBytesBound(el.to - el.from) + 48 : 48;
}

/** The writer's buffer with room for `n` bytes at o, where the loop's writing has got to. */
export function roomAt(w: ByteWriter, buf: Uint8Array, o: number, n: number): Uint8Array {
  if (o + n <= buf.length) return buf;
  w.length = o;
  return w.reserve(n);
}

/** The element lpElementAt read last as a JSON byte string (integers as the string of their digits) at buf[o]. */
export function elementInto(buf: Uint8Array, o: number, blob: Uint8Array): number {
  const el = lpElement;
  if (el.from >= 0) return jsonBytesInto(buf, o, blob, el.from, el.to);
  if (typeof el.int === 'number') return jsonIntInto(buf, o, el.int, true);
  return asciiInto(buf, o, `"${el.int}"`);
}

/** The chars of `text` (all < 0x80) as bytes at b[at]; returns where they end. */
export function asciiInto(b: Uint8Array, at: number, text: string): number {
  for (let k = 0; k < text.length; k++) b[at + k] = text.charCodeAt(k);
  return at + text.length;
}

/** Write a packed value's JSON (writesPacked must hold). */
export function writePackedValue(w: ByteWriter, type: KeyEntry['type'], p: PackedBlob): void {
  if (p.format === 'intset') writeIntset(w, p.blob, p.count);
  else if (type === 'hash') writeHash(w, p.blob, p.count);
  else if (type === 'zset') writePairs(w, p.blob, p.count, true, p.scores);
  else if (p.nodes) writeNodes(w, p.nodes);
  else writeElements(w, p.blob, p.count);
}

/** A list kept as its quicklist nodes' listpacks. */
function writeNodes(w: ByteWriter, nodes: readonly Uint8Array[]): void {
  w.u8(0x5b);
  writeNodeElements(w, nodes, true);
  w.u8(0x5d);
}

/**
 * The elements of quicklist nodes kept as their listpacks (each walked to its terminator), each
 * preceded by a comma unless `first`; returns whether none has been written yet (the next `first`).
 */
export function writeNodeElements(w: ByteWriter, nodes: readonly Uint8Array[], first: boolean): boolean {
  let buf = w.reserve(64);
  let o = w.length;
  let none = first;
  for (const blob of nodes) {
    let at = LISTPACK_FIRST;
    while (blob[at] !== 0xff) {
      at = lpElementAt(blob, at);
      buf = roomAt(w, buf, o, elementBound());
      if (!none) buf[o++] = 0x2c;
      none = false;
      o = elementInto(buf, o, blob);
    }
  }
  w.length = o;
  return none;
}

function writeIntset(w: ByteWriter, blob: Uint8Array, n: number): void {
  let buf = w.reserve(64);
  let o = w.length;
  buf[o++] = 0x5b;
  for (let i = 0; i < n; i++) {
    buf = roomAt(w, buf, o, 48);
    if (i) buf[o++] = 0x2c;
    const v = intsetMember(blob, i);
    if (typeof v === 'number') o = jsonIntInto(buf, o, v, true);
    else o = asciiInto(buf, o, `"${v}"`);
  }
  buf[o++] = 0x5d;
  w.length = o;
}

/** A list's or a set's elements. */
function writeElements(w: ByteWriter, blob: Uint8Array, n: number): void {
  let buf = w.reserve(64);
  let o = w.length;
  let at = LISTPACK_FIRST;
  buf[o++] = 0x5b;
  for (let i = 0; i < n; i++) {
    at = lpElementAt(blob, at);
    buf = roomAt(w, buf, o, elementBound());
    if (i) buf[o++] = 0x2c;
    o = elementInto(buf, o, blob);
  }
  buf[o++] = 0x5d;
  w.length = o;
}

/**
 * A listpack hash: an object (its names are unique, the decoder saw to that) unless a name is not
 * UTF-8, found on the way: then what was written is taken back and the hash written as pairs.
 */
function writeHash(w: ByteWriter, blob: Uint8Array, n: number): void {
  const start = w.length;
  let buf = w.reserve(64);
  let o = start;
  let at = LISTPACK_FIRST;
  buf[o++] = 0x7b;
  for (let i = 0; i < n; i += 2) {
    at = lpElementAt(blob, at);
    buf = roomAt(w, buf, o, elementBound());
    if (i) buf[o++] = 0x2c;
    const el = lpElement;
    if (el.from < 0) o = elementInto(buf, o, blob);
    else {
      o = jsonStringInto(buf, o, blob, el.from, el.to);
      if (o < 0) {
        w.length = start;
        return writePairs(w, blob, n, false);
      }
    }
    buf[o++] = 0x3a;
    at = lpElementAt(blob, at);
    buf = roomAt(w, buf, o, elementBound());
    o = elementInto(buf, o, blob);
  }
  buf[o++] = 0x7d;
  w.length = o;
}

/**
 * Name, value, name, value... as [[name, value], ...]: a zset's members and scores (the scores
 * stored as text parsed in `scores`), or a hash's fields written as pairs.
 */
function writePairs(w: ByteWriter, blob: Uint8Array, n: number, zset: boolean, scores?: Float64Array): void {
  let buf = w.reserve(64);
  let o = w.length;
  let at = LISTPACK_FIRST;
  buf[o++] = 0x5b;
  for (let i = 0; i < n; i += 2) {
    at = lpElementAt(blob, at);
    buf = roomAt(w, buf, o, elementBound());
    if (i) buf[o++] = 0x2c;
    buf[o++] = 0x5b;
    o = elementInto(buf, o, blob);
    buf[o++] = 0x2c;
    at = lpElementAt(blob, at);
    const el = lpElement;
    if (zset) {
      // the member's bound left 48 bytes for this: a score takes at most 25, its bracket 1
      // a score stored as text: from its value (parsed when the blob was validated), as String()
      // writes it (faster than working from the text's %.17g digits)
      if (el.from >= 0) o = jsonScoreInto(buf, o, scores ? scores[i >> 1]! : parseRedisDoubleBytes(blob, el.from, el.to)!);
      else if (typeof el.int === 'number') o = jsonIntInto(buf, o, el.int, false);
      else o = jsonScoreInto(buf, o, Number(el.int));
    } else {
      buf = roomAt(w, buf, o, elementBound());
      o = elementInto(buf, o, blob);
    }
    buf[o++] = 0x5d;
  }
  buf[o++] = 0x5d;
  w.length = o;
}
