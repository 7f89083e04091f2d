/**
 * Differential test against a real redis-server 7.0: a seeded random workload (every type, streams
 * with groups/PEL/consumers, several dbs, binary and UTF-8 keys and values, TTLs, function
 * libraries) is written into the server, SAVEd, and rdbkit's export of dump.rdb must equal what the
 * server reports for every key (read back with test/support/readback.mjs, as the fixtures are).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdb, entryToJson } from '../src/index.js';
import type { KeyEntry, RdbRecord } from '../src/model/record.js';
import { metaToJson } from '../src/ops/json.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';
import type { Random } from './support/prng.mjs';
import { makeRandom } from './support/prng.mjs';
import { readBack } from './support/readback.mjs';
import type { RedisArg, RedisServer } from './support/redis.mjs';
import { requireRedis, startRedis } from './support/redis.mjs';

const SEEDS = [0x5eed0001, 0x5eed0002, 0x5eed0003];
const KEYS_PER_SEED = 2500;
const T2100 = 4102444800000;

/** Encoding thresholds per seed, so each seed crosses the conversions at different sizes. */
const SEED_CONFIG: Array<Array<[string, string]>> = [
  [],
  [
    ['list-max-listpack-size', '8'],
    ['list-compress-depth', '1'],
    ['stream-node-max-entries', '5'],
  ],
  [
    ['list-max-listpack-size', '3'],
    ['list-compress-depth', '2'],
    ['zset-max-listpack-entries', '16'],
    ['hash-max-listpack-entries', '16'],
    ['set-max-intset-entries', '32'],
    ['zset-max-listpack-value', '16'],
    ['hash-max-listpack-value', '16'],
  ],
];

const INT_EDGES = [
  '0',
  '1',
  '-1',
  '12',
  '13',
  '127',
  '-128',
  '255',
  '4095',
  '-4096',
  '32767',
  '-32768',
  '65535',
  '8388607',
  '-8388608',
  '2147483647',
  '-2147483648',
  '4294967296',
  '9223372036854775807',
  '-9223372036854775808',
];

/** A random member/value: small and large ints, text of every size class, LZF-able runs, binary, UTF-8. */
function randomValue(r: Random): RedisArg {
  switch (r.int(0, 11)) {
    case 0:
      return String(r.int(-100, 100));
    case 1:
      return r.pick(INT_EDGES);
    case 2:
      return String(r.int(-2_000_000_000, 2_000_000_000) * r.int(1, 4_000_000));
    case 3:
      return r.text(r.int(0, 12));
    case 4:
      return r.text(r.int(13, 63));
    case 5:
      return r.text(r.int(64, 120));
    case 6:
      return r.pick(['a', 'xy', 'abc']).repeat(r.int(8, 400));
    case 7:
      return r.bytes(r.int(0, 40));
    case 8:
      return `ü-${r.text(r.int(0, 10))}-日本-🙂`;
    case 9:
      return r.pick(['007', '-0', '+1', ' 1', '1.5', '1e3', '0x10', '12345678901234567890']);
    case 10:
      return r.text(r.int(0, 6), 'ab');
    default:
      return r.text(r.int(1, 8));
  }
}

function randomKey(r: Random, i: number): RedisArg {
  const p = r.next();
  if (p < 0.1) {
    const tail = r.bytes(r.int(0, 6));
    const head = new TextEncoder().encode(`bin${i}`);
    const k = new Uint8Array(head.length + 2 + tail.length);
    k.set(head);
    k[head.length] = r.pick([0x00, 0xff, 0xc3]);
    k[head.length + 1] = r.pick([0x00, 0xfe, 0x28]);
    k.set(tail, head.length + 2);
    return k;
  }
  if (p < 0.15) return `ключ:${i}:🙂`;
  return `k:${i}:${r.text(r.int(0, 20))}`;
}

function randomScore(r: Random): string {
  switch (r.int(0, 7)) {
    case 0:
      return r.pick(['inf', '-inf', '+inf', '0', '-0', '0.1', '1e20', '-1e20', '1e-300', '4611686018427387904', '9007199254740993']);
    case 1:
      return String(r.int(-1000, 1000));
    case 2:
      return String((r.next() - 0.5) * 1e6);
    case 3:
      return String(r.int(-5, 5) / 4);
    case 4:
      return String(r.next());
    default:
      return String(r.int(0, 20));
  }
}

