/**
 * Opening an RDB for reading: detects the container from the first bytes and returns a plain
 * byte source of the RDB inside. gzip (1f 8b) is inflated with node:zlib; Valkey's VCS
 * envelope (an LZ4 frame) with the pure VcsDecoder. Plain files also report their size, so
 * the decoder can tell a cut-off record at once instead of buffering toward a corrupt length.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CorruptError, ParseError, TruncatedError, UsageError } from '../errors.js';
import type { ExternalCrc } from '../model/source.js';
import type { RdbDecoderOptions } from '../rdb/decoder.js';
import { isVcs, VcsDecoder } from '../rdb/vcs.js';
import { fileCrc, startFileCrc } from './crc-worker.js';
import { CHUNK_SIZE } from './files.js';
import { type InputSource, openSource } from './source.js';

/** How the RDB is stored. */
export type Container = 'plain' | 'gzip' | 'vcs';

/** An opened RDB source. */
export interface RdbInput {
  container: Container;
  /** Size of the file on disk (null for a pipe or FIFO). */
  fileSize: number | null;
  /** The opened input (its bytesRead counts file bytes, for progress). */
  input: InputSource;
  /** Size of the RDB bytes when known (plain files). */
  totalSize?: number;
  source: AsyncIterable<Uint8Array>;
  /** Options the reader should get for this input (known size; VCS content must end with the RDB; external CRC). */
  decoderOptions: RdbDecoderOptions & { externalCrc?: ExternalCrc; onProgress?: (p: { bytes: number; keys: number }) => void };
  /** Release what the input holds (a CRC worker thread). */
  close(): void;
}

/** Opening options. */
export interface OpenOptions {
  chunkSize?: number;
  /** For a large plain file, compute its CRC64 in a worker thread beside the decoder. */
  crcWorker?: boolean;
}

/** Files at least this large get their CRC64 computed in a worker thread (its start-up costs ~30 ms). */
const WORKER_CRC_MIN = 16 << 20;

/** Detect the container from a file's first bytes. */
export function sniffContainer(head: Uint8Array): Container {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (isVcs(head)) return 'vcs';
  return 'plain';
}

/**
 * Open an RDB (plain, gzip or VCS) as a byte source: a path, `-` for stdin, or an already
 * opened InputSource. A pipe or FIFO is read once, front to back; only a regular file gets
 * its size checked against lengths and its CRC computed in a worker thread.
 */
export async function openRdbInput(file: string | InputSource, opts: OpenOptions = {}): Promise<RdbInput> {
  const chunkSize = opts.chunkSize ?? CHUNK_SIZE;
  const src = typeof file === 'string' ? await openSource(file) : file;
  const size = src.size;
  const container = sniffContainer(src.head);
  const none = (): void => undefined;
  const base = { container, fileSize: size, input: src, close: none };
  if (container === 'gzip') return { ...base, source: gunzipChunks(src.chunks(chunkSize), chunkSize), decoderOptions: {} };
  if (container === 'vcs') return { ...base, source: vcsChunks(src.chunks(chunkSize)), decoderOptions: { rejectTrailingData: true } };
  const input: RdbInput = {
    ...base,
    totalSize: size ?? undefined,
    source: src.chunks(chunkSize),
    decoderOptions: size === null ? {} : { totalSize: size },
  };
  if (opts.crcWorker && src.path !== null && size !== null && size >= WORKER_CRC_MIN) {
    const path = src.path;
    // The checksum normally covers all but the last 8 bytes; any other length (bytes after the
    // trailer) is hashed here once the decoder has found the EOF opcode.
    const job = startFileCrc(path, size - 8);
    input.decoderOptions.externalCrc = (length) => (length === size - 8 ? job.result : Promise.resolve(fileCrc(path, length)));
    input.close = job.cancel;
  }
  return input;
}

async function* gunzipChunks(source: AsyncIterable<Uint8Array>, chunkSize: number): AsyncGenerator<Uint8Array> {
  const gz = createGunzip({ chunkSize });
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (e) => gz.destroy(e));
  const stream = input.pipe(gz);
  try {
    for await (const c of stream) {
      const b = c as Buffer;
      yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  } catch (e) {
    if (e instanceof ParseError || e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new TruncatedError('gzip', 'GZIP_UNEXPECTED_EOF', 0, 'gzip stream ends early');
    throw new CorruptError('gzip', 'GZIP_BAD_DATA', 0, `gzip: ${(e as Error).message}`);
  } finally {
    input.destroy();
    gz.destroy();
  }
}

/** Inflate a VCS envelope stream into RDB bytes. */
export async function* vcsChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const d = new VcsDecoder();
  for await (const chunk of source) {
    for (const piece of d.write(chunk)) yield piece;
  }
  d.end();
}
