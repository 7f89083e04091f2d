/**
 * A byte-level writer for the JSON export: produces the JSON value of
 * `JSON.stringify(entryToJson(entry))` without building the intermediate objects or JS strings.
 * Hash members keep the file's order (JSON.stringify would move integer-like names first).
 * Byte strings go through json-bytes.ts, stream values through jsonl-stream.ts, values kept as
 * their blob through jsonl-packed.ts; modules, arrays and keys with metadata or a hash template
 * take the generic path.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { ascii, findDuplicate } from '../model/bytes.js';
import { type KeyEndRecord, type KeyEntry, type KeyPartRecord, type KeyStartRecord, PART_THRESHOLD } from '../model/record.js';
import { entryToJson, keyMetaToJson, streamIsLarge } from './json.js';
import { isUtf8, jsonBytesBound, jsonBytesInto, jsonScoreInto, writeJsonBytes } from './json-bytes.js';
import { unpackEntry, unpackStream, writeNodeElements, writePackedValue, writesPacked } from './jsonl-packed.js';
import { StreamJsonState, writeStreamJson } from './jsonl-stream.js';

function writeList(w: ByteWriter, items: readonly Uint8Array[]): void {
  w.u8(0x5b);
  for (let i = 0; i < items.length; i++) writeItem(w, i ? 0x2c : -1, items[i]!);
  w.u8(0x5d);
}

/** The byte `sep` (-1: none), then b as JSON: one reserve for both. */
function writeItem(w: ByteWriter, sep: number, b: Uint8Array): void {
  const buf = w.reserve(jsonBytesBound(b.length) + 1);
  let o = w.length;
  if (sep >= 0) buf[o++] = sep;
  w.length = jsonBytesInto(buf, o, b, 0, b.length);
}

/** The byte `sep` (-1: none), then [a,b] with a and b as JSON: one reserve for all. */
function writePairItem(w: ByteWriter, sep: number, a: Uint8Array, b: Uint8Array): void {
  const buf = w.reserve(jsonBytesBound(a.length) + jsonBytesBound(b.length) + 4);
  let o = w.length;
  if (sep >= 0) buf[o++] = sep;
  buf[o++] = 0x5b;
  o = jsonBytesInto(buf, o, a, 0, a.length);
  buf[o++] = 0x2c;
  o = jsonBytesInto(buf, o, b, 0, b.length);
  buf[o++] = 0x5d;
  w.length = o;
}

/** Hash-like pairs: an object when every name is UTF-8 and unique, else an array of pairs. */
function writePairs(w: ByteWriter, names: readonly Uint8Array[], write: (i: number) => void, forcePairs = false): void {
  let asObject = !forcePairs;
  if (asObject)
    for (const n of names)
      if (!isUtf8(n)) {
        asObject = false;
        break;
      }
  // unique names (hashed as bytes: no string per name)
  if (asObject && findDuplicate(names) !== null) asObject = false;
  if (asObject) {
    w.u8(0x7b);
    for (let i = 0; i < names.length; i++) {
      writeItem(w, i ? 0x2c : -1, names[i]!);
      w.u8(0x3a);
      write(i);
    }
    w.u8(0x7d);
  } else {
    w.u8(0x5b);
    for (let i = 0; i < names.length; i++) {
      if (i) w.u8(0x2c);
      w.u8(0x5b);
      writeJsonBytes(w, names[i]!);
      w.u8(0x2c);
      write(i);
      w.u8(0x5d);
    }
    w.u8(0x5d);
  }
}

