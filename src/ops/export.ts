/**
 * RDB → JSONL / JSON export (the contract in SPEC.md). Produces text chunks, one per decoded
 * batch, so memory stays bounded; the caller writes them wherever it likes.
 */
import { ByteWriter } from '../bytes/writer.js';
import { utf8 } from '../model/bytes.js';
import { type KeyEntry, PART_THRESHOLD, type RdbRecord } from '../model/record.js';
import { compileFilter, type KeyFilter } from './filter.js';
import { metaToJson } from './json.js';
import { PartedJsonWriter, writeEntryJson } from './jsonl.js';
import { type ByteSource, type ReadOptions, readRdbBatches } from './read.js';

/** Export options. */
export interface ExportOptions extends KeyFilter {
  format: 'jsonl' | 'json';
  /** Include aux/function/module-aux records (without "key"). */
  meta?: boolean;
  /**
   * Keys too big to hold (SPEC.md §2.1): past this many elements a key is read and written in
   * parts, and hashes are written as pairs, zsets from the highest score down (default
   * PART_THRESHOLD).
   */
  partThreshold?: number;
  decoder?: ReadOptions;
  /**
   * Chunks the consumer is done with (written out), handed back by pushing them here: their
   * buffers are written into again instead of allocating one per chunk. A chunk not handed back
   * stays valid; one handed back must not be read again.
   */
  recycle?: Uint8Array[];
}

/** Counts reported after an export. */
export interface ExportStats {
  keys: number;
  records: number;
}

/** Yield the export of an RDB source as UTF-8 chunks (one per decoded batch). `stats` is filled as it goes. */
export function exportRdb(
  source: ByteSource,
  opts: ExportOptions,
  stats: ExportStats = { keys: 0, records: 0 },
): AsyncGenerator<Uint8Array> {
  const partThreshold = opts.partThreshold ?? PART_THRESHOLD;
  return exportRecords(readRdbBatches(source, { partThreshold, packed: true, ...opts.decoder }), { ...opts, partThreshold }, stats);
}

/** Group an async stream of items into arrays of `size` (the last one shorter). */
export async function* batchesOfAsync<T>(items: AsyncIterable<T>, size = 1024): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const x of items) {
    batch.push(x);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Elements (and records) per batch of recordBatches. */
const RECORD_BATCH = 256;

/** The weight of a record in a batch: 1, plus its elements when it is a whole aggregate key. */
function recordWeight(r: RdbRecord): number {
  if (r.kind !== 'key') return 1;
  switch (r.type) {
    case 'list':
    case 'set':
    case 'zset':
    case 'hash':
      return 1 + r.value.length;
    case 'stream':
      return 1 + r.value.entries.length;
    default:
      return 1;
  }
}

/**
 * Group records made one at a time (the engine's dataset) into batches of about RECORD_BATCH
 * elements, so that a batch's objects die in the young generation. Batches of 1024 keys of
 * hundreds of elements each were promoted to the old generation, where each full collection also
 * marks the whole dataset: 120 MB of an AOF's streams to RDB took 13.8 s of CPU and 1.1 GB; in
 * batches of 1024 elements 11.6 s and 599 MB, of 256 elements 7.4 s and 258 MB (of 64: the same).
 */
export function* recordBatches(records: Iterable<RdbRecord>): Generator<RdbRecord[]> {
  let batch: RdbRecord[] = [];
  let weight = 0;
  for (const r of records) {
    batch.push(r);
    weight += recordWeight(r);
    if (weight >= RECORD_BATCH) {
      yield batch;
      batch = [];
      weight = 0;
    }
  }
  if (batch.length) yield batch;
}

/** The items of an async stream of batches, one at a time. */
export async function* flattenBatches<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const b of batches) yield* b;
}

/**
 * Output is handed out in chunks of about 256 KiB, the writer's own buffer each time (no copy): at
 * 64 KiB, writing 314 MB of JSONL spent a tenth of its CPU copying chunks and awaiting writes.
 */
const FLUSH_AT = 1 << 18;

/** The capacity of the export's writer: a chunk's worth and room for the record that passes it. */
const CHUNK_CAPACITY = FLUSH_AT + (1 << 16);

/**
 * A buffer handed back through ExportOptions.recycle to write the next chunk into, or undefined
 * (allocate one). Only buffers of the usual capacity are taken: one grown for a huge record is
 * left to the collector. Recycling a 320 KiB buffer instead of allocating it (zero-filled)
 * spares ~45 us a chunk: 2,700 chunks for big.rdb's 800 MB of JSONL, 9,000 for populate.rdb.
 */
function spareBuffer(recycle: Uint8Array[] | undefined): Uint8Array | undefined {
  while (recycle?.length) {
    const b = recycle.pop()!;
    if (b.byteOffset === 0 && b.buffer.byteLength === CHUNK_CAPACITY) return new Uint8Array(b.buffer);
  }
  return undefined;
}

/** Yield the export of batches of records (from any reader, or the engine) as UTF-8 chunks. */
export async function* exportRecords(
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>,
  opts: Omit<ExportOptions, 'decoder'>,
  stats: ExportStats = { keys: 0, records: 0 },
): AsyncGenerator<Uint8Array> {
  const keep = compileFilter(opts);
  const json = opts.format === 'json';
  let first = true;
  const partThreshold = opts.partThreshold ?? PART_THRESHOLD;
  const parted = new PartedJsonWriter();
  /** Within a key handed over in parts: whether it is written (false: filtered out). */
  let inParts: boolean | null = null;
  const w = new ByteWriter(CHUNK_CAPACITY);
  if (json) w.u8(0x5b);
  for await (const batch of batches) {
    for (const r of batch) {
      let meta: object | null = null;
      if (r.kind === 'key-start') {
        inParts = keep(r as unknown as KeyEntry);
        if (!inParts) continue;
        stats.records++;
        if (json) w.ascii(first ? '\n' : ',\n');
        first = false;
        parted.begin(w, r);
        continue;
      }
      if (r.kind === 'key-part') {
        if (inParts) parted.part(w, r);
        if (w.length >= FLUSH_AT) yield w.detach(CHUNK_CAPACITY, spareBuffer(opts.recycle));
        continue;
      }
      if (r.kind === 'key-end') {
        if (inParts) {
          parted.end(w, r);
          stats.keys++;
          if (!json) w.u8(0x0a);
          if (w.length >= FLUSH_AT) yield w.detach(CHUNK_CAPACITY, spareBuffer(opts.recycle));
        }
        inParts = null;
        continue;
      }
      if (r.kind === 'key') {
        if (!keep(r)) continue;
      } else {
        if (!opts.meta) continue;
        meta = metaToJson(r);
        if (!meta) continue;
      }
      stats.records++;
      if (json) w.ascii(first ? '\n' : ',\n');
      first = false;
      if (meta) w.bytes(utf8(JSON.stringify(meta)));
      else {
        writeEntryJson(w, r as Extract<typeof r, { kind: 'key' }>, partThreshold);
        stats.keys++;
      }
      if (!json) w.u8(0x0a);
      if (w.length >= FLUSH_AT) yield w.detach(CHUNK_CAPACITY, spareBuffer(opts.recycle));
    }
  }
  if (json) w.ascii(first ? ']\n' : '\n]\n');
  if (w.length) yield w.take();
}
