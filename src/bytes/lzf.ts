/**
 * LZF (liblzf, as vendored in Redis: lzf_d.c / lzf_c.c). No header: the enclosing RDB string
 * (0xC3 clen ulen) gives both lengths.
 *
 * Stream of control bytes:
 *   c < 0x20   literal run: copy the next c+1 bytes.
 *   c >= 0x20  back-reference: len = c >> 5 (7 means "add the next byte"), then one low
 *              offset byte; distance = ((c & 0x1f) << 8 | lo) + 1; copy len+2 bytes from
 *              out - distance (may overlap, so byte by byte).
 */

import { assemble, type Code, I32, instantiate, op } from './wasm.js';

/** Why a decompression failed; the caller turns it into a CorruptError with an offset. */
export type LzfFailure = 'truncated-input' | 'output-overflow' | 'bad-reference' | 'length-mismatch';

/** liblzf's parameters as Redis builds it: a 2^16-entry match table, runs and references' limits. */
const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Outputs of up to SLAB_MAX bytes are views into a shared slab rather than arrays of their own:
 * V8 gives every Uint8Array over 64 bytes its own off-heap backing store, and allocating (and
 * later collecting) one per decompressed string was four times the cost of inflating it (5M
 * 100-byte strings: 6.3 s allocating, 1.5 s from a slab). A view keeps its slab alive, as a view
 * into a read chunk keeps the chunk alive: whoever retains a value copies it (STYLE §11).
 */
const SLAB_SIZE = 1 << 18;
const SLAB_MAX = 4096;
let slab = new Uint8Array(0);
let slabAt = 0;

/** A fresh zeroed n-byte array: a slab view when small, its own buffer when large. */
function allocOut(n: number): Uint8Array {
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (slabAt + n > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + n);
  slabAt += n;
  return out;
}

/**
 * Decompress `input` into exactly `outLen` bytes, or return the failure kind. With `into` (at
 * least outLen long) the bytes are written there and a view of it is returned.
 */
export function lzfDecompress(input: Uint8Array, outLen: number, into?: Uint8Array): Uint8Array | LzfFailure {
  return lzfInflate(input, 0, input.length, outLen, into);
}

/**
 * lzfDecompress of the compressed bytes src[from..to) (no view of them is made: the caller's
 * buffer is read in place).
 */
export function lzfInflate(src: Uint8Array, from: number, to: number, outLen: number, into?: Uint8Array): Uint8Array | LzfFailure {
  const out = into && into.length >= outLen ? into.subarray(0, outLen) : allocOut(outLen);
  if (outLen >= WASM_MIN && outLen <= WASM_CAP && to - from <= WASM_CAP) {
    const m = wasmLzf();
    if (m !== null) return inflateWasm(m, src, from, to, out);
  }
  return inflateJs(src, from, to, out);
}

/** The JavaScript inflater: the reference, and the path for outputs shorter than WASM_MIN or longer than WASM_CAP. */
export function inflateJs(src: Uint8Array, from: number, to: number, out: Uint8Array): Uint8Array | LzfFailure {
  const outLen = out.length;
  let ip = from;
  let op = 0;
  const inEnd = to;
  // plain loops: runs are at most 32 (literal) or 264 (reference) bytes, too short for set()/copyWithin()
  while (ip < inEnd) {
    const ctrl = src[ip++]!;
    if (ctrl < 0x20) {
      const run = ctrl + 1;
      if (ip + run > inEnd) return 'truncated-input';
      if (op + run > outLen) return 'output-overflow';
      for (let k = 0; k < run; k++) out[op++] = src[ip++]!;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inEnd) return 'truncated-input';
        len += src[ip++]!;
      }
      if (ip >= inEnd) return 'truncated-input';
      let ref = op - (((ctrl & 0x1f) << 8) | src[ip++]!) - 1;
      len += 2;
      if (ref < 0) return 'bad-reference';
      if (op + len > outLen) return 'output-overflow';
      const dist = op - ref;
      if (dist === 1) {
        out.fill(out[ref]!, op, op + len); // a run of one byte (common: padding)
        op += len;
      } else if (dist >= len && len > 24) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
      }
    }
  }
  if (op !== outLen) return 'length-mismatch';
  return out;
}

