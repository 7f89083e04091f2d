/** `rdbkit inspect FILE [--json]`: what a persistence file holds. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { openRdbInput } from '../../io/input.js';
import { isAofKind, openInput } from '../../io/sniff.js';
import { inspectAof } from '../../ops/aof-inspect.js';
import { inspectRdb } from '../../ops/inspect.js';
import { formatAofInspect } from '../aof-format.js';
import { formatRdbInspect } from '../format.js';
import { notAnInput, openAof, shownName } from '../inputs.js';
import { c, EXIT_INVALID, EXIT_OK, runCommand } from '../output.js';
import { aofProgress, rdbProgress } from '../progress.js';

interface Args {
  file: string;
  quiet?: boolean;
  json?: boolean;
}

export const command = 'inspect <file>';
export const describe = 'Show the version, aux fields and per-database key statistics of an RDB (or an AOF / multi-part AOF directory)';

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'RDB file (plain, .gz or Valkey VCS), AOF file or AOF directory' })
    .option('json', { type: 'boolean', describe: 'Print the report as JSON' })
    .example('$0 inspect dump.rdb', 'version, aux fields, keys per database by type and encoding')
    .example('$0 inspect appendonlydir --json', 'the parts, commands and flushes of a Redis 7 AOF, as JSON')
    .example('ssh db1 cat /var/lib/redis/dump.rdb | $0 inspect -', 'a dump arriving on stdin') as unknown as Argv<Args>;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('inspect', shownName(argv.file), async () => {
    const opened = await openInput(argv.file);
    if (isAofKind(opened.kind)) {
      const set = await openAof(opened);
      const { bar, onProgress } = aofProgress('inspect', argv.file, set, argv.quiet);
      const r = await inspectAof(set, { onProgress }).finally(() => bar.end());
      process.stdout.write(argv.json ? `${JSON.stringify(r, null, 2)}\n` : formatAofInspect(r));
      return EXIT_OK;
    }
    if (opened.kind === 'unknown') {
      process.stderr.write(`${c.red('rdbkit inspect:')} ${notAnInput(opened).message}\n`);
      return EXIT_INVALID;
    }
    const input = await openRdbInput(opened.source!, { crcWorker: true });
    const bar = rdbProgress('inspect', argv.file, input, argv.quiet);
    try {
      const report = await inspectRdb(input.source, input.decoderOptions);
      if (argv.json)
        process.stdout.write(`${JSON.stringify({ input: shownName(argv.file), container: input.container, ...report }, null, 2)}\n`);
      else process.stdout.write(formatRdbInspect(shownName(argv.file), report, input.container));
      return EXIT_OK;
    } finally {
      bar.end();
      input.close();
    }
  });
}