/** Append one key entry as JSON (no newline): the bytes of JSON.stringify(entryToJson(e)). */
export function writeEntryJson(w: ByteWriter, entry: KeyEntry, partThreshold = PART_THRESHOLD): void {
  let e = entry;
  if (e.packed) {
    if (!e.meta && writesPacked(e, partThreshold)) {
      writeHead(w, e);
      writePackedValue(w, e.type, e.packed);
      writeTail(w, e);
      return;
    }
    e = unpackEntry(e);
  }
  if (e.type === 'module' || e.type === 'array' || e.meta || e.template) {
    if (e.type === 'stream' && e.value.packed) e = { ...e, value: unpackStream(e.value) };
    w.bytes(new TextEncoder().encode(JSON.stringify(entryToJson(e, partThreshold))));
    return;
  }
  writeHead(w, e);
  switch (e.type) {
    case 'stream':
      writeStreamJson(w, e.value, streamIsLarge(e.value, partThreshold));
      break;
    case 'string':
      writeJsonBytes(w, e.value);
      break;
    case 'list':
    case 'set':
      writeList(w, e.value);
      break;
    case 'zset': {
      w.u8(0x5b);
      const v = e.value;
      // a large zset reads as a server saves it, from the highest score down (SPEC.md §3)
      const down = v.length > partThreshold;
      for (let k = 0; k < v.length; k++) writeMember(w, k ? 0x2c : -1, v[down ? v.length - 1 - k : k]!);
      w.u8(0x5d);
      break;
    }
    case 'hash': {
      const v = e.value;
      // a large hash is written as pairs: its names cannot all be seen before it is written in parts
      const large = v.length > partThreshold;
      writePairs(
        w,
        v.map((h) => h.field),
        (i) => writeJsonBytes(w, v[i]!.value),
        large,
      );
      const ttl = v.filter((h) => h.expireAt !== undefined);
      if (ttl.length) {
        w.ascii(',"fieldExpireAt":');
        writePairs(
          w,
          ttl.map((h) => h.field),
          (i) => w.ascii(String(ttl[i]!.expireAt)),
          large,
        );
      }
      break;
    }
  }
  writeTail(w, e);
}

/** `{"db":N,"key":` for the usual dbs, made once. */
const DB_OPEN = Array.from({ length: 16 }, (_, db) => ascii(`{"db":${db},"key":`));
/** `,"type":"T","encoding":"E","expireAt":` by type and encoding, made at first use. */
const TYPE_OPEN = new Map<string, Map<string, Uint8Array>>();
const VALUE = ascii(',"value":');

/** The same followed by `null,"value":` (no expiry: most keys), one copy instead of two. */
const TYPE_OPEN_NULL = new Map<string, Map<string, Uint8Array>>();

/** The last typeOpen answer: runs of keys share a type and encoding (no Map lookups then). */
let lastType = '';
let lastEncoding = '';
let lastNoExpiry = false;
let lastOpen: Uint8Array | null = null;

function typeOpen(type: string, encoding: string, noExpiry: boolean): Uint8Array {
  if (type === lastType && encoding === lastEncoding && noExpiry === lastNoExpiry) return lastOpen!;
  lastOpen = typeOpenOf(type, encoding, noExpiry);
  lastType = type;
  lastEncoding = encoding;
  lastNoExpiry = noExpiry;
  return lastOpen;
}

function typeOpenOf(type: string, encoding: string, noExpiry: boolean): Uint8Array {
  const cache = noExpiry ? TYPE_OPEN_NULL : TYPE_OPEN;
  let byEncoding = cache.get(type);
  if (!byEncoding) cache.set(type, (byEncoding = new Map()));
  let b = byEncoding.get(encoding);
  if (!b) {
    const open = `,"type":${JSON.stringify(type)},"encoding":${JSON.stringify(encoding)},"expireAt":`;
    byEncoding.set(encoding, (b = ascii(noExpiry ? `${open}null,"value":` : open)));
  }
  return b;
}

/** `{"db":..,"key":..,"type":..,"encoding":..,"expireAt":..,"value":` (the constant runs from precomputed bytes) */
function writeHead(w: ByteWriter, e: KeyEntry | KeyStartRecord): void {
  const db = DB_OPEN[e.db];
  if (db) w.bytes(db);
  else w.ascii(`{"db":${e.db},"key":`);
  writeJsonBytes(w, e.key);
  if (e.expireAt === null) w.bytes(typeOpen(e.type, e.encoding, true));
  else {
    w.bytes(typeOpen(e.type, e.encoding, false));
    w.ascii(String(e.expireAt));
    w.bytes(VALUE);
  }
}

