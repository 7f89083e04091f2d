/**
 * `rdbkit unflush AOF|DIR`: remove the last FLUSHALL (or FLUSHDB) from an AOF so that Redis
 * replays the data written before it. Same safety as repair: plan, consent, backup, atomic write.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { applyUnflush, defaultBackupPath, openAofSet, preflight } from '../../io/aof-files.js';
import { planAofUnflush } from '../../ops/aof-unflush.js';
import { formatChange, formatUnflushPlan } from '../aof-format.js';
import { cleanStaleTemps, formatPreflight, refuseIfInUse } from '../aof-safety.js';
import { confirm } from '../confirm.js';
import { EXIT_INVALID, EXIT_OK, runCommand } from '../output.js';
import { refuse } from '../refuse.js';

interface Args {
  file: string;
  dryRun?: boolean;
  yes?: boolean;
  flushdb?: boolean;
  backup?: string | boolean;
  json?: boolean;
}

export const command = 'unflush <file>';
export const describe = 'Undo the last FLUSHALL (or FLUSHDB) by removing it from the AOF (file, manifest or directory)';

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'AOF file, .manifest or appendonlydir' })
    .option('dry-run', { type: 'boolean', describe: 'Show what would be done, change nothing' })
    .option('yes', { alias: 'y', type: 'boolean', describe: 'Do not ask (required without a terminal)' })
    .option('flushdb', { type: 'boolean', describe: 'Remove the last FLUSHDB instead of the last FLUSHALL' })
    .option('backup', { describe: 'Backup path (default FILE.bak-<timestamp>); --no-backup keeps none' })
    .option('json', { type: 'boolean', describe: 'Print the plan and result as JSON' })
    .example('$0 unflush appendonlydir --dry-run', 'show the FLUSHALL that would be removed and what comes back')
    .example('$0 unflush appendonlydir --yes --backup /safe/aof.bak', 'remove it, with the backup elsewhere') as unknown as Argv<Args>;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('unflush', argv.file, async () => {
    refuse(
      argv.dryRun === true && argv.backup !== undefined,
      argv.backup === false ? '--no-backup' : '--backup',
      'decides what is kept of the old file; --dry-run changes nothing',
    );
    const set = await openAofSet(argv.file);
    const plan = await planAofUnflush(set, { flushdb: argv.flushdb });
    const pre = await preflight(set);
    const { part: _part, ...shown } = plan as typeof plan & { part?: unknown };
    const json = (extra: object) => process.stdout.write(`${JSON.stringify({ plan: shown, preflight: pre, ...extra }, null, 2)}\n`);
    if (!argv.json) process.stdout.write(formatUnflushPlan(plan) + formatPreflight(pre));
    (argv.json ? process.stderr : process.stdout).write(await cleanStaleTemps(pre, argv.dryRun === true));
    if (plan.action === 'refuse') {
      if (argv.json) json({ done: false });
      return EXIT_INVALID;
    }
    if (argv.dryRun) {
      if (argv.json) json({ done: false, dryRun: true });
      else if (pre.holders.length) process.stdout.write('a change would be refused while a process holds the files open\n');
      else process.stdout.write('dry run: nothing changed\n');
      return EXIT_OK;
    }
    refuseIfInUse(pre);
    const consent = await confirm(`Remove ${plan.command} from ${plan.file}?`, argv.yes === true);
    if (consent === 'no-tty')
      throw new UsageError('NEED_YES', 'not a terminal: pass --yes to change the AOF without asking (nothing changed)');
    if (consent === 'no') {
      process.stderr.write('aborted: nothing changed\n');
      return EXIT_INVALID;
    }
    const backup = argv.backup === false ? null : typeof argv.backup === 'string' ? argv.backup : defaultBackupPath(plan.part.path);
    const change = await applyUnflush(plan, backup, { guard: pre.files });
    if (argv.json) json({ done: true, change });
    else process.stdout.write(formatChange(change));
    return EXIT_OK;
  });
}
