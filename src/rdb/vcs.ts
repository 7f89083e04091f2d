/**
 * Valkey Compressed Stream (VCS) envelope (FORMATS.md §11.1): 7 bytes "VCS", version 1,
 * codec 1 (LZ4 frame), reserved 0, kind 1 (one complete RDB), then exactly one LZ4 frame
 * whose content is an ordinary RDB (its own CRC64 trailer is zero; the frame's checksums
 * protect it). Nothing may follow the frame.
 */

import { Lz4FrameDecoder, Lz4FrameEncoder } from '../bytes/lz4frame.js';
import { CorruptError, TruncatedError } from '../errors.js';

/** The 7-byte VCS v1 envelope for an LZ4-compressed RDB. */
export const VCS_HEADER = new Uint8Array([0x56, 0x43, 0x53, 0x01, 0x01, 0x00, 0x01]);

/** True when bytes start with "VCS". */
export function isVcs(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0x56 && head[1] === 0x43 && head[2] === 0x53;
}

/** Streaming VCS decoder: compressed chunks in, RDB bytes out. */
export class VcsDecoder {
  private head = new Uint8Array(0);
  private frame: Lz4FrameDecoder | null = null;

  write(chunk: Uint8Array): Uint8Array[] {
    if (!this.frame) {
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head);
      joined.set(chunk, this.head.length);
      if (joined.length < 7) {
        this.head = joined;
        return [];
      }
      const h = joined.subarray(0, 7);
      if (!isVcs(h)) throw new CorruptError('lz4', 'VCS_BAD_MAGIC', 0, 'not a VCS envelope');
      if (h[3] !== 1) throw new CorruptError('lz4', 'VCS_BAD_VERSION', 3, `unsupported VCS envelope version ${h[3]}`);
      if (h[4] !== 1) throw new CorruptError('lz4', 'VCS_BAD_CODEC', 4, `unsupported VCS codec ${h[4]} (only 1 = LZ4)`);
      if (h[5] !== 0) throw new CorruptError('lz4', 'VCS_BAD_RESERVED', 5, `VCS reserved byte is ${h[5]}, must be 0`);
      if (h[6] !== 1) throw new CorruptError('lz4', 'VCS_BAD_KIND', 6, `unsupported VCS stream kind ${h[6]} (only 1 = RDB)`);
      this.frame = new Lz4FrameDecoder(7);
      chunk = joined.subarray(7);
      if (chunk.length === 0) return [];
    }
    if (this.frame.done) throw new CorruptError('lz4', 'VCS_TRAILING_DATA', this.frame.offset, 'data after the end of the VCS LZ4 frame');
    const out = this.frame.write(chunk);
    if (this.frame.done && this.frame.rest().length)
      throw new CorruptError('lz4', 'VCS_TRAILING_DATA', this.frame.offset, 'data after the end of the VCS LZ4 frame');
    return out;
  }

  end(): void {
    if (!this.frame) throw new TruncatedError('lz4', 'VCS_UNEXPECTED_EOF', this.head.length, 'VCS envelope ends early');
    this.frame.end();
  }
}

/** Streaming VCS encoder: RDB bytes in, envelope + LZ4 frame out. */
export class VcsEncoder {
  private frame: Lz4FrameEncoder;
  private started = false;

  constructor(checksums = true) {
    this.frame = new Lz4FrameEncoder(checksums);
  }

  write(data: Uint8Array): Uint8Array[] {
    const out = this.frame.write(data);
    if (!this.started) {
      this.started = true;
      out.unshift(VCS_HEADER);
    }
    return out;
  }

  end(): Uint8Array[] {
    const out = this.frame.end();
    if (!this.started) {
      this.started = true;
      out.unshift(VCS_HEADER);
    }
    return out;
  }
}
