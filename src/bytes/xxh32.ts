/**
 * Streaming XXH32 (seed 0 by default), for LZ4 frame content checksums over inputs of any size.
 * Block checksums (one block at a time) use the same class.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** Incremental XXH32. */
export class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private total = 0;
  private mem = new Uint8Array(16);
  private memSize = 0;

  constructor(private readonly seed = 0) {
    this.v1 = (seed + P1 + P2) >>> 0;
    this.v2 = (seed + P2) >>> 0;
    this.v3 = seed >>> 0;
    this.v4 = (seed - P1) >>> 0;
  }

  update(b: Uint8Array, start = 0, end = b.length): void {
    this.total += end - start;
    let i = start;
    if (this.memSize) {
      while (this.memSize < 16 && i < end) this.mem[this.memSize++] = b[i++]!;
      if (this.memSize < 16) return;
      this.stripe(this.mem, 0);
      this.memSize = 0;
    }
    for (; i + 16 <= end; i += 16) this.stripe(b, i);
    while (i < end) this.mem[this.memSize++] = b[i++]!;
  }

  private stripe(b: Uint8Array, i: number): void {
    this.v1 = round(this.v1, u32(b, i));
    this.v2 = round(this.v2, u32(b, i + 4));
    this.v3 = round(this.v3, u32(b, i + 8));
    this.v4 = round(this.v4, u32(b, i + 12));
  }

  digest(): number {
    let h: number;
    if (this.total >= 16) h = (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) >>> 0;
    else h = (this.seed + P5) >>> 0;
    h = (h + this.total) >>> 0;
    let i = 0;
    for (; i + 4 <= this.memSize; i += 4) h = Math.imul(rotl((h + Math.imul(u32(this.mem, i), P3)) >>> 0, 17), P4) >>> 0;
    for (; i < this.memSize; i++) h = Math.imul(rotl((h + Math.imul(this.mem[i]!, P5)) >>> 0, 11), P1) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, P2) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, P3) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** One-shot XXH32. */
export function xxh32(b: Uint8Array, seed = 0): number {
  const x = new Xxh32(seed);
  x.update(b);
  return x.digest();
}
