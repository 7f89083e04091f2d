/**
 * `rdbkit convert FILE --to jsonl|json [-o OUT] [--db N] [--key GLOB] [--type T] [--meta]`, and
 * `rdbkit convert IN --to rdb -o OUT [--rdb-version N] [--lossy] [--compress lz4|gzip]`.
 * Output goes to stdout, or to OUT through a temp file, fsync and rename (never overwriting
 * an existing OUT without --force).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { gzipChunks } from '../../io/compress.js';
import { openRdbInput } from '../../io/input.js';
import { isAofKind, openInput } from '../../io/sniff.js';
import type { InputSource } from '../../io/source.js';
import { type ExportStats, exportRdb } from '../../ops/export.js';
import { looksLikeJson, type ToRdbOptions, type ToRdbReport, toRdbChunks } from '../../ops/to-rdb.js';
import { convertAof, convertRdbToResp } from '../convert-engine.js';
import { aofPathOf, shownName } from '../inputs.js';
import { c, EXIT_OK, runCommand, writeOutput } from '../output.js';

interface Args {
  file: string;
  to: string;
  output?: string;
  db?: number[];
  key?: string;
  type?: string[];
  meta?: boolean;
  force?: boolean;
  skipExpired?: boolean;
  rdbVersion?: number;
  lossy?: boolean;
  compress?: 'lz4' | 'gzip';
  restore?: boolean;
  skipUnknown?: boolean;
  at?: number;
}

export const command = 'convert <file>';
export const describe =
  'Convert an RDB, an AOF (file or directory) or a JSON export to JSON Lines / JSON, an RDB of any version, or RESP commands';

export function builder(y: Argv): Argv<Args> {
  return (
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'input file' })
      .option('to', { type: 'string', demandOption: true, describe: 'output format', choices: ['jsonl', 'json', 'rdb', 'resp'] })
      .option('restore', { type: 'boolean', describe: '--to resp: RESTORE commands with DUMP payloads instead of type commands' })
      .option('skip-unknown', {
        type: 'boolean',
        describe: 'AOF input: skip commands the engine does not know (counted) instead of stopping',
      })
      .option('at', {
        type: 'number',
        describe:
          'AOF input: the dump time in ms since the epoch; keys expired by then are not written (default: the last #TS: annotation, else now)',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'output file (default: stdout)' })
      .option('db', { type: 'number', array: true, describe: 'only these databases' })
      .option('key', { type: 'string', describe: 'only keys matching this Redis glob' })
      .option('type', {
        type: 'string',
        array: true,
        describe: 'only keys of these types',
        choices: ['string', 'list', 'set', 'zset', 'hash', 'stream', 'module', 'array'],
      })
      .option('meta', {
        type: 'boolean',
        describe:
          'also emit every non-key record: header, aux, function, module-aux, slot-info, slot-import, hash-template (objects without "key")',
      })
      .option('skip-expired', { type: 'boolean', describe: 'drop keys whose TTL is already past (now), as Redis does when loading' })
      .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
      // --to rdb (task A): target version and lossy mode
      .option('rdb-version', { type: 'number', describe: '--to rdb: target RDB version (default: the input RDB version, else 10)' })
      .option('lossy', { type: 'boolean', describe: '--to rdb: drop what the target version cannot express instead of refusing' })
      .option('compress', {
        type: 'string',
        choices: ['lz4', 'gzip'],
        describe: '--to rdb: lz4 = Valkey VCS envelope (LZ4 frame), gzip = a gzip file',
      }) as unknown as Argv<Args>
  );
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('convert', shownName(argv.file), async () => {
    const opened = await openInput(argv.file);
    if (isAofKind(opened.kind)) return convertAof({ ...argv, file: aofPathOf(opened) });
    const src = opened.source!;
    if (argv.to === 'resp') return convertRdbToResp(argv, src);
    if (argv.to === 'rdb') return convertToRdb(argv, src);
    if (argv.to !== 'jsonl' && argv.to !== 'json') throw new UsageError('CLI_BAD_FORMAT', `unsupported --to ${argv.to}`);
    if (argv.compress) throw new UsageError('CLI_BAD_OPTION', '--compress applies to --to rdb only');
    const input = await openRdbInput(src, { crcWorker: true });
    try {
      const stats: ExportStats = { keys: 0, records: 0 };
      const chunks = exportRdb(
        input.source,
        {
          format: argv.to,
          meta: argv.meta,
          db: argv.db,
          key: argv.key,
          type: argv.type,
          expiredAt: argv.skipExpired ? Date.now() : undefined,
          decoder: input.decoderOptions,
        },
        stats,
      );
      const w = await writeOutput(argv.output, chunks, { force: argv.force });
      if (w.toFile) process.stderr.write(`${c.green('wrote')} ${argv.output}: ${stats.keys} keys, ${w.bytes} bytes\n`);
      return EXIT_OK;
    } finally {
      input.close();
    }
  });
}

// ---- --to rdb (task A: the RDB writer) --------------------------------------------------------

/** `convert IN --to rdb -o OUT`: IN is an RDB (plain, gzip, VCS) or rdbkit's JSONL/JSON export. */
async function convertToRdb(argv: ArgumentsCamelCase<Args>, src: InputSource): Promise<number> {
  const json = looksLikeJson(src.head);
  const report: Partial<ToRdbReport> = {};
  const opts: ToRdbOptions = {
    version: argv.rdbVersion,
    lossy: argv.lossy,
    db: argv.db,
    key: argv.key,
    type: argv.type,
    expiredAt: argv.skipExpired ? Date.now() : undefined,
    vcs: argv.compress === 'lz4',
  };
  let chunks: AsyncGenerator<Uint8Array>;
  let close = (): void => undefined;
  if (json) chunks = toRdbChunks(src.chunks(), 'json', opts, report);
  else {
    const input = await openRdbInput(src, { crcWorker: true });
    close = input.close;
    chunks = toRdbChunks(input.source, 'rdb', { ...opts, decoder: input.decoderOptions }, report);
  }
  if (argv.compress === 'gzip') chunks = gzipChunks(chunks);
  let w: { bytes: number; toFile: boolean };
  try {
    w = await writeOutput(argv.output, chunks, { force: argv.force, binary: true, what: 'RDB bytes' });
  } finally {
    close();
  }
  for (const d of report.dropped ?? []) process.stderr.write(`${c.yellow('dropped')} ${d.key}: ${d.what}\n`);
  const container = argv.compress === 'lz4' ? ' in a VCS (LZ4) envelope' : argv.compress === 'gzip' ? ', gzip' : '';
  if (w.toFile)
    process.stderr.write(
      `${c.green('wrote')} ${argv.output}: RDB ${report.version}${container}, ${report.keys ?? 0} keys, ${w.bytes} bytes\n`,
    );
  return EXIT_OK;
}
