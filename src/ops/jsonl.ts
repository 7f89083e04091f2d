/**
 * A byte-level writer for the JSON export: produces the JSON value of
 * `JSON.stringify(entryToJson(entry))` without building the intermediate objects or JS strings.
 * Object members keep the file's order (JSON.stringify would move integer-like names first).
 * Byte strings that are valid UTF-8 are copied through with JSON.stringify's escapes (the
 * short forms \b \t \n \f \r \" \\, and \u00xx for other control characters); other byte
 * strings become {"base64":"..."}. Streams and modules take the generic path.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { bytesKey } from '../model/bytes.js';
import type { KeyEntry } from '../model/record.js';
import { entryToJson, scoreToJson } from './json.js';

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64C = new Uint8Array(64).map((_, i) => B64.charCodeAt(i));

/** Per byte < 0x80: 0 copy as is, 1 needs an escape. */
const NEEDS_ESCAPE = new Uint8Array(128).map((_, c) => (c < 0x20 || c === 0x22 || c === 0x5c ? 1 : 0));

/**
 * Whether bytes are valid UTF-8 (as TextDecoder's fatal mode decides: no overlongs, no
 * surrogates, nothing above U+10FFFF), and whether any byte needs a JSON escape.
 * Returns -1 when invalid, 0 when valid without escapes, 1 when valid with escapes.
 */
function classify(b: Uint8Array): number {
  let esc = 0;
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      esc |= NEEDS_ESCAPE[c]!;
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= n || (b[i + 1]! & 0xc0) !== 0x80) return -1;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= n) return -1;
      const c1 = b[i + 1]!;
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      if (c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80) return -1;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= n) return -1;
      const c1 = b[i + 1]!;
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      if (c1 < lo || c1 > hi || (b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) return -1;
      i += 4;
    } else {
      return -1;
    }
  }
  return esc;
}

/** JSON.stringify's escape for each byte < 0x20, '"' and '\\' (empty: copy the byte). */
const ESCAPES: string[] = Array.from({ length: 128 }, (_, c) => {
  if (!NEEDS_ESCAPE[c]) return '';
  const short: Record<number, string> = { 34: '\\"', 92: '\\\\', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  return short[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
});

function writeEscaped(w: ByteWriter, b: Uint8Array): void {
  const buf = w.reserve(b.length * 6);
  let o = w.length;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 0x80 || !NEEDS_ESCAPE[c]) {
      buf[o++] = c;
      continue;
    }
    const e = ESCAPES[c]!;
    for (let k = 0; k < e.length; k++) buf[o++] = e.charCodeAt(k);
  }
  w.length = o;
}

function writeBase64(w: ByteWriter, b: Uint8Array): void {
  const n = b.length;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    w.u8(B64C[v >> 18]!)
      .u8(B64C[(v >> 12) & 63]!)
      .u8(B64C[(v >> 6) & 63]!)
      .u8(B64C[v & 63]!);
  }
  if (n - i === 1) {
    const v = b[i]! << 16;
    w.u8(B64C[v >> 18]!)
      .u8(B64C[(v >> 12) & 63]!)
      .u8(0x3d)
      .u8(0x3d);
  } else if (n - i === 2) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8);
    w.u8(B64C[v >> 18]!)
      .u8(B64C[(v >> 12) & 63]!)
      .u8(B64C[(v >> 6) & 63]!)
      .u8(0x3d);
  }
}

/** Write a byte string as a JSON string, or {"base64":...} when it is not UTF-8. */
export function writeJsonBytes(w: ByteWriter, b: Uint8Array): void {
  const k = classify(b);
  if (k < 0) {
    w.ascii('{"base64":"');
    writeBase64(w, b);
    w.ascii('"}');
    return;
  }
  w.u8(0x22);
  if (k === 0) w.bytes(b);
  else writeEscaped(w, b);
  w.u8(0x22);
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
function writePairs(w: ByteWriter, names: readonly Uint8Array[], write: (i: number) => void): void {
  let asObject = true;
  for (const n of names)
    if (classify(n) < 0) {
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
export function writeEntryJson(w: ByteWriter, e: KeyEntry): void {
  if (e.type === 'stream' || e.type === 'module' || e.type === 'array' || e.meta || e.template) {
    w.bytes(new TextEncoder().encode(JSON.stringify(entryToJson(e))));
    return;
  }
  w.ascii(`{"db":${e.db},"key":`);
  writeJsonBytes(w, e.key);
  w.ascii(`,"type":"${e.type}","encoding":"${e.encoding}","expireAt":${e.expireAt === null ? 'null' : String(e.expireAt)},"value":`);
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
      for (let i = 0; i < v.length; i++) {
        if (i) w.u8(0x2c);
        w.u8(0x5b);
        writeJsonBytes(w, v[i]![0]);
        w.u8(0x2c);
        writeNumber(w, scoreToJson(v[i]![1]));
        w.u8(0x5d);
      }
      w.u8(0x5d);
      break;
    }
    case 'hash': {
      const v = e.value;
      writePairs(
        w,
        v.map((h) => h.field),
        (i) => writeJsonBytes(w, v[i]!.value),
      );
      const ttl = v.filter((h) => h.expireAt !== undefined);
      if (ttl.length) {
        w.ascii(',"fieldExpireAt":');
        writePairs(
          w,
          ttl.map((h) => h.field),
          (i) => w.ascii(String(ttl[i]!.expireAt)),
        );
      }
      break;
    }
  }
  if (e.idle !== undefined) w.ascii(`,"idle":${e.idle}`);
  if (e.freq !== undefined) w.ascii(`,"freq":${e.freq}`);
  w.u8(0x7d);
}
