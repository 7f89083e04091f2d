/**
 * AOF input for conversions: replay an AOF file or multi-part directory into the reference engine
 * (src/engine) the way Redis loads it, then hand the dataset on as RDB records. Memory grows with
 * the dataset, not with the log. Keys already expired at `at` (default: now) are not emitted,
 * as Redis does not write them when it dumps.
 */

import { Engine } from '../engine/engine.js';
import { Replayer, type ReplayOptions, type ReplayReport } from '../engine/replay.js';
import { openAofSet } from '../io/aof-files.js';
import { readChunks } from '../io/files.js';
import type { RdbRecord } from '../model/record.js';
import { decodeDumpPayload } from './dump.js';

/** Replay every part of the AOF at `path` (file, manifest or directory) into a new engine. */
export async function replayAofPath(path: string, opts: ReplayOptions = {}): Promise<{ engine: Engine; report: ReplayReport }> {
  const set = await openAofSet(path);
  const engine = new Engine({ dumpDecoder: decodeDumpPayload });
  const r = new Replayer(engine, opts);
  for (const part of set.parts) {
    r.startFile(part.name, part.size);
    if (part.size > 0) for await (const chunk of readChunks(part.path, undefined, 0, part.size)) r.write(chunk);
    r.endFile();
  }
  return { engine, report: r.report };
}

/** The engine's dataset as RDB records: function libraries first, then keys db by db. */
export function* engineRecords(engine: Engine, at?: number): Generator<RdbRecord> {
  yield* engine.functions();
  yield* engine.entries({ at });
}