/**
 * The same inflater in WebAssembly, about four times the speed of the JavaScript loop on RDB
 * blobs (one 8 KB listpack: 1.4 us against 5.8 us, copies in and out included): input is copied to
 * [0, WASM_CAP) of the module's memory and inflated to [OUT_AT, OUT_AT + outLen). Runs are copied
 * eight bytes at a time; a chunk may read up to 7 bytes past a run's source and write up to 7 past
 * its end, which the slack after each region absorbs (later tokens overwrite those bytes before the
 * output reaches them). A back-reference nearer than 8 bytes overlaps its own output (copyNear).
 * The failure order is inflateJs's.
 */
const WASM_CAP = 1 << 20;
/**
 * Below this output length the call and the two copies cost more than the JavaScript loop (best
 * of 5 x 400k on 64 word-salad texts, lzfInflate against inflateJs: 64 bytes 163 vs 87 ns, 100
 * bytes 165 vs 143, 128 bytes 169 vs 182, 200 bytes 209 vs 289; DEBUG POPULATE's 100-byte
 * NUL-padded values 200 vs 50, which the JavaScript loop fills in one call).
 */
const WASM_MIN = 128;
/** Compression gains at every length Redis compresses (21 bytes: 76 ns in JavaScript, 57 ns here). */
const WASM_MIN_COMPRESS = 16;
const SLACK = 64;
/** Memory: input (both directions), inflated output, compressed output, the compressor's hash table. */
const OUT_AT = WASM_CAP + SLACK;
const PACK_AT = OUT_AT + WASM_CAP + SLACK;
const HTAB_AT = PACK_AT + WASM_CAP + SLACK;
const PAGES = Math.ceil((HTAB_AT + HSIZE * 4) / 65536);

/** Parameters, then locals, of `inflate(ip, inEnd, op, outEnd) -> op or a negative failure`. */
const IP = 0;
const IN_END = 1;
const OP = 2;
const OUT_END = 3;
const CTRL = 4;
const LEN = 5;
const REF = 6;
const OUT_START = 7;
const K = 8;
const D = 9;
const FAILURES: LzfFailure[] = ['truncated-input', 'output-overflow', 'bad-reference'];

/** if (condition on the stack) return -code */
const failWith = (code: number): Code => [op.if, op.i32(-code), op.return, op.end];
/** for (k = 0; k < len; k += 8) out[op + k..] = mem[ref + k..] (one i64 per step) */
const copyRun: Code = [
  op.i32(0),
  op.set(K),
  op.loop,
  [op.get(OP), op.get(K), op.add, op.get(REF), op.get(K), op.add, op.load64(), op.store64()],
  [op.get(K), op.i32(8), op.add, op.tee(K), op.get(LEN), op.ltU, op.brIf(0)],
  op.end,
];
/**
 * A back-reference nearer than 8 bytes (D = op - ref) repeats its last D bytes: the first 8 are
 * copied byte by byte, the rest eight at a time from D2 bytes back, D2 the first multiple of D
 * from 8 up (the output has period D, and those D2 bytes are all written). NUL or space padding
 * is such a run: a byte loop over it cost 4 ns a byte (DEBUG POPULATE's 100-byte values inflated
 * in 390 ns against 60 ns in JavaScript's fill()).
 */
