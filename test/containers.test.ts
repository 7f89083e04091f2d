/**
 * Containers around an RDB: LZ4 frames (checked against lz4js, an independent implementation,
 * in both directions, including linked 4 MiB blocks), Valkey's VCS envelope with its checksums
 * and error cases, and gzip through the file rim.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { Lz4FrameDecoder, Lz4FrameEncoder } from '../src/bytes/lz4frame.js';
import { CorruptError, decodeRdb, type ParseError, TruncatedError } from '../src/index.js';
import { concatBytes } from '../src/model/bytes.js';
import { VcsDecoder, VcsEncoder } from '../src/rdb/vcs.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'rdb');

function sample(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // mostly repetitive text with some noise: compresses, with references across block edges
    out[i] = i > 64 && s >>> 24 < 200 ? out[i - 1 - ((s >>> 8) % 60)]! : 97 + ((s >>> 16) % 26);
  }
  return out;
}

function feed(d: { write(c: Uint8Array): Uint8Array[] }, data: Uint8Array, size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(...d.write(data.subarray(i, i + size)));
  return concatBytes(parts);
}

describe('LZ4 frames', () => {
  it('decodes lz4js frames (linked 4 MiB blocks) at several chunk sizes', () => {
    const data = sample(9 * 1024 * 1024 + 123);
    const frame = lz4.compress(data) as Uint8Array;
    expect(frame.length).toBeLessThan(data.length);
    for (const size of [frame.length, 65536, 4093]) {
      const d = new Lz4FrameDecoder();
      const out = feed(d, frame, size);
      d.end();
      expect(out.length).toBe(data.length);
      expect(Buffer.compare(Buffer.from(out), Buffer.from(data))).toBe(0);
    }
  });

  it('lz4js decodes what rdbkit encodes (no checksums), and rdbkit reads it back with checksums', () => {
    const data = sample(300_000, 7);
    const plain = new Lz4FrameEncoder(false);
    const framed = concatBytes([...plain.write(data), ...plain.end()]);
    expect(Buffer.compare(Buffer.from(lz4.decompress(framed) as Uint8Array), Buffer.from(data))).toBe(0);
    const summed = new Lz4FrameEncoder(true);
    const f2 = concatBytes([...summed.write(data), ...summed.end()]);
    const d = new Lz4FrameDecoder();
    expect(Buffer.compare(Buffer.from(feed(d, f2, 1000)), Buffer.from(data))).toBe(0);
    d.end();
  });

  it('detects damage through block and content checksums, and truncation', () => {
    const data = sample(200_000, 3);
    const e = new Lz4FrameEncoder(true);
    const f = concatBytes([...e.write(data), ...e.end()]);
    const damaged = f.slice();
    damaged[200]! ^= 0x10;
    expect(() => feed(new Lz4FrameDecoder(), damaged, 4096)).toThrow(CorruptError);
    const cut = new Lz4FrameDecoder();
    feed(cut, f.subarray(0, f.length - 5), 4096);
    expect(() => cut.end()).toThrow(TruncatedError);
  });
});

describe('Valkey VCS envelope', () => {
  const rdb = new Uint8Array(readFileSync(join(FIX, 'everything.rdb')));

  it('round trips an RDB byte for byte at several chunk sizes', () => {
    const enc = new VcsEncoder();
    const vcs = concatBytes([...enc.write(rdb), ...enc.end()]);
    expect(Array.from(vcs.subarray(0, 7))).toEqual([0x56, 0x43, 0x53, 1, 1, 0, 1]);
    for (const size of [vcs.length, 1, 7, 4096]) {
      const d = new VcsDecoder();
      const out = feed(d, vcs, size);
      d.end();
      expect(Buffer.compare(Buffer.from(out), Buffer.from(rdb))).toBe(0);
    }
    expect(decodeRdb(rdb).filter((r) => r.kind === 'key').length).toBeGreaterThan(50);
  });

  it('rejects a bad envelope, trailing data and truncation with the right error kind', () => {
    const enc = new VcsEncoder();
    const vcs = concatBytes([...enc.write(rdb), ...enc.end()]);
    const withByte = (i: number, v: number): Uint8Array => {
      const b = vcs.slice();
      b[i] = v;
      return b;
    };
    const err = (b: Uint8Array): ParseError => {
      try {
        const d = new VcsDecoder();
        d.write(b);
        d.end();
      } catch (e) {
        return e as ParseError;
      }
      throw new Error('no error');
    };
    expect(err(withByte(3, 2)).code).toBe('VCS_BAD_VERSION');
    expect(err(withByte(4, 0)).code).toBe('VCS_BAD_CODEC');
    expect(err(withByte(5, 1)).code).toBe('VCS_BAD_RESERVED');
    expect(err(withByte(6, 2)).code).toBe('VCS_BAD_KIND');
    expect(err(concatBytes([vcs, new Uint8Array([1])])).code).toBe('VCS_TRAILING_DATA');
    expect(err(vcs.subarray(0, vcs.length - 3))).toBeInstanceOf(TruncatedError);
    expect(err(vcs.subarray(0, 5))).toBeInstanceOf(TruncatedError);
  });
});
