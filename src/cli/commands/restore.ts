/**
 * `rdbkit restore INPUT… --to redis://[user:pass@]host:port[/db]`: write RDBs, AOFs or JSONL
 * exports into a live Redis or Redis Cluster (ops/restore.ts). The summary goes to stderr (or
 * the report as JSON to stdout with --json); progress to stderr only when it is a terminal.
 * Exit: 0 all keys written or skipped as existing; 1 some keys failed; 2 usage or I/O error,
 * including a connection lost mid-run (the summary still says what was written).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { readWhole } from '../../io/files.js';
import { type RestoreProgress, type RestoreReport, restore } from '../../ops/restore.js';
import { type FilterArgs, filterFromArgs, filterOptions } from '../filters.js';
import { c, EXIT_INVALID, EXIT_OK, EXIT_USAGE, runCommand } from '../output.js';
import { refuse } from '../refuse.js';

interface Args extends FilterArgs {
  input: string[];
  to: string;
  replace?: boolean;
  targetVersion?: string;
  commands?: boolean;
  dryRun?: boolean;
  connections?: number;
  window?: number;
  skipUnknown?: boolean;
  cacert?: string;
  insecure?: boolean;
  timeout?: number;
  quiet?: boolean;
  json?: boolean;
  show?: number;
}

export const command = 'restore <input..>';
export const describe = 'Write RDBs, AOFs or JSONL exports into a live Redis or Redis Cluster (RESTORE or type commands, routed by slot)';

export function builder(y: Argv): Argv<Args> {
  return filterOptions(y)
    .positional('input', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'RDB, AOF (file or directory) or JSONL/JSON export; - for stdin',
    })
    .option('to', { type: 'string', demandOption: true, describe: 'target: redis://[user:pass@]host:port[/db], rediss:// for TLS' })
    .option('replace', { type: 'boolean', describe: 'overwrite keys that exist (default: report them as skipped)' })
    .option('target-version', { type: 'string', describe: "the target's Redis version (e.g. 6.2), instead of asking INFO" })
    .option('commands', { type: 'boolean', describe: 'write with type commands (SET, RPUSH, HSET...) only, never RESTORE' })
    .option('dry-run', { type: 'boolean', describe: 'route and count keys per node, write nothing' })
    .option('connections', { type: 'number', describe: 'connections per primary (default 2)' })
    .option('window', { type: 'number', describe: 'keys in flight per connection (default 512)' })
    .option('skip-unknown', { type: 'boolean', describe: 'AOF input: skip commands the engine does not know' })
    .option('cacert', { type: 'string', describe: 'rediss://: PEM file of the CA to trust' })
    .option('insecure', { type: 'boolean', describe: "rediss://: do not verify the server's certificate" })
    .option('timeout', { type: 'number', describe: 'seconds without a reply before a connection counts as lost (default 30)' })
    .option('show', { type: 'number', describe: 'how many failed / skipped keys to name (default 10)' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress line' })
    .option('json', { type: 'boolean', describe: 'print the report as JSON on stdout' })
    .example('$0 restore dump.rdb --to redis://localhost:6379', 'load a dump into a running server (existing keys are skipped)')
    .example('$0 restore appendonlydir --to redis://10.0.0.5:7000 --key "user:*" --replace', 'the users of an AOF into a cluster')
    .example(
      'ssh db1 cat dump.rdb | $0 restore - --to rediss://cache:6380 --cacert ca.pem --dry-run',
      'route a dump on stdin, write nothing',
    ) as unknown as Argv<Args>;
}

/** Refuse options that would do nothing for this target. */
function refuseUseless(a: ArgumentsCamelCase<Args>): void {
  const tls = /^rediss:/i.test(a.to);
  refuse(a.cacert !== undefined && !tls, '--cacert', `applies to a TLS target (rediss://); ${a.to.replace(/\/\/[^@/]*@/, '//')} is plain`);
  refuse(a.insecure === true && !tls, '--insecure', 'applies to a TLS target (rediss://)');
  refuse(a.replace === true && a.dryRun === true, '--replace', 'decides how keys are written; --dry-run writes nothing');
  if (a.input.filter((f) => f === '-').length > 1) throw new UsageError('CLI_STDIN_TWICE', 'stdin (-) can be read only once');
}

const num = (n: number): string => n.toLocaleString('en-US');

