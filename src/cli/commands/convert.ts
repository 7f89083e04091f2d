/**
 * `rdbkit convert IN --to jsonl|json|rdb|resp [-o OUT] [filters]`. IN is an RDB (plain, gzip,
 * VCS), an AOF (file or directory, replayed by the engine) or rdbkit's JSON/JSONL export; `-`
 * is stdin. Output goes to stdout (`-o -` too), in place to a device or FIFO, or to OUT through
 * a temp file, fsync and rename (never over an existing OUT without --force). An option that
 * would do nothing for this input or target is refused (exit 2), not ignored.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { gzipChunks } from '../../io/compress.js';
import { openRdbInput } from '../../io/input.js';
import { isStdout } from '../../io/sink.js';
import { isAofKind, openInput } from '../../io/sniff.js';
import type { InputSource } from '../../io/source.js';
import { PART_THRESHOLD, type RdbRecord } from '../../model/record.js';
import { batchesOfAsync, type ExportStats, exportRecords } from '../../ops/export.js';
import type { KeyFilter } from '../../ops/filter.js';
import { readRdbBatches } from '../../ops/read.js';
import { sortedExport } from '../../ops/sort.js';
import { encodeBatches, looksLikeJson, rawValuesFor, recordsFromJson, type ToRdbReport } from '../../ops/to-rdb.js';
import { convertAof, convertRdbToResp, type EngineConvertArgs } from '../convert-engine.js';
import { convertSalvage } from '../convert-salvage.js';
import { type FilterArgs, filterFromArgs, filterOptions, parseTime } from '../filters.js';
import { datasetProcess } from '../heap.js';
import { openAof, shownName } from '../inputs.js';
import { c, EXIT_OK, runCommand, writeOutput } from '../output.js';
import { rdbProgress } from '../progress.js';
import { refuse } from '../refuse.js';

interface Args extends FilterArgs {
  file: string;
  to: string;
  output?: string;
  meta?: boolean;
  force?: boolean;
  skipExpired?: boolean;
  rdbVersion?: number;
  lossy?: boolean;
  compress?: 'lz4' | 'gzip';
  restore?: boolean;
  skipUnknown?: boolean;
  at?: string;
  sort?: boolean;
  quiet?: boolean;
  salvage?: boolean;
}

export const command = 'convert <file>';
export const describe =
  'Convert an RDB, an AOF (file or directory) or a JSON export to JSON Lines / JSON, an RDB of any version, or RESP commands';

export function builder(y: Argv): Argv<Args> {
  return filterOptions(
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'input file, AOF directory, or - for stdin' })
      .option('to', { type: 'string', demandOption: true, describe: 'output format', choices: ['jsonl', 'json', 'rdb', 'resp'] })
      .option('output', { alias: 'o', type: 'string', describe: 'output file (default, or -: stdout)' })
      .option('force', { type: 'boolean', describe: 'replace an existing output file' })
      .option('sort', { type: 'boolean', describe: '--to jsonl|json: canonical order (keys, set/hash members) so exports diff cleanly' })
      .option('meta', {
        type: 'boolean',
        describe:
          '--to jsonl|json: also emit every non-key record: header, aux, function, module-aux, slot-info, slot-import, hash-template',
      })
      .option('skip-expired', { type: 'boolean', describe: 'drop keys whose TTL is already past (now), as Redis does when loading' })
      .option('restore', { type: 'boolean', describe: '--to resp: RESTORE commands with DUMP payloads instead of type commands' })
      .option('skip-unknown', {
        type: 'boolean',
        describe: 'AOF input: skip commands the engine does not know (counted) instead of stopping',
      })
      .option('at', {
        type: 'string',
        describe: 'AOF input: the dump TIME; keys expired by then are not written (default: the last #TS: annotation, else now)',
      })
      .option('rdb-version', {
        type: 'number',
        describe: '--to rdb (or resp --restore): target RDB version (default: the input version, else 10)',
      })
      .option('salvage', {
        type: 'boolean',
        describe: 'RDB input: write every readable key of a damaged file, then report the damage (exit 0 complete, 3 partial, 1 nothing)',
      })
      .option('lossy', { type: 'boolean', describe: '--to rdb: drop what the target version cannot express instead of refusing' })
      .option('compress', {
        type: 'string',
        choices: ['lz4', 'gzip'],
        describe: '--to rdb: lz4 = Valkey VCS envelope (LZ4 frame), gzip = a gzip file',
      })
      .example('$0 convert dump.rdb --to jsonl --key "user:*" --type hash -o users.jsonl', 'export the hashes under user:')
      .example(
        'ssh db1 cat /var/lib/redis/dump.rdb | $0 convert - --to rdb --rdb-version 9 -o dump9.rdb',
        'downgrade a dump arriving on stdin',
      )
      .example('$0 convert appendonlydir --to rdb | gzip > dump.rdb.gz', 'replay an AOF into a compressed RDB'),
  ) as unknown as Argv<Args>;
}

/** What the input holds, as convert sees it. */
type Kind = 'aof' | 'rdb' | 'json';

