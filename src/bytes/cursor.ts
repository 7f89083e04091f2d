/**
 * A minimal cursor over a contiguous byte buffer, with "peek, check, commit" reads.
 *
 * Buffering model: the resumable decoders keep one contiguous buffer of not-yet-consumed
 * bytes. A read that would run past `end` throws the shared NEED_MORE signal carrying the
 * buffer index it needs to reach; the decoder rewinds to its last safe point and returns,
 * and the driver does not call it again until that many bytes are buffered. Once the input
 * is known to be complete (`final`), running short is a TruncatedError instead.
 *
 * `base` is the absolute file offset of buf[0], so errors can report file offsets.
 */
import { CorruptError, type ErrorFormat, TruncatedError } from '../errors.js';

/** The cursor: bytes, a DataView over them, the read position and the end of valid data. */
export interface Cursor {
  buf: Uint8Array;
  view: DataView;
  pos: number;
  end: number;
  /** Absolute offset of buf[0] in the whole input. */
  base: number;
  /** True once no more input will come: running short is then truncation. */
  final: boolean;
  format: ErrorFormat;
}

/** Thrown (as a shared instance) when a read needs bytes not yet buffered. */
export class NeedMore {
  /** Buffer index (relative to buf) that must be reachable. */
  upTo = 0;
}

/** The single NEED_MORE signal instance; never escapes a decoder's write(). */
export const NEED_MORE = new NeedMore();

/** Make a cursor over a whole buffer. */
export function cursorOf(bytes: Uint8Array, format: ErrorFormat, base = 0, final = true): Cursor {
  return {
    buf: bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    pos: 0,
    end: bytes.length,
    base,
    final,
    format,
  };
}

/** Ensure n bytes are available at pos, or signal need / truncation. */
export function require(r: Cursor, n: number, what = 'data'): void {
  if (r.pos + n <= r.end) return;
  if (r.final) {
    throw new TruncatedError(
      r.format,
      `${r.format.toUpperCase()}_UNEXPECTED_EOF`,
      r.base + r.pos,
      `unexpected end of input: needed ${n} bytes of ${what}, ${r.end - r.pos} left`,
    );
  }
  NEED_MORE.upTo = r.pos + n;
  throw NEED_MORE;
}

/** A corrupt-data error at the cursor's current absolute offset (or at `at`, a buffer index). */
export function corrupt(r: Cursor, code: string, message: string, at = r.pos): CorruptError {
  return new CorruptError(r.format, code, r.base + at, message);
}

export function readU8(r: Cursor): number {
  require(r, 1);
  return r.buf[r.pos++]!;
}

export function readI32LE(r: Cursor): number {
  require(r, 4);
  const v = r.view.getInt32(r.pos, true);
  r.pos += 4;
  return v;
}

/** Signed 64-bit LE as a number (exact for |v| < 2^53; ms timestamps). */
export function readI64LE(r: Cursor): number {
  require(r, 8);
  const lo = r.view.getUint32(r.pos, true);
  const hi = r.view.getInt32(r.pos + 4, true);
  r.pos += 8;
  return hi * 4294967296 + lo;
}

export function readF64LE(r: Cursor): number {
  require(r, 8);
  const v = r.view.getFloat64(r.pos, true);
  r.pos += 8;
  return v;
}

export function readF32LE(r: Cursor): number {
  require(r, 4);
  const v = r.view.getFloat32(r.pos, true);
  r.pos += 4;
  return v;
}

/** n bytes as a view (no copy). */
export function readBytes(r: Cursor, n: number, what = 'data'): Uint8Array {
  require(r, n, what);
  const v = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return v;
}
