/**
 * Stream entry fields in the JSON export, and entries kept as their stored nodes
 * (StreamValue.packed, decoder option `packed`): each node's listpack is walked as stored and
 * its live entries written byte for byte as writeStreamEntry writes decoded ones, with no entry
 * objects and no BigInt ids. An id is the node's master id plus the entry's deltas, written as
 * digits while it is a safe integer. The master field names are planned once per node (an object
 * or pairs, and the members' order) for all the entries that share them (flag SAMEFIELDS, what
 * XADD writes when an entry's names are the master's); an entry with names of its own is decoded
 * and written by writeFields.
 *
 * Node layout (t_stream.c, FORMATS.md §6.5): count, deleted, master field count, master fields,
 * 0; then per entry: flags, ms delta, seq delta, either the values of the master fields
 * (SAMEFIELDS) or a field count and field, value pairs, then the entry's element count.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { bytesEqual, bytesKey, intBytes } from '../model/bytes.js';
import type { PackedStreamNodes } from '../model/record.js';
import { LISTPACK_FIRST, lpElement, lpElementAt } from '../rdb/listpack.js';
import { isUtf8, jsonBytesBound, jsonBytesInto, jsonIntInto, writeJsonBytes } from './json-bytes.js';
import { asciiInto, elementBound, elementInto, roomAt } from './jsonl-packed.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/**
 * The value of a name that is an array index (a canonical integer below 2^32 - 1: JSON.stringify
 * writes such members of an object first, in ascending order), else -1.
 */
function arrayIndex(b: Uint8Array): number {
  const n = b.length;
  if (n === 0 || n > 10) return -1;
  if (b[0] === 0x30) return n === 1 ? 0 : -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v < 4294967295 ? v : -1;
}

/** Whether the names are all distinct (pairwise when few, as stream entries have). */
function distinct(names: readonly Uint8Array[]): boolean {
  const n = names.length;
  if (n <= 8) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (bytesEqual(names[i]!, names[j]!)) return false;
    return true;
  }
  const seen = new Set<string>();
  for (const f of names) {
    const k = bytesKey(f);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/**
 * How fields with these names are written (pairsToJson): an object when every name is UTF-8 and
 * unique, its members in JSON.stringify's order (`order`: the names that are array indices first,
 * ascending, then the others in file order; null when that is file order), else pairs.
 */
interface FieldPlan {
  asObject: boolean;
  order: number[] | null;
}

function fieldPlan(names: readonly Uint8Array[]): FieldPlan {
  let indices = 0;
  for (const f of names) {
    if (!isUtf8(f)) return { asObject: false, order: null };
    if (arrayIndex(f) >= 0) indices++;
  }
  if (names.length > 1 && !distinct(names)) return { asObject: false, order: null };
  if (indices === 0) return { asObject: true, order: null };
  const all = names.map((_, i) => i);
  const first = all.filter((i) => arrayIndex(names[i]!) >= 0).sort((a, b) => arrayIndex(names[a]!) - arrayIndex(names[b]!));
  return { asObject: true, order: [...first, ...all.filter((i) => arrayIndex(names[i]!) < 0)] };
}

/** Stream entry fields: an object when every name is UTF-8 and unique, else [[name, value], ...]. */
export function writeFields(w: ByteWriter, fields: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): void {
  const plan = fieldPlan(fields.map((f) => f[0]));
  if (!plan.asObject) {
    w.u8(0x5b);
    for (let i = 0; i < fields.length; i++) {
      if (i) w.u8(0x2c);
      w.u8(0x5b);
      writeJsonBytes(w, fields[i]![0]);
      w.u8(0x2c);
      writeJsonBytes(w, fields[i]![1]);
      w.u8(0x5d);
    }
    w.u8(0x5d);
    return;
  }
  w.u8(0x7b);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[plan.order ? plan.order[i]! : i]!;
    if (i) w.u8(0x2c);
    writeJsonBytes(w, f[0]);
    w.u8(0x3a);
    writeJsonBytes(w, f[1]);
  }
  w.u8(0x7d);
}

/** Where the names plainNames looked at lie in the blob. */
let nameFrom = new Int32Array(16);
let nameTo = new Int32Array(16);

