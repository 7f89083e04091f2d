/**
 * Convert to RDB: records from an RDB byte source or from the JSONL/JSON that `convert --to
 * jsonl|json` writes, filtered, re-encoded by RdbEncoder for a target version, yielded as
 * ~1 MiB chunks. The caller writes them (the CLI through AtomicFile: temp file, fsync, rename),
 * and discards the output when this throws (a refused lossy write throws at the end).
 *
 * With `vcs`, the RDB is wrapped in Valkey's VCS envelope (FORMATS.md §11.1: one LZ4 frame with
 * block and content checksums around an RDB whose CRC64 trailer is zero and whose strings are not
 * LZF-compressed). gzip needs node:zlib and is applied by the caller (io/compress.ts).
 */
import { UsageError } from '../errors.js';
import { type KeyEntry, PART_THRESHOLD, type RdbRecord } from '../model/record.js';
import { type RdbEncodeReport, RdbEncoder } from '../rdb/encoder.js';
import { VcsEncoder } from '../rdb/vcs.js';
import { batchesOfAsync, recordBatches } from './export.js';
import { compileFilter, type KeyFilter } from './filter.js';
import { entryFromJson } from './json.js';
import { type ByteSource, type ReadOptions, readRdbBatches } from './read.js';

/** Options of a conversion to RDB. */
export interface ToRdbOptions extends KeyFilter {
  /** Target version (default: the input RDB's version, else 10 = Redis 7.0). */
  version?: number;
  family?: 'redis' | 'valkey';
  lossy?: boolean;
  compress?: boolean;
  checksum?: boolean;
  /** Wrap the output in a VCS envelope (LZ4); implies no per-string LZF and a zero CRC64 trailer. */
  vcs?: boolean;
  /** The records come from a dataset held in memory (the engine's): see RdbEncodeOptions.copyChunks. */
  heldDataset?: boolean;
  /** Keys too big to hold (SPEC.md §2.1): past this many elements a key is read and written in parts (default PART_THRESHOLD). */
  partThreshold?: number;
  decoder?: ReadOptions;
}

/** What a conversion did (filled in while the chunks are consumed). */
export interface ToRdbReport extends RdbEncodeReport {
  version: number;
  family: 'redis' | 'valkey';
  /** Bytes yielded (after the VCS envelope when `vcs`). */
  bytes: number;
}

const FLUSH_AT = 1 << 20;

/** Whether a file's first bytes look like JSON text (after optional whitespace / BOM: '{' or '['). */
export function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return head[i] === 0x7b || head[i] === 0x5b;
}

