/**
 * LZ4 frame format (lz4_Frame_format.md), streamed: the decoder is fed chunks and returns
 * decompressed pieces; block decoding itself is lz4js's `decompressBlock`, with every length
 * checked here first. Block checksums and the content checksum (XXH32) are verified when the
 * frame carries them. Linked blocks get a 64 KiB history window.
 *
 * Frame: magic 04 22 4D 18 | FLG | BD | [content size u64] | [dict id u32] | HC |
 *        { u32 block size (bit 31 = stored uncompressed) | data | [u32 XXH32 of data] }* |
 *        u32 0 | [u32 XXH32 of content]
 */
import { compressBlock, decompressBlock } from 'lz4js';
import { CorruptError, TruncatedError } from '../errors.js';
import { Xxh32, xxh32 } from './xxh32.js';

const MAGIC = 0x184d2204;
const HISTORY = 64 * 1024;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

type Phase = 'header' | 'size' | 'block' | 'content-sum' | 'done';

/** Streaming LZ4 frame decoder. `base` is the absolute offset of the frame in the file. */
export class Lz4FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private consumedBefore = 0;
  private phase: Phase = 'header';
  private blockChecksum = false;
  private contentChecksum = false;
  private blockMax = 0;
  private blockSize = 0;
  private stored = false;
  private out = new Uint8Array(0);
  private outHistory = 0;
  private content = new Xxh32();
  /** Bytes decoded so far. */
  produced = 0;

  constructor(private readonly base = 0) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number {
    return this.base + this.consumedBefore + this.pos;
  }

  /** Bytes buffered after the end of the frame. */
  rest(): Uint8Array {
    return this.buf.subarray(this.pos);
  }

  /** Feed compressed bytes; returns decompressed pieces (views valid until the next call). */
  write(chunk: Uint8Array): Uint8Array[] {
    const tail = this.buf.subarray(this.pos);
    if (tail.length === 0) {
      this.consumedBefore += this.pos;
      this.buf = chunk;
    } else {
      const next = new Uint8Array(tail.length + chunk.length);
      next.set(tail);
      next.set(chunk, tail.length);
      this.consumedBefore += this.pos;
      this.buf = next;
    }
    this.pos = 0;
    const pieces: Uint8Array[] = [];
    for (;;) {
      const avail = this.buf.length - this.pos;
      if (this.phase === 'header') {
        if (avail < 7) break;
        const b = this.buf;
        const p = this.pos;
        const magic = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
        if (magic !== MAGIC) throw this.corrupt('LZ4_BAD_MAGIC', `not an LZ4 frame (magic 0x${magic.toString(16)})`);
        const flg = b[p + 4]!;
        if (flg >> 6 !== 1) throw this.corrupt('LZ4_BAD_VERSION', `unsupported LZ4 frame version ${flg >> 6}`);
        if (flg & 1) throw this.corrupt('LZ4_DICTIONARY', 'LZ4 frames with a dictionary id are not supported');
        const hasSize = (flg & 8) !== 0;
        const hlen = 7 + (hasSize ? 8 : 0);
        if (avail < hlen) break;
        const bd = b[p + 5]!;
        const max = BLOCK_MAX[(bd >> 4) & 7];
        if (!max || (bd & 0x8f) !== 0) throw this.corrupt('LZ4_BAD_DESCRIPTOR', `bad LZ4 block descriptor 0x${bd.toString(16)}`);
        const hc = b[p + hlen - 1]!;
        if (((xxh32(b.subarray(p + 4, p + hlen - 1)) >>> 8) & 0xff) !== hc)
          throw this.corrupt('LZ4_BAD_HEADER_CHECKSUM', 'LZ4 frame header checksum mismatch');
        this.blockChecksum = (flg & 0x10) !== 0;
        this.contentChecksum = (flg & 4) !== 0;
        this.blockMax = max;
        this.out = new Uint8Array(HISTORY + max);
        this.pos += hlen;
        this.phase = 'size';
      } else if (this.phase === 'size') {
        if (avail < 4) break;
        const b = this.buf;
        const p = this.pos;
        const v = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
        this.pos += 4;
        if (v === 0) {
          this.phase = this.contentChecksum ? 'content-sum' : 'done';
          if (this.phase === 'done') break;
          continue;
        }
        this.stored = (v & 0x80000000) !== 0;
        this.blockSize = v & 0x7fffffff;
        if (this.blockSize > this.blockMax) {
          this.pos -= 4;
          throw this.corrupt(
            'LZ4_BAD_BLOCK_SIZE',
            `LZ4 block of ${this.blockSize} bytes exceeds the frame's ${this.blockMax}-byte maximum`,
          );
        }
        this.phase = 'block';
      } else if (this.phase === 'block') {
        const need = this.blockSize + (this.blockChecksum ? 4 : 0);
        if (avail < need) break;
        const data = this.buf.subarray(this.pos, this.pos + this.blockSize);
        if (this.blockChecksum) {
          const q = this.pos + this.blockSize;
          const b = this.buf;
          const sum = (b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16) | (b[q + 3]! << 24)) >>> 0;
          if (xxh32(data) !== sum) throw this.corrupt('LZ4_BAD_BLOCK_CHECKSUM', 'LZ4 block checksum mismatch');
        }
        pieces.push(this.decodeBlock(data));
        this.pos += need;
        this.phase = 'size';
      } else if (this.phase === 'content-sum') {
        if (avail < 4) break;
        const b = this.buf;
        const p = this.pos;
        const sum = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
        if (this.content.digest() !== sum) throw this.corrupt('LZ4_BAD_CONTENT_CHECKSUM', 'LZ4 content checksum mismatch');
        this.pos += 4;
        this.phase = 'done';
        break;
      } else break;
    }
    return pieces;
  }

  /** End of input: throws TruncatedError when the frame is incomplete. */
  end(): void {
    if (this.phase !== 'done')
      throw new TruncatedError(
        'lz4',
        'LZ4_UNEXPECTED_EOF',
        this.offset,
        `LZ4 frame ends early (while reading ${this.phase === 'block' ? 'a block' : this.phase})`,
      );
  }

  private decodeBlock(data: Uint8Array): Uint8Array {
    // keep the last 64 KiB of output in front of the new block for back-references
    if (this.outHistory > HISTORY) {
      this.out.copyWithin(0, this.outHistory - HISTORY, this.outHistory);
      this.outHistory = HISTORY;
    }
    const start = this.outHistory;
    let end: number;
    if (this.stored) {
      this.out.set(data, start);
      end = start + data.length;
    } else {
      end = decompressBlock(data, this.out, 0, data.length, start);
      if (!(end >= start && end <= start + this.blockMax)) throw this.corrupt('LZ4_BAD_BLOCK', 'LZ4 block decodes past its maximum size');
    }
    this.outHistory = end;
    const piece = this.out.slice(start, end);
    this.produced += piece.length;
    if (this.contentChecksum) this.content.update(piece);
    return piece;
  }

  private corrupt(code: string, msg: string): CorruptError {
    return new CorruptError('lz4', code, this.offset, msg);
  }
}

