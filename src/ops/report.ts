/**
 * `report`: what uses the memory in a dataset, as data (SPEC.md "report"). Every key gets the
 * memory estimate of ./memory.ts; the report keeps totals per db, type and encoding, the top N
 * keys (a bounded heap), element-count and TTL histograms and a bounded key-prefix tree, so its
 * size does not grow with the key count. Reports of several files (a cluster's shards) merge:
 * totals and histograms add, top lists and prefix trees combine.
 */
import { displayText, tryUtf8 } from '../model/bytes.js';
import { type KeyEntry, type KeyStartRecord, PART_THRESHOLD, type RdbRecord } from '../model/record.js';
import { compileFilter, type KeyFilter } from './filter.js';
import { addValue, KeyMemory, keyHead, type MemoryEstimate, partsHead } from './memory.js';
import { type ByteSource, type ReadOptions, readRdbBatches } from './read.js';
import { type PrefixNode, PrefixTree } from './report-prefix.js';

export type { PrefixNode } from './report-prefix.js';

/** Keys and bytes. */
export interface Totals {
  keys: number;
  bytes: number;
}

/** One key of the top list. */
export interface TopKey {
  db: number;
  /** Escaped key text (see `escapeKey`). */
  key: string;
  type: string;
  encoding: string;
  bytes: number;
  elements: number;
  largestElement: number;
  /** Expiry time (ms since the epoch), null without one. */
  expireAt: number | null;
}

/** A histogram: bucket labels with keys and bytes per bucket. */
export interface Histogram {
  buckets: string[];
  counts: Totals[];
}

/** What `report` produces (JSON-serializable, mergeable). */
export interface MemoryReport {
  kind: 'rdbkit-memory-report';
  version: 1;
  /** Redis version whose MEMORY USAGE the figures follow. */
  model: 'redis-7.0-jemalloc';
  /** Input names, in merge order. */
  inputs: string[];
  /** Reference time (ms) for TTL buckets. */
  at: number;
  options: { top: number; sep: string; depth: number; prefixes: number };
  total: Totals;
  /** Bytes of the expires-dict entries of keys with a TTL (not in `total.bytes`). */
  expiry: Totals;
  byDb: Record<string, Totals>;
  byType: Record<string, Totals>;
  /** Keyed "type/encoding" (encoding as OBJECT ENCODING gives it after load). */
  byEncoding: Record<string, Totals>;
  /** Element counts per type (strings: byte length). */
  elements: Record<string, Histogram>;
  ttl: Histogram;
  top: TopKey[];
  prefixes: PrefixNode;
}

/** Report options. */
export interface ReportOptions extends KeyFilter {
  /** Top keys kept (default 50). */
  top?: number;
  /** Prefix separator (default ":"); "" disables the tree. */
  sep?: string;
  /** Prefix depth in segments (default 3). */
  depth?: number;
  /** Prefix nodes kept (default 500). */
  prefixes?: number;
  /** Only keys of at least this many bytes (default 0). */
  minBytes?: number;
  /** Reference time for TTL buckets (default: the dump's ctime aux field, else now). */
  at?: number;
  /** Name of the input (for `inputs`). */
  source?: string;
}

/** One key as the CSV and callers see it. */
export interface KeyRow {
  db: number;
  key: Uint8Array;
  type: string;
  estimate: MemoryEstimate;
  expireAt: number | null;
}

const TTL_BUCKETS = ['none', 'expired', '<1m', '<10m', '<1h', '<1d', '<7d', '<30d', '<1y', '>=1y'];
const TTL_LIMITS = [60e3, 600e3, 3600e3, 86400e3, 7 * 86400e3, 30 * 86400e3, 365 * 86400e3];
const ELEMENT_LIMITS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 262144, 1048576];
const ELEMENT_BUCKETS = [...ELEMENT_LIMITS.map((l) => `<=${l}`), `>${ELEMENT_LIMITS[ELEMENT_LIMITS.length - 1]}`];

