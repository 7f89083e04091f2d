/**
 * Whole-file gzip for written output (the read side, gunzip, is in input.ts). node:zlib lives at
 * the rim, like node:fs; the LZ4/VCS container is pure and lives in src/rdb/vcs.ts.
 *
 * Buffering model: chunks in, compressed chunks out as zlib produces them; the producer is
 * pulled only as fast as the consumer takes the output (Readable.from + pipeline backpressure).
 */
import { Readable } from 'node:stream';
import { createGzip, constants as zc } from 'node:zlib';

/** Options of gzipChunks. */
export interface GzipOptions {
  /** zlib level 0–9 (default 6, gzip's own default). */
  level?: number;
}

/** Compress a byte stream into one gzip member (RFC 1952), yielded as Uint8Array chunks. */
export async function* gzipChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: GzipOptions = {},
): AsyncGenerator<Uint8Array> {
  const gz = createGzip({ level: opts.level ?? zc.Z_DEFAULT_COMPRESSION, chunkSize: 1 << 16 });
  const input = Readable.from(source, { objectMode: false });
  // Errors of the source (e.g. a refused lossy conversion) reach the consumer through gz.
  input.on('error', (e) => gz.destroy(e));
  input.pipe(gz);
  try {
    for await (const c of gz) {
      const b = c as Buffer;
      yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  } finally {
    input.destroy();
    gz.destroy();
  }
}