/** Refuse options that would do nothing for this input and target. */
function refuseUseless(a: ArgumentsCamelCase<Args>, kind: Kind, input: string): void {
  const exportTo = a.to === 'jsonl' || a.to === 'json';
  refuse(
    a.at !== undefined && kind !== 'aof',
    '--at',
    `sets the dump time of a replayed AOF; ${input} is ${kind === 'rdb' ? 'an RDB' : 'a JSON export'}`,
  );
  refuse(
    a.skipUnknown === true && kind !== 'aof',
    '--skip-unknown',
    `applies to AOF input; ${input} is ${kind === 'rdb' ? 'an RDB' : 'a JSON export'}`,
  );
  refuse(
    a.rdbVersion !== undefined && !(a.to === 'rdb' || (a.to === 'resp' && a.restore)),
    '--rdb-version',
    'applies to --to rdb (or --to resp --restore)',
  );
  refuse(a.lossy === true && a.to !== 'rdb', '--lossy', 'applies to --to rdb');
  refuse(a.compress !== undefined && a.to !== 'rdb', '--compress', 'applies to --to rdb');
  refuse(a.restore === true && a.to !== 'resp', '--restore', 'applies to --to resp');
  refuse(a.meta === true && !exportTo, '--meta', 'applies to --to jsonl|json');
  refuse(a.sort === true && !exportTo, '--sort', 'applies to --to jsonl|json');
  refuse(a.force === true && isStdout(a.output), '--force', 'replaces an existing -o FILE; this output is stdout');
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('convert', shownName(argv.file), async () => {
    const now = Date.now();
    const filter: KeyFilter = { ...filterFromArgs(argv, now), expiredAt: argv.skipExpired ? now : undefined };
    if (argv.skipExpired && filter.expired)
      throw new UsageError(
        'FILTER_CONTRADICTION',
        '--expired keeps only expired keys, --skip-expired drops them: together they select nothing',
      );
    const opened = await openInput(argv.file);
    const src = opened.source;
    const kind: Kind = isAofKind(opened.kind) ? 'aof' : src && opened.kind === 'unknown' && looksLikeJson(src.head) ? 'json' : 'rdb';
    refuseUseless(argv, kind, shownName(argv.file));
    if (argv.salvage) {
      if (kind !== 'rdb') throw new UsageError('CLI_BAD_OPTION', '--salvage reads RDB input; for an AOF use rdbkit repair --salvage');
      return convertSalvage({
        ...engineArgs(argv, filter),
        source: src ?? undefined,
        compress: argv.compress,
        skipExpired: argv.skipExpired,
      });
    }
    if (kind === 'aof') {
      const at = argv.at === undefined ? undefined : parseTime('at', argv.at, now);
      const set = await openAof(opened);
      // a replay holds the whole dataset: a child with a larger young generation does it (cli/heap.ts)
      const child = await datasetProcess(set);
      if (child !== null) return child;
      return convertAof({ ...engineArgs(argv, filter), at, set, quiet: argv.quiet });
    }
    return convertRecords(argv, kind, src!, filter);
  });
}

