/**
 * `rdbkit diff A B`: the keys that differ between two datasets (RDB, AOF, JSON export, `-` for
 * one of them), as diff(1) does for lines: exit 0 when equal, 1 when different, 2 on error.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { ParseError, UsageError } from '../../errors.js';
import { displayText } from '../../model/bytes.js';
import { type DiffChange, diffDatasets } from '../../ops/diff.js';
import { bytesToJson } from '../../ops/json.js';
import { type Dataset, openDataset } from '../datasets.js';
import { type FilterArgs, filterFromArgs, filterOptions, parseTime } from '../filters.js';
import { shownName } from '../inputs.js';
import { c, EXIT_INVALID, EXIT_OK, EXIT_USAGE, reportError, runCommand } from '../output.js';
import { clearProgressLine } from '../progress.js';
import { refuse } from '../refuse.js';

interface Args extends FilterArgs {
  a: string;
  b: string;
  json?: boolean;
  at?: string;
  skipUnknown?: boolean;
  quiet?: boolean;
}

export const command = 'diff <a> <b>';
export const describe = 'Compare two datasets key by key (RDB, AOF or JSON export): added, removed, changed type, value or TTL';

export function builder(y: Argv): Argv<Args> {
  return filterOptions(
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'the old dataset (file, AOF directory, or - for stdin)' })
      .positional('b', { type: 'string', demandOption: true, describe: 'the new dataset' })
      .option('json', { type: 'boolean', describe: 'print the differences and totals as one JSON object' })
      .option('at', { type: 'string', describe: 'compare as of TIME: keys expired by then are left out on both sides (default: now)' })
      .option('skip-unknown', { type: 'boolean', describe: 'AOF: skip commands the engine does not know instead of stopping' })
      .example('$0 diff yesterday.rdb dump.rdb', 'what changed since yesterday (exit 1 if anything did)')
      .example('$0 diff dump.rdb appendonlydir --key "session:*"', 'does the AOF hold the same sessions as the RDB?')
      .example('ssh db2 cat dump.rdb | $0 diff dump.rdb - --json', 'compare with a replica, as JSON'),
  ) as unknown as Argv<Args>;
}

const ttl = (t: number | null): string => (t === null ? 'none' : new Date(t).toISOString());

/** One line for a difference. */
function formatChange(ch: DiffChange): string {
  const key = `db${ch.db} ${JSON.stringify(displayText(ch.key))}`;
  if (ch.kind === 'added')
    return `${c.green('+')} ${key} (${ch.b!.type}${ch.b!.expireAt !== null ? `, TTL until ${ttl(ch.b!.expireAt)}` : ''})`;
  if (ch.kind === 'removed') return `${c.red('-')} ${key} (${ch.a!.type})`;
  const parts = ch.what.map((w) =>
    w === 'type' ? `type ${ch.a!.type} → ${ch.b!.type}` : w === 'ttl' ? `TTL ${ttl(ch.a!.expireAt)} → ${ttl(ch.b!.expireAt)}` : 'value',
  );
  return `${c.yellow('~')} ${key} ${parts.join(', ')}`;
}

function changeJson(ch: DiffChange): object {
  return { change: ch.kind, db: ch.db, key: bytesToJson(ch.key), what: ch.what, a: ch.a, b: ch.b };
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  await runCommand('diff', undefined, async () => {
    const now = Date.now();
    const filter = filterFromArgs(argv, now);
    const at = argv.at === undefined ? now : parseTime('at', argv.at, now);
    if (argv.a === '-' && argv.b === '-') throw new UsageError('DIFF_STDIN_TWICE', 'only one side can be stdin (-)');
    let a: Dataset | null = null;
    let b: Dataset | null = null;
    try {
      a = await openDataset(argv.a, { at, skipUnknown: argv.skipUnknown, quiet: argv.quiet });
      b = await openDataset(argv.b, { at, skipUnknown: argv.skipUnknown, quiet: argv.quiet });
      refuse(
        argv.skipUnknown === true && a.kind !== 'aof' && b.kind !== 'aof',
        '--skip-unknown',
        'applies to AOF input; neither side is an AOF',
      );
      for (const [d, name] of [
        [a, argv.a],
        [b, argv.b],
      ] as const)
        for (const n of d.notes) process.stderr.write(`${c.yellow('note:')} ${shownName(name)}: ${n}\n`);
      let first = true;
      if (argv.json) process.stdout.write(`{"a":${JSON.stringify(shownName(argv.a))},"b":${JSON.stringify(shownName(argv.b))},"changes":[`);
      const rep = await diffDatasets(a.batches, b.batches, {
        filter,
        at,
        onChange: (ch) => {
          clearProgressLine();
          if (argv.json) {
            process.stdout.write(`${first ? '\n' : ',\n'}${JSON.stringify(changeJson(ch))}`);
            first = false;
          } else process.stdout.write(`${formatChange(ch)}\n`);
        },
      });
      if (argv.json) process.stdout.write(`${first ? '' : '\n'}],"summary":${JSON.stringify(rep)}}\n`);
      else
        process.stderr.write(
          rep.equal
            ? `${c.green('equal')}: ${rep.keysA} keys on both sides\n`
            : `${rep.added} added, ${rep.removed} removed, ${rep.changed} changed (${rep.keysA} keys in ${shownName(argv.a)}, ${rep.keysB} in ${shownName(argv.b)})\n`,
        );
      return rep.equal ? EXIT_OK : EXIT_INVALID;
    } catch (e) {
      // as diff(1): 1 means "different", so a damaged input is trouble (2), not a difference
      if (e instanceof ParseError) return reportError('diff', undefined, e) && EXIT_USAGE;
      throw e;
    } finally {
      a?.close();
      b?.close();
    }
  });
}
