/**
 * PFADD / PFCOUNT / PFMERGE (hyperloglog.c), byte for byte: the value is a string holding the
 * "HYLL" header (magic, encoding, 3 unused bytes, 8-byte little-endian cached cardinality whose
 * top bit marks it stale) and 16384 6-bit registers, sparse (ZERO / XZERO / VAL run opcodes) until
 * the string would pass hll-sparse-max-bytes (3000) or a register passes 32, dense after.
 * The sparse update reproduces hllSparseSet exactly (split the run, then merge equal VAL opcodes
 * in a 5-opcode window), and PFCOUNT caches the estimate in the header, which Redis logs to its
 * AOF: replay must produce the same bytes, so hashing (MurmurHash64A) and the estimator (hllTau,
 * hllSigma) follow the C arithmetic step by step.
 */
import { fail } from '../argv.js';
import type { CommandTable } from '../context.js';
import { type Ctx, lookupType } from '../context.js';
import { strBytes, stringValue } from '../keyspace.js';

const P = 14;
const Q = 64 - P;
const REGISTERS = 1 << P;
const HDR = 16;
const DENSE_SIZE = HDR + Math.floor((REGISTERS * 6 + 7) / 8);
const SPARSE_MAX_BYTES = 3000;
const ALPHA_INF = 0.7213475204444817; // 1 / (2 ln 2), to double precision
const M64 = (1n << 64n) - 1n;
const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

/** MurmurHash64A with Redis's endian-neutral reads. */
export function murmurHash64A(key: Uint8Array, seed: number): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const len = key.length;
  let h = (BigInt(seed) ^ ((BigInt(len) * m) & M64)) & M64;
  const nblocks = len - (len & 7);
  for (let i = 0; i < nblocks; i += 8) {
    let k = 0n;
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(key[i + b]!);
    k = (k * m) & M64;
    k ^= k >> 47n;
    k = (k * m) & M64;
    h ^= k;
    h = (h * m) & M64;
  }
  const rest = len & 7;
  if (rest) {
    for (let b = rest - 1; b >= 0; b--) h ^= BigInt(key[nblocks + b]!) << BigInt(8 * b);
    h = (h * m) & M64;
  }
  h ^= h >> 47n;
  h = (h * m) & M64;
  h ^= h >> 47n;
  return h;
}

/** hllPatLen: [register index, run length of the pattern 000..1]. */
function patLen(ele: Uint8Array): [number, number] {
  let hash = murmurHash64A(ele, 0xadc83b19);
  const index = Number(hash & BigInt(REGISTERS - 1));
  hash >>= BigInt(P);
  hash |= 1n << BigInt(Q);
  let count = 1;
  let bit = 1n;
  while ((hash & bit) === 0n) {
    count++;
    bit <<= 1n;
  }
  return [index, count];
}

function denseGet(r: Uint8Array, off: number, i: number): number {
  const byte = (i * 6) >> 3,
    fb = (i * 6) & 7;
  const b0 = r[off + byte]!,
    b1 = r[off + byte + 1] ?? 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & 63;
}

function denseSet(r: Uint8Array, off: number, i: number, v: number): void {
  const byte = (i * 6) >> 3,
    fb = (i * 6) & 7,
    fb8 = 8 - fb;
  r[off + byte] = (r[off + byte]! & ~(63 << fb)) | ((v << fb) & 0xff);
  if (off + byte + 1 < r.length) r[off + byte + 1] = (r[off + byte + 1]! & ~(63 >> fb8)) | (v >> fb8);
}

const isZero = (b: number) => (b & 0xc0) === 0;
const isXZero = (b: number) => (b & 0xc0) === 0x40;
const isVal = (b: number) => (b & 0x80) !== 0;
const zeroLen = (b: number) => (b & 0x3f) + 1;
const valValue = (b: number) => ((b >> 2) & 0x1f) + 1;
const valLen = (b: number) => (b & 0x3) + 1;
const valOp = (v: number, len: number) => ((v - 1) << 2) | (len - 1) | 0x80;

/** A new empty sparse HLL (createHLLObject). */
function createHll(): Uint8Array {
  const n = Math.ceil(REGISTERS / 16384);
  const s = new Uint8Array(HDR + n * 2);
  s.set([0x48, 0x59, 0x4c, 0x4c], 0); // "HYLL"
  s[4] = 1;
  let aux = REGISTERS,
    p = HDR;
  while (aux) {
    const x = Math.min(16384, aux);
    s[p] = ((x - 1) >> 8) | 0x40;
    s[p + 1] = (x - 1) & 0xff;
    p += 2;
    aux -= x;
  }
  return s;
}

