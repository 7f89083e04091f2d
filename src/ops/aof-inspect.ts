/**
 * `inspect` and `check` for AOFs (single file, RDB-preamble file, or Redis 7 multi-part set):
 * typed reports built from one scan (aof-scan.ts) of an AOF source (src/io opens files as one;
 * model/source.ts makes one of bytes in memory). Formatting lives in src/cli/aof-format.ts.
 */
import type { AofSource } from '../model/source.js';
import { type AofScanOptions, type AofSetScan, type FlushRecord, type PartScan, type PartVerdict, scanAofSet } from './aof-scan.js';

/** The verdict of a whole set: the first file that is not valid, or ok. */
export interface AofSetVerdict {
  kind: 'ok' | 'truncated' | 'corrupt';
  /** The file at fault (the last file when ok). */
  file: string | null;
  /** Where the failing read started (absolute in that file). */
  offset: number | null;
  what: string | null;
  /** End of the last complete command in that file (aof.c's valid_up_to; the file's size when ok). */
  validUpTo: number | null;
  /**
   * The same, but before a MULTI left open there: what Redis keeps of a truncated tail and where
   * `redis-check-aof --fix` (and `rdbkit repair`) cut (its ok_up_to).
   */
  validBeforeMulti: number | null;
  /** The problem is inside an RDB preamble/base (never cut). */
  inRdb: boolean;
  /** The file at fault is not the last one loaded (Redis refuses to load; nothing can be cut safely). */
  notLast: boolean;
}

/** Files as reported. */
export interface AofFileReport {
  name: string;
  path: string;
  role: PartScan['role'];
  seq: number | null;
  size: number;
  format: PartScan['format'];
  rdbVersion: number | null;
  rdbKeys: number | null;
  rdbBytes: number | null;
  commands: number;
  verdict: PartVerdict;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
}

/** The inspect report. */
export interface AofInspectReport {
  input: string;
  kind: AofSource['kind'];
  manifest: string | null;
  history: Array<{ name: string; seq: number; exists: boolean }>;
  files: AofFileReport[];
  /** Base kind: the first file's format (rdb-preamble, resp or empty). */
  baseFormat: PartScan['format'] | null;
  commands: number;
  /** Upper-case command name → count, most frequent first. */
  histogram: Array<[string, number]>;
  multiBlocks: number;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  flushes: Array<Omit<FlushRecord, 'multi' | 'part' | 'keysBefore' | 'index'> & { inMulti: boolean }>;
  verdict: AofSetVerdict;
  warnings: string[];
}

/** The overall verdict of a scan. */
export function setVerdict(scan: AofSetScan): AofSetVerdict {
  const n = scan.parts.length;
  for (let i = 0; i < n; i++) {
    const p = scan.parts[i]!;
    const v = p.verdict;
    if (v.kind === 'ok') continue;
    return {
      kind: v.kind,
      file: p.name,
      offset: v.offset,
      what: v.what,
      validUpTo: v.validUpTo,
      validBeforeMulti: v.validBeforeMulti,
      inRdb: v.inRdb === true,
      notLast: i !== n - 1,
    };
  }
  const last = scan.parts[n - 1];
  const size = last?.size ?? null;
  return {
    kind: 'ok',
    file: last?.name ?? null,
    offset: null,
    what: null,
    validUpTo: size,
    validBeforeMulti: size,
    inRdb: false,
    notLast: false,
  };
}

/** Warnings that do not make a set invalid. */
export function scanWarnings(set: AofSource, scan: AofSetScan): string[] {
  const w: string[] = [];
  const last = scan.parts[scan.parts.length - 1];
  if (last && last.verdict.kind === 'ok' && last.verdict.partialAnnotationAt !== null) {
    w.push(
      `${last.name}: the last line (an annotation at offset ${last.verdict.partialAnnotationAt}) has no line ending; Redis accepts it, but glues the next command it appends onto it and then fails to start (rdbkit repair --cut-partial-annotation removes it)`,
    );
  }
  if (scan.parts.length > 0 && scan.parts.every((p) => p.size === 0))
    w.push('every AOF file is empty: Redis 7.0 loads it as an empty dataset (checked with redis-server 7.0.15, single and multi-part)');
  for (const h of set.history) if (h.exists) w.push(`history file ${h.name} still exists (Redis does not load it)`);
  return w;
}

function fileReport(p: PartScan): AofFileReport {
  return {
    name: p.name,
    path: p.path,
    role: p.role,
    seq: p.seq,
    size: p.size,
    format: p.format,
    rdbVersion: p.rdb?.version ?? null,
    rdbKeys: p.rdb?.keys ?? null,
    rdbBytes: p.rdb && p.rdb.end >= 0 ? p.rdb.end : null,
    commands: p.commands,
    verdict: p.verdict,
    firstTimestamp: p.firstTimestamp,
    lastTimestamp: p.lastTimestamp,
  };
}

/** Build the inspect report from a set and its scan. */
export function buildInspectReport(set: AofSource, scan: AofSetScan): AofInspectReport {
  const merged = new Map<string, number>();
  for (const [raw, n] of scan.histogram) {
    const k = raw.toUpperCase();
    merged.set(k, (merged.get(k) ?? 0) + n);
  }
  return {
    input: set.input,
    kind: set.kind,
    manifest: set.manifestPath,
    history: set.history.map((h) => ({ name: h.name, seq: h.seq, exists: h.exists })),
    files: scan.parts.map(fileReport),
    baseFormat: scan.parts[0]?.format ?? null,
    commands: scan.commands,
    histogram: [...merged].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    multiBlocks: scan.multiBlocks,
    firstTimestamp: scan.firstTimestamp,
    lastTimestamp: scan.lastTimestamp,
    flushes: scan.flushes.map((f) => ({
      file: f.file,
      span: f.span,
      command: f.command,
      args: f.args,
      db: f.db,
      timestamp: f.timestamp,
      inMulti: f.multi !== null,
      commandsBefore: f.commandsBefore,
    })),
    verdict: setVerdict(scan),
    warnings: scanWarnings(set, scan),
  };
}

/** Inspect an AOF (all its parts, in load order). */
export async function inspectAof(set: AofSource, opts: AofScanOptions = {}): Promise<AofInspectReport> {
  return buildInspectReport(set, await scanAofSet(set, opts));
}

/** The check report: ok, and the verdict naming file and offset. */
export interface AofCheckReport {
  input: string;
  ok: boolean;
  verdict: AofSetVerdict;
  files: Array<{ name: string; size: number; format: PartScan['format']; verdict: PartVerdict }>;
  warnings: string[];
}

/** Check an AOF end to end (all its parts, in load order). */
export async function checkAof(set: AofSource, opts: AofScanOptions = {}): Promise<AofCheckReport> {
  const scan = await scanAofSet(set, opts);
  const verdict = setVerdict(scan);
  return {
    input: set.input,
    ok: verdict.kind === 'ok',
    verdict,
    files: scan.parts.map((p) => ({ name: p.name, size: p.size, format: p.format, verdict: p.verdict })),
    warnings: scanWarnings(set, scan),
  };
}
