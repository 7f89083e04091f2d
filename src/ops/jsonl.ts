/**
 * A byte-level writer for the JSON export: produces the JSON value of
 * `JSON.stringify(entryToJson(entry))` without building the intermediate objects or JS strings.
 * Object members keep the file's order (JSON.stringify would move integer-like names first).
 * Byte strings that are valid UTF-8 are copied through with JSON.stringify's escapes (the
 * short forms \b \t \n \f \r \" \\, and \u00xx for other control characters); other byte
 * strings become {"base64":"..."}. Streams and modules take the generic path.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { bytesKey, utf8 } from '../model/bytes.js';
import {
  type KeyEndRecord,
  type KeyEntry,
  type KeyPartRecord,
  type KeyStartRecord,
  PART_THRESHOLD,
  type StreamId,
} from '../model/record.js';
import {
  bytesToJson,
  entryToJson,
  idmpToJson,
  idToJson,
  type Json,
  keyMetaToJson,
  pendingToJson,
  scoreToJson,
  streamEntryToJson,
} from './json.js';

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64C = new Uint8Array(64).map((_, i) => B64.charCodeAt(i));

/** Per byte < 0x80: 0 copy as is, 1 needs an escape. */
const NEEDS_ESCAPE = new Uint8Array(128).map((_, c) => (c < 0x20 || c === 0x22 || c === 0x5c ? 1 : 0));

/**
 * Whether bytes are valid UTF-8 (as TextDecoder's fatal mode decides: no overlongs, no
 * surrogates, nothing above U+10FFFF). Used for object member names, which must be strings.
 */
function isUtf8(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = utf8SeqLength(b, i, n);
    if (len === 0) return false;
    i += len;
  }
  return true;
}

/** Length of the valid UTF-8 sequence of 2-4 bytes starting at b[i] (a byte >= 0x80), 0 when invalid. */
function utf8SeqLength(b: Uint8Array, i: number, n: number): number {
  const c = b[i]!;
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < n && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= n) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80 ? 0 : 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= n) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80 ? 0 : 4;
  }
  return 0;
}

/**
 * JSON.stringify's escape of each byte < 0x80 as bytes: ESCAPE_LEN[c] is 0 for a byte copied as
 * is, else 2 (\b \t \n \f \r \" \\) or 6 (\u00xx); the sequence is at ESCAPE_BYTES[c * 8].
 */
const ESCAPE_LEN = new Uint8Array(128);
const ESCAPE_BYTES = new Uint8Array(128 * 8);
for (let c = 0; c < 128; c++) {
  if (!NEEDS_ESCAPE[c]) continue;
  const short: Record<number, string> = { 34: '\\"', 92: '\\\\', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  const e = short[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  ESCAPE_LEN[c] = e.length;
  for (let k = 0; k < e.length; k++) ESCAPE_BYTES[c * 8 + k] = e.charCodeAt(k);
}

/**
 * ESCAPE_RUN[c] holds c's escape repeated RUN_MAX times, so a run of one escaped byte (NUL
 * padding: DEBUG POPULATE values, fixed-width records) is written by one copy instead of byte by
 * byte: 5M NUL-padded 100-byte values spent 40% of `convert --to jsonl` here before.
 */
const RUN_MAX = 64;
const ESCAPE_RUN: Uint8Array[] = [];
for (let c = 0; c < 128; c++) {
  const l = ESCAPE_LEN[c]!;
  const run = new Uint8Array(l * RUN_MAX);
  for (let k = 0; k < run.length; k++) run[k] = ESCAPE_BYTES[c * 8 + (k % l)]!;
  ESCAPE_RUN.push(run);
}

/**
 * Write b as a JSON string (quotes included). A first scan validates UTF-8 up to the first byte
 * that needs an escape; a string without one is copied whole. From there, one pass validates UTF-8 as it
 * escapes, from a table (runs of one escaped byte by whole copies). Returns false, with nothing
 * written, when b is not valid UTF-8.
 */
function writeJsonString(w: ByteWriter, b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      if (ESCAPE_LEN[c] !== 0) break;
      i++;
      continue;
    }
    const len = utf8SeqLength(b, i, n);
    if (len === 0) return false;
    i += len;
  }
  if (i === n) {
    const buf = w.reserve(n + 2);
    let o = w.length;
    buf[o++] = 0x22;
    if (n > 16) buf.set(b, o);
    else for (let k = 0; k < n; k++) buf[o + k] = b[k]!;
    o += n;
    buf[o++] = 0x22;
    w.length = o;
    return true;
  }
  const buf = w.reserve(n * 6 + 2);
  let o = w.length;
  buf[o++] = 0x22;
  for (let k = 0; k < i; k++) buf[o++] = b[k]!;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      const l = ESCAPE_LEN[c]!;
      if (l === 0) {
        buf[o++] = c;
        i++;
        continue;
      }
      if (i + 1 < n && b[i + 1] === c) {
        let end = i + 2;
        while (end < n && end - i < RUN_MAX && b[end] === c) end++;
        const run = ESCAPE_RUN[c]!.subarray(0, (end - i) * l);
        buf.set(run, o);
        o += run.length;
        i = end;
        continue;
      }
      const e = c << 3;
      buf[o] = ESCAPE_BYTES[e]!;
      buf[o + 1] = ESCAPE_BYTES[e + 1]!;
      if (l === 6) {
        buf[o + 2] = ESCAPE_BYTES[e + 2]!;
        buf[o + 3] = ESCAPE_BYTES[e + 3]!;
        buf[o + 4] = ESCAPE_BYTES[e + 4]!;
        buf[o + 5] = ESCAPE_BYTES[e + 5]!;
      }
      o += l;
      i++;
      continue;
    }
    const len = utf8SeqLength(b, i, n);
    if (len === 0) return false;
    buf[o++] = c;
    buf[o++] = b[i + 1]!;
    if (len > 2) buf[o++] = b[i + 2]!;
    if (len > 3) buf[o++] = b[i + 3]!;
    i += len;
  }
  buf[o++] = 0x22;
  w.length = o;
  return true;
}

