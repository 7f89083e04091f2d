/**
 * Key filters through the real CLI: each filter and their combinations select exactly the keys
 * they name (checked against the full export), and every value that cannot match and every
 * option that would do nothing is refused with exit 2 and one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyEntry } from '../src/index.js';
import { encodeRdb } from '../src/rdb/encoder.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-filters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const enc = new TextEncoder();
const NOW = Date.now();
const HOUR = 3_600_000;
const PAST = 1_000_000_000_000; // 2001: already expired
const SOON = NOW + HOUR;
const LATER = NOW + 48 * HOUR;
type Spec = [db: number, key: string, type: 'string' | 'list' | 'set' | 'hash' | 'zset', expireAt: number | null];
const SPECS: Spec[] = [
  [0, 'alpha', 'string', null],
  [0, 'apple', 'list', SOON],
  [0, 'banana', 'set', LATER],
  [0, 'user:1', 'hash', null],
  [0, 'user:22', 'hash', PAST],
  [0, 'user:admin', 'string', SOON],
  [1, 'apricot', 'zset', null],
  [1, 'berry', 'string', PAST],
  [1, 'user:3', 'hash', LATER],
  [2, 'cherry', 'list', null],
  [2, 'ключ', 'string', LATER],
];
function entry([db, key, type, expireAt]: Spec): KeyEntry {
  const k = enc.encode(key);
  const base = { kind: 'key' as const, db, key: k, encoding: '', rdbType: null, expireAt };
  if (type === 'string') return { ...base, type, value: enc.encode('v') };
  if (type === 'list' || type === 'set') return { ...base, type, value: [enc.encode('a'), enc.encode('b')] };
  if (type === 'hash') return { ...base, type, value: [{ field: enc.encode('f'), value: enc.encode('v') }] };
  return { ...base, type, value: [[enc.encode('m'), 1]] };
}
const FILE = join(tmp, 'filters.rdb');
writeFileSync(FILE, encodeRdb(SPECS.map(entry), { version: 10 }));

const label = (s: Spec) => `${s[0]}:${s[1]}`;
function selected(...args: string[]): string[] {
  const r = run('convert', FILE, '--to', 'jsonl', ...args);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((l: { db: number; key: string }) => `${l.db}:${l.key}`)
    .sort();
}
const want = (pred: (s: Spec) => boolean) => SPECS.filter(pred).map(label).sort();

describe('filters select exactly what they name', () => {
  const cases: Array<[string, string[], (s: Spec) => boolean]> = [
    ['repeated --key is a union', ['--key', 'a*', '--key', 'b*'], (s) => /^[ab]/.test(s[1])],
    ['--key with a character class', ['--key', 'user:[0-9]*'], (s) => /^user:[0-9]/.test(s[1])],
    ['--key-regex', ['--key-regex', '^user:\\d+$'], (s) => /^user:\d+$/.test(s[1])],
    ['--key-regex on a UTF-8 key', ['--key-regex', '^клю'], (s) => s[1] === 'ключ'],
    ['--key and --key-regex: either', ['--key', 'alpha', '--key-regex', 'rr'], (s) => s[1] === 'alpha' || s[1].includes('rr')],
    ['--exclude alone', ['--exclude', 'user:*'], (s) => !s[1].startsWith('user:')],
    ['--exclude wins over --key', ['--key', 'user:*', '--exclude', 'user:admin'], (s) => s[1].startsWith('user:') && s[1] !== 'user:admin'],
    ['repeated --exclude', ['--exclude', 'a*', '--exclude', '*y'], (s) => !s[1].startsWith('a') && !s[1].endsWith('y')],
    ['repeated --db', ['--db', '0', '--db', '2'], (s) => s[0] !== 1],
    ['--db as a list', ['--db', '1,2'], (s) => s[0] !== 0],
    ['repeated --type', ['--type', 'hash', '--type', 'zset'], (s) => s[2] === 'hash' || s[2] === 'zset'],
    ['--type as a list, any case', ['--type', 'List,STRING'], (s) => s[2] === 'list' || s[2] === 'string'],
    ['--expired', ['--expired'], (s) => s[3] !== null && s[3] <= NOW],
    ['--persistent', ['--persistent'], (s) => s[3] === null],
    ['--skip-expired', ['--skip-expired'], (s) => s[3] === null || s[3] > NOW],
    ['--expires-before now+2h', ['--expires-before', 'now+2h'], (s) => s[3] !== null && s[3] < NOW + 2 * HOUR],
    ['--expires-after now+2h', ['--expires-after', 'now+2h'], (s) => s[3] !== null && s[3] > NOW + 2 * HOUR],
    [
      '--expires-after and --expires-before: a window (ms and ISO)',
      ['--expires-after', String(NOW), '--expires-before', new Date(NOW + 2 * HOUR).toISOString()],
      (s) => s[3] !== null && s[3] > NOW && s[3] < NOW + 2 * HOUR,
    ],
    ['--expires-before an ISO date', ['--expires-before', '2010-01-01'], (s) => s[3] !== null && s[3] < Date.parse('2010-01-01')],
    [
      'db, type, key and expiry together',
      ['--db', '0', '--type', 'hash', '--type', 'string', '--key', 'user:*', '--skip-expired'],
      (s) => s[0] === 0 && (s[2] === 'hash' || s[2] === 'string') && s[1].startsWith('user:') && (s[3] === null || s[3] > NOW),
    ],
    [
      '--persistent with --db and --exclude',
      ['--persistent', '--db', '0', '--db', '1', '--exclude', 'user:*'],
      (s) => s[3] === null && s[0] < 2 && !s[1].startsWith('user:'),
    ],
  ];
  for (const [name, args, pred] of cases) {
    it(name, () => {
      const expected = want(pred);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(SPECS.length);
      expect(selected(...args)).toEqual(expected);
    });
  }

  it('the same filters apply to --to rdb and --to resp', () => {
    const out = join(tmp, 'filtered.rdb');
    expect(run('convert', FILE, '--to', 'rdb', '-o', out, '--key', 'a*', '--key', 'b*', '--persistent').code).toBe(0);
    const back = run('convert', out, '--to', 'jsonl')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(back.map((l: { db: number; key: string }) => `${l.db}:${l.key}`).sort()).toEqual(
      want((s) => /^[ab]/.test(s[1]) && s[3] === null),
    );
    const resp = run('convert', FILE, '--to', 'resp', '--type', 'zset');
    expect(resp.code).toBe(0);
    expect(resp.out).toMatch(/ZADD/);
    expect(resp.out).not.toMatch(/HSET|RPUSH|SADD/);
  });
});

describe('values that cannot match are refused (exit 2, one line)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['--db foo', ['--db', 'foo'], /--db foo: a database is a number 0, 1, 2\.\.\./],
    ['--db -1', ['--db=-1'], /--db -1: a database is a number/],
    ['--type foo', ['--type', 'foo'], /--type foo: not a Redis type \(one of string, list, set, zset, hash, stream, module, array\)/],
    ['--key-regex with a syntax error', ['--key-regex', '(unclosed'], /--key-regex \(unclosed: /],
    ['--expires-before garbage', ['--expires-before', 'yesterday'], /--expires-before yesterday: not a time/],
    ['--expired with --persistent', ['--expired', '--persistent'], /--persistent keeps keys without a TTL, --expired only keys with one/],
    ['--persistent with --expires-after', ['--persistent', '--expires-after', 'now'], /--persistent .* --expires-after only keys with one/],
    ['--expired with --skip-expired', ['--expired', '--skip-expired'], /--expired keeps only expired keys, --skip-expired drops them/],
    [
      'an empty expiry window',
      ['--expires-after', 'now+2h', '--expires-before', 'now+1h'],
      /--expires-after is not earlier than --expires-before/,
    ],
  ];
  for (const [name, args, msg] of cases) {
    it(name, () => {
      const r = run('convert', FILE, '--to', 'jsonl', ...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});

describe('options that would do nothing are refused (exit 2, one line)', () => {
  const AOF = join(ROOT, 'fixtures', 'aof', 'small');
  const cases: Array<[string, string[], RegExp]> = [
    [
      '--at on an RDB',
      [FILE, '--to', 'jsonl', '--at', '0'],
      /--at sets the dump time of a replayed AOF; .*filters\.rdb is an RDB: leave it out/,
    ],
    ['--skip-unknown on an RDB', [FILE, '--to', 'jsonl', '--skip-unknown'], /--skip-unknown applies to AOF input/],
    [
      '--rdb-version without --to rdb',
      [FILE, '--to', 'jsonl', '--rdb-version', '9'],
      /--rdb-version applies to --to rdb \(or --to resp --restore\)/,
    ],
    ['--rdb-version with --to resp but no --restore', [FILE, '--to', 'resp', '--rdb-version', '9'], /--rdb-version applies to --to rdb/],
    ['--lossy without --to rdb', [FILE, '--to', 'json', '--lossy'], /--lossy applies to --to rdb/],
    ['--compress without --to rdb', [FILE, '--to', 'resp', '--compress', 'gzip'], /--compress applies to --to rdb/],
    ['--restore without --to resp', [FILE, '--to', 'rdb', '-o', '/dev/null', '--restore'], /--restore applies to --to resp/],
    ['--meta with --to rdb', [FILE, '--to', 'rdb', '-o', '/dev/null', '--meta'], /--meta applies to --to jsonl\|json/],
    ['--sort with --to resp', [FILE, '--to', 'resp', '--sort'], /--sort applies to --to jsonl\|json/],
    ['--force without -o', [FILE, '--to', 'jsonl', '--force'], /--force replaces an existing -o FILE; this output is stdout/],
    ['--force with -o -', [FILE, '--to', 'jsonl', '-o', '-', '--force'], /--force replaces an existing -o FILE/],
    [
      '--at on a JSON export',
      [join(ROOT, 'fixtures', 'rdb', 'everything.json'), '--to', 'rdb', '-o', '/dev/null', '--at', '0'],
      /--at .* is a JSON export/,
    ],
    ['--restore on AOF input with --to jsonl', [AOF, '--to', 'jsonl', '--restore'], /--restore applies to --to resp/],
  ];
  for (const [name, args, msg] of cases) {
    it(name, () => {
      const r = run('convert', ...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }

  it('--at on an AOF is accepted (TIME forms), and filters apply to AOF input', () => {
    const all = run('convert', AOF, '--to', 'jsonl', '--at', 'now');
    expect(all.code).toBe(0);
    const keys = all.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).key as string);
    const first = keys.find((k) => typeof k === 'string')!;
    const one = run('convert', AOF, '--to', 'jsonl', '--at', '2000-01-01', '--key', first);
    expect(one.code).toBe(0);
    expect(
      one.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).key),
    ).toEqual([first]);
  });
});

describe('every verb: options that would do nothing, and --db/--type values that cannot match, are refused (exit 2, one line)', () => {
  const AOF = join(ROOT, 'fixtures', 'aof', 'small');
  const TO = ['--to', 'redis://127.0.0.1:1'];
  const cases: Array<[string, string[], RegExp]> = [
    [
      'digest --skip-unknown on an RDB',
      ['digest', FILE, '--skip-unknown'],
      /--skip-unknown applies to AOF input; .*filters\.rdb is an RDB/,
    ],
    ['digest --as-saved on an AOF', ['digest', AOF, '--as-saved'], /--as-saved reads an RDB's own encodings; .*small is an AOF/],
    ['digest --at garbage', ['digest', FILE, '--at', 'soon'], /--at soon: not a time/],
    [
      'diff --skip-unknown with no AOF side',
      ['diff', FILE, FILE, '--skip-unknown'],
      /--skip-unknown applies to AOF input; neither side is an AOF/,
    ],
    ['diff --db foo', ['diff', FILE, FILE, '--db', 'foo'], /--db foo: a database is a number/],
    ['diff --type foo', ['diff', FILE, FILE, '--type', 'foo'], /--type foo: not a Redis type/],
    ['diff with stdin on both sides', ['diff', '-', '-'], /only one side can be stdin/],
    ['report --db foo', ['report', FILE, '--db', 'foo'], /--db foo: a database is a number/],
    ['report --type foo', ['report', FILE, '--type', 'foo'], /--type foo: not a Redis type/],
    [
      'report --merge with --top',
      ['report', FILE, '--merge', '--top', '3'],
      /--top shapes a report as it is made; --merge combines finished ones/,
    ],
    ['report --merge with a filter', ['report', FILE, '--merge', '--key', 'a*'], /--key shapes a report as it is made/],
    [
      'report --format csv with --depth',
      ['report', FILE, '-f', 'csv', '--depth', '2'],
      /--depth shapes the summary; --format csv lists every key/,
    ],
    ['report --force without -o', ['report', FILE, '--force'], /--force replaces an existing -o FILE; this output is stdout/],
    ['report --at garbage', ['report', FILE, '--at', 'later'], /--at later: not a time/],
    ['report --merge with --format csv', ['report', FILE, '--merge', '-f', 'csv'], /--merge makes a report, not per-key rows/],
    ['report with stdin twice', ['report', '-', '-'], /stdin \(-\) can be read only once/],
    ['restore with stdin twice', ['restore', '-', '-', ...TO], /stdin \(-\) can be read only once/],
    ['convert --salvage of an AOF', ['convert', AOF, '--to', 'jsonl', '--salvage'], /--salvage reads RDB input/],
    ['restore --db foo', ['restore', FILE, ...TO, '--db', 'foo'], /--db foo: a database is a number/],
    ['restore --type foo', ['restore', FILE, ...TO, '--type', 'foo'], /--type foo: not a Redis type/],
    ['restore --cacert to a plain target', ['restore', FILE, ...TO, '--cacert', FILE], /--cacert applies to a TLS target \(rediss:\/\/\)/],
    ['restore --insecure to a plain target', ['restore', FILE, ...TO, '--insecure'], /--insecure applies to a TLS target/],
    [
      'repair --backup with --dry-run',
      ['repair', AOF, '--dry-run', '--backup', '/tmp/x.bak'],
      /--backup decides what is kept of the old file; --dry-run changes nothing/,
    ],
    ['repair --no-backup with --dry-run', ['repair', AOF, '--dry-run', '--no-backup'], /--no-backup decides what is kept/],
    ['unflush --no-backup with --dry-run', ['unflush', AOF, '--dry-run', '--no-backup'], /--no-backup decides what is kept/],
    [
      'restore --replace with --dry-run',
      ['restore', FILE, ...TO, '--dry-run', '--replace'],
      /--replace decides how keys are written; --dry-run writes nothing/,
    ],
  ];
  for (const [name, args, msg] of cases) {
    it(name, () => {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }

  it('report and restore take the same filters as convert (report --key a* --key b* --persistent counts exactly those keys)', () => {
    const r = run('report', FILE, '-f', 'json', '--key', 'a*', '--key', 'b*', '--persistent');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).total.keys).toBe(want((s) => /^[ab]/.test(s[1]) && s[3] === null).length);
  });
});