const copyNear: Code = [
  [op.get(OP), op.get(REF), op.sub, op.set(D), op.i32(0), op.set(K)],
  op.loop,
  [op.get(OP), op.get(K), op.add, op.get(REF), op.get(K), op.add, op.load8u(), op.store8()],
  [op.get(K), op.i32(1), op.add, op.tee(K), op.i32(8), op.ltU, op.brIf(0)],
  op.end,
  [op.get(LEN), op.i32(8), op.gtU, op.if],
  [op.get(D), op.set(REF)],
  [op.loop, op.get(REF), op.i32(8), op.ltU, op.if, op.get(REF), op.get(D), op.add, op.set(REF), op.br(1), op.end, op.end],
  [op.get(OP), op.get(REF), op.sub, op.set(REF)],
  op.loop,
  [op.get(OP), op.get(K), op.add, op.get(REF), op.get(K), op.add, op.load64(), op.store64()],
  [op.get(K), op.i32(8), op.add, op.tee(K), op.get(LEN), op.ltU, op.brIf(0)],
  op.end,
  op.end,
];
const inflateBody: Code[] = [
  [op.get(OP), op.set(OUT_START)],
  op.block,
  op.loop,
  [op.get(IP), op.get(IN_END), op.geU, op.brIf(1)],
  [op.get(IP), op.load8u(), op.set(CTRL), op.get(IP), op.i32(1), op.add, op.set(IP)],
  [op.get(CTRL), op.i32(0x20), op.ltU],
  op.if, // literal run of ctrl + 1 bytes
  [op.get(CTRL), op.i32(1), op.add, op.set(LEN)],
  [op.get(IP), op.get(LEN), op.add, op.get(IN_END), op.gtU, failWith(1)],
  [op.get(OP), op.get(LEN), op.add, op.get(OUT_END), op.gtU, failWith(2)],
  [op.get(IP), op.set(REF), copyRun, op.get(IP), op.get(LEN), op.add, op.set(IP)],
  op.else, // back-reference
  [op.get(CTRL), op.i32(5), op.shrU, op.set(LEN)],
  [op.get(LEN), op.i32(7), op.eq, op.if],
  [op.get(IP), op.get(IN_END), op.geU, failWith(1)],
  [op.get(LEN), op.get(IP), op.load8u(), op.add, op.set(LEN), op.get(IP), op.i32(1), op.add, op.set(IP)],
  op.end,
  [op.get(IP), op.get(IN_END), op.geU, failWith(1)],
  [op.get(OP), op.get(CTRL), op.i32(0x1f), op.and, op.i32(8), op.shl, op.get(IP), op.load8u(), op.or, op.sub],
  [op.i32(1), op.sub, op.set(REF), op.get(IP), op.i32(1), op.add, op.set(IP)],
  [op.get(LEN), op.i32(2), op.add, op.set(LEN)],
  [op.get(REF), op.get(OUT_START), op.ltS, failWith(3)],
  [op.get(OP), op.get(LEN), op.add, op.get(OUT_END), op.gtU, failWith(2)],
  [op.get(OP), op.get(REF), op.sub, op.i32(8), op.geU, op.if, copyRun, op.else, copyNear, op.end],
  op.end,
  [op.get(OP), op.get(LEN), op.add, op.set(OP), op.br(0)],
  op.end,
  op.end,
  op.get(OP),
];

/**
 * `compress(inLen, maxOut, base) -> length or -1`: lzfCompress's loop on the input at 0, writing
 * at PACK_AT, its match table (entries `position + base`, as in lzfCompress) at HTAB_AT. It
 * gives lzfCompress's bytes, about three times as fast.
 */
