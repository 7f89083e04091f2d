import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1, toHex } from '../src/bytes/sha1.js';

describe('sha1', () => {
  it('matches node:crypto for every length 0..300 (block boundaries 55/56/64)', () => {
    for (let n = 0; n <= 300; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (i * 31 + n) & 255;
      expect(toHex(sha1(b))).toBe(createHash('sha1').update(b).digest('hex'));
    }
  });
  it('matches the FIPS 180 "abc" vector', () => {
    expect(toHex(sha1(new TextEncoder().encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
