/**
 * One input of `rdbkit report`: an RDB (plain, gzip, VCS) read with its stored layout, or an AOF
 * (file, manifest or directory) replayed into the engine, as `convert` does.
 */
import { openAofSet } from '../io/aof-files.js';
import { openRdbInput } from '../io/input.js';
import { isAofKind, sniffInput } from '../io/sniff.js';
import type { RdbRecord } from '../model/record.js';
import { batchesOf } from '../ops/export.js';
import { engineRecords, replayAof } from '../ops/replay-aof.js';
import { type MemoryReport, type ReportOptions, rdbReportBatches, reportRecords } from '../ops/report.js';

/** An opened input: its records in batches, and what to release afterwards. */
export interface ReportInput {
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>;
  close(): void;
}

/** Open a file for reporting. */
export async function openReportInput(file: string, opts: ReportOptions): Promise<ReportInput> {
  if (isAofKind(await sniffInput(file))) {
    const { engine } = await replayAof(await openAofSet(file));
    return { batches: batchesOf(engineRecords(engine, opts.at), 1024), close: () => undefined };
  }
  const input = await openRdbInput(file, { crcWorker: true });
  return { batches: rdbReportBatches(input.source, input.decoderOptions), close: input.close };
}

/** Report on one file. */
export async function reportFile(file: string, opts: ReportOptions): Promise<MemoryReport> {
  const input = await openReportInput(file, opts);
  try {
    return await reportRecords(input.batches, { ...opts, source: opts.source ?? file });
  } finally {
    input.close();
  }
}
