/**
 * `rdbkit repair AOF|DIR`: cut a broken AOF tail exactly where `redis-check-aof --fix` cuts.
 * Shows the plan, asks on a terminal (needs --yes otherwise), keeps a backup by default, and
 * writes through temp + fsync + rename.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { applyRepair, applySalvage, defaultBackupPath, openAofSet, preflight } from '../../io/aof-files.js';
import { planAofRepair } from '../../ops/aof-repair.js';
import { formatChange, formatRepairPlan } from '../aof-format.js';
import { cleanStaleTemps, formatPreflight, refuseIfInUse } from '../aof-safety.js';
import { confirm } from '../confirm.js';
import { EXIT_INVALID, EXIT_OK, runCommand } from '../output.js';
import { refuse } from '../refuse.js';

interface Args {
  file: string;
  dryRun?: boolean;
  yes?: boolean;
  backup?: string | boolean;
  json?: boolean;
  truncateToTimestamp?: number;
  cutPartialAnnotation?: boolean;
  salvage?: boolean;
}

export const command = 'repair <file>';
export const describe = 'Cut the broken tail of an AOF (file, manifest or directory) where redis-check-aof --fix does';

export function builder(y: Argv): Argv<Args> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'AOF file, .manifest or appendonlydir' })
    .option('dry-run', { type: 'boolean', describe: 'Show what would be done, change nothing' })
    .option('yes', { alias: 'y', type: 'boolean', describe: 'Do not ask (required without a terminal)' })
    .option('backup', { describe: 'Backup path (default FILE.bak-<timestamp>); --no-backup keeps none' })
    .option('json', { type: 'boolean', describe: 'Print the plan and result as JSON' })
    .option('truncate-to-timestamp', { type: 'number', describe: 'Instead: cut at the first #TS: annotation later than this Unix time' })
    .option('salvage', {
      type: 'boolean',
      describe: 'Drop only damaged ranges and keep the valid commands after them (resync at the next well-formed command)',
    })
    .option('cut-partial-annotation', {
      type: 'boolean',
      describe: 'Also cut an unterminated final annotation line (redis-check-aof keeps it)',
    })
    .example('$0 repair appendonlydir --dry-run', 'show where the broken tail would be cut')
    .example('$0 repair appendonly.aof --yes', 'cut it, keeping a backup FILE.bak-<time>') as unknown as Argv<Args>;
}

/** The plan without its file handles (for JSON). */
function stripPart(p: object): object {
  const { part: _part, changes, ...rest } = p as { part?: unknown; changes?: Array<{ part: unknown }> };
  return changes ? { ...rest, changes: changes.map(({ part: _p, ...c }) => c) } : rest;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('repair', argv.file, async () => {
    refuse(
      argv.dryRun === true && argv.backup !== undefined,
      argv.backup === false ? '--no-backup' : '--backup',
      'decides what is kept of the old file; --dry-run changes nothing',
    );
    if (argv.truncateToTimestamp !== undefined && !Number.isInteger(argv.truncateToTimestamp)) {
      throw new UsageError('BAD_TIMESTAMP', `--truncate-to-timestamp needs a Unix time in seconds, got ${argv.truncateToTimestamp}`);
    }
    if (argv.salvage && (argv.truncateToTimestamp !== undefined || argv.cutPartialAnnotation))
      throw new UsageError('CLI_BAD_OPTION', '--salvage does not combine with --truncate-to-timestamp or --cut-partial-annotation');
    const set = await openAofSet(argv.file);
    const plan = await planAofRepair(set, {
      truncateToTimestamp: argv.truncateToTimestamp,
      cutPartialAnnotation: argv.cutPartialAnnotation,
      salvage: argv.salvage,
    });
    const pre = await preflight(set);
    const json = (extra: object) =>
      process.stdout.write(`${JSON.stringify({ plan: stripPart(plan), preflight: pre, ...extra }, null, 2)}\n`);
    if (!argv.json) process.stdout.write(formatRepairPlan(plan) + formatPreflight(pre));
    (argv.json ? process.stderr : process.stdout).write(await cleanStaleTemps(pre, argv.dryRun === true));
    if (plan.action === 'none') {
      if (argv.json) json({ done: false });
      return EXIT_OK;
    }
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
    const question =
      plan.action === 'salvage'
        ? `Drop the damaged ranges from ${plan.changes.map((ch) => ch.file).join(', ')}?`
        : `Cut ${plan.file} to ${plan.cutAt} bytes?`;
    const consent = await confirm(question, argv.yes === true);
    if (consent === 'no-tty') throw new UsageError('NEED_YES', 'not a terminal: pass --yes to repair without asking (nothing changed)');
    if (consent === 'no') {
      process.stderr.write('aborted: nothing changed\n');
      return EXIT_INVALID;
    }
    if (plan.action === 'salvage') {
      if (typeof argv.backup === 'string' && plan.changes.length > 1)
        throw new UsageError(
          'CLI_BAD_OPTION',
          `--backup PATH names one file, but ${plan.changes.length} files change: leave it out (each gets FILE.bak-<timestamp>)`,
        );
      const changes = await applySalvage(
        plan,
        (part) => (argv.backup === false ? null : typeof argv.backup === 'string' ? argv.backup : defaultBackupPath(part.path)),
        { guard: pre.files },
      );
      if (argv.json) json({ done: true, changes });
      else for (const ch of changes) process.stdout.write(formatChange(ch));
      return EXIT_OK;
    }
    const backup = argv.backup === false ? null : typeof argv.backup === 'string' ? argv.backup : defaultBackupPath(plan.part.path);
    const change = await applyRepair(plan, backup, { guard: pre.files });
    if (argv.json) json({ done: true, change });
    else process.stdout.write(formatChange(change));
    return EXIT_OK;
  });
}
