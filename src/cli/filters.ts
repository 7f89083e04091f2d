/**
 * The key filter options, defined once for every command that selects keys (convert, diff),
 * and read back into a validated KeyFilter: a value that cannot match is an error (exit 2),
 * never a silent empty result.
 *
 * TIME (for --expires-before/--expires-after and --at) is milliseconds since the epoch, an ISO
 * 8601 date or date-time (2025-01-31, 2025-01-31T12:00:00Z), `now`, or `now` plus or minus a
 * duration (now+1h, now-30m; units ms, s, m, h, d).
 */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { KEY_TYPES, type KeyFilter, validateFilter } from '../ops/filter.js';

/** The filter arguments as yargs gives them. */
export interface FilterArgs {
  db?: string[];
  key?: string[];
  keyRegex?: string[];
  exclude?: string[];
  type?: string[];
  expired?: boolean;
  persistent?: boolean;
  expiresBefore?: string;
  expiresAfter?: string;
}

/** The filter arguments' names. */
export const FILTER_ARGS = [
  'db',
  'key',
  'keyRegex',
  'exclude',
  'type',
  'expired',
  'persistent',
  'expiresBefore',
  'expiresAfter',
] as const satisfies ReadonlyArray<keyof FilterArgs>;

/** Add the filter options to a command. */
export function filterOptions<T>(y: Argv<T>): Argv<T & FilterArgs> {
  return y
    .option('db', { type: 'string', array: true, describe: 'only these databases (repeat or list: --db 0 --db 3)', group: 'Filters:' })
    .option('key', {
      type: 'string',
      array: true,
      describe: 'only keys matching this Redis glob; repeated: any of them',
      group: 'Filters:',
    })
    .option('key-regex', {
      type: 'string',
      array: true,
      describe: 'only keys matching this regular expression (on the UTF-8 key); with --key: either',
      group: 'Filters:',
    })
    .option('exclude', {
      type: 'string',
      array: true,
      describe: 'leave out keys matching this Redis glob (wins over --key)',
      group: 'Filters:',
    })
    .option('type', { type: 'string', array: true, describe: `only keys of these types (${KEY_TYPES.join(', ')})`, group: 'Filters:' })
    .option('expired', { type: 'boolean', describe: 'only keys whose TTL has already passed', group: 'Filters:' })
    .option('persistent', { type: 'boolean', describe: 'only keys without a TTL', group: 'Filters:' })
    .option('expires-before', { type: 'string', describe: 'only keys with a TTL ending before TIME', group: 'Filters:' })
    .option('expires-after', { type: 'string', describe: 'only keys with a TTL ending after TIME', group: 'Filters:' }) as unknown as Argv<
    T & FilterArgs
  >;
}

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse a TIME argument (see the file comment) to ms since the epoch, or throw a UsageError naming the option. */
export function parseTime(option: string, text: string | number, now = Date.now()): number {
  const t = String(text).trim();
  if (/^\d+$/.test(t)) return Number(t);
  const rel = /^now(?:\s*([+-])\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d))?$/i.exec(t);
  if (rel) return rel[1] ? Math.round(now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT[rel[3]!.toLowerCase()]!) : now;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    'CLI_BAD_TIME',
    `--${option} ${t}: not a time (ms since the epoch, an ISO date such as 2025-01-31T12:00:00Z, now, or now+1h / now-30m)`,
  );
}

/** The KeyFilter the arguments ask for, validated (throws a one-line UsageError). */
export function filterFromArgs(a: FilterArgs, now = Date.now()): KeyFilter {
  const db = (a.db ?? [])
    .flatMap((d) => String(d).split(','))
    .map((d) => {
      const t = d.trim();
      if (!/^\d+$/.test(t)) throw new UsageError('FILTER_BAD_DB', `--db ${t === '' ? '""' : t}: a database is a number 0, 1, 2...`);
      return Number(t);
    });
  const type = (a.type ?? []).flatMap((t) => String(t).split(',')).map((t) => t.trim().toLowerCase());
  const f: KeyFilter = {
    db: db.length ? db : undefined,
    key: a.key?.length ? a.key.map(String) : undefined,
    keyRegex: a.keyRegex?.length ? a.keyRegex.map(String) : undefined,
    exclude: a.exclude?.length ? a.exclude.map(String) : undefined,
    type: type.length ? type : undefined,
    expired: a.expired || undefined,
    persistent: a.persistent || undefined,
    expiresBefore: a.expiresBefore === undefined ? undefined : parseTime('expires-before', a.expiresBefore, now),
    expiresAfter: a.expiresAfter === undefined ? undefined : parseTime('expires-after', a.expiresAfter, now),
    now,
  };
  validateFilter(f);
  return f;
}