/**
 * Whether the nf names of an entry's own fields (from `at`: name, value, name, value...) are
 * written as they are, in file order, as an object's member names: strings of ASCII that needs
 * no escape, not starting with a digit (so no array index, which JSON.stringify would move
 * first), all different. Their places are left in nameFrom/nameTo. Entries whose fields differ
 * from their node's master fields (a fifth of big.rdb's) are then written without a view or an
 * array per field.
 */
function plainNames(blob: Uint8Array, at: number, nf: number): boolean {
  if (nameFrom.length < nf) {
    nameFrom = new Int32Array(nf);
    nameTo = new Int32Array(nf);
  }
  let p = at;
  for (let k = 0; k < nf; k++) {
    p = lpElementAt(blob, p);
    const from = lpElement.from;
    if (from < 0) return false;
    const to = lpElement.to;
    if (from < to && blob[from]! >= 0x30 && blob[from]! <= 0x39) return false;
    for (let i = from; i < to; i++) {
      const c = blob[i]!;
      if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) return false;
    }
    for (let j = 0; j < k; j++) {
      const f = nameFrom[j]!;
      if (nameTo[j]! - f !== to - from) continue;
      let same = true;
      for (let i = 0; i < to - from; i++)
        if (blob[f + i] !== blob[from + i]) {
          same = false;
          break;
        }
      if (same) return false;
    }
    nameFrom[k] = from;
    nameTo[k] = to;
    p = lpElementAt(blob, p);
  }
  return true;
}

/** The element lpElementAt read last as bytes (an integer as its text): a view of the blob. */
function lastBytes(blob: Uint8Array): Uint8Array {
  const el = lpElement;
  return el.from >= 0 ? blob.subarray(el.from, el.to) : intBytes(el.int);
}

/** The u64 big-endian at b[p]: a number while safe, else a bigint. */
function u64At(b: Uint8Array, p: number): number | bigint {
  const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
  return hi < 0x200000 ? hi * 2 ** 32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/** The digits of master + delta as decodeStreamNode makes that id part (wrapping at 2^64) at buf[o]. */
function idPartInto(buf: Uint8Array, o: number, master: number | bigint, delta: number | bigint): number {
  if (typeof master === 'number' && typeof delta === 'number') {
    const v = master + delta;
    if (v >= 0 && Number.isSafeInteger(v)) return jsonIntInto(buf, o, v, false);
  }
  return asciiInto(buf, o, String(BigInt.asUintN(64, BigInt(master) + BigInt(delta))));
}

function bytesInto(buf: Uint8Array, o: number, b: Uint8Array): number {
  if (b.length > 32) buf.set(b, o);
  else for (let k = 0; k < b.length; k++) buf[o + k] = b[k]!;
  return o + b.length;
}

const ID_OPEN = new Uint8Array([...'{"id":"'].map((c) => c.charCodeAt(0)));
const FIELDS_OPEN = new Uint8Array([...'","fields":'].map((c) => c.charCodeAt(0)));

/** Where each value of the entry being written starts (an entry whose fields are reordered). */
let valueAt = new Int32Array(16);

/**
 * Write the live entries of stored nodes, each preceded by a comma unless `first`; returns
 * whether none has been written yet (the next `first`).
 */
export function writeStreamNodes(w: ByteWriter, packed: PackedStreamNodes, first: boolean): boolean {
  let none = first;
  for (const n of packed.nodes) none = writeNode(w, n.master, n.blob, none);
  return none;
}

/** The master field names of the node written last, and what was made of them. */
let lastNames: Uint8Array[] = [];
let lastPlan: FieldPlan = { asObject: true, order: null };
let lastNameJson: Uint8Array[] = [];

function sameNames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!bytesEqual(a[i]!, b[i]!)) return false;
  return true;
}