const C = {
  inLen: 0,
  maxOut: 1,
  base: 2,
  ip: 3,
  op: 4,
  lit: 5,
  v: 6,
  h: 7,
  stored: 8,
  ref: 9,
  off: 10,
  len: 11,
  maxlen: 12,
  last: 13,
  outEnd: 14,
  u: 15,
};
/** The table address of the hash of the 24-bit local: liblzf's IDX, times 4. */
const slot = (local: number): Code => [
  op.get(local),
  op.i32(8),
  op.shrU,
  op.get(local),
  op.i32(5),
  op.mul,
  op.sub,
  op.i32(HSIZE - 1),
  op.and,
  op.i32(2),
  op.shl,
];
/** input[local + delta] */
const inByte = (local: number, delta = 0): Code => [op.get(local), delta ? [op.i32(delta), op.add] : [], op.load8u()];
/** out[op - lit - 1] = lit - 1: close the literal run */
const closeRun: Code = [op.get(C.op), op.get(C.lit), op.sub, op.i32(1), op.sub, op.get(C.lit), op.i32(1), op.sub, op.store8(PACK_AT)];
/** out[op++] = value on the stack (built by `value`) */
const emit = (value: Code): Code => [op.get(C.op), value, op.store8(PACK_AT), op.get(C.op), op.i32(1), op.add, op.set(C.op)];
const compressBody: Code[] = [
  [op.get(C.maxOut), op.i32(1), op.add, op.set(C.outEnd), op.get(C.inLen), op.i32(2), op.sub, op.set(C.last)],
  [op.i32(1), op.set(C.op), inByte(C.ip), op.i32(8), op.shl, inByte(C.ip, 1), op.or, op.set(C.v)],
  op.block,
  op.loop,
  [op.get(C.ip), op.get(C.inLen), op.geS, op.brIf(1)],
  op.block, // a back-reference at ip, or fall out to the literal byte
  [op.get(C.ip), op.get(C.last), op.geS, op.brIf(0)],
  [op.get(C.v), op.i32(8), op.shl, inByte(C.ip, 2), op.or, op.i32(0xffffff), op.and, op.set(C.v)],
  [slot(C.v), op.set(C.h), op.get(C.h), op.load32(HTAB_AT), op.set(C.stored)],
  [op.get(C.h), op.get(C.ip), op.get(C.base), op.add, op.store32(HTAB_AT)],
  [op.get(C.stored), op.get(C.base), op.sub, op.set(C.ref), op.get(C.ip), op.get(C.ref), op.sub, op.i32(1), op.sub, op.set(C.off)],
  [op.get(C.stored), op.get(C.base), op.ltS, op.brIf(0), op.get(C.off), op.i32(MAX_OFF), op.geS, op.brIf(0)],
  [inByte(C.ref), inByte(C.ip), op.ne, op.brIf(0), inByte(C.ref, 1), inByte(C.ip, 1), op.ne, op.brIf(0)],
  [inByte(C.ref, 2), inByte(C.ip, 2), op.ne, op.brIf(0)],
  // a match of at least 3 bytes
  [op.i32(2), op.set(C.len), op.get(C.inLen), op.get(C.ip), op.sub, op.i32(2), op.sub, op.set(C.maxlen)],
  [op.get(C.maxlen), op.i32(MAX_REF), op.gtU, op.if, op.i32(MAX_REF), op.set(C.maxlen), op.end],
  [op.get(C.op), op.i32(4), op.add, op.get(C.outEnd), op.geS, op.if, op.i32(-1), op.return, op.end],
  closeRun,
  [op.get(C.lit), op.i32(0), op.eq, op.if, op.get(C.op), op.i32(1), op.sub, op.set(C.op), op.end],
  op.loop, // do len++ while (len < maxlen && input[ref + len] === input[ip + len])
  [op.get(C.len), op.i32(1), op.add, op.tee(C.len), op.get(C.maxlen), op.ltS, op.if],
  [op.get(C.ref), op.get(C.len), op.add, op.load8u(), op.get(C.ip), op.get(C.len), op.add, op.load8u(), op.eq, op.brIf(1)],
  op.end,
  op.end,
  [op.get(C.len), op.i32(2), op.sub, op.set(C.len), op.get(C.ip), op.i32(1), op.add, op.set(C.ip)],
  [op.get(C.len), op.i32(7), op.ltS, op.if],
  emit([op.get(C.off), op.i32(8), op.shrU, op.get(C.len), op.i32(5), op.shl, op.add]),
  op.else,
  emit([op.get(C.off), op.i32(8), op.shrU, op.i32(7 << 5), op.add]),
  emit([op.get(C.len), op.i32(7), op.sub]),
  op.end,
  emit([op.get(C.off)]), // store8 keeps the low byte
  [op.i32(0), op.set(C.lit), op.get(C.op), op.i32(1), op.add, op.set(C.op)],
  [op.get(C.ip), op.get(C.len), op.add, op.i32(1), op.add, op.set(C.ip)],
  [op.get(C.ip), op.get(C.last), op.ltS, op.if],
  [inByte(C.ip, -2), op.i32(16), op.shl, inByte(C.ip, -1), op.i32(8), op.shl, op.or, inByte(C.ip), op.or, op.set(C.u)],
  [slot(C.u), op.get(C.ip), op.i32(2), op.sub, op.get(C.base), op.add, op.store32(HTAB_AT)],
  [op.get(C.u), op.i32(8), op.shl, inByte(C.ip, 1), op.or, op.i32(0xffffff), op.and, op.set(C.u)],
  [slot(C.u), op.get(C.ip), op.i32(1), op.sub, op.get(C.base), op.add, op.store32(HTAB_AT)],
  [inByte(C.ip), op.i32(8), op.shl, inByte(C.ip, 1), op.or, op.set(C.v)],
  op.end,
  op.br(1), // continue
  op.end,
  // one more literal byte, closing the run at MAX_LIT
  [op.get(C.op), op.get(C.outEnd), op.geS, op.if, op.i32(-1), op.return, op.end],
  [op.get(C.lit), op.i32(1), op.add, op.set(C.lit)],
  emit(inByte(C.ip)),
  [op.get(C.ip), op.i32(1), op.add, op.set(C.ip)],
  [op.get(C.lit), op.i32(MAX_LIT), op.eq, op.if, closeRun, op.i32(0), op.set(C.lit), op.get(C.op), op.i32(1), op.add, op.set(C.op), op.end],
  op.br(0),
  op.end,
  op.end,
  closeRun,
  [op.get(C.lit), op.i32(0), op.eq, op.if, op.get(C.op), op.i32(1), op.sub, op.set(C.op), op.end],
  [op.get(C.op), op.get(C.maxOut), op.gtS, op.if, op.i32(-1), op.return, op.end],
  op.get(C.op),
];

