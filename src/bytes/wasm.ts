/**
 * A small WebAssembly emitter for the byte loops JavaScript runs slowest: LZF inflation and
 * compression (lzf.ts) and CRC64 (crc64.ts). Each program is written beside its format as
 * instructions built with `op` and assembled into a module at first use, so there is no toolchain
 * and no binary blob in the repository. Only what those loops need is covered: i32/i64 locals,
 * loads and stores, integer arithmetic, structured control flow and one exported memory.
 *
 * Encoding (WebAssembly core spec 1.0, binary format §5): LEB128 integers, sections
 * type(1) function(3) memory(5) export(7) code(10), each a byte id and a length-prefixed body.
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit values). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Instructions, each a byte sequence; a program is a nested array of them (flattened on assembly). */
export type Code = number | readonly Code[];

const EMPTY_BLOCK = 0x40;
export const op = {
  get: (i: number): Code => [0x20, i],
  set: (i: number): Code => [0x21, i],
  tee: (i: number): Code => [0x22, i],
  i32: (n: number): Code => [0x41, ...sleb(n)],
  /** An i64 constant (of 32 bits or fewer). */
  i64: (n: number): Code => [0x42, ...sleb(n)],
  /** block/loop/if without a result; close each with `end`. */
  block: [0x02, EMPTY_BLOCK],
  loop: [0x03, EMPTY_BLOCK],
  if: [0x04, EMPTY_BLOCK],
  else: 0x05,
  end: 0x0b,
  br: (depth: number): Code => [0x0c, depth],
  brIf: (depth: number): Code => [0x0d, depth],
  return: 0x0f,
  /** Loads and stores with alignment hint 0 and a constant offset added to the address. */
  load8u: (offset = 0): Code => [0x2d, 0, ...uleb(offset)],
  load64: (offset = 0): Code => [0x29, 0, ...uleb(offset)],
  load32: (offset = 0): Code => [0x28, 0, ...uleb(offset)],
  store32: (offset = 0): Code => [0x36, 0, ...uleb(offset)],
  store8: (offset = 0): Code => [0x3a, 0, ...uleb(offset)],
  store64: (offset = 0): Code => [0x37, 0, ...uleb(offset)],
  eq: 0x46,
  ne: 0x47,
  ltS: 0x48,
  ltU: 0x49,
  gtS: 0x4a,
  gtU: 0x4b,
  geS: 0x4e,
  geU: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  mul: 0x6c,
  and: 0x71,
  or: 0x72,
  shl: 0x74,
  shrU: 0x76,
  xor64: 0x85,
  shrU64: 0x88,
  /** i32.wrap_i64: the low 32 bits. */
  wrap: 0xa7,
} as const;

/** One exported function: its signature, extra locals (after the parameters) and body. */
export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: Code[];
}

function flat(code: Code, out: number[]): number[] {
  if (typeof code === 'number') out.push(code);
  else for (const c of code) flat(c, out);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The bytes of a module exporting `functions` and one memory of `pages` 64 KiB pages, named "memory". */
export function assemble(pages: number, functions: WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map((t) => [1, t])), ...flat(f.body, []), op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(7, vector([[...name('memory'), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])])),
    ...section(10, vector(bodies)),
  ]);
}

/** The instance's exports, or null where WebAssembly is unavailable (the caller keeps its JS path). */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  if (typeof WebAssembly === 'undefined') return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
}