function writeNode(w: ByteWriter, master: Uint8Array, blob: Uint8Array, first: boolean): boolean {
  const ms = u64At(master, 0);
  const seq = u64At(master, 8);
  let at = lpElementAt(blob, LISTPACK_FIRST);
  const count = Number(lpElement.int);
  at = lpElementAt(blob, at);
  const deleted = Number(lpElement.int);
  at = lpElementAt(blob, at);
  const numFields = Number(lpElement.int);
  const names: Uint8Array[] = [];
  for (let k = 0; k < numFields; k++) {
    at = lpElementAt(blob, at);
    names.push(lastBytes(blob));
  }
  at = lpElementAt(blob, at); // the master entry's terminator
  // the nodes of a stream mostly share their master fields: their plan and JSON are made again
  // only when the names change
  if (!sameNames(names, lastNames)) {
    // copies: a blob's buffer may be read into again
    lastNames = names.map((b) => b.slice());
    lastPlan = fieldPlan(names);
    lastNameJson = names.map((b) => {
      const j = new Uint8Array(jsonBytesBound(b.length));
      return j.subarray(0, jsonBytesInto(j, 0, b, 0, b.length));
    });
  }
  const plan = lastPlan;
  const nameJson = lastNameJson;
  const order = plan.order;
  if (valueAt.length < numFields) valueAt = new Int32Array(numFields);
  let none = first;
  let buf = w.reserve(64);
  let o = w.length;
  const total = count + deleted;
  for (let e = 0; e < total; e++) {
    at = lpElementAt(blob, at);
    const flags = Number(lpElement.int);
    at = lpElementAt(blob, at);
    const msDelta = lpElement.int;
    at = lpElementAt(blob, at);
    const seqDelta = lpElement.int;
    if (flags & FLAG_DELETED) {
      let skip = numFields;
      if (!(flags & FLAG_SAMEFIELDS)) {
        at = lpElementAt(blob, at);
        skip = Number(lpElement.int) * 2;
      }
      for (let k = 0; k < skip; k++) at = lpElementAt(blob, at);
      at = lpElementAt(blob, at); // lp-count
      continue;
    }
    // an id takes at most 20 + 1 + 20 digits
    buf = roomAt(w, buf, o, 72);
    if (!none) buf[o++] = 0x2c;
    none = false;
    o = bytesInto(buf, o, ID_OPEN);
    o = idPartInto(buf, o, ms, msDelta);
    buf[o++] = 0x2d;
    o = idPartInto(buf, o, seq, seqDelta);
    o = bytesInto(buf, o, FIELDS_OPEN);
    if (flags & FLAG_SAMEFIELDS) {
      buf[o++] = plan.asObject ? 0x7b : 0x5b;
      if (order) {
        for (let k = 0; k < numFields; k++) {
          valueAt[k] = at;
          at = lpElementAt(blob, at);
        }
      }
      for (let k = 0; k < numFields; k++) {
        const f = order ? order[k]! : k;
        if (order) lpElementAt(blob, valueAt[f]!);
        else at = lpElementAt(blob, at);
        const name = nameJson[f]!;
        buf = roomAt(w, buf, o, name.length + elementBound());
        if (k) buf[o++] = 0x2c;
        if (plan.asObject) {
          o = bytesInto(buf, o, name);
          buf[o++] = 0x3a;
          o = elementInto(buf, o, blob);
        } else {
          buf[o++] = 0x5b;
          o = bytesInto(buf, o, name);
          buf[o++] = 0x2c;
          o = elementInto(buf, o, blob);
          buf[o++] = 0x5d;
        }
      }
      buf[o++] = plan.asObject ? 0x7d : 0x5d;
    } else {
      at = lpElementAt(blob, at);
      const nf = Number(lpElement.int);
      if (plainNames(blob, at, nf)) {
        // an object in file order, written from the blob as the entries with the master's fields are
        buf = roomAt(w, buf, o, 8);
        buf[o++] = 0x7b;
        for (let k = 0; k < nf; k++) {
          at = lpElementAt(blob, lpElementAt(blob, at));
          const from = nameFrom[k]!;
          const to = nameTo[k]!;
          buf = roomAt(w, buf, o, to - from + 4 + elementBound());
          if (k) buf[o++] = 0x2c;
          buf[o++] = 0x22;
          for (let i = from; i < to; i++) buf[o++] = blob[i]!;
          buf[o++] = 0x22;
          buf[o++] = 0x3a;
          o = elementInto(buf, o, blob);
        }
        buf[o++] = 0x7d;
        at = lpElementAt(blob, at); // lp-count
        buf[o++] = 0x7d;
        continue;
      }
      const fields: Array<[Uint8Array, Uint8Array]> = [];
      for (let k = 0; k < nf; k++) {
        at = lpElementAt(blob, at);
        const f = lastBytes(blob);
        at = lpElementAt(blob, at);
        fields.push([f, lastBytes(blob)]);
      }
      w.length = o;
      writeFields(w, fields);
      o = w.length;
      buf = w.reserve(8);
    }
    at = lpElementAt(blob, at); // lp-count
    buf[o++] = 0x7d;
  }
  w.length = o;
  return none;
}
