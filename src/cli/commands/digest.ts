/** `rdbkit digest FILE|DIR`: the DEBUG DIGEST of the data in an RDB, an AOF or a multi-part AOF directory. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { digestFile } from '../digest-file.js';
import { parseTime } from '../filters.js';
import { shownName } from '../inputs.js';
import { c, EXIT_INVALID, EXIT_OK, runCommand } from '../output.js';
import { refuse } from '../refuse.js';

interface Args {
  file: string;
  json?: boolean;
  skipUnknown?: boolean;
  at?: string;
  asSaved?: boolean;
  quiet?: boolean;
}

export const command = 'digest <file>';
export const describe = "Print the dataset digest Redis 7.0's DEBUG DIGEST gives for the same data, computed offline";

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'RDB file, AOF file or AOF directory, or - for stdin' })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .option('skip-unknown', { type: 'boolean', describe: 'AOF: skip commands the engine does not know (counted) instead of stopping' })
    .option('at', {
      type: 'string',
      describe: 'Dump TIME (ms since the epoch, ISO date, now-1h): keys expired by then are left out (default: now)',
    })
    .option('as-saved', {
      type: 'boolean',
      describe: "RDB: digest sorted sets in the file's own encodings (the saving server's view) instead of a loading server's",
    })
    .example('$0 digest dump.rdb', 'the DEBUG DIGEST a server loading this dump would print')
    .example('$0 digest appendonlydir --at 2025-01-31T12:00:00Z', "the digest of the AOF's data as of a given time")
    .example('ssh db1 cat dump.rdb | $0 digest -', 'compare with DEBUG DIGEST elsewhere') as unknown as Argv<Args>;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('digest', shownName(argv.file), async () => {
    const at = argv.at === undefined ? undefined : parseTime('at', argv.at);
    const shown = shownName(argv.file);
    const r = await digestFile(
      argv.file,
      { skipUnknown: argv.skipUnknown, at, zsetRule: argv.asSaved ? 'entry' : 'load' },
      {
        quiet: argv.quiet,
        onKind: (kind) => {
          refuse(argv.skipUnknown === true && kind === 'rdb', '--skip-unknown', `applies to AOF input; ${shown} is an RDB`);
          refuse(argv.asSaved === true && kind === 'aof', '--as-saved', `reads an RDB's own encodings; ${shown} is an AOF`);
        },
      },
    );
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return EXIT_OK;
    }
    process.stdout.write(`${r.digest}\n`);
    const notes: string[] = [];
    if (r.expired) notes.push(`${r.expired} expired key(s) left out`);
    if (r.replay) {
      if (r.replay.failedCount)
        notes.push(
          `${r.replay.failedCount} command(s) failed during replay (first: ${r.replay.failed[0]!.command} at offset ${r.replay.failed[0]!.offset} of ${r.replay.failed[0]!.file}: ${r.replay.failed[0]!.error})`,
        );
      const skipped = Object.entries(r.replay.skipped);
      if (skipped.length) notes.push(`skipped unknown commands: ${skipped.map(([k, n]) => `${k} x${n}`).join(', ')}`);
      for (const p of r.replay.problems)
        if (p.kind !== 'corrupt')
          notes.push(`${p.file}: ${p.kind} at offset ${p.offset}: ${p.what} (replayed up to there, as Redis loads a truncated tail)`);
    }
    for (const n of notes) process.stderr.write(`${c.yellow('note:')} ${n}\n`);
    // Redis refuses to load an AOF with corrupt bytes: the digest above covers only the part before them
    const corrupt = r.replay?.problems.find((p) => p.kind === 'corrupt');
    if (corrupt) {
      process.stderr.write(
        `${c.red('rdbkit digest:')} ${corrupt.file}: corrupt AOF at offset ${corrupt.offset}: ${corrupt.what} (the digest covers only the commands before it; Redis would refuse to load this file)\n`,
      );
      return EXIT_INVALID;
    }
    return EXIT_OK;
  });
}
