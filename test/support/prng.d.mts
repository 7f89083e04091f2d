/** Types for prng.mjs (seeded PRNG). */
export function mulberry32(seed: number): () => number;
export interface Random {
  next(): number;
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(arr: readonly T[]): T;
  bytes(n: number): Uint8Array;
  text(n: number, alphabet?: string): string;
}
export function makeRandom(seed: number): Random;
