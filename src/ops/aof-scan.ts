/**
 * One pass over an AOF set (FORMATS.md §9): every file Redis would load, in order, each either
 * RESP or an RDB preamble/base followed by RESP. The per-file work is a synchronous scanner fed
 * by chunks (`PartScanner`); `scanAofSet` is the async driver over files. What is collected:
 * the per-file verdicts, a command histogram, MULTI blocks, timestamps, every FLUSHALL/FLUSHDB
 * with its place and context, and (on request) the keys touched before each flush.
 *
 * Per Redis's loader, each file is replayed by a fresh client: the selected db is 0 at the start
 * of every file (also after an RDB preamble), and the RDB part is never truncated.
 */

import { type Annotation, AofTokenizer, type AofVerdict } from '../aof/resp.js';
import { ParseError } from '../errors.js';
import { bytesKey, latin1 } from '../model/bytes.js';
import type { Command, RdbRecord, Span } from '../model/record.js';
import { type AnyAofPartSource, type AofPartSource, type AofSource, aofFromBytes } from '../model/source.js';
import { AofPartReader } from './aof-part.js';
import type { AofProgress } from './replay-aof.js';

/** A file's verdict; `inRdb` when the problem is in its RDB part. */
export type PartVerdict = AofVerdict & { inRdb?: boolean };

/** A MULTI … EXEC block that holds a flush. */
export interface MultiBlock {
  start: number;
  /** End of the EXEC (null while open). */
  end: number | null;
  /** Commands between MULTI and EXEC. */
  commands: number;
}

/** A FLUSHALL or FLUSHDB found in the log. */
export interface FlushRecord {
  /** Index of the file in load order. */
  part: number;
  file: string;
  span: Span;
  /** Upper-case command name. */
  command: 'FLUSHALL' | 'FLUSHDB';
  /** The arguments after the name (ASYNC/SYNC), as text. */
  args: string[];
  /** The db selected when it ran (from the preceding SELECT in that file). */
  db: number;
  timestamp: number | null;
  multi: MultiBlock | null;
  /** Commands (other than SELECT/MULTI/EXEC) since the start or the previous flush of this scope. */
  commandsBefore: number;
  /** Keys touched (RDB keys, first key arguments) since then; null unless keys were tracked. */
  keysBefore: number | null;
  /** Position of the flush among all commands of the set (0-based). */
  index: number;
}

/** What a scan learned about one file. */
export interface PartScan {
  name: string;
  path: string;
  role: AofPartSource['role'];
  seq: number | null;
  size: number;
  format: 'empty' | 'resp' | 'rdb-preamble';
  rdb: { version: number; keys: number; end: number } | null;
  commands: number;
  verdict: PartVerdict;
  /** Starts of complete commands that sit inside a MULTI left open at the end or at the error. */
  openMultiCommands: number[];
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  /** First `#TS:` line above the timestamp limit (or malformed), when a limit was given. */
  timestampCut: { offset: number; timestamp: number | null; wellFormed: boolean } | null;
}

/** Scan options. */
export interface AofScanOptions {
  /** Track the keys touched before each flush (costs memory proportional to the keyspace). */
  trackKeys?: boolean;
  /** Look for the first `#TS:` annotation with a value above this (redis-check-aof --truncate-to-timestamp). */
  timestampLimit?: number;
  /** Called after each chunk with how far the scan has come (keys: RDB keys of preambles). */
  onProgress?: (p: AofProgress) => void;
}

/** The whole set's scan. */
export interface AofSetScan {
  parts: PartScan[];
  /** Raw command name (latin1) → count. */
  histogram: Map<string, number>;
  commands: number;
  multiBlocks: number;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  flushes: FlushRecord[];
}

const SKIP_FOR_KEYS = new Set([
  'SELECT',
  'MULTI',
  'EXEC',
  'FLUSHALL',
  'FLUSHDB',
  'FUNCTION',
  'SCRIPT',
  'PUBLISH',
  'SPUBLISH',
  'SWAPDB',
  'PING',
]);

/** Key arguments of a command, approximately (first key; all for DEL-like; every other for MSET-like). */
function keysOf(name: string, argv: Uint8Array[]): Uint8Array[] {
  if (argv.length < 2 || SKIP_FOR_KEYS.has(name)) return [];
  switch (name) {
    case 'DEL':
    case 'UNLINK':
    case 'TOUCH':
      return argv.slice(1);
    case 'MSET':
    case 'MSETNX':
      return argv.filter((_, i) => i % 2 === 1);
    case 'RENAME':
    case 'RENAMENX':
    case 'COPY':
    case 'SMOVE':
    case 'LMOVE':
    case 'RPOPLPUSH':
      return argv.slice(1, 3);
    default:
      return [argv[1]!];
  }
}

