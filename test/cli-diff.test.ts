/**
 * `rdbkit diff` judged by real servers: two redis-server 7 instances with different encoding
 * settings are given the same data (in different insertion orders) and save it; the dumps are
 * equal to diff, and so are the AOF of one and a JSONL export of the other. Then each kind of
 * change is made through a server (add, delete, change value, change TTL, change type) and
 * diff of the snapshots before and after names exactly that key and that change.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-diff-'));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const FUTURE = 4102444800000; // 2100-01-01
/** The data set, as commands; `reverse` gives the same data in another insertion order. */
function commands(reverse: boolean): string[][] {
  const order = <T>(xs: T[]): T[] => (reverse ? [...xs].reverse() : xs);
  const cmds: string[][] = [
    ['SELECT', '0'],
    ['SET', 'str:plain', 'hello'],
    ['SET', 'str:int', '12345'],
    ['SET', 'str:ttl', 'bye'],
    ['PEXPIREAT', 'str:ttl', String(FUTURE)],
    ['RPUSH', 'list:1', ...Array.from({ length: 20 }, (_, i) => `item-${i}`)],
    ['SADD', 'set:1', ...order(['a', 'b', 'c', 'd', 'e', '100', '200'])],
    [
      'HSET',
      'hash:1',
      ...order([
        ['f1', 'v1'],
        ['f2', 'v2'],
        ['f3', 'v3'],
      ]).flat(),
    ],
    [
      'ZADD',
      'zset:1',
      ...order([
        ['1', 'one'],
        ['2', 'two'],
        ['2', 'deux'],
        ['3.5', 'three-and-a-half'],
      ]).flat(),
    ],
    ['SELECT', '3'],
    ['SET', 'db3:key', 'in db 3'],
    ['HSET', 'db3:hash', 'x', '1'],
    ['PEXPIREAT', 'db3:hash', String(FUTURE + 1)],
    ['SELECT', '0'],
  ];
  const head = cmds.slice(0, 1);
  // a stream's entries keep their order (their IDs must grow)
  const stream = [
    ['XADD', 'stream:1', '1-1', 'field', 'value'],
    ['XADD', 'stream:1', '2-0', 'other', 'thing'],
  ];
  return [...head, ...stream, ...cmds.slice(1, 5), ...(reverse ? order(cmds.slice(5, 9)) : cmds.slice(5, 9)), ...cmds.slice(9)];
}

async function load(s: RedisServer, cmds: string[][]): Promise<void> {
  for (const c of cmds) await s.client.call(...c);
}

