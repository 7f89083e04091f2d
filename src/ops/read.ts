/**
 * Drives the RDB decoder over a byte source: one batch of records per chunk (async only at
 * this rim; the decoder itself is synchronous).
 */
import { CorruptError } from '../errors.js';
import type { RdbRecord } from '../model/record.js';
import { RdbDecoder, type RdbDecoderOptions } from '../rdb/decoder.js';

/** A byte source: chunks in order. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Read an RDB source as batches of records. Throws TruncatedError / CorruptError. */
export async function* readRdbBatches(source: ByteSource, options: RdbDecoderOptions = {}): AsyncGenerator<RdbRecord[]> {
  const d = new RdbDecoder(options);
  let trailing = 0;
  for await (const chunk of source) {
    if (d.done) {
      trailing += chunk.length;
      if (!options.rejectTrailingData) break;
      continue;
    }
    const batch = d.write(chunk);
    if (batch.length) yield batch;
    if (d.done && !options.rejectTrailingData) break;
  }
  const last = d.end();
  if (last.length) yield last;
  trailing += d.rest().length;
  if (options.rejectTrailingData && trailing > 0) {
    throw new CorruptError('rdb', 'RDB_TRAILING_DATA', d.consumed, `${trailing} bytes after the end of the RDB`);
  }
}

/** Read an RDB source record by record (convenience; batches are faster). */
export async function* readRdb(source: ByteSource, options: RdbDecoderOptions = {}): AsyncGenerator<RdbRecord> {
  for await (const batch of readRdbBatches(source, options)) yield* batch;
}
