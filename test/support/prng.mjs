/**
 * A small seeded PRNG (mulberry32) so fixtures and randomized workloads are reproducible.
 */

/** A generator of uniform floats in [0, 1) from a 32-bit seed. @param {number} seed */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over a seeded generator. @param {number} seed */
export function makeRandom(seed) {
  const next = mulberry32(seed);
  const rnd = {
    next,
    /** Integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** True with probability p. */
    chance: (p) => next() < p,
    /** One element of an array. */
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    /** n random bytes. */
    bytes: (n) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
    /** n random chars from an alphabet. */
    text: (n, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') => {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
  };
  return rnd;
}