/**
 * Keys as report text: valid UTF-8 stays text with `\\` for a backslash and `\xHH` for control
 * bytes; any other byte sequence is ASCII with every other byte as `\xHH`. Reversible.
 */
export function escapeKey(key: Uint8Array): string {
  const text = tryUtf8(key);
  let out = '';
  if (text !== null) {
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (ch === '\\') out += '\\\\';
      else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else out += ch;
    }
    return out;
  }
  for (const b of key) {
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function bump(map: Record<string, Totals>, name: string, keys: number, bytes: number): void {
  const t = (map[name] ??= { keys: 0, bytes: 0 });
  t.keys += keys;
  t.bytes += bytes;
}

function newHistogram(buckets: string[]): Histogram {
  return { buckets, counts: buckets.map(() => ({ keys: 0, bytes: 0 })) };
}

function ttlBucket(expireAt: number | null, at: number): number {
  if (expireAt === null) return 0;
  const left = expireAt - at;
  if (left <= 0) return 1;
  const i = TTL_LIMITS.findIndex((l) => left < l);
  return i < 0 ? TTL_BUCKETS.length - 1 : i + 2;
}

function elementBucket(n: number): number {
  const i = ELEMENT_LIMITS.findIndex((l) => n <= l);
  return i < 0 ? ELEMENT_LIMITS.length : i;
}

/** Orders top keys: bytes descending, then db, then key text. */
function topOrder(a: TopKey, b: TopKey): number {
  return b.bytes - a.bytes || a.db - b.db || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** A min-heap of the N largest keys (the root is the smallest kept). */
class TopHeap {
  private h: TopKey[] = [];
  constructor(private readonly n: number) {}

  /** Whether a key of `bytes` could enter (cheap pre-check before building the row). */
  wants(bytes: number): boolean {
    return this.n > 0 && (this.h.length < this.n || bytes >= this.h[0]!.bytes);
  }

  push(k: TopKey): void {
    const h = this.h;
    if (h.length < this.n) {
      h.push(k);
      this.up(h.length - 1);
    } else if (topOrder(k, h[0]!) < 0) {
      h[0] = k;
      this.down(0);
    }
  }

  sorted(): TopKey[] {
    return [...this.h].sort(topOrder);
  }

  // the heap's "smaller" is the one that sorts later in topOrder
  private less(i: number, j: number): boolean {
    return topOrder(this.h[i]!, this.h[j]!) > 0;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [this.h[i], this.h[p]] = [this.h[p]!, this.h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      [this.h[i], this.h[m]] = [this.h[m]!, this.h[i]!];
      i = m;
    }
  }
}

/** Builds a report key by key, or by merging other reports. */
export class ReportBuilder {
  readonly options: MemoryReport['options'];
  private readonly heap: TopHeap;
  private readonly tree: PrefixTree;
  private readonly r: Omit<MemoryReport, 'top' | 'prefixes'>;
  private atFixed: boolean;

  constructor(opts: ReportOptions = {}) {
    this.options = { top: opts.top ?? 50, sep: opts.sep ?? ':', depth: opts.depth ?? 3, prefixes: opts.prefixes ?? 500 };
    this.heap = new TopHeap(this.options.top);
    this.tree = new PrefixTree(this.options.sep, this.options.depth, this.options.prefixes);
    this.atFixed = opts.at !== undefined;
    this.r = {
      kind: 'rdbkit-memory-report',
      version: 1,
      model: 'redis-7.0-jemalloc',
      inputs: opts.source !== undefined ? [opts.source] : [],
      at: opts.at ?? Date.now(),
      options: this.options,
      total: { keys: 0, bytes: 0 },
      expiry: { keys: 0, bytes: 0 },
      byDb: {},
      byType: {},
      byEncoding: {},
      elements: {},
      ttl: newHistogram(TTL_BUCKETS),
    };
  }

  /** Take the TTL reference time from the dump (its ctime), unless one was given. */
  dumpTime(ms: number): void {
    if (!this.atFixed) {
      this.r.at = ms;
      this.atFixed = true;
    }
  }

  /** Count one key. */
  add(row: KeyRow): void {
    const { estimate: e } = row;
    const r = this.r;
    const bytes = e.bytes;
    r.total.keys++;
    r.total.bytes += bytes;
    if (e.expiryBytes) {
      r.expiry.keys++;
      r.expiry.bytes += e.expiryBytes;
    }
    bump(r.byDb, String(row.db), 1, bytes);
    bump(r.byType, row.type, 1, bytes);
    bump(r.byEncoding, `${row.type}/${e.encoding}`, 1, bytes);
    const hist = (r.elements[row.type] ??= newHistogram(ELEMENT_BUCKETS));
    const eb = hist.counts[elementBucket(e.elements)]!;
    eb.keys++;
    eb.bytes += bytes;
    const tb = r.ttl.counts[ttlBucket(row.expireAt, r.at)]!;
    tb.keys++;
    tb.bytes += bytes;
    const needText = this.options.sep !== '' || this.heap.wants(bytes);
    const text = needText ? escapeKey(row.key) : '';
    if (this.heap.wants(bytes)) {
      this.heap.push({
        db: row.db,
        key: text,
        type: row.type,
        encoding: e.encoding,
        bytes,
        elements: e.elements,
        largestElement: e.largestElement,
        expireAt: row.expireAt,
      });
    }
    this.tree.add(text, bytes);
  }

  /** Add a finished report (merge). */
  merge(o: MemoryReport): void {
    const r = this.r;
    r.inputs.push(...o.inputs);
    if (!this.atFixed) {
      r.at = o.at;
      this.atFixed = true;
    }
    r.total.keys += o.total.keys;
    r.total.bytes += o.total.bytes;
    r.expiry.keys += o.expiry.keys;
    r.expiry.bytes += o.expiry.bytes;
    for (const [k, t] of Object.entries(o.byDb)) bump(r.byDb, k, t.keys, t.bytes);
    for (const [k, t] of Object.entries(o.byType)) bump(r.byType, k, t.keys, t.bytes);
    for (const [k, t] of Object.entries(o.byEncoding)) bump(r.byEncoding, k, t.keys, t.bytes);
    for (const [type, h] of Object.entries(o.elements)) addHistogram((r.elements[type] ??= newHistogram(ELEMENT_BUCKETS)), h);
    addHistogram(r.ttl, o.ttl);
    for (const t of o.top) this.heap.push(t);
    this.tree.addTree(o.prefixes);
  }

  /** The report. */
  finish(): MemoryReport {
    const sortMap = (m: Record<string, Totals>): Record<string, Totals> =>
      Object.fromEntries(Object.entries(m).sort((a, b) => b[1].bytes - a[1].bytes || (a[0] < b[0] ? -1 : 1)));
    const r = this.r;
    return {
      ...r,
      byDb: Object.fromEntries(Object.entries(r.byDb).sort((a, b) => Number(a[0]) - Number(b[0]))),
      byType: sortMap(r.byType),
      byEncoding: sortMap(r.byEncoding),
      elements: Object.fromEntries(Object.entries(r.elements).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      top: this.heap.sorted(),
      prefixes: this.tree.toJSON(),
    };
  }
}

function addHistogram(into: Histogram, from: Histogram): void {
  if (from.buckets.join('\n') !== into.buckets.join('\n')) throw new Error('cannot merge reports with different histogram buckets');
  from.counts.forEach((c, i) => {
    into.counts[i]!.keys += c.keys;
    into.counts[i]!.bytes += c.bytes;
  });
}

/** The estimate of a decoded key, as a row. */
export function keyRow(entry: KeyEntry): KeyRow {
  const m = new KeyMemory(keyHead(entry));
  addValue(m, entry);
  return { db: entry.db, key: entry.key, type: entry.type, estimate: m.finish(), expireAt: entry.expireAt };
}

/**
 * Walk records (RDB batches, or an engine's dataset) through the filters into `builder`,
 * yielding the rows of each batch (the CSV writes them as they come).
 */
export async function* reportRows(
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>,
  opts: ReportOptions,
  builder: ReportBuilder,
): AsyncGenerator<KeyRow[]> {
  const keep = compileFilter(opts);
  const minBytes = opts.minBytes ?? 0;
  /** A key handed over in parts (kept by the filter): its start and its estimate so far. */
  let parted: { start: KeyStartRecord; memory: KeyMemory } | null = null;
  for await (const batch of batches) {
    const rows: KeyRow[] = [];
    for (const rec of batch) {
      if (rec.kind === 'aux') {
        if (displayText(rec.key) === 'ctime') builder.dumpTime(Number(displayText(rec.value)) * 1000);
        continue;
      }
      let row: KeyRow;
      if (rec.kind === 'key-start') {
        parted = keep(rec as unknown as KeyEntry) ? { start: rec, memory: new KeyMemory(partsHead(rec)) } : null;
        continue;
      } else if (rec.kind === 'key-part') {
        parted?.memory.part(rec);
        continue;
      } else if (rec.kind === 'key-end') {
        if (!parted) continue;
        const { start, memory } = parted;
        parted = null;
        if (start.type === 'stream') memory.streamEnd();
        row = { db: start.db, key: start.key, type: start.type, estimate: memory.finish(), expireAt: start.expireAt };
      } else {
        if (rec.kind !== 'key' || !keep(rec)) continue;
        row = keyRow(rec);
      }
      if (row.estimate.bytes < minBytes) continue;
      builder.add(row);
      rows.push(row);
    }
    if (rows.length) yield rows;
  }
}

/** Report on records (RDB batches, or an engine's dataset). */
export async function reportRecords(
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>,
  opts: ReportOptions = {},
): Promise<MemoryReport> {
  const b = new ReportBuilder(opts);
  for await (const _ of reportRows(batches, opts, b));
  return b.finish();
}

/** Report on an RDB byte source. Throws TruncatedError/CorruptError like the decoder. */
export function report(source: ByteSource, opts: ReportOptions & { decoder?: ReadOptions } = {}): Promise<MemoryReport> {
  return reportRecords(rdbReportBatches(source, opts.decoder), opts);
}

/** RDB records as a report needs them (with each key's stored layout). */
export function rdbReportBatches(source: ByteSource, decoder: ReadOptions = {}): AsyncGenerator<RdbRecord[]> {
  // keys too big to hold come in parts: the estimate takes them part by part (SPEC.md §2.1)
  return readRdbBatches(source, { partThreshold: PART_THRESHOLD, ...decoder, layout: true });
}

/** Merge finished reports (same options; the first report's reference time is kept). */
export function mergeReports(reports: readonly MemoryReport[]): MemoryReport {
  if (reports.length === 0) throw new Error('no reports to merge');
  const first = reports[0]!;
  const b = new ReportBuilder({ ...first.options, at: first.at });
  for (const r of reports) {
    if (r.kind !== 'rdbkit-memory-report' || r.version !== 1) throw new Error('not an rdbkit memory report (version 1)');
    const o = r.options;
    if (o.sep !== first.options.sep || o.depth !== first.options.depth)
      throw new Error('reports made with different --sep/--depth cannot be merged');
    b.merge(r);
  }
  return b.finish();
}

/** The redis-rdb-tools memory CSV header. */
export const CSV_HEADER = 'database,type,key,size_in_bytes,encoding,num_elements,len_largest_element,expiry';

/** redis-rdb-tools' type names. */
const CSV_TYPE: Record<string, string> = { zset: 'sortedset' };

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (with its newline) for a key; expiry as ISO 8601 UTC. */
export function csvLine(row: KeyRow): string {
  const e = row.estimate;
  const t = row.expireAt;
  const expiry = t === null ? '' : Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);
  return `${row.db},${CSV_TYPE[row.type] ?? row.type},${csvField(escapeKey(row.key))},${e.bytes},${e.encoding},${e.elements},${e.largestElement},${expiry}\n`;
}