function writeBase64(w: ByteWriter, b: Uint8Array): void {
  const n = b.length;
  const buf = w.reserve(Math.ceil(n / 3) * 4 + 4);
  let o = w.length;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    buf[o] = B64C[v >> 18]!;
    buf[o + 1] = B64C[(v >> 12) & 63]!;
    buf[o + 2] = B64C[(v >> 6) & 63]!;
    buf[o + 3] = B64C[v & 63]!;
    o += 4;
  }
  if (n - i === 1) {
    const v = b[i]! << 16;
    buf[o++] = B64C[v >> 18]!;
    buf[o++] = B64C[(v >> 12) & 63]!;
    buf[o++] = 0x3d;
    buf[o++] = 0x3d;
  } else if (n - i === 2) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8);
    buf[o++] = B64C[v >> 18]!;
    buf[o++] = B64C[(v >> 12) & 63]!;
    buf[o++] = B64C[(v >> 6) & 63]!;
    buf[o++] = 0x3d;
  }
  w.length = o;
}

/** Write a byte string as a JSON string, or {"base64":...} when it is not UTF-8. */
export function writeJsonBytes(w: ByteWriter, b: Uint8Array): void {
  if (writeJsonString(w, b)) return;
  w.ascii('{"base64":"');
  writeBase64(w, b);
  w.ascii('"}');
}

function writeNumber(w: ByteWriter, v: number | string): void {
  if (typeof v === 'number') w.ascii(String(v));
  else w.ascii(`"${v}"`);
}

