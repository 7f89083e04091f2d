/**
 * `rdbkit digest`: the dataset digest Redis 7.0's DEBUG DIGEST prints for the data of an RDB,
 * a single AOF (with or without an RDB preamble) or a multi-part AOF directory, computed
 * offline. RDB input streams through the decoder into a DatasetDigest (memory independent of
 * the file); AOF input is replayed into the reference engine (memory proportional to the
 * dataset) as Redis loads it, then digested.
 *
 * Keys already expired at `at` (default: now) are left out, as Redis drops them when it loads an
 * RDB as a master (the engine follows the same rule for AOF data). For RDB input, zsets are
 * digested with the encoding a Redis 7.0 server loading the file would choose ('load');
 * `zsetRule: 'entry'` uses the file's own encodings instead (what the server that wrote it had).
 */

import { DatasetDigest, type ZsetEncodingRule } from '../engine/digest.js';
import type { ReplayReport } from '../engine/replay.js';
import { UsageError } from '../errors.js';
import { openRdbInput } from '../io/input.js';
import { isAofKind, sniffInput } from '../io/sniff.js';
import { readRdbBatches } from './read.js';
import { replayAofPath } from './replay-aof.js';

/** Options. */
export interface DigestOptions {
  /** Dump time in ms: keys expiring at or before it are left out (default: now). */
  at?: number;
  /** Skip commands the engine does not know instead of stopping (AOF input). */
  skipUnknown?: boolean;
  zsetRule?: ZsetEncodingRule;
}

/** The result. */
export interface DigestReport {
  file: string;
  kind: 'rdb' | 'aof';
  digest: string;
  keys: number;
  /** Keys left out because they had expired at `at`. */
  expired: number;
  functions: number;
  /** AOF input: what the replay did. */
  replay: (Omit<ReplayReport, 'skipped'> & { skipped: Record<string, number> }) | null;
}

/** Digest a file or AOF directory. */
export async function digestFile(path: string, opts: DigestOptions = {}): Promise<DigestReport> {
  const kind = await sniffInput(path);
  if (kind === 'missing') throw new UsageError('NO_SUCH_FILE', `cannot open ${path}: no such file or directory`);
  const at = opts.at ?? Date.now();
  if (isAofKind(kind)) {
    const { engine, report } = await replayAofPath(path, { skipUnknown: opts.skipUnknown });
    const d = new DatasetDigest('entry');
    let expired = 0;
    for (const e of engine.entries({ includeExpired: true })) {
      if (e.expireAt !== null && e.expireAt <= at) {
        expired++;
        continue;
      }
      d.add(e);
    }
    const { skipped, ...rest } = report;
    return {
      file: path,
      kind: 'aof',
      digest: d.hex(),
      keys: d.keys,
      expired,
      functions: engine.libraries.size,
      replay: { ...rest, skipped: Object.fromEntries(skipped) },
    };
  }
  // Anything else is read as an RDB, as `check` reads it: gzip and VCS containers are opened,
  // and a file without the RDB magic is a CorruptError (exit 1), not a usage error.
  const input = await openRdbInput(path);
  const d = new DatasetDigest(opts.zsetRule ?? 'load');
  let expired = 0,
    functions = 0;
  for await (const batch of readRdbBatches(input.source, input.decoderOptions)) {
    for (const rec of batch) {
      if (rec.kind === 'function') functions++;
      if (rec.kind !== 'key') continue;
      if (rec.expireAt !== null && rec.expireAt <= at) {
        expired++;
        continue;
      }
      d.add(rec);
    }
  }
  return { file: path, kind: 'rdb', digest: d.hex(), keys: d.keys, expired, functions, replay: null };
}
