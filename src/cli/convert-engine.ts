/**
 * The conversions of `rdbkit convert` that go through the reference engine or the RESP writer
 * (issue 5): AOF input (a file or a multi-part directory) to rdb / jsonl / json / resp, and RDB
 * input to resp. Called from commands/convert.ts; the output plumbing is the same.
 */
import { CorruptError, UsageError } from '../errors.js';
import type { RdbRecord } from '../model/record.js';
import type { AofSource } from '../model/source.js';
import { engineRdbChunks } from '../ops/engine-rdb.js';
import { type ExportStats, exportRecords, recordBatches } from '../ops/export.js';
import { filterRecords, type KeyFilter, pickFilter } from '../ops/filter.js';
import { engineRecords, replayAof } from '../ops/replay-aof.js';
import { sortedExport } from '../ops/sort.js';
import type { ToRdbReport } from '../ops/to-rdb.js';
import { datasetRespChunks, newToRespReport } from '../ops/to-resp.js';
import { datasetHeap } from './heap.js';
import { c, EXIT_OK, writeOutput } from './output.js';
import { aofProgress, writeProgress } from './progress.js';

/** The options convert.ts passes on. */
export interface EngineConvertArgs extends KeyFilter {
  file: string;
  to: string;
  output?: string;
  force?: boolean;
  meta?: boolean;
  rdbVersion?: number;
  lossy?: boolean;
  restore?: boolean;
  skipUnknown?: boolean;
  /** --to jsonl|json: canonical order. */
  sort?: boolean;
  batch?: number;
  /** Dump time (ms) for AOF input: keys expired by then are left out. */
  at?: number;
}

async function emit(a: EngineConvertArgs, chunks: AsyncIterable<Uint8Array>, what: () => string): Promise<void> {
  const binary = a.to === 'rdb';
  const w = await writeOutput(a.output, chunks, { force: a.force, binary, what: binary ? 'RDB bytes' : undefined });
  if (w.toFile) process.stderr.write(`${c.green('wrote')} ${a.output}: ${what()}, ${w.bytes} bytes\n`);
}

/** `convert AOF --to rdb|jsonl|json|resp`. */
export async function convertAof(a: EngineConvertArgs & { set: AofSource; quiet?: boolean }): Promise<number> {
  const { bar, onProgress } = aofProgress('convert', a.file, a.set, a.quiet);
  datasetHeap();
  const { engine, report } = await replayAof(a.set, { skipUnknown: a.skipUnknown, onProgress }).finally(() => bar.end());
  if (report.failedCount)
    process.stderr.write(
      `${c.yellow('note:')} ${report.failedCount} command(s) failed during replay (first: ${report.failed[0]!.command} at offset ${report.failed[0]!.offset} of ${report.failed[0]!.file}: ${report.failed[0]!.error})\n`,
    );
  for (const [k, n] of report.skipped) process.stderr.write(`${c.yellow('note:')} skipped unknown command ${k} x${n}\n`);
  for (const p of report.problems) {
    // Redis loads a truncated tail (aof-load-truncated yes) but refuses corrupt bytes: so does convert
    if (p.kind === 'corrupt')
      throw new CorruptError(
        'aof',
        'AOF_CORRUPT',
        p.offset,
        `${p.what} in ${p.file} (Redis would refuse to load this AOF; repair it first)`,
      );
    process.stderr.write(
      `${c.yellow('note:')} ${p.file}: ${p.kind} at offset ${p.offset}: ${p.what} (replayed up to there, as Redis loads a truncated tail)\n`,
    );
  }
  // the replay's line is gone; writing the output (the RDB's LZF, the JSON) has a line of its own
  let total = 0;
  for (const db of engine.dbs) total += db.size;
  const { bar: writing, count, key } = writeProgress('convert', a.file, total, a.quiet);
  try {
    if (a.to === 'rdb') {
      // straight from the engine's shapes (ops/engine-rdb.ts), not through the record model
      const rep: Partial<ToRdbReport> = {};
      const opts = { ...pickFilter(a), version: a.rdbVersion ?? 10, lossy: a.lossy, at: a.at, onKey: key };
      await emit(a, engineRdbChunks(engine, opts, rep), () => `RDB ${rep.version}, ${rep.keys ?? 0} keys`);
      return EXIT_OK;
    }
    return await writeDataset(a, count(engineRecords(engine, a.at)));
  } finally {
    writing.end();
  }
}

async function writeDataset(a: EngineConvertArgs, records: Iterable<RdbRecord>): Promise<number> {
  if (a.to === 'resp') {
    const rep = newToRespReport();
    await emit(
      a,
      datasetRespChunks(filterRecords(records, a), { restore: a.restore, rdbVersion: a.rdbVersion, batch: a.batch }, rep),
      () => `${rep.keys} keys, ${rep.commands} commands`,
    );
    return EXIT_OK;
  }
  if (a.to === 'jsonl' || a.to === 'json') {
    const stats: ExportStats = { keys: 0, records: 0 };
    const opts = { ...pickFilter(a), meta: a.meta, format: a.to } as const;
    const chunks = a.sort ? sortedExport(recordBatches(records), opts, stats) : exportRecords(recordBatches(records), opts, stats);
    await emit(a, chunks, () => `${stats.keys} keys`);
    return EXIT_OK;
  }
  throw new UsageError('CLI_BAD_FORMAT', `unsupported --to ${a.to} for AOF input`);
}

/** `convert RDB|JSON --to resp [--restore]`: the records come from convert's reader. */
export async function convertRdbToResp(a: EngineConvertArgs, batches: AsyncIterable<RdbRecord[]>): Promise<number> {
  const rep = newToRespReport();
  await emit(
    a,
    datasetRespChunks(filterRecords(flat(batches), a), { restore: a.restore, rdbVersion: a.rdbVersion, batch: a.batch }, rep),
    () => `${rep.keys} keys, ${rep.commands} commands`,
  );
  for (const s of rep.skipped) process.stderr.write(`${c.yellow('skipped')} db ${s.db} ${s.key}: ${s.what}\n`);
  for (const s of rep.unexpressed) process.stderr.write(`${c.yellow('not expressed')} db ${s.db} ${s.key}: ${s.what}\n`);
  if (rep.lostPending)
    process.stderr.write(`${c.yellow('note:')} ${rep.lostPending} pending stream entries refer to deleted entries and cannot be rebuilt\n`);
  return EXIT_OK;
}

async function* flat(batches: AsyncIterable<RdbRecord[]>): AsyncGenerator<RdbRecord> {
  for await (const b of batches) yield* b;
}