interface WasmLzf {
  inflate(ip: number, inEnd: number, op: number, outEnd: number): number;
  compress(inLen: number, maxOut: number, base: number): number;
  mem: Uint8Array;
  /** The base for the next compress call (its match table's, as htabBase is lzfCompress's). */
  base: number;
}
let wasm: WasmLzf | null | undefined;

/** The module, assembled and instantiated at first use (null where WebAssembly is unavailable). */
function wasmLzf(): WasmLzf | null {
  if (wasm === undefined) {
    const exports = instantiate(
      assemble(PAGES, [
        { name: 'inflate', params: [I32, I32, I32, I32], results: [I32], locals: [I32, I32, I32, I32, I32, I32], body: inflateBody },
        { name: 'compress', params: [I32, I32, I32], results: [I32], locals: new Array<number>(13).fill(I32), body: compressBody },
      ]),
    );
    wasm =
      exports === null
        ? null
        : {
            inflate: exports.inflate as WasmLzf['inflate'],
            compress: exports.compress as WasmLzf['compress'],
            base: 1,
            mem: new Uint8Array((exports.memory as WebAssembly.Memory).buffer), // never grown: the view stays valid
          };
  }
  return wasm;
}

function compressWasm(m: WasmLzf, input: Uint8Array, maxOut: number): Uint8Array | null {
  if (m.base + input.length >= 0x7fffffff) {
    m.mem.fill(0, HTAB_AT, HTAB_AT + HSIZE * 4);
    m.base = 1;
  }
  const base = m.base;
  m.base += input.length + 1;
  m.mem.set(input, 0);
  const n = m.compress(input.length, maxOut, base);
  return n < 0 ? null : m.mem.subarray(PACK_AT, PACK_AT + n);
}

function inflateWasm(m: WasmLzf, src: Uint8Array, from: number, to: number, out: Uint8Array): Uint8Array | LzfFailure {
  m.mem.set(src.subarray(from, to), 0);
  const end = m.inflate(0, to - from, OUT_AT, OUT_AT + out.length);
  if (end < 0) return FAILURES[-end - 1]!;
  if (end !== OUT_AT + out.length) return 'length-mismatch';
  out.set(m.mem.subarray(OUT_AT, end));
  return out;
}

/**
 * The failure lzfInflate would return for src[from..to) and `outLen`, or null when it would
 * succeed, found without writing the output: a literal run is stepped over and a back-reference
 * only has its distance and length checked (check mode reads string values only to validate them).
 */
export function lzfValidate(src: Uint8Array, from: number, to: number, outLen: number): LzfFailure | null {
  let ip = from;
  let op = 0;
  while (ip < to) {
    const ctrl = src[ip++]!;
    if (ctrl < 0x20) {
      const run = ctrl + 1;
      if (ip + run > to) return 'truncated-input';
      if (op + run > outLen) return 'output-overflow';
      ip += run;
      op += run;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= to) return 'truncated-input';
        len += src[ip++]!;
      }
      if (ip >= to) return 'truncated-input';
      const ref = op - (((ctrl & 0x1f) << 8) | src[ip++]!) - 1;
      len += 2;
      if (ref < 0) return 'bad-reference';
      if (op + len > outLen) return 'output-overflow';
      op += len;
    }
  }
  return op === outLen ? null : 'length-mismatch';
}

