/**
 * One input of `rdbkit report`: an RDB (plain, gzip, VCS) read with its stored layout, or an AOF
 * (file, manifest, directory, or a single AOF through a stream) replayed into the engine, as
 * `convert` does. `-` is stdin.
 */
import { openRdbInput } from '../io/input.js';
import { isAofKind, openInput } from '../io/sniff.js';
import type { RdbRecord } from '../model/record.js';
import { recordBatches } from '../ops/export.js';
import { engineRecords, replayAof } from '../ops/replay-aof.js';
import { type MemoryReport, type ReportOptions, rdbReportBatches, reportRecords } from '../ops/report.js';
import { datasetHeap } from './heap.js';
import { openAof, shownName } from './inputs.js';
import { aofProgress, type ProgressTarget, rdbProgress } from './progress.js';

/** An opened input: its records in batches, and what to release afterwards. */
export interface ReportInput {
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>;
  close(): void;
}

/**
 * Open a file (or `-`) for reporting; `progress` draws a progress line on a terminal, or hands
 * the states to a callback (a worker thread posts them to the main thread, which draws one line
 * for all the files).
 */
export async function openReportInput(file: string, opts: ReportOptions, progress?: ProgressTarget): Promise<ReportInput> {
  const opened = await openInput(file);
  const quiet = progress ?? true;
  if (isAofKind(opened.kind)) {
    const set = await openAof(opened);
    const { bar, onProgress } = aofProgress('report', file, set, quiet);
    datasetHeap();
    const { engine } = await replayAof(set, { onProgress }).finally(() => bar.end());
    return { batches: recordBatches(engineRecords(engine, opts.at)), close: () => undefined };
  }
  const input = await openRdbInput(opened.source!, { crcWorker: true });
  const bar = rdbProgress('report', file, input, quiet);
  return {
    batches: rdbReportBatches(input.source, input.decoderOptions),
    close: () => {
      bar.end();
      input.close();
    },
  };
}

/** Report on one file. */
export async function reportFile(file: string, opts: ReportOptions, progress?: ProgressTarget): Promise<MemoryReport> {
  const input = await openReportInput(file, opts, progress);
  try {
    return await reportRecords(input.batches, { ...opts, source: opts.source ?? shownName(file) });
  } finally {
    input.close();
  }
}