describe.skipIf(!requireRedis('rdbkit diff against real servers'))('diff on real dumps', () => {
  let a: RedisServer;
  let b: RedisServer;
  const snap = (s: RedisServer, name: string): Promise<string> =>
    s.client.call('SAVE').then(() => {
      const p = join(tmp, name);
      copyFileSync(join(s.dir, 'dump.rdb'), p);
      return p;
    });
  let dumpA: string;
  let dumpB: string;

  beforeAll(async () => {
    a = await startRedis();
    // B encodes differently (hashtables, skiplists) and keeps an AOF too
    b = await startRedis({
      args: [
        '--hash-max-listpack-entries',
        '0',
        '--zset-max-listpack-entries',
        '0',
        '--set-max-intset-entries',
        '0',
        '--appendonly',
        'yes',
        '--aof-use-rdb-preamble',
        'no',
      ],
    });
    await load(a, commands(false));
    await load(b, commands(true));
    dumpA = await snap(a, 'a.rdb');
    dumpB = await snap(b, 'b0.rdb');
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('two servers, same data, different encodings and insertion orders: equal, exit 0', () => {
    const r = run('diff', dumpA, dumpB);
    expect(r.err).toMatch(/^equal: 10 keys on both sides\n$/);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('the RDB of one and the AOF of the other (replayed by the engine): equal', async () => {
    await b.client.call('CONFIG', 'SET', 'appendfsync', 'always');
    const r = run('diff', dumpA, join(b.dir, 'appendonlydir'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^equal: 10 keys/);
  });

  it('a JSONL export on one side, and convert --sort makes the two exports byte-identical', () => {
    const ja = join(tmp, 'a.jsonl');
    const jb = join(tmp, 'b.jsonl');
    expect(run('convert', dumpA, '--to', 'jsonl', '--sort', '-o', ja).code).toBe(0);
    expect(run('convert', dumpB, '--to', 'jsonl', '--sort', '-o', jb).code).toBe(0);
    const strip = (t: string) =>
      t
        .trim()
        .split('\n')
        .map((l) => {
          const { encoding: _e, ...rest } = JSON.parse(l);
          return JSON.stringify(rest);
        })
        .join('\n');
    // the encodings differ by design; everything else, order included, is the same
    expect(strip(readFileSync(ja, 'utf8'))).toBe(strip(readFileSync(jb, 'utf8')));
    const unsorted = (f: string) => run('convert', f, '--to', 'jsonl').out;
    expect(strip(unsorted(dumpA))).not.toBe(strip(unsorted(dumpB)));
    expect(run('diff', ja, dumpB).code).toBe(0);
    expect(run('diff', dumpA, jb).code).toBe(0);
  });

  const changes: Array<[string, string[][], RegExp, object]> = [
    ['add', [['SET', 'new:key', 'fresh']], /^\+ db0 "new:key" \(string\)$/, { change: 'added', db: 0, key: 'new:key', what: [] }],
    ['delete', [['DEL', 'list:1']], /^- db0 "list:1" \(list\)$/, { change: 'removed', db: 0, key: 'list:1', what: [] }],
    [
      'change a value',
      [['HSET', 'hash:1', 'f2', 'changed']],
      /^~ db0 "hash:1" value$/,
      { change: 'changed', db: 0, key: 'hash:1', what: ['value'] },
    ],
    [
      'change a TTL',
      [['PEXPIREAT', 'str:ttl', String(FUTURE + 5000)]],
      /^~ db0 "str:ttl" TTL 2100-01-01T00:00:00\.000Z → 2100-01-01T00:00:05\.000Z$/,
      { change: 'changed', db: 0, key: 'str:ttl', what: ['ttl'] },
    ],
    [
      'change a type',
      [
        ['SELECT', '3'],
        ['DEL', 'db3:key'],
        ['SADD', 'db3:key', 'now a set'],
        ['SELECT', '0'],
      ],
      /^~ db3 "db3:key" type string → set$/,
      { change: 'changed', db: 3, key: 'db3:key', what: ['type'] },
    ],
    [
      'change a member score',
      [['ZADD', 'zset:1', '9', 'one']],
      /^~ db0 "zset:1" value$/,
      { change: 'changed', db: 0, key: 'zset:1', what: ['value'] },
    ],
  ];
  let previous = '';
  changes.forEach(([name, cmds, line, json], i) => {
    it(`after "${name}" through the server: exactly that key and change, exit 1 (text and --json)`, async () => {
      const before = previous || dumpB;
      await load(b, cmds);
      const after = await snap(b, `b${i + 1}.rdb`);
      previous = after;
      const r = run('diff', before, after);
      expect(r.code).toBe(1);
      const lines = r.out.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      const j = run('diff', before, after, '--json');
      expect(j.code).toBe(1);
      const doc = JSON.parse(j.out);
      expect(doc.changes).toHaveLength(1);
      expect(doc.changes[0]).toMatchObject(json);
      expect(doc.summary.equal).toBe(false);
      // and the other way round: the opposite change
      const back = run('diff', after, before, '--json');
      const opposite = { added: 'removed', removed: 'added', changed: 'changed' } as const;
      expect(JSON.parse(back.out).changes[0].change).toBe(opposite[(json as { change: 'added' | 'removed' | 'changed' }).change]);
    }, 120_000);
  });

  it('filters narrow a diff; a damaged input is exit 2, not "different"', () => {
    const last = previous;
    expect(run('diff', dumpB, last, '--key', 'str:*').out.trim().split('\n')).toHaveLength(1);
    expect(run('diff', dumpB, last, '--db', '0', '--exclude', 'str:*', '--exclude', 'zset:*').out.trim().split('\n')).toHaveLength(3);
    const cut = join(tmp, 'cut.rdb');
    writeFileSync(cut, readFileSync(last).subarray(0, 200));
    const r = run('diff', dumpB, cut);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/truncated RDB at offset \d+/);
    const bad = run('diff', dumpB, last, '--type', 'nope');
    expect(bad.code).toBe(2);
  });
});