/** A stream key's commands: entries with explicit ids, deletions, groups, deliveries, acks, claims. */
function streamCommands(r: Random, key: RedisArg): RedisArg[][] {
  const cmds: RedisArg[][] = [];
  if (r.chance(0.05)) return [['XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM']];
  if (r.chance(0.05)) return [['XADD', key, 'MAXLEN', '0', `${r.int(1, 1e6)}-${r.int(0, 5)}`, 'f', 'v']];
  // BigInt: ids beyond 2^53 must stay exact.
  let ms = BigInt(r.chance(0.1) ? 2 ** 53 : 1_600_000_000_000) + BigInt(r.int(0, 1e9));
  let seq = r.int(0, 3);
  const ids: string[] = [];
  const n = r.chance(0.2) ? r.int(20, 120) : r.int(1, 12);
  const fieldSet = ['temp', 'city', 'n'];
  for (let i = 0; i < n; i++) {
    if (r.chance(0.3)) {
      ms += BigInt(r.int(1, 1000));
      seq = 0;
    } else seq += r.int(1, 3);
    const id = `${ms}-${seq}`;
    ids.push(id);
    const fields: RedisArg[] = [];
    if (r.chance(0.6)) for (const f of fieldSet) fields.push(f, randomValue(r));
    else {
      const nf = r.int(1, 4);
      for (let j = 0; j < nf; j++) fields.push(r.chance(0.15) ? randomValue(r) : r.pick(['a', 'b', 'c', 'dup']), randomValue(r));
    }
    cmds.push(['XADD', key, id, ...fields]);
  }
  const groups = r.int(0, 3);
  for (let g = 0; g < groups; g++) {
    const gname: RedisArg = r.chance(0.15) ? new Uint8Array([0x67, 0xff, g]) : `group-${g}`;
    const start = r.pick(['0', '$', r.pick(ids)]);
    cmds.push(['XGROUP', 'CREATE', key, gname, start]);
    const consumers = r.int(0, 3);
    for (let c = 0; c < consumers; c++) {
      const cname: RedisArg = r.chance(0.15) ? new Uint8Array([0x63, 0x00, c]) : `consumer-${c}`;
      if (r.chance(0.2)) cmds.push(['XGROUP', 'CREATECONSUMER', key, gname, cname]);
      else cmds.push(['XREADGROUP', 'GROUP', gname, cname, 'COUNT', String(r.int(1, 10)), 'STREAMS', key, '>']);
    }
    if (consumers > 0) {
      for (let k = 0; k < 3; k++) {
        const id = r.pick(ids);
        if (r.chance(0.5)) cmds.push(['XACK', key, gname, id]);
        else cmds.push(['XCLAIM', key, gname, 'consumer-0', '0', id]);
      }
    }
  }
  const dels = r.chance(0.5) ? r.int(1, Math.max(1, Math.floor(n / 3))) : 0;
  for (let d = 0; d < dels; d++) cmds.push(['XDEL', key, r.pick(ids)]);
  if (r.chance(0.05)) cmds.push(['XTRIM', key, 'MAXLEN', String(r.int(0, n))]);
  return cmds;
}

/** The full workload of one seed: commands (with SELECTs) and function libraries. */
function buildWorkload(seed: number): { commands: RedisArg[][]; libraries: string[] } {
  const r = makeRandom(seed);
  const commands: RedisArg[][] = [];
  const dbs = [0, 0, 0, 1, 2, 5, 9, 15];
  for (let i = 0; i < KEYS_PER_SEED; i++) {
    commands.push(['SELECT', String(r.pick(dbs))]);
    const key = randomKey(r, i);
    const type = r.pick(['string', 'string', 'list', 'set', 'zset', 'hash', 'stream']);
    const big = r.chance(0.08);
    switch (type) {
      case 'string':
        commands.push(['SET', key, r.chance(0.02) ? 'z'.repeat(r.int(1000, 5000)) : randomValue(r)]);
        break;
      case 'list': {
        const n = big ? r.int(50, 400) : r.int(1, 10);
        const items = Array.from({ length: n }, () => (r.chance(0.01) ? r.text(r.int(1024, 2000)) : randomValue(r)));
        commands.push([r.chance(0.3) ? 'LPUSH' : 'RPUSH', key, ...items]);
        if (r.chance(0.2)) commands.push(['RPUSH', key, randomValue(r)], ['LPOP', key]);
        break;
      }
      case 'set': {
        const n = big ? r.int(30, 700) : r.int(1, 12);
        const intsOnly = r.chance(0.5);
        const width = r.pick([30_000, 2_000_000_000, 9_000_000_000_000_000]);
        const members = Array.from({ length: n }, () =>
          intsOnly ? String(BigInt(Math.floor((r.next() - 0.5) * 2 * width))) : randomValue(r),
        );
        commands.push(['SADD', key, ...members]);
        if (r.chance(0.2)) commands.push(['SREM', key, members[0]!]);
        break;
      }
      case 'zset': {
        const n = big ? r.int(20, 300) : r.int(1, 12);
        const args: RedisArg[] = [];
        for (let j = 0; j < n; j++) args.push(randomScore(r), randomValue(r));
        commands.push(['ZADD', key, ...args]);
        if (r.chance(0.2)) commands.push(['ZINCRBY', key, '0.5', args[1]!]);
        break;
      }
      case 'hash': {
        const n = big ? r.int(20, 700) : r.int(1, 12);
        const args: RedisArg[] = [];
        for (let j = 0; j < n; j++) args.push(r.chance(0.9) ? `f${j}:${r.text(r.int(0, 5))}` : randomValue(r), randomValue(r));
        commands.push(['HSET', key, ...args]);
        if (r.chance(0.2)) commands.push(['HDEL', key, args[0]!]);
        break;
      }
      default:
        commands.push(...streamCommands(r, key));
    }
    if (r.chance(0.3)) {
      if (r.chance(0.8)) commands.push(['PEXPIREAT', key, String(T2100 + r.int(0, 1e9) * 100)]);
      else commands.push(['EXPIREAT', key, String(Math.floor(T2100 / 1000) + r.int(0, 1e8))]);
    }
  }
  commands.push(['SELECT', '0']);
  const libraries: string[] = [];
  for (let l = 0, n = r.int(1, 2); l < n; l++) {
    libraries.push(
      `#!lua name=lib_${seed.toString(16)}_${l}\n-- ${r.text(20)}\nredis.register_function('f_${l}', function(keys, args) return ${l} end)\n`,
    );
  }
  return { commands, libraries };
}

