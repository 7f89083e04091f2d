/**
 * `repair` for AOFs: plan where to cut, as `redis-check-aof --fix` (7.0.15) does; the file rim
 * carries the plan out (io/aof-files.ts applyRepair: backup, temp + fsync + rename). FORMATS.md §9.5–§9.6.
 * The plan names the part to cut as the source gave it (for files: with its path and mtime).
 *
 * The cut is redis-check-aof's `ok_up_to`: the end of the last complete unit, never inside an
 * open MULTI, only ever in the last file Redis loads, never inside an RDB part. Differences from
 * redis-check-aof, deliberately: a command with fewer than one argument (`*0`) is cut like any
 * other corruption (the server refuses to load it; redis-check-aof keeps it), and an unterminated
 * final annotation line may be cut on request (`cutPartialAnnotation`), because Redis glues the
 * next command it appends onto it.
 * `truncateToTimestamp` follows redis-check-aof --truncate-to-timestamp: cut at the first `#TS:`
 * line above T, only in the last file and never at its offset 0.
 */

import { AofTokenizer } from '../aof/resp.js';
import type { AofPartSource, AofSource } from '../model/source.js';
import { scanWarnings, setVerdict } from './aof-inspect.js';
import { type SkippedRange, salvagePart } from './aof-salvage.js';
import { type AofSetScan, scanAofSet } from './aof-scan.js';

/** Repair options. */
export interface RepairOptions {
  /** Cut at the first `#TS:` annotation above this Unix time instead of repairing a broken tail. */
  truncateToTimestamp?: number;
  /** Also cut an unterminated final annotation line (redis-check-aof keeps it). */
  cutPartialAnnotation?: boolean;
  /** Drop only the damaged ranges and keep the valid commands after them (aof-salvage.ts). */
  salvage?: boolean;
}

/** One file changed by a salvage. */
export interface SalvageChange<P extends AofPartSource = AofPartSource> {
  file: string;
  part: P;
  size: number;
  ranges: SkippedRange[];
  droppedBytes: number;
}

interface PlanBase {
  input: string;
  warnings: string[];
}

/** What repair will do (`P`: the part type of the AOF source, carried into the plan). */
export type RepairPlan<P extends AofPartSource = AofPartSource> =
  | (PlanBase & { action: 'none'; reason: string })
  | (PlanBase & { action: 'refuse'; reason: string; file: string | null; offset: number | null; lostBytes: number | null })
  | (PlanBase & {
      action: 'truncate';
      /** Why: a truncated or corrupt tail, a timestamp cut, or an unterminated annotation. */
      cause: 'truncated' | 'corrupt' | 'timestamp' | 'partial-annotation';
      reason: string;
      file: string;
      part: P;
      size: number;
      cutAt: number;
      lostBytes: number;
      /** Complete commands inside the dropped tail (queued commands of an open MULTI). */
      lostCommands: number;
      /** Where the problem was found. */
      offset: number;
    })
  | (PlanBase & { action: 'salvage'; reason: string; changes: SalvageChange<P>[] });

function describeLoss(scan: AofSetScan, from: number, cutAt: number): { bytes: number; files: string[] } {
  const p = scan.parts[from]!;
  let bytes = p.size - cutAt;
  const files: string[] = [];
  for (let i = from + 1; i < scan.parts.length; i++) {
    bytes += scan.parts[i]!.size;
    files.push(scan.parts[i]!.name);
  }
  return { bytes, files };
}

