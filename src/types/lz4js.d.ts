/** Types for the parts of lz4js (plain JS, no bundled types) that rdbkit uses. */
declare module 'lz4js' {
  /** Decompress one LZ4 block from src[sIndex, sIndex+sLength) into dst at dIndex; returns the new dIndex. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  /** Compress one block; returns the compressed size, or 0 when it does not compress. */
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  export function compressBound(n: number): number;
  /** Whole-buffer frame compression (linked 4 MiB blocks, no checksums). */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Whole-buffer frame decompression (checksums are not verified). */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