function writeList(w: ByteWriter, items: readonly Uint8Array[]): void {
  w.u8(0x5b);
  for (let i = 0; i < items.length; i++) {
    if (i) w.u8(0x2c);
    writeJsonBytes(w, items[i]!);
  }
  w.u8(0x5d);
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
  if (asObject && names.length > 1) {
    const seen = new Set<string>();
    for (const n of names) {
      const k = bytesKey(n);
      if (seen.has(k)) {
        asObject = false;
        break;
      }
      seen.add(k);
    }
  }
  if (asObject) {
    w.u8(0x7b);
    for (let i = 0; i < names.length; i++) {
      if (i) w.u8(0x2c);
      writeJsonBytes(w, names[i]!);
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
export function writeEntryJson(w: ByteWriter, e: KeyEntry, partThreshold = PART_THRESHOLD): void {
  if (e.type === 'stream' || e.type === 'module' || e.type === 'array' || e.meta || e.template) {
    w.bytes(new TextEncoder().encode(JSON.stringify(entryToJson(e, partThreshold))));
    return;
  }
  writeHead(w, e);
  switch (e.type) {
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
      for (let k = 0; k < v.length; k++) {
        if (k) w.u8(0x2c);
        writeMember(w, v[down ? v.length - 1 - k : k]!);
      }
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

/** `{"db":..,"key":..,"type":..,"encoding":..,"expireAt":..,"value":` */
function writeHead(w: ByteWriter, e: KeyEntry | KeyStartRecord): void {
  w.ascii(`{"db":${e.db},"key":`);
  writeJsonBytes(w, e.key);
  w.ascii(`,"type":"${e.type}","encoding":"${e.encoding}","expireAt":${e.expireAt === null ? 'null' : String(e.expireAt)},"value":`);
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

function writeMember(w: ByteWriter, m: readonly [Uint8Array, number]): void {
  w.u8(0x5b);
  writeJsonBytes(w, m[0]);
  w.u8(0x2c);
  writeNumber(w, scoreToJson(m[1]));
  w.u8(0x5d);
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
      w.ascii('{"entries":[');
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
        for (const b of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          writeJsonBytes(w, b);
        }
        break;
      case 'zset':
        for (const m of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          writeMember(w, m);
        }
        break;
      case 'hash':
        for (const h of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          w.u8(0x5b);
          writeJsonBytes(w, h.field);
          w.u8(0x2c);
          writeJsonBytes(w, h.value);
          w.u8(0x5d);
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

/**
 * A stream's JSON written part by part: the text JSON.stringify gives its whole value in the large
 * form (json.ts streamIsLarge: pending entries name no consumer), opened and closed as the parts
 * come (entries, metadata, then per group its PEL, consumers with their PELs, NACK zone; IDMP).
 */
class StreamJsonState {
  /** What is open inside the current group. */
  private section: 'none' | 'pending' | 'consumer' | 'nacked' = 'none';
  private first = true;
  private groupsOpen = false;

  part(w: ByteWriter, p: KeyPartRecord): void {
    const json = (v: Json): void => {
      w.bytes(utf8(JSON.stringify(v)));
    };
    switch (p.part) {
      case 'stream-entries':
        for (const e of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          json(streamEntryToJson(e));
        }
        return;
      case 'stream-meta': {
        const m = p.meta;
        const id = (x: StreamId | null): string => (x ? `"${idToJson(x)}"` : 'null');
        w.ascii(`],"length":${m.length},"lastId":${id(m.lastId)},"firstId":${id(m.firstId)},"maxDeletedId":${id(m.maxDeletedId)}`);
        w.ascii(`,"entriesAdded":${m.entriesAdded === null ? 'null' : m.entriesAdded},"groups":[`);
        this.groupsOpen = true;
        return;
      }
      case 'stream-group':
        if (this.section !== 'none') {
          this.closeGroup(w);
          w.u8(0x2c);
        }
        w.ascii('{"name":');
        json(bytesToJson(p.name) as Json);
        w.ascii(`,"lastId":"${idToJson(p.lastId)}","entriesRead":${p.entriesRead === null ? 'null' : p.entriesRead},"pending":[`);
        this.section = 'pending';
        this.first = true;
        return;
      case 'stream-pel':
        for (const x of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          json(pendingToJson(x, true));
        }
        return;
      case 'stream-consumer':
        if (this.section === 'pending') w.ascii('],"consumers":[');
        else w.ascii(']},');
        w.ascii('{"name":');
        json(bytesToJson(p.name) as Json);
        w.ascii(`,"seenTime":${p.seenTime},"activeTime":${p.activeTime === null ? 'null' : p.activeTime},"pending":[`);
        this.section = 'consumer';
        this.first = true;
        return;
      case 'stream-consumer-pel':
      case 'stream-nacked':
        for (const id of p.items) {
          if (!this.first) w.u8(0x2c);
          this.first = false;
          w.ascii(`"${idToJson(id)}"`);
        }
        return;
      case 'stream-consumers':
        return;
      case 'stream-nack-zone':
        this.closeConsumers(w);
        w.ascii(',"nacked":[');
        this.section = 'nacked';
        this.first = true;
        return;
      case 'stream-idmp':
        this.closeGroups(w);
        w.ascii(',"idmp":');
        json(idmpToJson(p.idmp));
        return;
      default:
        throw new Error(`a ${p.part} part is not a stream part`);
    }
  }

  /** Close the stream's value. */
  end(w: ByteWriter): void {
    this.closeGroups(w);
    w.u8(0x7d);
  }

  private closeConsumers(w: ByteWriter): void {
    if (this.section === 'pending') w.ascii('],"consumers":[]');
    else if (this.section === 'consumer') w.ascii(']}]');
  }

  private closeGroup(w: ByteWriter): void {
    if (this.section === 'nacked') w.u8(0x5d);
    else this.closeConsumers(w);
    w.u8(0x7d);
    this.section = 'none';
  }

  private closeGroups(w: ByteWriter): void {
    if (!this.groupsOpen) return;
    if (this.section !== 'none') this.closeGroup(w);
    w.u8(0x5d);
    this.groupsOpen = false;
  }
}
