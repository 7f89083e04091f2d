/**
 * `unflush`: undo the last FLUSHALL (or, with `flushdb`, the last FLUSHDB) by cutting its bytes
 * out of the AOF, so that Redis replays everything before it again (FORMATS.md §9.8).
 *
 * The flush is searched across every file Redis loads (base and incr; history is not loaded).
 * Inside MULTI … EXEC only that command is removed, or the whole MULTI/EXEC pair when the flush
 * was the only command in it. All other bytes are copied unchanged. If no such flush is left in
 * the log (a rewrite has folded its effect into the base), the data cannot come back from this AOF.
 * The plan is data; the file rim carries it out (io/aof-files.ts applyUnflush).
 */
import type { Span } from '../model/record.js';
import type { AofPartSource, AofSource } from '../model/source.js';
import { scanWarnings, setVerdict } from './aof-inspect.js';
import { type AofSetScan, type FlushRecord, scanAofSet } from './aof-scan.js';

/** Unflush options. */
export interface UnflushOptions {
  /** Undo the last FLUSHDB instead of the last FLUSHALL. */
  flushdb?: boolean;
}

/** What unflush will do (`P`: the part type of the AOF source, carried into the plan). */
export type UnflushPlan<P extends AofPartSource = AofPartSource> =
  | { action: 'refuse'; input: string; reason: string; warnings: string[] }
  | {
      action: 'remove';
      input: string;
      file: string;
      part: P;
      /** The flush command as logged, e.g. "FLUSHALL ASYNC". */
      command: string;
      span: Span;
      db: number;
      timestamp: number | null;
      inMulti: boolean;
      /** Byte ranges removed from the file (the flush, or its whole MULTI/EXEC). */
      remove: Span[];
      removedBytes: number;
      /** Commands before the flush (since the start of the log or the previous flush of the same scope). */
      commandsBefore: number;
      /** Keys touched by those commands and the RDB base: an upper bound of the keys that come back. */
      keysBefore: number | null;
      /** Commands logged after the flush (they stay, and replay on top of the restored data). */
      commandsAfter: number;
      warnings: string[];
    };

/** Plan an unflush from a set and its scan (pure). The scan should have been made with trackKeys. */
export function planUnflush<P extends AofPartSource>(set: AofSource<P>, scan: AofSetScan, opts: UnflushOptions = {}): UnflushPlan<P> {
  const warnings = scanWarnings(set, scan);
  const want = opts.flushdb ? 'FLUSHDB' : 'FLUSHALL';
  const v = setVerdict(scan);
  if (v.kind !== 'ok') {
    return {
      action: 'refuse',
      input: set.input,
      warnings,
      reason: `the AOF is not valid (${v.kind} in ${v.file} at offset ${v.offset}: ${v.what}); run rdbkit repair first`,
    };
  }
  let flush: FlushRecord | null = null;
  for (const f of scan.flushes) if (f.command === want) flush = f;
  if (!flush) {
    const hist = set.history.filter((h) => h.exists).map((h) => h.name);
    const base = set.parts.find((p) => p.role === 'base');
    return {
      action: 'refuse',
      input: set.input,
      warnings,
      reason:
        `no ${want} in the files Redis loads (${set.parts.map((p) => p.name).join(', ') || 'none'}). ` +
        `If one ran, a rewrite has already folded it into ${base ? `the base ${base.name}` : 'the base'}, and the data from before it cannot be recovered from this AOF` +
        (hist.length ? ` (history files still on disk, not loaded by Redis, may hold older data: ${hist.join(', ')})` : ''),
    };
  }
  const part = set.parts[flush.part]!;
  let remove: Span[] = [flush.span];
  if (flush.multi && flush.multi.end !== null && flush.multi.commands === 1) remove = [{ start: flush.multi.start, end: flush.multi.end }];
  const commandsAfter = scan.commands - flush.index - 1;
  let seen = false;
  for (const f of scan.flushes) {
    if (f === flush) {
      seen = true;
      continue;
    }
    if (seen && f.command === 'FLUSHALL' && want === 'FLUSHDB') {
      warnings.push(
        `a FLUSHALL at offset ${f.span.start} of ${f.file} comes after this FLUSHDB: the restored keys are flushed again by it`,
      );
    }
  }
  if (flush.multi && flush.multi.commands > 1)
    warnings.push(`the ${want} ran inside a MULTI/EXEC with ${flush.multi.commands - 1} other command(s); only the ${want} is removed`);
  warnings.push(
    'stop redis-server before changing its AOF, and start it only after the change (a running server keeps appending, and a rewrite would lose the restored history)',
  );
  const command = [want, ...flush.args].join(' ');
  return {
    action: 'remove',
    input: set.input,
    file: part.name,
    part,
    command,
    span: flush.span,
    db: flush.db,
    timestamp: flush.timestamp,
    inMulti: flush.multi !== null,
    remove,
    removedBytes: remove.reduce((n, s) => n + s.end - s.start, 0),
    commandsBefore: flush.commandsBefore,
    keysBefore: flush.keysBefore,
    commandsAfter,
    warnings,
  };
}

/** Read an AOF and plan an unflush. */
export async function planAofUnflush<P extends AofPartSource>(set: AofSource<P>, opts: UnflushOptions = {}): Promise<UnflushPlan<P>> {
  const scan = await scanAofSet(set, { trackKeys: true });
  return planUnflush(set, scan, opts);
}
