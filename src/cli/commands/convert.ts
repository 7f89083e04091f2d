/**
 * `rdbkit convert FILE --to jsonl|json [-o OUT] [--db N] [--key GLOB] [--type T] [--meta]`.
 * Output goes to stdout, or to OUT through a temp file, fsync and rename (never overwriting
 * an existing OUT without --force).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { openRdbInput } from '../../io/input.js';
import { type ExportStats, exportRdb } from '../../ops/export.js';
import { EXIT_OK, c, runCommand, writeOutputFile, writeStdout } from '../output.js';

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
}

export const command = 'convert <file>';
export const describe = 'Convert an RDB to JSON Lines or JSON (one object per key, streamed)';

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'input file' })
    .option('to', { type: 'string', demandOption: true, describe: 'output format', choices: ['jsonl', 'json'] })
    .option('output', { alias: 'o', type: 'string', describe: 'output file (default: stdout)' })
    .option('db', { type: 'number', array: true, describe: 'only these databases' })
    .option('key', { type: 'string', describe: 'only keys matching this Redis glob' })
    .option('type', { type: 'string', array: true, describe: 'only keys of these types', choices: ['string', 'list', 'set', 'zset', 'hash', 'stream', 'module'] })
    .option('meta', { type: 'boolean', describe: 'also emit header/aux/function/module-aux records (objects without "key")' })
    .option('skip-expired', { type: 'boolean', describe: 'drop keys whose TTL is already past (now), as Redis does when loading' })
    .option('force', { type: 'boolean', describe: 'overwrite an existing output file' }) as unknown as Argv<Args>;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('convert', argv.file, async () => {
    if (argv.to !== 'jsonl' && argv.to !== 'json') throw new UsageError('CLI_BAD_FORMAT', `unsupported --to ${argv.to}`);
    const input = await openRdbInput(argv.file);
    const stats: ExportStats = { keys: 0, records: 0 };
    const chunks = exportRdb(input.source, {
      format: argv.to, meta: argv.meta, db: argv.db, key: argv.key, type: argv.type,
      expiredAt: argv.skipExpired ? Date.now() : undefined,
      decoder: input.decoderOptions,
    }, stats);
    if (argv.output) {
      const bytes = await writeOutputFile(argv.output, chunks, argv.force ?? false);
      process.stderr.write(`${c.green('wrote')} ${argv.output}: ${stats.keys} keys, ${bytes} bytes\n`);
    } else {
      await writeStdout(chunks);
    }
    return EXIT_OK;
  });
}