/**
 * The match table is reused across calls without clearing: entries hold `position + base`, and
 * each call moves `base` past the previous input, so older entries read as empty.
 */
let htab: Int32Array | null = null;
let htabBase = 1;

/** The compressor's output buffer, reused by every call that fits in it. */
let packed = new Uint8Array(0);

/**
 * Compress with liblzf's algorithm (HLOG 16). Returns null when the output would not fit in
 * `maxOut` bytes (Redis keeps LZF only when it saves at least 4 bytes). The result is a view of
 * a buffer that the next call overwrites: copy it out before compressing again (a fresh output
 * array per string cost more than the compression of a short one).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Uint8Array | null {
  const inLen = input.length;
  // compressJs returns null for inputs under 4 bytes and for maxOut <= 0; WASM_MIN_COMPRESS is past 4
  if (inLen >= WASM_MIN_COMPRESS && inLen <= WASM_CAP && maxOut > 0 && maxOut < WASM_CAP) {
    const m = wasmLzf();
    if (m !== null) return compressWasm(m, input, maxOut);
  }
  return compressJs(input, maxOut);
}

/** lzfCompress in JavaScript: the reference, and the path for inputs WebAssembly leaves out. */
export function compressJs(input: Uint8Array, maxOut: number): Uint8Array | null {
  const inLen = input.length;
  if (inLen < 4 || maxOut <= 0) return null;
  if (htab === null) htab = new Int32Array(HSIZE);
  const tab = htab;
  if (htabBase + inLen >= 0x7fffffff) {
    tab.fill(0);
    htabBase = 1;
  }
  const base = htabBase;
  htabBase += inLen + 1;
  // outputs up to 1 MiB land in the kept buffer; a larger one gets its own, which is not kept
  if (packed.length === 0) packed = new Uint8Array(1 << 20);
  const out = maxOut < packed.length ? packed : new Uint8Array(maxOut + 1);
  const outEnd = maxOut + 1;
  const last = inLen - 2;
  let ip = 0;
  let op = 1; // first literal-run control byte goes at 0
  let lit = 0;
  // One loop with everything inline (no closures): a literal byte is the common case. The hash
  // of the three bytes at ip rolls: v holds input[ip..ip+2] (liblzf's FRST/NEXT), IDX as liblzf.
  let v = (input[0]! << 8) | input[1]!;
  while (ip < inLen) {
    if (ip < last) {
      v = ((v << 8) | input[ip + 2]!) & 0xffffff;
      const h = ((v >>> (3 * 8 - HLOG)) - v * 5) & (HSIZE - 1);
      const stored = tab[h]!;
      tab[h] = ip + base;
      const ref = stored - base;
      const off = ip - ref - 1;
      if (
        stored >= base &&
        off < MAX_OFF &&
        input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] &&
        input[ref + 2] === input[ip + 2]
      ) {
        let len = 2;
        const maxlen = Math.min(inLen - ip - len, MAX_REF);
        if (op + 3 + 1 >= outEnd) return null; // first a faster conservative test
        // close the literal run
        out[op - lit - 1] = lit - 1;
        if (lit === 0) op--; // no literal: undo the reserved control byte
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
        len -= 2;
        ip++;
        if (len < 7) {
          out[op++] = (off >> 8) + (len << 5);
        } else {
          out[op++] = (off >> 8) + (7 << 5);
          out[op++] = len - 7;
        }
        out[op++] = off & 0xff;
        lit = 0;
        op++; // reserve the next literal control byte
        ip += len + 1;
        if (ip < last) {
          // update hash for the positions skipped over (liblzf VERY_FAST mode: only the last two)
          let u = (input[ip - 2]! << 16) | (input[ip - 1]! << 8) | input[ip]!;
          tab[((u >>> (3 * 8 - HLOG)) - u * 5) & (HSIZE - 1)] = ip - 2 + base;
          u = ((u << 8) | input[ip + 1]!) & 0xffffff;
          tab[((u >>> (3 * 8 - HLOG)) - u * 5) & (HSIZE - 1)] = ip - 1 + base;
          v = (input[ip]! << 8) | input[ip + 1]!;
        }
        continue;
      }
    }
    // one more literal byte (the last two always are), closing the run at 32 bytes
    if (op >= outEnd) return null;
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  if (op > maxOut) return null;
  return out.subarray(0, op);
}