function progressLine(p: RestoreProgress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.written * 1000) / p.elapsedMs) : 0;
  return `\r${c.dim('restore')} ${num(p.keys)} keys read, ${num(p.written)} written, ${num(p.skipped)} skipped, ${num(p.failed)} failed (${num(rate)} keys/s)`;
}

function summary(r: RestoreReport): string {
  const lines: string[] = [];
  const t = r.target;
  const shape = t.cluster ? `cluster of ${t.nodes.length} primaries` : 'standalone';
  lines.push(
    `${c.bold('target')} ${t.address} (${shape}), Redis ${t.redisVersion} → RDB ${t.rdbVersion}${t.versionFrom === 'option' ? ' (--target-version)' : ''}`,
  );
  const secs = (r.elapsedMs / 1000).toFixed(2);
  if (r.dryRun) lines.push(`${c.bold('dry run')}: ${num(r.keys)} keys, nothing written`);
  else
    lines.push(
      `${c.green('written')} ${num(r.written)}  ${c.yellow('skipped (exists)')} ${num(r.skipped)}  ${r.failed ? c.red('failed') : 'failed'} ${num(r.failed)}  of ${num(r.keys)} keys in ${secs} s`,
    );
  const extra: string[] = [];
  if (r.expired) extra.push(`${num(r.expired)} expired`);
  if (r.empty) extra.push(`${num(r.empty)} empty`);
  if (r.unanswered) extra.push(`${num(r.unanswered)} unanswered`);
  if (r.viaRestore || r.viaCommands) extra.push(`${num(r.viaRestore)} by RESTORE, ${num(r.viaCommands)} by type commands`);
  if (r.lossy) extra.push(`${num(r.lossy)} not fully rebuilt by type commands`);
  const f = r.functions;
  if (f.written + f.skipped + f.failed) extra.push(`functions: ${f.written} loaded, ${f.skipped} existed, ${f.failed} failed`);
  if (r.redirects.moved + r.redirects.ask + r.redirects.retries)
    extra.push(`${r.redirects.moved} MOVED, ${r.redirects.ask} ASK, ${r.redirects.retries} retried`);
  if (extra.length) lines.push(`  ${extra.join(', ')}`);
  for (const [addr, n] of Object.entries(r.nodes))
    lines.push(
      `  ${addr}: ${num(n.keys)} keys, ${num(n.bytes)} bytes${r.dryRun ? '' : `, ${num(n.written)} written, ${num(n.skipped)} skipped, ${num(n.failed)} failed`}`,
    );
  for (const s of r.skips) lines.push(`${c.yellow('skipped')} db ${s.db} "${s.key}"${s.node ? ` on ${s.node}` : ''}: ${s.message}`);
  if (r.skipped > r.skips.length) lines.push(`${c.yellow('skipped')} … and ${num(r.skipped - r.skips.length)} more`);
  for (const s of r.failures) lines.push(`${c.red('failed')} db ${s.db} "${s.key}"${s.node ? ` on ${s.node}` : ''}: ${s.message}`);
  if (r.failed > r.failures.length) lines.push(`${c.red('failed')} … and ${num(r.failed - r.failures.length)} more`);
  for (const n of r.notes) lines.push(`${c.yellow('note:')} ${n}`);
  if (r.aborted) lines.push(`${c.red('stopped:')} ${r.aborted}; ${num(r.written)} keys were written before that`);
  return `${lines.join('\n')}\n`;
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('restore', undefined, async () => {
    const filter = filterFromArgs(argv);
    refuseUseless(argv);
    const tty = process.stderr.isTTY && !argv.quiet && !argv.json;
    let shown = false;
    const report = await restore(argv.input, {
      to: argv.to,
      replace: argv.replace,
      targetVersion: argv.targetVersion,
      commandsOnly: argv.commands,
      dryRun: argv.dryRun,
      connections: argv.connections,
      window: argv.window,
      ...filter,
      skipUnknown: argv.skipUnknown,
      maxListed: argv.show,
      timeoutMs: argv.timeout !== undefined ? argv.timeout * 1000 : undefined,
      tls: {
        ca: argv.cacert ? await readWhole(argv.cacert) : undefined,
        rejectUnauthorized: !argv.insecure,
      },
      onProgress: tty
        ? (p) => {
            shown = true;
            process.stderr.write(progressLine(p));
          }
        : undefined,
    });
    if (shown) process.stderr.write('\r\x1b[K');
    if (argv.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stderr.write(summary(report));
    if (report.aborted) return EXIT_USAGE;
    return report.failed > 0 ? EXIT_INVALID : EXIT_OK;
  });
}