/** `,"idle":..,"freq":..,"meta":..}` */
function writeTail(w: ByteWriter, e: KeyEntry | KeyStartRecord): void {
  if (e.idle !== undefined) w.ascii(`,"idle":${e.idle}`);
  if (e.freq !== undefined) w.ascii(`,"freq":${e.freq}`);
  if (e.meta) {
    w.ascii(',"meta":');
    w.bytes(new TextEncoder().encode(JSON.stringify(e.meta.map(keyMetaToJson))));
  }
  w.u8(0x7d);
}

/** The byte `sep` (-1: none), then [member,score]: one reserve (a score takes at most 25 bytes). */
function writeMember(w: ByteWriter, sep: number, m: readonly [Uint8Array, number]): void {
  const b = m[0];
  const buf = w.reserve(jsonBytesBound(b.length) + 32);
  let o = w.length;
  if (sep >= 0) buf[o++] = sep;
  buf[o++] = 0x5b;
  o = jsonBytesInto(buf, o, b, 0, b.length);
  buf[o++] = 0x2c;
  o = jsonScoreInto(buf, o, m[1]);
  buf[o++] = 0x5d;
  w.length = o;
}

/**
 * Writes a key handed over in parts (SPEC.md §2.1) as the JSON its whole key record gives, part
 * by part: lists and sets as arrays, zsets in file order (a server saves them from the highest
 * score down), hashes as [field, value] pairs. Only the fields of a hash that carry a TTL are kept
 * until the end, for "fieldExpireAt".
 */
export class PartedJsonWriter {
  private start: KeyStartRecord | null = null;
  private first = true;
  private ttl: Array<[Uint8Array, number]> = [];
  /** A stream: where its value is (the arrays and objects open, innermost last). */
  private stream = new StreamJsonState();

  /** Write the head of the key, up to and including the value's opening bracket. */
  begin(w: ByteWriter, s: KeyStartRecord): void {
    this.start = s;
    this.first = true;
    this.ttl = [];
    writeHead(w, s);
    if (s.type === 'stream') {
      this.stream = new StreamJsonState();
      this.stream.begin(w);
      return;
    }
    w.u8(0x5b);
  }

  /** Write one batch of elements. */
  part(w: ByteWriter, p: KeyPartRecord): void {
    if (p.part.startsWith('stream-')) return this.stream.part(w, p);
    switch (p.part) {
      case 'list':
      case 'set':
        if (p.part === 'list' && p.packed) {
          this.first = writeNodeElements(w, p.packed, this.first);
          break;
        }
        for (const b of p.items) {
          writeItem(w, this.first ? -1 : 0x2c, b);
          this.first = false;
        }
        break;
      case 'zset':
        for (const m of p.items) {
          writeMember(w, this.first ? -1 : 0x2c, m);
          this.first = false;
        }
        break;
      case 'hash':
        for (const h of p.items) {
          writePairItem(w, this.first ? -1 : 0x2c, h.field, h.value);
          this.first = false;
          if (h.expireAt !== undefined) this.ttl.push([h.field, h.expireAt]);
        }
        break;
      default:
        throw new Error(`a ${p.part} part has no JSON form here`);
    }
  }

  /** Close the value and the key. */
  end(w: ByteWriter, _e: KeyEndRecord): void {
    const s = this.start!;
    if (s.type === 'stream') {
      this.stream.end(w);
      writeTail(w, s);
      this.start = null;
      return;
    }
    w.u8(0x5d);
    if (this.ttl.length) {
      w.ascii(',"fieldExpireAt":[');
      for (let i = 0; i < this.ttl.length; i++) {
        if (i) w.u8(0x2c);
        w.u8(0x5b);
        writeJsonBytes(w, this.ttl[i]![0]);
        w.ascii(`,${this.ttl[i]![1]}]`);
      }
      w.u8(0x5d);
    }
    writeTail(w, s);
    this.start = null;
    this.ttl = [];
  }
}
