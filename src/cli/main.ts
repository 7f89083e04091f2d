/** The rdbkit command line: yargs over the command modules in ./commands. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ownVersion } from '../io/files.js';
import { installLatin1Decoder } from '../io/latin1.js';
import { installSignalCleanup } from '../io/signals.js';
import * as check from './commands/check.js';
import * as convert from './commands/convert.js';
import * as diff from './commands/diff.js';
import * as digest from './commands/digest.js';
import * as inspect from './commands/inspect.js';
import * as repair from './commands/repair.js';
import * as report from './commands/report.js';
import * as restore from './commands/restore.js';
import * as unflush from './commands/unflush.js';
import { allowDatasetProcess, streamingHeap } from './heap.js';

/** Every command module, in help order. Colleagues add theirs here. */
const commands = [inspect, check, convert, repair, unflush, digest, diff, restore, report];

/** Run the CLI with the given arguments. */
export async function main(args?: string[]): Promise<void> {
  if (args === undefined) allowDatasetProcess();
  args ??= hideBin(process.argv);
  installSignalCleanup();
  installLatin1Decoder();
  streamingHeap();
  // a reader that stops early (`rdbkit convert ... | head`) is not an error worth a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // yargs reads a lone `-` as an empty flag; carry it through parsing under a name no shell can pass
  const STDIO = '\u0000-';
  let cli = yargs(args.map((a) => (a === '-' ? STDIO : a)))
    .middleware((argv) => {
      for (const [k, v] of Object.entries(argv)) {
        if (v === STDIO) argv[k] = '-';
        else if (Array.isArray(v)) argv[k] = v.map((x) => (x === STDIO ? '-' : x));
      }
    }, true)
    .scriptName('rdbkit')
    .usage('$0 <command> [options]\n\nInspect, check, convert and repair Redis RDB and AOF files.')
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'No progress display on stderr' })
    .help()
    .alias('h', 'help')
    .version(ownVersion())
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help() && ''}rdbkit: ${msg}\nRun 'rdbkit --help' for usage.\n`);
      process.exit(2);
    });
  for (const m of commands) cli = cli.command(m as never);
  await cli.parseAsync();
}

await main();
