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
import { compileFilter, type KeyFilter } from './filter.js';
import { entryFromJson } from './json.js';
import { type ByteSource, type ReadOptions, readRdb } from './read.js';

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
 */
export async function* encodeRecords(
  records: AsyncIterable<RdbRecord> | Iterable<RdbRecord>,
  opts: ToRdbOptions,
  report: Partial<ToRdbReport> = {},
): AsyncGenerator<Uint8Array> {
  const keep = compileFilter(opts);
  /** Whether the key being handed over in parts is kept. */
  let keepParts = false;
  let enc: RdbEncoder | null = null;
  // Output is copied into one ~1 MiB chunk at a time as it comes (instead of keeping each key's
  // bytes until a chunk is full): the per-key pieces then die young, while a list of them would
  // survive scavenges and be promoted, costing full GCs over a heap that holds a whole dataset.
  let chunk = new Uint8Array(FLUSH_AT);
  let pending = 0;
  const ready: Uint8Array[] = [];
  let bytes = 0;
  const vcs = opts.vcs ? new VcsEncoder() : null;
  const start = (version: number, family: 'redis' | 'valkey') => {
    enc = vcs
      ? new RdbEncoder({ version, family, lossy: opts.lossy, compress: false, checksum: false })
      : new RdbEncoder({ version, family, lossy: opts.lossy, compress: opts.compress, checksum: opts.checksum });
    Object.assign(report, { version, family });
    return enc;
  };
  /** Move the filled part of the current chunk to `ready`. */
  const seal = (): void => {
    if (pending === 0) return;
    ready.push(chunk.subarray(0, pending));
    bytes += pending;
    chunk = new Uint8Array(FLUSH_AT);
    pending = 0;
  };
  const add = (p: Uint8Array): void => {
    if (p.length >= FLUSH_AT) {
      seal();
      ready.push(p);
      bytes += p.length;
      return;
    }
    if (pending + p.length > FLUSH_AT) seal();
    chunk.set(p, pending);
    pending += p.length;
  };
  const push = (b: Uint8Array): void => {
    if (!b.length) return;
    if (vcs) for (const p of vcs.write(b)) add(p);
    else add(b);
  };
  for await (const r of records) {
    if (!enc) {
      if (r.kind === 'header') {
        start(opts.version ?? r.version, opts.family ?? (opts.version === undefined ? r.family : 'redis'));
        continue;
      }
      start(opts.version ?? 10, opts.family ?? 'redis');
    }
    if (r.kind === 'key' && !keep(r)) continue;
    if (r.kind === 'key-start') keepParts = keep(r as unknown as KeyEntry);
    if ((r.kind === 'key-start' || r.kind === 'key-part' || r.kind === 'key-end') && !keepParts) continue;
    push((enc as unknown as RdbEncoder).write(r));
    while (ready.length) yield ready.shift()!;
  }
  const e: RdbEncoder = enc ?? start(opts.version ?? 10, opts.family ?? 'redis');
  try {
    push(e.end());
  } finally {
    Object.assign(report, e.report);
  }
  if (vcs) for (const p of vcs.end()) add(p);
  seal();
  for (const c of ready) yield c;
  report.bytes = bytes;
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
      ? readRdb(source, { partThreshold: opts.partThreshold ?? PART_THRESHOLD, layout: true, ...opts.decoder })
      : recordsFromJson(source);
  return encodeRecords(records, opts, report);
}