/** State shared across the files of a set. */
class SetState {
  histogram = new Map<string, number>();
  commands = 0;
  multiBlocks = 0;
  firstTimestamp: number | null = null;
  lastTimestamp: number | null = null;
  timestamp: number | undefined;
  flushes: FlushRecord[] = [];
  /** db → keys touched since the last flush of that db (when tracking). */
  keys: Map<number, Set<string>> | null;
  /** db → data commands since the last flush of that db; plus the FLUSHALL-scope counter. */
  dbCommands = new Map<number, number>();
  constructor(readonly options: AofScanOptions) {
    this.keys = options.trackKeys ? new Map() : null;
  }

  touch(db: number, keys: Uint8Array[]): void {
    if (!this.keys) return;
    let s = this.keys.get(db);
    if (!s) this.keys.set(db, (s = new Set()));
    for (const k of keys) s.add(bytesKey(k));
  }
}

/** Synchronous scanner of one file, fed by chunks. */
export class PartScanner {
  private readonly reader: AofPartReader;
  private rdbKeys = 0;
  /** RDB keys read so far. */
  get keys(): number {
    return this.rdbKeys;
  }
  private db = 0;
  private multi: MultiBlock | null = null;
  private openMulti: number[] = [];
  private pendingFlushes: FlushRecord[] = [];
  private rdbError: PartVerdict | null = null;
  private firstTs: number | null = null;
  private lastTs: number | null = null;
  private tsCut: PartScan['timestampCut'] = null;
  /** Bytes fed so far (the size of a part read from a stream). */
  private fed = 0;

  constructor(
    private readonly part: AnyAofPartSource,
    private readonly index: number,
    private readonly state: SetState,
  ) {
    const tokenizer = (startOffset: number): AofTokenizer =>
      new AofTokenizer({
        startOffset,
        totalSize: part.size ?? undefined,
        timestamp: state.timestamp,
        onAnnotation: (a) => this.annotation(a),
        // Names, SELECT's db and FLUSHALL's flag need two arguments; key tracking needs them all.
        maxArgs: state.keys ? Infinity : 2,
      });
    this.reader = new AofPartReader(part.size, tokenizer, { records: (r) => this.rdbRecords(r), commands: (c) => this.commands(c) });
  }

  /** Feed a chunk of the file. */
  write(chunk: Uint8Array): void {
    this.fed += chunk.length;
    if (this.rdbError) return;
    try {
      this.reader.write(chunk);
    } catch (e) {
      this.rdbFailed(e);
    }
  }

  private rdbRecords(recs: RdbRecord[]): void {
    for (const r of recs) {
      if (r.kind !== 'key') continue;
      this.rdbKeys++;
      this.state.touch(r.db, [r.key]);
    }
  }

  private rdbFailed(e: unknown): void {
    if (!(e instanceof ParseError)) throw e;
    this.rdbError = {
      kind: e.kind,
      offset: e.offset,
      inRdb: true,
      validUpTo: 0,
      validBeforeMulti: 0,
      what: `RDB ${e.kind === 'truncated' ? 'preamble ends early' : 'preamble is corrupt'}: ${e.detail}${e.context ? ` (while reading ${e.context})` : ''}`,
    };
  }

  private annotation(a: Annotation): void {
    if (a.timestamp === null) return;
    if (this.firstTs === null) this.firstTs = a.timestamp;
    this.lastTs = a.timestamp;
    const limit = this.state.options.timestampLimit;
    if (limit !== undefined && this.tsCut === null && (!a.wellFormed || a.timestamp > limit)) {
      this.tsCut = { offset: a.span.start, timestamp: a.timestamp, wellFormed: a.wellFormed };
    }
  }

