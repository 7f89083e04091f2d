/** `rdbkit check FILE`: exit 0 when the file is complete and its checksum matches, else 1 with one line. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { openRdbInput } from '../../io/input.js';
import { isAofKind, openInput } from '../../io/sniff.js';
import { checkAof } from '../../ops/aof-inspect.js';
import { checkRdb } from '../../ops/check.js';
import { formatAofCheck } from '../aof-format.js';
import { formatRdbCheck } from '../format.js';
import { openAof, shownName } from '../inputs.js';
import { EXIT_INVALID, EXIT_OK, runCommand } from '../output.js';
import { aofProgress, rdbProgress } from '../progress.js';

interface Args {
  file: string;
  quiet?: boolean;
  json?: boolean;
}

export const command = 'check <file>';
export const describe = 'Verify a file end to end (structure and checksum); exit 0 if valid, 1 if truncated or corrupt';

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'RDB file, AOF file or AOF directory' })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .example('$0 check dump.rdb && cp dump.rdb /backup/', 'copy only a complete dump with a matching checksum')
    .example('$0 check appendonlydir', 'would Redis load this AOF? (exit 1 if truncated or corrupt)')
    .example('zcat dump.rdb.gz | $0 check -', 'check a compressed dump through a pipe') as unknown as Argv<Args>;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('check', shownName(argv.file), async () => {
    const opened = await openInput(argv.file);
    if (isAofKind(opened.kind)) {
      const set = await openAof(opened);
      const { bar, onProgress } = aofProgress('check', argv.file, set, argv.quiet);
      const r = await checkAof(set, { onProgress }).finally(() => bar.end());
      if (argv.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else (r.ok ? process.stdout : process.stderr).write(formatAofCheck(r));
      return r.ok ? EXIT_OK : EXIT_INVALID;
    }
    const input = await openRdbInput(opened.source!, { crcWorker: true });
    const bar = rdbProgress('check', argv.file, input, argv.quiet);
    try {
      const report = await checkRdb(input.source, input.decoderOptions);
      if (argv.json) process.stdout.write(`${JSON.stringify({ input: shownName(argv.file), container: input.container, ...report })}\n`);
      else (report.ok ? process.stdout : process.stderr).write(formatRdbCheck(shownName(argv.file), report));
      return report.ok ? EXIT_OK : EXIT_INVALID;
    } finally {
      bar.end();
      input.close();
    }
  });
}
