/**
 * Any input as a dataset: batches of records from an RDB (plain, gzip, VCS; a file or a stream),
 * an AOF replayed by the engine (a file or a directory), or a JSON/JSONL export. Used by the
 * commands that compare or re-export whole datasets (diff).
 */
import { UsageError } from '../errors.js';
import { openRdbInput } from '../io/input.js';
import { isAofKind, openInput } from '../io/sniff.js';
import { PART_THRESHOLD, type RdbRecord } from '../model/record.js';
import { batchesOfAsync, recordBatches } from '../ops/export.js';
import { readRdbBatches } from '../ops/read.js';
import { engineRecords, replayAof } from '../ops/replay-aof.js';
import { looksLikeJson, recordsFromJson } from '../ops/to-rdb.js';
import { datasetHeap } from './heap.js';
import { notAnInput, openAof } from './inputs.js';
import { aofProgress, rdbProgress } from './progress.js';

/** An opened dataset. */
export interface Dataset {
  kind: 'rdb' | 'aof' | 'json';
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>;
  /** Notes for the user (AOF replay problems). */
  notes: string[];
  close(): void;
}

/** Open `arg` (a path or `-`) as a dataset; AOF keys expired at `at` are left out, as Redis would not dump them. */
export async function openDataset(arg: string, opts: { at?: number; skipUnknown?: boolean; quiet?: boolean } = {}): Promise<Dataset> {
  const opened = await openInput(arg);
  if (isAofKind(opened.kind)) {
    const set = await openAof(opened);
    const { bar, onProgress } = aofProgress('diff', arg, set, opts.quiet);
    datasetHeap();
    const { engine, report } = await replayAof(set, { skipUnknown: opts.skipUnknown, onProgress }).finally(() => bar.end());
    const notes: string[] = [];
    for (const p of report.problems) {
      if (p.kind === 'corrupt')
        throw new UsageError(
          'AOF_CORRUPT',
          `${arg}: corrupt AOF at offset ${p.offset} of ${p.file}: ${p.what} (Redis would refuse to load it)`,
        );
      notes.push(`${p.file}: ${p.kind} at offset ${p.offset}: ${p.what} (replayed up to there, as Redis loads a truncated tail)`);
    }
    if (report.failedCount) notes.push(`${report.failedCount} command(s) failed during replay`);
    return { kind: 'aof', batches: recordBatches(engineRecords(engine, opts.at)), notes, close: () => undefined };
  }
  const src = opened.source!;
  if (opened.kind === 'unknown' && looksLikeJson(src.head)) {
    return { kind: 'json', batches: batchesOfAsync(recordsFromJson(src.chunks())), notes: [], close: () => undefined };
  }
  if (opened.kind === 'unknown' && src.head.length === 0) throw notAnInput(opened);
  const input = await openRdbInput(src, { crcWorker: true });
  const bar = rdbProgress('diff', arg, input, opts.quiet);
  // keys too big to hold come in parts; diff digests them part by part (SPEC.md §2.1)
  const batches = readRdbBatches(input.source, { partThreshold: PART_THRESHOLD, ...input.decoderOptions });
  return {
    kind: 'rdb',
    batches: (async function* () {
      try {
        yield* batches;
      } finally {
        bar.end();
      }
    })(),
    notes: [],
    close: () => {
      bar.end();
      input.close();
    },
  };
}