  private commands(cmds: Command[]): void {
    const st = this.state;
    for (const c of cmds) {
      const raw = bytesKey(c.argv[0]!.length > 64 ? c.argv[0]!.subarray(0, 64) : c.argv[0]!);
      st.histogram.set(raw, (st.histogram.get(raw) ?? 0) + 1);
      st.commands++;
      const name = raw.length <= 8 ? raw.toUpperCase() : '';
      if (this.multi) this.openMulti.push(c.span.start);
      if (name === 'MULTI') {
        this.multi = { start: c.span.start, end: null, commands: 0 };
        this.openMulti = [c.span.start];
        continue;
      }
      if (name === 'EXEC' && this.multi) {
        this.multi.end = c.span.end;
        this.multi = null;
        this.openMulti = [];
        this.pendingFlushes = [];
        st.multiBlocks++;
        continue;
      }
      if (this.multi) this.multi.commands++;
      if (name === 'SELECT') {
        const db = Number(latin1(c.argv[1] ?? new Uint8Array()));
        if (Number.isInteger(db)) this.db = db;
        continue;
      }
      if (name === 'FLUSHALL' || name === 'FLUSHDB') {
        const all = name === 'FLUSHALL';
        let keysBefore: number | null = null;
        if (st.keys) {
          keysBefore = 0;
          if (all) for (const s of st.keys.values()) keysBefore += s.size;
          else keysBefore = st.keys.get(this.db)?.size ?? 0;
        }
        let commandsBefore = 0;
        if (all) for (const n of st.dbCommands.values()) commandsBefore += n;
        else commandsBefore = st.dbCommands.get(this.db) ?? 0;
        const rec: FlushRecord = {
          part: this.index,
          file: this.part.name,
          span: c.span,
          command: name,
          args: c.argv.slice(1).map((a) => latin1(a)),
          db: this.db,
          timestamp: c.timestamp ?? null,
          multi: this.multi,
          commandsBefore,
          keysBefore,
          index: st.commands - 1,
        };
        st.flushes.push(rec);
        if (this.multi) this.pendingFlushes.push(rec);
        if (all) {
          st.keys?.clear();
          st.dbCommands.clear();
        } else {
          st.keys?.delete(this.db);
          st.dbCommands.delete(this.db);
        }
        continue;
      }
      st.dbCommands.set(this.db, (st.dbCommands.get(this.db) ?? 0) + 1);
      if (st.keys) st.touch(this.db, keysOf(name || latin1(c.argv[0]!).toUpperCase(), c.argv));
    }
  }

  /** End of the file: the verdict and what was learned. */
  end(): PartScan {
    if (this.reader.empty) return this.result('empty', { kind: 'ok', size: 0, partialAnnotationAt: null });
    if (!this.rdbError) {
      try {
        this.reader.end();
      } catch (e) {
        this.rdbFailed(e);
      }
    }
    const format = this.reader.rdb ? 'rdb-preamble' : 'resp';
    if (this.rdbError) return this.result(format, this.rdbError);
    const tok = this.reader.tok!;
    this.state.timestamp = tok.timestamp;
    return this.result(format, tok.verdict!);
  }

  private result(format: PartScan['format'], verdict: PartVerdict): PartScan {
    const st = this.state;
    const rdb = this.reader.rdb;
    if (this.firstTs !== null && st.firstTimestamp === null) st.firstTimestamp = this.firstTs;
    if (this.lastTs !== null) st.lastTimestamp = this.lastTs;
    // Flushes inside a MULTI that never closed keep `multi.end === null`.
    return {
      name: this.part.name,
      path: this.part.path ?? this.part.name,
      role: this.part.role,
      seq: this.part.seq,
      size: this.part.size ?? this.fed,
      format,
      rdb: rdb ? { version: rdb.version, keys: this.rdbKeys, end: rdb.done ? rdb.consumed : -1 } : null,
      commands: this.reader.tok?.commandCount ?? 0,
      verdict,
      openMultiCommands: verdict.kind === 'ok' ? [] : this.openMulti,
      firstTimestamp: this.firstTs,
      lastTimestamp: this.lastTs,
      timestampCut: this.tsCut,
    };
  }
}

/** Scan every file of a set in load order. */
export async function scanAofSet(set: AofSource, options: AofScanOptions = {}): Promise<AofSetScan> {
  const state = new SetState(options);
  const parts: PartScan[] = [];
  const progress = options.onProgress;
  let bytes = 0;
  for (let i = 0; i < set.parts.length; i++) {
    const part = set.parts[i]!;
    const s = new PartScanner(part, i, state);
    if (part.size !== 0)
      for await (const chunk of part.size === null ? part.read() : part.read(0, part.size)) {
        s.write(chunk);
        bytes += chunk.length;
        progress?.({ bytes, commands: state.commands, keys: s.keys });
      }
    parts.push(s.end());
  }
  return {
    parts,
    histogram: state.histogram,
    commands: state.commands,
    multiBlocks: state.multiBlocks,
    firstTimestamp: state.firstTimestamp,
    lastTimestamp: state.lastTimestamp,
    flushes: state.flushes,
  };
}

/** Scan bytes held in memory as one file named `memory` (tests), fed in chunks of `chunkSize`. */
export function scanAofBytes(
  bytes: Uint8Array,
  options: AofScanOptions = {},
  chunkSize = bytes.length || 1,
): { part: PartScan; scan: AofSetScan } {
  const state = new SetState(options);
  const part = aofFromBytes([{ name: 'memory', bytes }], chunkSize).parts[0]!;
  const s = new PartScanner(part, 0, state);
  for (const chunk of part.read() as Iterable<Uint8Array>) s.write(chunk);
  const p = s.end();
  return {
    part: p,
    scan: {
      parts: [p],
      histogram: state.histogram,
      commands: state.commands,
      multiBlocks: state.multiBlocks,
      firstTimestamp: state.firstTimestamp,
      lastTimestamp: state.lastTimestamp,
      flushes: state.flushes,
    },
  };
}
