/**
 * `rdbkit convert RDB --salvage --to jsonl|json|rdb|resp`: write every key that can be read from a
 * truncated or damaged RDB, then report the damage. Keys whose damage is confined to their value
 * are skipped and listed; reading stops where the structure is lost. The exit status tells the
 * outcome apart: 0 complete, 3 partial (keys recovered, some lost), 1 nothing readable.
 */
import { UsageError } from '../errors.js';
import { gzipChunks } from '../io/compress.js';
import { openRdbInput } from '../io/input.js';
import type { InputSource } from '../io/source.js';
import type { RdbRecord } from '../model/record.js';
import { type ExportStats, exportRecords, flattenBatches } from '../ops/export.js';
import { compileFilter, type KeyFilter } from '../ops/filter.js';
import { type SalvageDamage, type SalvageReport, salvageOutcome, salvageRdbBatches } from '../ops/read.js';
import { encodeBatches, type ToRdbReport } from '../ops/to-rdb.js';
import { datasetRespChunks, newToRespReport } from '../ops/to-resp.js';
import type { EngineConvertArgs } from './convert-engine.js';
import { c, EXIT_INVALID, EXIT_OK, writeOutput } from './output.js';

/** Exit status of a salvage that recovered some keys but not all. */
export const EXIT_PARTIAL = 3;

/** The options convert.ts passes on: the output options of every conversion, and salvage's own. */
export interface SalvageArgs
  extends Pick<EngineConvertArgs, 'file' | 'to' | 'output' | 'force' | 'meta' | 'rdbVersion' | 'lossy' | 'restore'>,
    KeyFilter {
  /** The input already opened (stdin included); else `file` is opened. */
  source?: InputSource;
  compress?: 'lz4' | 'gzip';
  skipExpired?: boolean;
}

async function* filtered(records: AsyncIterable<RdbRecord>, f: KeyFilter): AsyncGenerator<RdbRecord> {
  const keep = compileFilter(f);
  for await (const r of records) if (r.kind !== 'key' || keep(r)) yield r;
}

function describe(d: SalvageDamage): string {
  const where = d.context ? ` while reading ${d.context}` : '';
  return `${d.kind} at offset ${d.offset}${where}: ${d.detail} (${d.code})`;
}

/** Run a salvage conversion; returns the exit status. */
export async function convertSalvage(a: SalvageArgs): Promise<number> {
  if (a.to === 'rdb' && !a.output)
    throw new UsageError('CLI_NEED_OUTPUT', '--to rdb needs -o OUT (RDB bytes are not written to a terminal)');
  if (a.compress && a.to !== 'rdb') throw new UsageError('CLI_BAD_OPTION', '--compress applies to --to rdb only');
  const input = await openRdbInput(a.source ?? a.file);
  const report: SalvageReport = { keys: 0, skipped: [], stop: null };
  const batches = salvageRdbBatches(input.source, input.decoderOptions, report);
  const expiredAt = a.skipExpired ? Date.now() : undefined;
  let chunks: AsyncGenerator<Uint8Array>;
  let what: () => string;
  if (a.to === 'jsonl' || a.to === 'json') {
    const stats: ExportStats = { keys: 0, records: 0 };
    chunks = exportRecords(batches, { ...a, format: a.to, expiredAt }, stats);
    what = () => `${stats.keys} keys`;
  } else if (a.to === 'rdb') {
    const rep: Partial<ToRdbReport> = {};
    chunks = encodeBatches(
      batches,
      { version: a.rdbVersion, lossy: a.lossy, db: a.db, key: a.key, type: a.type, expiredAt, vcs: a.compress === 'lz4' },
      rep,
    );
    if (a.compress === 'gzip') chunks = gzipChunks(chunks);
    what = () => `RDB ${rep.version}, ${rep.keys ?? 0} keys`;
  } else if (a.to === 'resp') {
    const rep = newToRespReport();
    chunks = datasetRespChunks(filtered(flattenBatches(batches), a), { restore: a.restore, rdbVersion: a.rdbVersion }, rep);
    what = () => `${rep.keys} keys, ${rep.commands} commands`;
  } else {
    throw new UsageError('CLI_BAD_FORMAT', `unsupported --to ${a.to}`);
  }
  try {
    const w = await writeOutput(a.output, chunks, { force: a.force, binary: a.to === 'rdb', what: 'RDB bytes' });
    if (w.toFile) process.stderr.write(`${c.green('wrote')} ${a.output}: ${what()}, ${w.bytes} bytes\n`);
  } finally {
    input.close();
  }
  for (const s of report.skipped) process.stderr.write(`${c.yellow('salvage: skipped')} key "${s.key}" in db ${s.db}: ${describe(s)}\n`);
  if (report.stop) process.stderr.write(`${c.yellow('salvage: stopped')} ${describe(report.stop)}\n`);
  const outcome = salvageOutcome(report);
  const summary = `${report.keys} key${report.keys === 1 ? '' : 's'} recovered, ${report.skipped.length} skipped${report.stop ? `, nothing after offset ${report.stop.offset} could be read` : ''}`;
  if (outcome === 'complete') {
    process.stderr.write(`${c.green('salvage: complete')}: ${summary}\n`);
    return EXIT_OK;
  }
  if (outcome === 'partial') {
    process.stderr.write(`${c.yellow('salvage: partial')}: ${summary}\n`);
    return EXIT_PARTIAL;
  }
  process.stderr.write(`${c.red('salvage: nothing readable')}: ${summary}\n`);
  return EXIT_INVALID;
}