/** A mutable HLL string. */
class Hll {
  constructor(public s: Uint8Array) {}

  get dense(): boolean {
    return this.s[4] === 0;
  }

  invalidate(): void {
    this.s[15]! |= 0x80;
  }

  toDense(): boolean {
    if (this.dense) return true;
    const d = new Uint8Array(DENSE_SIZE);
    d.set(this.s.subarray(0, HDR));
    d[4] = 0;
    let idx = 0,
      p = HDR;
    const s = this.s;
    while (p < s.length) {
      const b = s[p]!;
      if (isZero(b)) {
        idx += zeroLen(b);
        p++;
      } else if (isXZero(b)) {
        idx += (((b & 0x3f) << 8) | s[p + 1]!) + 1;
        p += 2;
      } else {
        const run = valLen(b),
          v = valValue(b);
        if (run + idx > REGISTERS) break;
        for (let k = 0; k < run; k++) denseSet(d, HDR, idx++, v);
        p++;
      }
    }
    if (idx !== REGISTERS) return false;
    this.s = d;
    return true;
  }

  /** hllSparseSet / hllDenseSet: 1 when changed, 0 when not, -1 when corrupt. */
  set(index: number, count: number): number {
    if (this.dense) {
      if (count > denseGet(this.s, HDR, index)) {
        denseSet(this.s, HDR, index, count);
        return 1;
      }
      return 0;
    }
    if (count > 32) return this.promote(index, count);
    const s = this.s;
    let end = s.length;
    let p = HDR,
      first = 0,
      prev = -1,
      span = 0;
    while (p < end) {
      const b = s[p]!;
      let oplen = 1;
      if (isZero(b)) span = zeroLen(b);
      else if (isVal(b)) span = valLen(b);
      else {
        span = (((b & 0x3f) << 8) | s[p + 1]!) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const b = s[p]!;
    const xz = isXZero(b),
      z = isZero(b),
      v = !z && !xz;
    const runlen = z ? zeroLen(b) : xz ? (((b & 0x3f) << 8) | s[p + 1]!) + 1 : valLen(b);
    let buf = s;
    if (v) {
      if (valValue(b) >= count) return 0;
      if (runlen === 1) {
        buf[p] = valOp(count, 1);
        return this.merge(buf, prev, end);
      }
    }
    if (z && runlen === 1) {
      buf[p] = valOp(count, 1);
      return this.merge(buf, prev, end);
    }
    const seq: number[] = [];
    const last = first + span - 1;
    const zeros = (len: number) => {
      if (len > 64) seq.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff);
      else seq.push(len - 1);
    };
    if (z || xz) {
      if (index !== first) zeros(index - first);
      seq.push(valOp(count, 1));
      if (index !== last) zeros(last - index);
    } else {
      const cur = valValue(b);
      if (index !== first) seq.push(valOp(cur, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(cur, last - index));
    }
    const oldlen = xz ? 2 : 1;
    const delta = seq.length - oldlen;
    if (delta > 0 && s.length + delta > SPARSE_MAX_BYTES) return this.promote(index, count);
    buf = new Uint8Array(s.length + delta);
    buf.set(s.subarray(0, p));
    buf.set(seq, p);
    buf.set(s.subarray(p + oldlen), p + seq.length);
    end = buf.length;
    return this.merge(buf, prev, end);
  }

  /** The `updated:` step: merge adjacent equal VAL opcodes within 5 opcodes from prev. */
  private merge(buf: Uint8Array, prev: number, end: number): number {
    let p = prev >= 0 ? prev : HDR;
    let scan = 5;
    let out = buf;
    while (p < end && scan-- > 0) {
      const b = out[p]!;
      if (isXZero(b)) {
        p += 2;
        continue;
      }
      if (isZero(b)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(out[p + 1]!)) {
        const v1 = valValue(b),
          v2 = valValue(out[p + 1]!);
        if (v1 === v2) {
          const len = valLen(b) + valLen(out[p + 1]!);
          if (len <= 4) {
            const next = new Uint8Array(end - 1);
            next.set(out.subarray(0, p));
            next[p] = valOp(v1, len);
            next.set(out.subarray(p + 2, end), p + 1);
            out = next;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.s = out;
    this.invalidate();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSet(this.s, HDR, index, count);
    return 1;
  }

  /** Registers as one value per byte (hllMerge into `max`); false when corrupt. */
  mergeInto(max: Uint8Array): boolean {
    const s = this.s;
    if (this.dense) {
      for (let i = 0; i < REGISTERS; i++) {
        const v = denseGet(s, HDR, i);
        if (v > max[i]!) max[i] = v;
      }
      return true;
    }
    let i = 0,
      p = HDR;
    while (p < s.length) {
      const b = s[p]!;
      if (isZero(b)) {
        i += zeroLen(b);
        p++;
      } else if (isXZero(b)) {
        i += (((b & 0x3f) << 8) | s[p + 1]!) + 1;
        p += 2;
      } else {
        const run = valLen(b),
          v = valValue(b);
        if (run + i > REGISTERS) break;
        for (let k = 0; k < run; k++, i++) if (v > max[i]!) max[i] = v;
        p++;
      }
    }
    return i === REGISTERS;
  }
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** hllCount over a register histogram. */
function estimate(histo: number[]): number {
  const m = REGISTERS;
  let z = m * tau((m - histo[Q + 1]!) / m);
  for (let j = Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

function histogram(regs: (i: number) => number): number[] {
  const h = new Array<number>(64).fill(0);
  for (let i = 0; i < REGISTERS; i++) h[regs(i)]!++;
  return h;
}

/** The HLL at key (copied, ready to change), null when missing; WRONGTYPE when not an HLL. */
function getHll(c: Ctx, key: Uint8Array): Hll | null {
  const v = lookupType(c, key, 'string');
  if (!v) return null;
  const s = strBytes(v.value);
  if (
    s.length < HDR ||
    s[0] !== 0x48 ||
    s[1] !== 0x59 ||
    s[2] !== 0x4c ||
    s[3] !== 0x4c ||
    s[4]! > 1 ||
    (s[4] === 0 && s.length !== DENSE_SIZE)
  )
    fail(NOT_HLL);
  return new Hll(s);
}

function store(c: Ctx, key: Uint8Array, h: Hll): void {
  const slot = c.db.get(key);
  if (slot) slot.value = stringValue(h.s);
  else c.db.set(key, stringValue(h.s));
}

export const hllCommands: CommandTable = {
  pfadd: {
    arity: -2,
    run: (c, a) => {
      let h = getHll(c, a[1]!);
      let updated = 0;
      if (!h) {
        h = new Hll(createHll());
        updated++;
      }
      for (let j = 2; j < a.length; j++) {
        const [index, count] = patLen(a[j]!);
        const r = h.set(index, count);
        if (r < 0) fail(INVALID_HLL);
        if (r === 1) updated++;
      }
      if (updated) {
        h.invalidate();
        store(c, a[1]!, h);
      }
      return updated ? 1 : 0;
    },
  },
  pfcount: {
    arity: -2,
    run: (c, a) => {
      if (a.length > 2) {
        const max = new Uint8Array(REGISTERS);
        for (let j = 1; j < a.length; j++) {
          const h = getHll(c, a[j]!);
          if (h && !h.mergeInto(max)) fail(INVALID_HLL);
        }
        return estimate(histogram((i) => max[i]!));
      }
      const h = getHll(c, a[1]!);
      if (!h) return 0;
      const s = h.s;
      if ((s[15]! & 0x80) === 0) {
        let card = 0;
        for (let i = 7; i >= 0; i--) card = card * 256 + s[8 + i]!;
        return card;
      }
      const max = new Uint8Array(REGISTERS);
      if (!h.mergeInto(max)) fail(INVALID_HLL);
      const card = estimate(histogram((i) => max[i]!));
      let v = card;
      for (let i = 0; i < 8; i++) {
        s[8 + i] = v % 256;
        v = Math.floor(v / 256);
      }
      store(c, a[1]!, h);
      return card;
    },
  },
  pfmerge: {
    arity: -2,
    run: (c, a) => {
      const max = new Uint8Array(REGISTERS);
      let useDense = false;
      for (let j = 1; j < a.length; j++) {
        const h = getHll(c, a[j]!);
        if (!h) continue;
        if (h.dense) useDense = true;
        if (!h.mergeInto(max)) fail(INVALID_HLL);
      }
      const h = getHll(c, a[1]!) ?? new Hll(createHll());
      if (useDense && !h.toDense()) fail(INVALID_HLL);
      for (let j = 0; j < REGISTERS; j++) if (max[j]) h.set(j, max[j]!);
      h.invalidate();
      store(c, a[1]!, h);
      return 'OK';
    },
  },
};