/** The options convert-engine takes. */
function engineArgs(a: ArgumentsCamelCase<Args>, filter: KeyFilter): EngineConvertArgs {
  return {
    ...filter,
    file: a.file,
    to: a.to,
    output: a.output,
    force: a.force,
    meta: a.meta,
    rdbVersion: a.rdbVersion,
    lossy: a.lossy,
    restore: a.restore,
    skipUnknown: a.skipUnknown,
    sort: a.sort,
  };
}

/** RDB or JSON input to jsonl / json / rdb / resp. */
async function convertRecords(argv: ArgumentsCamelCase<Args>, kind: 'rdb' | 'json', src: InputSource, filter: KeyFilter): Promise<number> {
  let batches: AsyncIterable<RdbRecord[]>;
  let close = (): void => undefined;
  if (kind === 'json') batches = batchesOfAsync(recordsFromJson(src.chunks()));
  else {
    const input = await openRdbInput(src, { crcWorker: true });
    const bar = rdbProgress('convert', argv.file, input, argv.quiet);
    close = () => {
      bar.end();
      input.close();
    };
    // keys too big to hold come in parts, which every writer takes (SPEC.md §2.1); --sort holds
    // the whole output anyway, so it reads whole keys
    // --to rdb keeps the input's quicklist and stream nodes (layout), whole or in parts, and copies
    // a key's stored bytes when writing the input's own version: then values are only validated
    batches = readRdbBatches(input.source, {
      ...input.decoderOptions,
      partThreshold: argv.sort ? 0 : PART_THRESHOLD,
      layout: argv.to === 'rdb',
      rawValues: argv.to === 'rdb' && rawValuesFor(argv.rdbVersion, argv.compress === 'lz4'),
      // the JSON writers walk small listpack and intset values as stored (KeyEntry.packed)
      packed: (argv.to === 'jsonl' || argv.to === 'json') && !argv.sort,
    });
  }
  try {
    if (argv.to === 'jsonl' || argv.to === 'json') {
      const stats: ExportStats = { keys: 0, records: 0 };
      const opts = { ...filter, format: argv.to, meta: argv.meta } as const;
      // chunks written out come back to exportRecords to be written into again
      const recycle: Uint8Array[] = [];
      const chunks = argv.sort ? sortedExport(batches, opts, stats) : exportRecords(batches, { ...opts, recycle }, stats);
      const release = argv.sort ? undefined : (b: Uint8Array) => recycle.push(b);
      const w = await writeOutput(argv.output, chunks, { force: argv.force, release });
      close();
      if (w.toFile) process.stderr.write(`${c.green('wrote')} ${argv.output}: ${stats.keys} keys, ${w.bytes} bytes\n`);
      return EXIT_OK;
    }
    if (argv.to === 'resp') return await convertRdbToResp(engineArgs(argv, filter), batches);
    const report: Partial<ToRdbReport> = {};
    let chunks = encodeBatches(batches, { ...filter, version: argv.rdbVersion, lossy: argv.lossy, vcs: argv.compress === 'lz4' }, report);
    if (argv.compress === 'gzip') chunks = gzipChunks(chunks);
    const w = await writeOutput(argv.output, chunks, { force: argv.force, binary: true, what: 'RDB bytes' });
    close();
    for (const d of report.dropped ?? []) process.stderr.write(`${c.yellow('dropped')} ${d.key}: ${d.what}\n`);
    const env = argv.compress === 'lz4' ? ' in a VCS (LZ4) envelope' : argv.compress === 'gzip' ? ', gzip' : '';
    if (w.toFile)
      process.stderr.write(`${c.green('wrote')} ${argv.output}: RDB ${report.version}${env}, ${report.keys ?? 0} keys, ${w.bytes} bytes\n`);
    return EXIT_OK;
  } finally {
    close();
  }
}
