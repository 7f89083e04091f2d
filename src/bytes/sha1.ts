/**
 * SHA-1 (FIPS 180-4), pure and synchronous over Uint8Array. rdbkit needs it only to reproduce
 * Redis's DEBUG DIGEST, which hashes many short strings: the one-shot `sha1()` keeps a reused
 * 80-word schedule and no per-call allocation beyond the 20-byte result.
 */

const W = new Int32Array(80);
const BLOCK = new Uint8Array(128);

function compress(h: Int32Array, src: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!,
    b = h[1]!,
    c = h[2]!,
    d = h[3]!,
    e = h[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number, k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/** SHA-1 of `data`: 20 bytes. */
export function sha1(data: Uint8Array): Uint8Array {
  const h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
  const n = data.length;
  const full = n - (n % 64);
  for (let off = 0; off < full; off += 64) compress(h, data, off);
  const rest = n - full;
  BLOCK.fill(0);
  BLOCK.set(data.subarray(full), 0);
  BLOCK[rest] = 0x80;
  const tail = rest < 56 ? 64 : 128;
  // Message length in bits, big-endian 64-bit (n < 2^53 bytes, so split hi/lo by division).
  const bits = n * 8;
  const hi = Math.floor(bits / 2 ** 32);
  const lo = bits >>> 0;
  const p = tail - 8;
  BLOCK[p] = hi >>> 24;
  BLOCK[p + 1] = hi >>> 16;
  BLOCK[p + 2] = hi >>> 8;
  BLOCK[p + 3] = hi;
  BLOCK[p + 4] = lo >>> 24;
  BLOCK[p + 5] = lo >>> 16;
  BLOCK[p + 6] = lo >>> 8;
  BLOCK[p + 7] = lo;
  compress(h, BLOCK, 0);
  if (tail === 128) compress(h, BLOCK, 64);
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) {
    out[i * 4] = h[i]! >>> 24;
    out[i * 4 + 1] = h[i]! >>> 16;
    out[i * 4 + 2] = h[i]! >>> 8;
    out[i * 4 + 3] = h[i]!;
  }
  return out;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}
