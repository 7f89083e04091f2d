/**
 * Zipmap blobs (Redis zipmap.c; ../shared/FORMATS.md §6.4). RDB type 9, written only by
 * Redis 2.4 and older.
 *
 * Buffering model: read whole from one RDB string; `base` is the absolute file offset of
 * blob[0], used only for error offsets. Fields and values are subarray views.
 *
 * Layout: u8 zmlen (254 = count by walking), then per pair: len, field, len, u8 free,
 * value, `free` padding bytes; 0xFF ends it. len: 1 byte if < 254, else 0xFE + u32 LE.
 * A 0xFF where a field length is expected is the end.
 */

import { ByteWriter } from '../bytes/writer.js';
import { CorruptError } from '../errors.js';

const BIGLEN = 254;

function bad(base: number, at: number, message: string): CorruptError {
  return new CorruptError('rdb', 'RDB_BAD_ZIPMAP', base + at, message);
}

/**
 * Decode the pairs, with the bounds and count checks of zipmapValidateIntegrity (deep).
 * As in Redis, the walk stops at the first 0xFF in a field-length position; duplicate
 * fields are left to the hash loader.
 */
export function decodeZipmap(blob: Uint8Array, base: number): Array<[Uint8Array, Uint8Array]> {
  const size = blob.length;
  if (size < 2) throw bad(base, 0, `zipmap of ${size} bytes is too short`);
  const last = size - 1;
  if (blob[last] !== 0xff) throw bad(base, last, 'zipmap does not end with the 0xFF terminator');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const zmlen = blob[0]!;
  const out: Array<[Uint8Array, Uint8Array]> = [];
  // Every position reached must stay within [1, last]: the terminator must remain readable.
  const readLen = (p: number, what: string): [number, number] => {
    const s = blob[p]! < BIGLEN ? 1 : 5;
    if (p + s > last) throw bad(base, p, `zipmap ${what} length runs past the end`);
    return [s === 1 ? blob[p]! : view.getUint32(p + 1, true), s];
  };
  let p = 1;
  while (blob[p] !== 0xff) {
    const start = p;
    const [flen, fs] = readLen(p, 'field');
    p += fs;
    const fieldAt = p;
    p += flen;
    if (p > last) throw bad(base, start, `zipmap field of ${flen} bytes runs past the end`);
    const [vlen, vs] = readLen(p, 'value');
    p += vs;
    const free = blob[p]!; // readLen guaranteed p <= last
    p += 1;
    const valueAt = p;
    p += vlen + free;
    if (p > last) throw bad(base, start, `zipmap value of ${vlen} bytes (+${free} free) runs past the end`);
    out.push([blob.subarray(fieldAt, fieldAt + flen), blob.subarray(valueAt, valueAt + vlen)]);
  }
  if (out.length === 0) throw bad(base, 0, 'empty zipmap');
  if (zmlen < BIGLEN && zmlen !== out.length) throw bad(base, 0, `zipmap header counts ${zmlen} pairs, found ${out.length}`);
  return out;
}

function writeZmLen(w: ByteWriter, n: number): void {
  if (n < BIGLEN) w.u8(n);
  else w.u8(BIGLEN).u32le(n);
}

/** Encode pairs as Redis 2.4 would (no free space; zmlen 254 when there are 254 pairs or more). */
export function encodeZipmap(pairs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(Math.min(pairs.length, BIGLEN));
  for (const [f, v] of pairs) {
    writeZmLen(w, f.length);
    w.bytes(f);
    writeZmLen(w, v.length);
    w.u8(0).bytes(v);
  }
  w.u8(0xff);
  return w.take();
}
