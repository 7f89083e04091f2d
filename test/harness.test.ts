/**
 * Tests of the test harness itself: the RESP2 parser, the export normalizer and differ, and the
 * checked-in fixtures (each fixtures/rdb/X.rdb, loaded by a real redis-server, reads back as X.json).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { diffExports, normalizeExport } from './support/normalize.mjs';
import { readBack } from './support/readback.mjs';
import type { RedisServer } from './support/redis.mjs';
import { encodeCommand, RedisReplyError, RespParser, requireRedis, startRedis } from './support/redis.mjs';

const enc = (s: string) => new TextEncoder().encode(s);
/** One byte per char (the wire below holds a raw 0xff byte). */
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('RespParser', () => {
  const wire = latin1(
    '+OK\r\n-ERR bad thing\r\n:42\r\n:-9223372036854775808\r\n$-1\r\n$0\r\n\r\n$5\r\na\r\nbc\r\n*-1\r\n*3\r\n*2\r\n:1\r\n$1\r\n\xff\r\n*0\r\n$-1\r\n',
  );
  const check = (replies: unknown[]) => {
    expect(replies).toHaveLength(9);
    expect(replies[0]).toBe('OK');
    expect(replies[1]).toBeInstanceOf(RedisReplyError);
    expect((replies[1] as Error).message).toBe('ERR bad thing');
    expect(replies[2]).toBe(42);
    expect(replies[3]).toBe(-9223372036854775808n);
    expect(replies[4]).toBeNull();
    expect(replies[5]).toEqual(new Uint8Array(0));
    expect(replies[6]).toEqual(enc('a\r\nbc'));
    expect(replies[7]).toBeNull();
    expect(replies[8]).toEqual([[1, new Uint8Array([0xff])], [], null]);
  };

  it('parses a whole buffer', () => {
    check(new RespParser().feed(Buffer.from(wire)));
  });

  it('gives the same replies when fed one byte at a time', () => {
    const p = new RespParser();
    const out: unknown[] = [];
    for (let i = 0; i < wire.length; i++) out.push(...p.feed(Buffer.from(wire.subarray(i, i + 1))));
    check(out);
  });

  it('encodes commands as RESP arrays of bulk strings', () => {
    expect(Buffer.from(encodeCommand(['SET', new Uint8Array([0, 255]), 7])).toString('latin1')).toBe(
      '*3\r\n$3\r\nSET\r\n$2\r\n\x00\xff\r\n$1\r\n7\r\n',
    );
  });
});