/** Streaming LZ4 frame encoder: independent 64 KiB blocks, block and content checksums. */
export class Lz4FrameEncoder {
  private pending = new Uint8Array(HISTORY);
  private fill = 0;
  private content = new Xxh32();
  private table = new Uint32Array(1 << 16);
  private scratch = new Uint8Array(HISTORY + HISTORY / 255 + 16);
  private started = false;

  constructor(private readonly checksums = true) {}

  /** Feed bytes; returns frame bytes ready to write. */
  write(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.started) {
      out.push(this.header());
      this.started = true;
    }
    let i = 0;
    while (i < data.length) {
      const n = Math.min(HISTORY - this.fill, data.length - i);
      this.pending.set(data.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === HISTORY) out.push(this.flushBlock());
    }
    return out;
  }

  /** Last block, end mark and content checksum. */
  end(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.started) {
      out.push(this.header());
      this.started = true;
    }
    if (this.fill) out.push(this.flushBlock());
    const tail = new Uint8Array(this.checksums ? 8 : 4);
    if (this.checksums) new DataView(tail.buffer).setUint32(4, this.content.digest(), true);
    out.push(tail);
    return out;
  }

  private header(): Uint8Array {
    const h = new Uint8Array(7);
    new DataView(h.buffer).setUint32(0, MAGIC, true);
    h[4] = 0x40 | 0x20 | (this.checksums ? 0x10 | 0x04 : 0); // version 01, independent blocks, checksums
    h[5] = 4 << 4; // 64 KiB blocks
    h[6] = (xxh32(h.subarray(4, 6)) >>> 8) & 0xff;
    return h;
  }

  private flushBlock(): Uint8Array {
    const src = this.pending.subarray(0, this.fill);
    if (this.checksums) this.content.update(src);
    this.table.fill(0);
    const n = compressBlock(src, this.scratch, 0, src.length, this.table);
    const stored = n <= 0 || n >= src.length;
    const body = stored ? src : this.scratch.subarray(0, n);
    const block = new Uint8Array(4 + body.length + (this.checksums ? 4 : 0));
    const dv = new DataView(block.buffer);
    dv.setUint32(0, (body.length | (stored ? 0x80000000 : 0)) >>> 0, true);
    block.set(body, 4);
    if (this.checksums) dv.setUint32(4 + body.length, xxh32(body), true);
    this.fill = 0;
    return block;
  }
}