/** Records of a JSONL file (one object per line) or a JSON array, as `convert --to jsonl|json` writes them. */
export async function* recordsFromJson(source: ByteSource): AsyncGenerator<RdbRecord> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let line = 0;
  let array: boolean | null = null;
  for await (const chunk of source) {
    text += dec.decode(chunk, { stream: true });
    if (array === null) {
      const t = text.trimStart();
      if (t.length === 0) continue;
      array = t.startsWith('[');
    }
    if (array) continue; // a JSON array is parsed whole at the end
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const l = text.slice(0, nl);
      text = text.slice(nl + 1);
      line++;
      const rec = parseLine(l, line);
      if (rec) yield rec;
    }
  }
  text += dec.decode();
  if (array) {
    let all: unknown;
    try {
      all = JSON.parse(text);
    } catch (e) {
      throw new UsageError('JSON_BAD_TEXT', `input is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(all)) throw new UsageError('JSON_BAD_TEXT', 'a JSON input must be an array of records');
    for (let i = 0; i < all.length; i++) {
      const rec = entryFromJson(all[i], `record ${i + 1}`);
      if (rec) yield rec;
    }
    return;
  }
  const rec = parseLine(text, line + 1);
  if (rec) yield rec;
}

function parseLine(l: string, n: number): RdbRecord | null {
  const t = l.trim();
  if (!t) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new UsageError('JSON_BAD_TEXT', `line ${n}: not valid JSON: ${(e as Error).message}`);
  }
  return entryFromJson(v, `line ${n}`);
}

/**
 * Encode records as an RDB, yielding chunks. The encoder is created at the first record, so
 * an input RDB's header can provide the default version. `report` is filled as it goes.
 * Records of a plain (sync) iterable are taken for a dataset held in memory (`heldDataset`).
 */
export function encodeRecords(
  records: AsyncIterable<RdbRecord> | Iterable<RdbRecord>,
  opts: ToRdbOptions,
  report: Partial<ToRdbReport> = {},
): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in records) return encodeBatches(batchesOfAsync(records), opts, report);
  return encodeBatches(recordBatches(records as Iterable<RdbRecord>), { heldDataset: true, ...opts }, report);
}

/**
 * Encode batches of records (a reader's, one per input chunk) as an RDB, yielding ~1 MiB chunks:
 * the encoder appends every record to one pending buffer that is handed out whole past FLUSH_AT,
 * so a record costs neither an async hand-off nor an allocation of its own.
 */
export async function* encodeBatches(
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>,
  opts: ToRdbOptions,
  report: Partial<ToRdbReport> = {},
): AsyncGenerator<Uint8Array> {
  const keep = compileFilter(opts);
  /** Whether the key being handed over in parts is kept. */
  let keepParts = false;
  let enc: RdbEncoder | null = null;
  let bytes = 0;
  const vcs = opts.vcs ? new VcsEncoder() : null;
  /** `input`: the version and family of the RDB the records come from, when they do. */
  const start = (version: number, family: 'redis' | 'valkey', input?: { version: number; family: 'redis' | 'valkey' }): RdbEncoder => {
    // stored value bytes are copied when the output has the input's exact format, and may hold
    // LZF strings (not in a VCS envelope, nor when compression is off)
    const verbatim = input?.version === version && input.family === family && !vcs && opts.compress !== false;
    enc = vcs
      ? new RdbEncoder({ version, family, lossy: opts.lossy, compress: false, checksum: false })
      : new RdbEncoder({
          version,
          family,
          lossy: opts.lossy,
          compress: opts.compress,
          checksum: opts.checksum,
          verbatim,
          copyChunks: opts.heldDataset,
        });
    Object.assign(report, { version, family });
    return enc;
  };
  /** The output pieces of encoded bytes (wrapped in the VCS envelope when asked). */
  const out = (b: Uint8Array): Uint8Array[] => {
    if (!b.length) return [];
    const pieces = vcs ? vcs.write(b) : [b];
    for (const p of pieces) bytes += p.length;
    return pieces;
  };
  for await (const batch of batches) {
    for (const r of batch) {
      if (!enc) {
        if (r.kind === 'header') {
          start(opts.version ?? r.version, opts.family ?? (opts.version === undefined ? r.family : 'redis'), r);
          continue;
        }
        start(opts.version ?? 10, opts.family ?? 'redis');
      }
      if (r.kind === 'key') {
        if (!keep(r)) continue;
      } else if (r.kind === 'key-start') {
        keepParts = keep(r as unknown as KeyEntry);
        if (!keepParts) continue;
      } else if ((r.kind === 'key-part' || r.kind === 'key-end') && !keepParts) continue;
      const e = enc as unknown as RdbEncoder;
      e.add(r);
      if (e.pending >= FLUSH_AT) yield* out(e.take());
    }
  }
  const e: RdbEncoder = enc ?? start(opts.version ?? 10, opts.family ?? 'redis');
  let last: Uint8Array;
  try {
    yield* out(e.take());
    last = e.end();
  } finally {
    Object.assign(report, e.report);
  }
  yield* out(last);
  if (vcs) {
    for (const p of vcs.end()) {
      bytes += p.length;
      yield p;
    }
  }
  report.bytes = bytes;
}

/**
 * The decoder's rawValues for a conversion to RDB (RdbDecoderOptions.rawValues): without a target
 * version or family the output has the input's, so every key that the encoder copies as stored needs no
 * decoding ('only'); with one, values are decoded and their bytes kept in case it is the input's.
 * Never in a VCS envelope, nor with compression off (stored strings may be LZF-compressed).
 */
export function rawValuesFor(version: number | undefined, vcs: boolean, compress?: boolean, family?: string): boolean | 'only' {
  if (vcs || compress === false) return false;
  return version === undefined && family === undefined ? 'only' : true;
}

/** Convert an RDB byte source (kind 'rdb') or JSON text (kind 'json') to RDB chunks. */
export function toRdbChunks(
  source: ByteSource,
  kind: 'rdb' | 'json',
  opts: ToRdbOptions,
  report: Partial<ToRdbReport> = {},
): AsyncGenerator<Uint8Array> {
  const records =
    kind === 'rdb'
      ? readRdbBatches(source, {
          partThreshold: opts.partThreshold ?? PART_THRESHOLD,
          layout: true,
          rawValues: rawValuesFor(opts.version, opts.vcs === true, opts.compress, opts.family),
          ...opts.decoder,
        })
      : batchesOfAsync(recordsFromJson(source));
  return encodeBatches(records, opts, report);
}