describe('normalizeExport / diffExports', () => {
  const stream = (groups: unknown[]) => ({
    entries: [],
    length: 0,
    lastId: '0-0',
    firstId: '0-0',
    maxDeletedId: '0-0',
    entriesAdded: 0,
    groups,
  });
  const a = [
    { db: 1, key: 'k', type: 'set', encoding: 'hashtable', expireAt: null, value: ['b', { base64: '/w==' }, 'a'] },
    {
      db: 0,
      key: 'h',
      type: 'hash',
      encoding: 'listpack',
      expireAt: null,
      value: [
        [{ base64: '/w==' }, 'x'],
        ['a', 'y'],
      ],
    },
    {
      db: 0,
      key: 'z',
      type: 'zset',
      encoding: 'listpack',
      expireAt: null,
      value: [
        ['a', -0],
        ['b', 'inf'],
      ],
    },
    {
      db: 0,
      key: 's',
      type: 'stream',
      encoding: 'stream',
      expireAt: 5,
      value: stream([
        {
          name: 'g2',
          lastId: '0-0',
          entriesRead: null,
          pending: [
            { id: '10-0', consumer: 'c', deliveryTime: 1, deliveryCount: 1 },
            { id: '9-1', consumer: 'c', deliveryTime: 1, deliveryCount: 1 },
          ],
          consumers: [
            { name: 'c', seenTime: 1, activeTime: 3, pending: ['10-0', '9-1'] },
            { name: 'b', seenTime: 1, pending: [] },
          ],
        },
        { name: 'g1', lastId: '0-0', entriesRead: 0, pending: [], consumers: [] },
      ]),
    },
    { kind: 'function', code: '#!lua name=x\n' },
  ];
  const b = [
    { kind: 'function', code: '#!lua name=x\n', name: 'x', engine: 'LUA' },
    {
      db: 0,
      key: 's',
      type: 'stream',
      encoding: 'stream',
      expireAt: 5,
      idle: 3,
      value: stream([
        { name: 'g1', lastId: '0-0', entriesRead: 0, pending: [], consumers: [] },
        {
          name: 'g2',
          lastId: '0-0',
          entriesRead: null,
          pending: [
            { id: '9-1', consumer: 'c', deliveryTime: 1, deliveryCount: 1 },
            { id: '10-0', consumer: 'c', deliveryTime: 1, deliveryCount: 1 },
          ],
          consumers: [
            { name: 'b', seenTime: 1, pending: [] },
            { name: 'c', seenTime: 1, pending: ['9-1', '10-0'] },
          ],
        },
      ]),
    },
    {
      db: 0,
      key: 'z',
      type: 'zset',
      encoding: 'listpack',
      expireAt: null,
      freq: 1,
      value: [
        ['a', 0],
        ['b', 'inf'],
      ],
    },
    {
      db: 0,
      key: 'h',
      type: 'hash',
      encoding: 'listpack',
      expireAt: null,
      value: [
        ['a', 'y'],
        [{ base64: '/w==' }, 'x'],
      ],
    },
    { db: 1, key: 'k', type: 'set', encoding: 'hashtable', expireAt: null, value: ['a', 'b', { base64: '/w==' }] },
    { kind: 'aux', auxKey: 'redis-ver', value: '7.0.15' },
  ];

  it('makes unordered collections, -0, idle/freq, activeTime and aux records compare equal', () => {
    expect(normalizeExport(b)).toEqual(normalizeExport(a));
    expect(diffExports(normalizeExport(a), normalizeExport(b))).toEqual([]);
  });

  it('keeps zset and list order significant and reports the differing path', () => {
    const swapped = structuredClone(b);
    (swapped[2] as { value: unknown[] }).value.reverse();
    const diff = diffExports(normalizeExport(a), normalizeExport(swapped));
    expect(diff).toEqual([
      'db 0 key "z" value[0][0]: expected "a", actual "b"',
      'db 0 key "z" value[0][1]: expected 0, actual "inf"',
      'db 0 key "z" value[1][0]: expected "b", actual "a"',
      'db 0 key "z" value[1][1]: expected "inf", actual 0',
    ]);
  });

  it('reports missing and unexpected records', () => {
    const diff = diffExports(normalizeExport(a.slice(0, 1)), normalizeExport(a.slice(1, 2)));
    expect(diff).toEqual(['db 1 key "k": missing from actual (set)', 'db 0 key "h": unexpected in actual (hash)']);
  });
});

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rdb');
const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.rdb'))
  .sort();
const haveRedis = requireRedis('the fixture read-back check (test/harness.test.ts)');

describe.skipIf(!haveRedis)('fixtures: a real redis-server loading X.rdb reads back as X.json', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
  });

  for (const file of fixtures) {
    it(file, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rdbkit-fixture-'));
      try {
        copyFileSync(join(fixtureDir, file), join(dir, 'dump.rdb'));
        const server = await startRedis({ dir });
        servers.push(server);
        const actual = normalizeExport(await readBack(server.client));
        await server.stop();
        const expected = normalizeExport(JSON.parse(readFileSync(join(fixtureDir, file.replace(/\.rdb$/, '.json')), 'utf8')));
        expect(diffExports(expected, actual)).toEqual([]);
        expect(actual).toEqual(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  }
});