function planTimestamp<P extends AofPartSource>(set: AofSource<P>, scan: AofSetScan, t: number, warnings: string[]): RepairPlan<P> {
  const n = scan.parts.length;
  for (let i = 0; i < n; i++) {
    const p = scan.parts[i]!;
    const cut = p.timestampCut;
    if (cut) {
      const base = { input: set.input, warnings, file: p.name, offset: cut.offset };
      if (!cut.wellFormed)
        return {
          ...base,
          action: 'refuse',
          lostBytes: null,
          reason: `invalid timestamp annotation at offset ${cut.offset} of ${p.name} (expected #TS:<digits> and CRLF)`,
        };
      if (cut.offset === 0) {
        const loss = describeLoss(scan, i, 0);
        return {
          ...base,
          action: 'refuse',
          lostBytes: loss.bytes,
          reason:
            `${p.name} has nothing before timestamp ${t} (its first annotation, #TS:${cut.timestamp}, is at offset 0): ` +
            `everything from that file on is later than ${t}; cutting would mean dropping whole files (${[p.name, ...loss.files].join(', ')}), which redis-check-aof refuses too. ` +
            'Remove them from the manifest by hand (keep copies) if that is what you want.',
        };
      }
      if (i !== n - 1) {
        const loss = describeLoss(scan, i, cut.offset);
        return {
          ...base,
          action: 'refuse',
          lostBytes: loss.bytes,
          reason: `the first annotation after ${t} is at offset ${cut.offset} of ${p.name}, which is not the last file; cutting there would also drop ${loss.files.join(', ')} (${loss.bytes} bytes in all)`,
        };
      }
      return {
        input: set.input,
        warnings,
        action: 'truncate',
        cause: 'timestamp',
        file: p.name,
        part: set.parts[i]!,
        size: p.size,
        cutAt: cut.offset,
        lostBytes: p.size - cut.offset,
        lostCommands: -1,
        offset: cut.offset,
        reason: `cut at the first annotation later than ${t} (#TS:${cut.timestamp} at offset ${cut.offset})`,
      };
    }
    if (p.verdict.kind !== 'ok') {
      return {
        input: set.input,
        warnings,
        action: 'refuse',
        file: p.name,
        offset: p.verdict.offset,
        lostBytes: null,
        reason: `${p.name} is not valid before any annotation later than ${t}: ${p.verdict.what} at offset ${p.verdict.offset}; run repair without --truncate-to-timestamp first`,
      };
    }
  }
  return { input: set.input, warnings, action: 'none', reason: `no annotation later than ${t}: nothing to cut` };
}

