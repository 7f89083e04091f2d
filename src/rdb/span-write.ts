/**
 * Writing values whose elements are held as byte strings (a JS string whose char codes are the
 * bytes 0..255, as the engine holds them) without turning each element into a Uint8Array first:
 * a listpack is built element by element from ranges of such strings, into one reused buffer,
 * with exactly the bytes encodeListpack gives for the same elements as Uint8Arrays (an element
 * that is a canonical int64 is stored as an integer entry, in the smallest form). The caller
 * writes the finished span as an RDB string (writeString: int / LZF / raw, as for any listpack).
 *
 * Buffering model: one ByteWriter per builder, reused; finish() returns a view valid until the
 * next begin().
 */
import { ByteWriter } from '../bytes/writer.js';
import { parseCanonicalInt } from '../model/bytes.js';
import { backlenSize, listpackElementSize, writeBacklen, writeListpackInt, writeListpackStringHead } from './listpack.js';

const COUNT_UNKNOWN = 65535;

/** parseSmallCanonicalInt over chars [from, to) of a byte string: at most 15 chars, else null. */
export function charsSmallInt(s: string, from: number, to: number): number | null {
  const n = to - from;
  if (n === 0 || n > 15) return null;
  let i = from;
  let neg = false;
  if (s.charCodeAt(i) === 0x2d) {
    neg = true;
    i++;
    if (n === 1) return null;
  }
  if (s.charCodeAt(i) === 0x30) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** Writes chars [from, to) of a byte string into `buf` at `at`, one byte each. */
type CharsWriter = (s: string, from: number, to: number, buf: Uint8Array, at: number) => void;

/** A faster way than a loop for long runs (Node's latin1 Buffer write, installed by the CLI: io/latin1.ts), or null. */
let nativeChars: CharsWriter | null = null;

/** Runs at least this long go through nativeChars (below it the call costs more than the loop). */
const NATIVE_CHARS_MIN = 64;

/** Install a writer of long runs of chars (setLatin1Decoder's counterpart for the write side). */
export function setCharsWriter(w: CharsWriter | null): void {
  nativeChars = w;
}

/** Write chars [from, to) of `s` into `buf` at `at` (which has room). */
function putChars(s: string, from: number, to: number, buf: Uint8Array, at: number): void {
  if (nativeChars !== null && to - from >= NATIVE_CHARS_MIN) nativeChars(s, from, to, buf, at);
  else for (let i = from; i < to; i++) buf[at++] = s.charCodeAt(i);
}

/** The bytes of chars [from, to) of a byte string, as a view into `buf` (grown when needed). */
export class CharBytes {
  private buf = new Uint8Array(256);

  /** A view of the bytes, valid until the next call. */
  view(s: string, from = 0, to = s.length): Uint8Array {
    const n = to - from;
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    const buf = this.buf;
    putChars(s, from, to, buf, 0);
    return buf.subarray(0, n);
  }
}

/** The integer an element of 16..20 chars stands for in a listpack (canonical int64), else null. */
function charsBigInt(s: string, from: number, to: number): number | bigint | null {
  const c = s.charCodeAt(from);
  if (c !== 0x2d && (c < 0x31 || c > 0x39)) return null;
  const b = new Uint8Array(to - from);
  for (let i = 0; i < b.length; i++) b[i] = s.charCodeAt(from + i);
  const v = parseCanonicalInt(b);
  if (v === null) return null;
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Size of the element chars [from, to) of `s` make in a listpack (listpackElementSize of its bytes). */
export function charsElementSize(s: string, from: number, to: number): number {
  const len = to - from;
  if (len <= 20) {
    const n = len <= 15 ? charsSmallInt(s, from, to) : charsBigInt(s, from, to);
    if (n !== null) return listpackElementSize(n);
  }
  const l = len + (len <= 63 ? 1 : len <= 4095 ? 2 : 5);
  return l + backlenSize(l);
}

/** A listpack built element by element (see the file comment). */
export class ListpackSpan {
  private readonly w = new ByteWriter(1 << 12);
  private count = 0;

  /** Start a new listpack (the previous view is no longer valid). */
  begin(): void {
    const w = this.w;
    w.length = 0;
    w.u32le(0).u16le(0);
    this.count = 0;
  }

  /** An element of the bytes of chars [from, to) of `s` (an integer entry when canonical int64). */
  chars(s: string, from: number, to: number): void {
    const len = to - from;
    this.count++;
    if (len <= 20) {
      const n = len <= 15 ? charsSmallInt(s, from, to) : charsBigInt(s, from, to);
      if (n !== null) {
        writeListpackInt(this.w, n);
        return;
      }
    }
    const w = this.w;
    const l = writeListpackStringHead(w, len);
    putChars(s, from, to, w.reserve(len), w.length);
    w.length += len;
    writeBacklen(w, l);
  }

  /** An integer element (a safe integer, or a bigint within int64). */
  int(n: number | bigint): void {
    this.count++;
    writeListpackInt(this.w, n);
  }

  /** `n` elements already encoded (another span's elements()). */
  raw(elements: Uint8Array, n: number): void {
    this.w.bytes(elements);
    this.count += n;
  }

  /** The elements so far, without header or terminator (a view, valid until the next write). */
  elements(): Uint8Array {
    return this.w.finish().subarray(6);
  }

  /** Elements so far. */
  get length(): number {
    return this.count;
  }

  /** Bytes so far, header included and terminator not. */
  get bytes(): number {
    return this.w.length;
  }

  /** Terminate and return the listpack (a view, valid until the next begin()). */
  finish(): Uint8Array {
    const w = this.w;
    w.u8(0xff);
    if (w.length > 0xffffffff) throw new RangeError(`listpack of ${w.length} bytes exceeds 4 GiB`);
    w.patchU32le(0, w.length);
    w.patchU16le(4, Math.min(this.count, COUNT_UNKNOWN));
    return w.finish();
  }
}
