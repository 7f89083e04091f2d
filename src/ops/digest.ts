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

import { DatasetDigest, type PartedKeyDigest, type ZsetEncodingRule } from '../engine/digest.js';
import { PART_THRESHOLD } from '../model/record.js';
import type { AofSource, ByteSource } from '../model/source.js';
import { type ReadOptions, readRdbBatches } from './read.js';
import { type AofProgress, type ReplayReport, replayAof } from './replay-aof.js';

/** Options. */
export interface DigestOptions {
  /** Dump time in ms: keys expiring at or before it are left out (default: now). */
  at?: number;
  /** Skip commands the engine does not know instead of stopping (AOF input). */
  skipUnknown?: boolean;
  zsetRule?: ZsetEncodingRule;
  /** AOF input: called as the replay goes (RDB input: `read.onProgress`). */
  onProgress?: (p: AofProgress) => void;
}

/** Options of an RDB digest: how to read the source, and the name the report gives it. */
export interface RdbDigestOptions extends DigestOptions {
  name?: string;
  read?: ReadOptions;
  /** Keys past this many elements are read and folded in parts (default PART_THRESHOLD). */
  partThreshold?: number;
}

/** The result. */
export interface DigestReport {
  /** The input as named (`input` in every report: the path or directory given, or "stdin"). */
  input: string;
  kind: 'rdb' | 'aof';
  digest: string;
  keys: number;
  /** Keys left out because they had expired at `at`. */
  expired: number;
  functions: number;
  /** AOF input: what the replay did. */
  replay: (Omit<ReplayReport, 'skipped'> & { skipped: Record<string, number> }) | null;
}

/** Digest an AOF: replay it into the engine, as Redis loads it, then digest the dataset. */
export async function digestAof(set: AofSource, opts: DigestOptions = {}): Promise<DigestReport> {
  const at = opts.at ?? Date.now();
  const { engine, report } = await replayAof(set, { skipUnknown: opts.skipUnknown, onProgress: opts.onProgress });
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
    input: set.input,
    kind: 'aof',
    digest: d.hex(),
    keys: d.keys,
    expired,
    functions: engine.libraries.size,
    replay: { ...rest, skipped: Object.fromEntries(skipped) },
  };
}

/**
 * Digest an RDB source as it streams through the decoder, key by key: memory does not grow with
 * the keys, nor with a key's size (keys too big to hold are read in parts and folded part by part).
 */
export async function digestRdb(source: ByteSource, opts: RdbDigestOptions = {}): Promise<DigestReport> {
  const at = opts.at ?? Date.now();
  const d = new DatasetDigest(opts.zsetRule ?? 'load');
  let expired = 0,
    functions = 0;
  let parted: PartedKeyDigest | null = null;
  for await (const batch of readRdbBatches(source, { partThreshold: opts.partThreshold ?? PART_THRESHOLD, ...opts.read })) {
    for (const rec of batch) {
      if (rec.kind === 'function') functions++;
      if (rec.kind === 'key-start') {
        if (rec.expireAt !== null && rec.expireAt <= at) expired++;
        else parted = d.begin(rec);
      } else if (rec.kind === 'key-part') parted?.part(rec);
      else if (rec.kind === 'key-end') {
        parted?.end();
        parted = null;
      }
      if (rec.kind !== 'key') continue;
      if (rec.expireAt !== null && rec.expireAt <= at) {
        expired++;
        continue;
      }
      d.add(rec);
    }
  }
  return { input: opts.name ?? 'rdb', kind: 'rdb', digest: d.hex(), keys: d.keys, expired, functions, replay: null };
}