/** rdbkit's export of a whole RDB (as `convert --meta` would give it): key entries and meta records. */
function exportOf(records: RdbRecord[]): unknown[] {
  const out: unknown[] = [];
  for (const rec of records) {
    if (rec.kind === 'key') out.push(entryToJson(rec as KeyEntry));
    else {
      const meta = metaToJson(rec);
      if (meta) out.push(meta);
    }
  }
  return out;
}

/** What the workload must reach (checked on the server's read-back, so a weak seed cannot pass silently). */
const FULL_COVERAGE = [
  'encoding hash/hashtable',
  'encoding hash/listpack',
  'encoding list/quicklist',
  'encoding set/hashtable',
  'encoding set/intset',
  'encoding stream/stream',
  'encoding string/embstr',
  'encoding string/int',
  'encoding string/raw',
  'encoding zset/listpack',
  'encoding zset/skiplist',
  'binary key',
  'function',
  'several dbs',
  'stream consumers',
  'stream pending',
  'ttl',
  'zset inf',
].sort();

function coverageOf(records: Array<Record<string, any>>): string[] {
  const seen = new Set<string>();
  const dbs = new Set<number>();
  for (const r of records) {
    if (r.kind === 'function') {
      seen.add('function');
      continue;
    }
    seen.add(`encoding ${r.type}/${r.encoding}`);
    dbs.add(r.db);
    if (typeof r.key !== 'string') seen.add('binary key');
    if (r.expireAt !== null) seen.add('ttl');
    if (r.type === 'zset' && r.value.some(([, s]: [unknown, unknown]) => s === 'inf' || s === '-inf')) seen.add('zset inf');
    if (r.type === 'stream') {
      for (const g of r.value.groups) {
        if (g.pending.length) seen.add('stream pending');
        if (g.consumers.length) seen.add('stream consumers');
      }
    }
  }
  if (dbs.size > 1) seen.add('several dbs');
  return [...seen].sort();
}

const haveRedis = requireRedis('the differential test (test/differential.test.ts)');

describe.skipIf(!haveRedis)('differential: rdbkit export of a real SAVE equals the server read-back', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
    await server.client.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1K'); // PLAIN list nodes for elements >= 1 KiB
  });
  afterAll(async () => {
    await server?.stop();
  });

  SEEDS.forEach((seed, n) => {
    it(`seed ${seed.toString(16)}: ${KEYS_PER_SEED} keys`, async () => {
      const c = server.client;
      await c.call('FLUSHALL');
      await c.call('FUNCTION', 'FLUSH');
      const config = SEED_CONFIG[n]!;
      const defaults = await Promise.all(config.map(async ([k]) => [k, (await c.call('CONFIG', 'GET', k))[1]] as const));
      await c.pipeline(config.map(([k, v]) => ['CONFIG', 'SET', k, v]));
      try {
        const { commands, libraries } = buildWorkload(seed);
        await c.pipeline(commands);
        for (const lib of libraries) await c.call('FUNCTION', 'LOAD', lib);
      } finally {
        await c.pipeline(defaults.map(([k, v]) => ['CONFIG', 'SET', k, v]));
      }
      await c.call('SAVE');
      const expected = normalizeExport(await readBack(c));
      expect(expected.length).toBeGreaterThan(KEYS_PER_SEED * 0.9);
      expect(coverageOf(expected)).toEqual(FULL_COVERAGE);

      const bytes = new Uint8Array(readFileSync(join(server.dir, 'dump.rdb')));
      const actual = normalizeExport(exportOf(decodeRdb(bytes)));
      const diff = diffExports(expected, actual);
      expect(diff.length, `first differences (of ${expected.length} expected records):\n${diff.join('\n')}`).toBe(0);
      expect(actual).toEqual(expected);
    }, 180_000);
  });
});
