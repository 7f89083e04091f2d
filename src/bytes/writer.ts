/**
 * ByteWriter: an append-only byte buffer that grows by doubling and caches its DataView.
 * `finish()` returns a view of what was written; `take()` hands the bytes over and resets,
 * so a file writer can flush above a threshold and keep memory bounded.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far (since the last take()). */
  length = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }

  u16le(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }

  i16le(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
    return this;
  }

  u32le(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
    return this;
  }

  i32le(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
    return this;
  }

  u32be(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v, false);
    this.length += 4;
    return this;
  }

  /** Signed 64-bit LE from a number (ms timestamps). */
  i64le(v: number): this {
    return this.i64leBig(BigInt(v));
  }

  i64leBig(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
    return this;
  }

  u64beBig(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.length, v, false);
    this.length += 8;
    return this;
  }

  f64le(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }

  f32le(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    return this.copyIn(b, b.length);
  }

  /** Append everything another writer holds (a short run without making a view of it). */
  append(other: ByteWriter): this {
    return this.copyIn(other.buf, other.length);
  }

  /** Append the first `n` bytes of `src`. */
  private copyIn(src: Uint8Array, n: number): this {
    this.ensure(n);
    // TypedArray set() is a runtime call whose fixed cost exceeds a short loop: keys, members and
    // JSON punctuation runs are mostly a few dozen bytes
    if (n <= 32) {
      const buf = this.buf;
      const o = this.length;
      for (let i = 0; i < n; i++) buf[o + i] = src[i]!;
    } else this.buf.set(n === src.length ? src : src.subarray(0, n), this.length);
    this.length += n;
    return this;
  }

  /**
   * Make room for n more bytes and return the backing buffer; the caller writes at
   * `length` onwards and then advances `length` itself (hot loops that write byte by byte).
   */
  reserve(n: number): Uint8Array {
    this.ensure(n);
    return this.buf;
  }

  /** Append a string whose chars are all < 0x80 (JSON punctuation, numbers), one byte each. */
  ascii(text: string): this {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let o = this.length;
    for (let i = 0; i < n; i++) buf[o++] = text.charCodeAt(i);
    this.length = o;
    return this;
  }

  /** Overwrite a u32 LE at an earlier position (for size headers patched after the fact). */
  patchU32le(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  patchU16le(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }

  /** A view of everything written (valid until the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /**
   * Hand over the written bytes themselves (no copy) and start empty on a fresh buffer of the
   * same capacity, at most `maxCapacity` (one huge record must not make every later buffer
   * huge): for a writer flushed in large chunks, where a copy would cost more than the allocation.
   * With `next` (a buffer no longer in use, such as one handed over before), start on that one.
   */
  detach(maxCapacity = this.buf.length, next?: Uint8Array): Uint8Array {
    const out = this.buf.subarray(0, this.length);
    this.buf = next ?? new Uint8Array(Math.max(1, Math.min(this.buf.length, maxCapacity)));
    this.view = new DataView(this.buf.buffer);
    this.length = 0;
    return out;
  }

  /** Hand over a copy of the written bytes and start empty. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}