/** Plan a repair from a set and its scan (pure). */
export function planRepair<P extends AofPartSource>(set: AofSource<P>, scan: AofSetScan, opts: RepairOptions = {}): RepairPlan<P> {
  const warnings = scanWarnings(set, scan);
  if (opts.truncateToTimestamp !== undefined) return planTimestamp(set, scan, opts.truncateToTimestamp, warnings);
  const v = setVerdict(scan);
  const n = scan.parts.length;
  if (v.kind === 'ok') {
    const last = scan.parts[n - 1];
    const pa = last && last.verdict.kind === 'ok' ? last.verdict.partialAnnotationAt : null;
    if (last && pa !== null && opts.cutPartialAnnotation) {
      return {
        input: set.input,
        warnings: [],
        action: 'truncate',
        cause: 'partial-annotation',
        file: last.name,
        part: set.parts[n - 1]!,
        size: last.size,
        cutAt: pa,
        lostBytes: last.size - pa,
        lostCommands: 0,
        offset: pa,
        reason: `the last line (an annotation at offset ${pa}) has no line ending`,
      };
    }
    return { input: set.input, warnings, action: 'none', reason: 'the AOF is valid: nothing to cut' };
  }
  const idx = scan.parts.findIndex((p) => p.name === v.file);
  const p = scan.parts[idx]!;
  const where = `${p.name} at offset ${v.offset}: ${v.what}`;
  if (v.inRdb) {
    return {
      input: set.input,
      warnings,
      action: 'refuse',
      file: p.name,
      offset: v.offset,
      lostBytes: null,
      reason: `the RDB part is damaged (${where}). Neither Redis nor redis-check-aof cuts inside an RDB preamble/base, and neither does rdbkit: restore that file from a backup`,
    };
  }
  if (v.notLast) {
    const loss = describeLoss(scan, idx, v.validBeforeMulti!);
    return {
      input: set.input,
      warnings,
      action: 'refuse',
      file: p.name,
      offset: v.offset,
      lostBytes: loss.bytes,
      reason:
        `${v.kind} data in ${where}, and it is not the last file: Redis will not load it, and cutting it at ${v.validBeforeMulti} would lose ${p.size - v.validBeforeMulti!} bytes of it ` +
        `plus every later file (${loss.files.join(', ')}; ${loss.bytes} bytes in all). rdbkit, like redis-check-aof, only cuts the last file`,
    };
  }
  const cutAt = v.validBeforeMulti!;
  const lostCommands = p.openMultiCommands.filter((s) => s >= cutAt).length;
  if (v.kind === 'corrupt') {
    warnings.push(
      `this is corruption, not a short write: everything from offset ${cutAt} to the end (${p.size - cutAt} bytes) is dropped, as redis-check-aof --fix does, including any valid commands after the damaged bytes`,
    );
    if (/arguments \(Redis refuses/.test(v.what ?? ''))
      warnings.push('redis-check-aof accepts a command with no arguments but redis-server refuses it; rdbkit cuts before it');
  }
  return {
    input: set.input,
    warnings,
    action: 'truncate',
    cause: v.kind,
    file: p.name,
    part: set.parts[idx]!,
    size: p.size,
    cutAt,
    lostBytes: p.size - cutAt,
    lostCommands,
    offset: v.offset!,
    reason: `${v.kind === 'truncated' ? 'truncated' : 'corrupt'} tail: ${where}`,
  };
}

/** Commands that parse cleanly after a damaged spot: where parsing picked up again, and how many. */
export interface ResyncProbe {
  resyncAt: number;
  commands: number;
}

/**
 * Look past corruption at `offset` of a file: from the first `*` that starts a line after it,
 * count the commands that parse. Says how much valid-looking data a cut at the damage drops.
 */
export async function probeAfterDamage(part: AofPartSource, offset: number): Promise<ResyncProbe | null> {
  // damage in the last byte (a stray LF, NUL, CR…): nothing follows it
  if (offset + 1 >= part.size) return null;
  let tok: AofTokenizer | null = null;
  let at = offset + 1;
  let prevLf = false;
  let resyncAt = -1;
  let commands = 0;
  for await (const chunk of part.read(offset + 1, part.size)) {
    let c = chunk;
    if (!tok) {
      let i = 0;
      for (; i < c.length; i++) {
        if (prevLf && c[i] === 0x2a) break;
        prevLf = c[i] === 0x0a;
      }
      if (i === c.length) {
        at += c.length;
        continue;
      }
      resyncAt = at + i;
      tok = new AofTokenizer({ startOffset: resyncAt, totalSize: part.size, maxArgs: 1 });
      c = c.subarray(i);
    }
    commands += tok.write(c).length;
    if (tok.verdict) break;
  }
  if (!tok) return null;
  commands += tok.end().length;
  return { resyncAt, commands };
}

/** Plan a salvage: the damaged ranges of every file Redis loads (the RDB parts must be intact). */
export async function planSalvage<P extends AofPartSource>(set: AofSource<P>, scan: AofSetScan): Promise<RepairPlan<P>> {
  const warnings = scanWarnings(set, scan);
  const rdbDamage = scan.parts.find((p) => p.verdict.kind !== 'ok' && p.verdict.inRdb);
  if (rdbDamage && rdbDamage.verdict.kind !== 'ok') {
    return {
      input: set.input,
      warnings,
      action: 'refuse',
      file: rdbDamage.name,
      offset: rdbDamage.verdict.offset,
      lostBytes: null,
      reason: `the RDB part of ${rdbDamage.name} is damaged at offset ${rdbDamage.verdict.offset} (${rdbDamage.verdict.what}); salvage reads only the RESP commands: restore that file from a backup, or read its keys with rdbkit convert --salvage`,
    };
  }
  const changes: SalvageChange<P>[] = [];
  for (let i = 0; i < scan.parts.length; i++) {
    const p = scan.parts[i]!;
    if (p.verdict.kind === 'ok') continue;
    const part = set.parts[i]!;
    const s = await salvagePart(part, p.rdb ? p.rdb.end : 0);
    if (s.ranges.length === 0) continue;
    changes.push({ file: p.name, part, size: p.size, ranges: s.ranges, droppedBytes: s.ranges.reduce((n, r) => n + r.end - r.start, 0) });
  }
  if (changes.length === 0) return { input: set.input, warnings, action: 'none', reason: 'the AOF is valid: nothing to salvage' };
  const n = changes.reduce((k, c) => k + c.ranges.length, 0);
  return {
    input: set.input,
    warnings,
    action: 'salvage',
    changes,
    reason: `${n} damaged range${n === 1 ? '' : 's'} in ${changes.map((c) => c.file).join(', ')}; the valid commands around ${n === 1 ? 'it' : 'them'} are kept`,
  };
}

/** Read an AOF and plan its repair (for corruption, also probing what follows the damage). */
export async function planAofRepair<P extends AofPartSource>(set: AofSource<P>, opts: RepairOptions = {}): Promise<RepairPlan<P>> {
  const scan = await scanAofSet(set, { timestampLimit: opts.truncateToTimestamp });
  if (opts.salvage) return planSalvage(set, scan);
  const plan = planRepair(set, scan, opts);
  if (plan.action === 'truncate' && plan.cause === 'corrupt') {
    const probe = await probeAfterDamage(plan.part, plan.offset);
    if (probe && probe.commands > 0) {
      plan.warnings.push(
        `after the damage, ${probe.commands} command${probe.commands === 1 ? '' : 's'} from offset ${probe.resyncAt} on look valid; the cut drops them too (repair --salvage keeps them)`,
      );
    }
  }
  return plan;
}
