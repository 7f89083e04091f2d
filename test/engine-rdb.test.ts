/**
 * ops/engine-rdb.ts writes the engine's dataset as an RDB from the engine's own shapes: its bytes
 * must be exactly those of the record path (encodeRecords(engineRecords(engine))) for every target
 * version, the encoding thresholds on both sides of each limit, random workloads and key filters.
 * Where the direct writer does not apply (RDB < 10, > 12, Valkey) it must fall back, to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.js';
import { installLatin1Decoder } from '../src/io/latin1.js';
import { concatBytes } from '../src/model/bytes.js';
import { engineRdbApplies, engineRdbChunks } from '../src/ops/engine-rdb.js';
import type { KeyFilter } from '../src/ops/filter.js';
import { createEngine, engineRecords } from '../src/ops/replay-aof.js';
import { encodeRecords, type ToRdbReport } from '../src/ops/to-rdb.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { setCharsWriter } from '../src/rdb/span-write.js';
import { LIBRARY, workload } from './support/engine-workload.js';
import { makeRandom } from './support/prng.mjs';
import type { RedisArg } from './support/redis.mjs';

const NOW = 1_790_000_000_000;
const enc = new TextEncoder();

function argBytes(a: RedisArg): Uint8Array {
  return typeof a === 'string' ? enc.encode(a) : typeof a === 'number' ? enc.encode(String(a)) : a;
}

function engineOf(cmds: RedisArg[][]): Engine {
  const e = createEngine();
  e.fixedNow = NOW;
  for (const c of cmds) e.apply(c.map(argBytes));
  return e;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concatBytes(parts);
}

type Opts = KeyFilter & { version: number; family?: 'redis' | 'valkey'; compress?: boolean; at?: number };

/** Both paths' bytes and reports (lossy, so old targets do not refuse). */
async function both(
  engine: Engine,
  o: Opts,
): Promise<{ direct: Uint8Array; records: Uint8Array; dr: Partial<ToRdbReport>; rr: Partial<ToRdbReport> }> {
  const opts = { lossy: true, ...o };
  const dr: Partial<ToRdbReport> = {};
  const rr: Partial<ToRdbReport> = {};
  const direct = await collect(engineRdbChunks(engine, opts, dr));
  const records = await collect(encodeRecords(engineRecords(engine, o.at), opts, rr));
  return { direct, records, dr, rr };
}

async function expectSame(engine: Engine, o: Opts): Promise<Uint8Array> {
  const { direct, records, dr, rr } = await both(engine, o);
  expect(Buffer.from(direct).equals(Buffer.from(records)), `RDB ${o.version} ${JSON.stringify({ ...o, version: undefined })}`).toBe(true);
  expect(dr.keys).toBe(rr.keys);
  expect(dr.bytes).toBe(rr.bytes);
  expect(dr.dropped).toEqual(rr.dropped);
  expect(dr.skipped).toEqual(rr.skipped);
  return direct;
}

const VERSIONS = [7, 8, 9, 10, 11, 12];
const digits = (n: number): string => String(n);
const pad = (c: string, n: number): string => c.repeat(n);

/** Keys on both sides of every limit that changes an encoding. */
function limitsCommands(): RedisArg[][] {
  const cmds: RedisArg[][] = [['FUNCTION', 'LOAD', LIBRARY]];
  const hset = (key: string, n: number, f: (i: number) => [string, string]): void => {
    const args: RedisArg[] = ['HSET', key];
    for (let i = 0; i < n; i++) args.push(...f(i));
    cmds.push(args);
  };
  for (const n of [1, 127, 128, 129, 200, 512, 513, 600]) hset(`h:n${n}`, n, (i) => [`f${i}`, `v${i}`]);
  for (const n of [63, 64, 65, 100, 4095, 4096, 5000]) {
    hset(`h:field${n}`, 3, (i) => [i === 1 ? pad('F', n) : `f${i}`, `v${i}`]);
    hset(`h:value${n}`, 3, (i) => [`f${i}`, i === 2 ? pad('v', n) : digits(i)]);
  }
  // integer-looking fields and values: listpack integer entries of every width, and near misses
  const ints = ['0', '-1', '127', '128', '-4096', '4095', '4096', '-32768', '32767', '32768', '-8388608', '8388607', '8388608'];
  ints.push('-2147483648', '2147483647', '2147483648', '9007199254740991', '9007199254740992', '-9223372036854775808');
  ints.push('9223372036854775807', '9223372036854775808', '123456789012345', '1234567890123456', '-0', '007', '+1', '1 ', '', '1e3');
  hset('h:ints', ints.length, (i) => [ints[i]!, ints[ints.length - 1 - i]!]);
  cmds.push(['HSET', 'h:mixed', 'a', '1', 'b', pad('xy', 40), 'c', '-17']);
  cmds.push(['HDEL', 'h:mixed', 'a']);
  // sets: intset up to 512 members, listpack (RDB 11) up to 128 members of up to 64 bytes
  const sadd = (key: string, n: number, f: (i: number) => string): void => {
    const args: RedisArg[] = ['SADD', key];
    for (let i = 0; i < n; i++) args.push(f(i));
    cmds.push(args);
  };
  for (const n of [1, 128, 129, 511, 512, 513, 700]) {
    sadd(`s:int${n}`, n, (i) => digits(i * 37 - 1000));
    sadd(`s:str${n}`, n, (i) => `m${i}`);
  }
  sadd('s:bigint', 5, (i) => digits(2 ** 53 + i * 3));
  sadd('s:int64', 3, (i) => ['9223372036854775807', '-9223372036854775808', '1234567890123456789'][i]!);
  sadd('s:notint', 3, (i) => ['12345678901234567890', '1', '2'][i]!);
  sadd('s:mixed', 4, (i) => ['1', '2', 'x', '-0'][i]!);
  sadd('s:long', 3, (i) => (i === 0 ? pad('L', 65) : `m${i}`));
  sadd('s:64', 3, (i) => (i === 0 ? pad('L', 64) : `m${i}`));
  sadd('s:wide', 4, (i) => digits([1, 70000, -3, 2 ** 40][i]!));
  // sorted sets: listpack up to 128 members of up to 64 bytes, not with a -0 score
  const zadd = (key: string, n: number, f: (i: number) => [string, string]): void => {
    const args: RedisArg[] = ['ZADD', key];
    for (let i = 0; i < n; i++) args.push(...f(i));
    cmds.push(args);
  };
  for (const n of [1, 127, 128, 129, 300]) zadd(`z:n${n}`, n, (i) => [digits((i * 7) % 13), `m${i}`]);
  zadd('z:member64', 2, (i) => ['1', i === 0 ? pad('M', 64) : 'b']);
  zadd('z:member65', 2, (i) => ['1', i === 0 ? pad('M', 65) : 'b']);
  const scores = ['0', '-0', '1.5', '-2.25', 'inf', '-inf', '1e300', '0.1', '4611686018427387904', '4611686018427387905'];
  scores.push('9007199254740993', '-4611686018427387904', '3.0000000000000004', '123456789', '1e-300', '-1e16');
  zadd('z:scores', scores.length, (i) => [scores[i]!, `m${i}`]);
  zadd('z:negzero', 2, (i) => [i === 0 ? '-0' : '1', `m${i}`]);
  zadd('z:ties', 6, (i) => ['5', ['b', 'a', 'ab', '', 'B', '\u00ff'][i]!]);
  zadd('z:inftie', 3, (i) => ['inf', ['c', 'a', 'b'][i]!]);
  zadd('z:intmembers', 3, (i) => [digits(i), digits(100 - i)]);
  cmds.push(['ZADD', 'z:big', '1', pad('q', 100), '2', 'w']);
  // strings: ints, embstr/raw, LZF-compressible and not
  cmds.push(['SET', 'str:int', '12345'], ['SET', 'str:bigint', '123456789012'], ['SET', 'str:neg', '-5'], ['SET', 'str:short', 'hello']);
  cmds.push(
    ['SET', 'str:zip', pad('abc', 300)],
    ['SET', 'str:empty', ''],
    ['SET', 'str:20', pad('z', 20)],
    ['SET', 'str:21', pad('z', 21)],
  );
  cmds.push(['SET', 'str:ttl', 'x', 'PX', '5000'], ['SET', 'str:expired', 'x', 'PXAT', String(NOW - 1)]);
  cmds.push(['SET', Uint8Array.from([0, 255, 13, 10, 128]), Uint8Array.from([1, 2, 3, 200, 0])]);
  // lists: 8 KiB listpack nodes, PLAIN nodes for elements over 8 KiB (RDB 11+), integer elements
  cmds.push(['RPUSH', 'l:small', 'a', '1', 'b'], ['RPUSH', 'l:big', ...Array.from({ length: 300 }, (_, i) => pad('e', i % 70))]);
  cmds.push(['RPUSH', 'l:plain', 'a', pad('p', 8192), pad('q', 8193), 'b', pad('r', 9000), pad('s', 8184)]);
  cmds.push(
    ['RPUSH', 'l:ints', ...ints],
    ['LPUSH', 'l:ints', '-1', '77'],
    ['RPUSH', 'l:many', ...Array.from({ length: 3000 }, (_, i) => digits(i))],
  );
  // 103-byte elements after a first one of 10..120 bytes: one of these lists fills a node exactly
  for (let j = 10; j <= 120; j++) cmds.push(['RPUSH', `l:exact${j}`, pad('f', j), ...Array.from({ length: 100 }, () => pad('e', 100))]);
  cmds.push(['XADD', 'x:1', '1-1', 'f', 'v'], ['XADD', 'x:1', '2-1', 'f', 'w'], ['XGROUP', 'CREATE', 'x:1', 'g', '0']);
  // streams: nodes of 100 entries and of 4096 bytes, master fields and others, ids past 2^53
  for (let i = 1; i <= 250; i++) cmds.push(['XADD', 'x:many', `${1000 + (i >> 2)}-${i}`, 'temp', digits(i * 3), 'city', pad('c', i % 90)]);
  for (let i = 1; i <= 120; i++) {
    const f =
      i % 3 === 0 ? ['a', '1', 'b', '-2'] : i % 3 === 1 ? ['a', pad('x', i * 9)] : ['x', digits(2 ** 40 + i), '12345678901234567890', 'y'];
    cmds.push(['XADD', 'x:mixed', `${5000 + i}-${i % 2 ? 9 : 0}`, ...f]);
  }
  for (let i = 1; i <= 250; i++) cmds.push(['XADD', 'x:small', `9-${i}`, 'f', digits(i % 7)]);
  // entries of 50 listpack bytes after a first one of 10..60: one of these streams meets the 4096-byte limit exactly
  for (let j = 10; j <= 60; j++)
    for (let i = 1; i <= 100; i++) cmds.push(['XADD', `x:exact${j}`, `${i}-1`, pad('k', 20), pad('v', i === 1 ? j : 40)]);
  cmds.push(['XADD', 'x:negseq', '5-10', 'f', 'v'], ['XADD', 'x:negseq', '6-0', 'f', 'v'], ['XADD', 'x:negseq', '6-1', 'g', 'v']);
  cmds.push(['XADD', 'x:bigms', '9007199254740993-1', 'f', 'v'], ['XADD', 'x:bigseq', '1-18446744073709551615', 'f', 'v']);
  cmds.push(['XADD', 'x:empty', '7-1', 'f', 'v'], ['XDEL', 'x:empty', '7-1']);
  cmds.push(['XADD', 'x:long', '1-1', 'f', pad('L', 5000)], ['XADD', 'x:long', '1-2', 'f', 'v']);
  cmds.push(
    ['XGROUP', 'CREATE', 'x:many', 'g1', '0'],
    ['XGROUP', 'CREATE', 'x:many', 'g0', '$'],
    ['XGROUP', 'CREATECONSUMER', 'x:many', 'g1', 'bob'],
  );
  cmds.push([
    'XCLAIM',
    'x:many',
    'g1',
    'alice',
    '0',
    '1000-3',
    'TIME',
    String(NOW - 5),
    'RETRYCOUNT',
    '2',
    'FORCE',
    'JUSTID',
    'LASTID',
    '1000-3',
  ]);
  cmds.push([
    'XCLAIM',
    'x:many',
    'g1',
    'bob',
    '0',
    '1001-4',
    '1000-1',
    'TIME',
    String(NOW),
    'RETRYCOUNT',
    '1',
    'FORCE',
    'JUSTID',
    'LASTID',
    '1001-4',
  ]);
  cmds.push(['HSET', 'h:ttl', 'f', 'v'], ['PEXPIRE', 'h:ttl', '100000'], ['SADD', 's:ttl', '1'], ['PEXPIREAT', 's:ttl', String(NOW)]);
  cmds.push(['SELECT', '3'], ['HSET', 'h:db3', 'a', 'b'], ['ZADD', 'z:db3', '1', 'x'], ['SADD', 's:db3', 'q'], ['SET', 'str:db3', 'v']);
  cmds.push(['SELECT', '15'], ['SET', 'str:db15', 'v']);
  return cmds;
}

describe('engine-rdb: the direct writer gives the record path bytes', () => {
  it('applies to Redis RDB 10-12 only', () => {
    expect([7, 9, 10, 11, 12, 13].map((version) => engineRdbApplies({ version }))).toEqual([false, false, true, true, true, false]);
    expect(engineRdbApplies({})).toBe(true);
    expect(engineRdbApplies({ version: 11, family: 'valkey' })).toBe(false);
    expect(engineRdbApplies({ version: 11, vcs: true })).toBe(false);
  });

  it('keys on both sides of every encoding limit, every version 7-12', async () => {
    const engine = engineOf(limitsCommands());
    for (const version of VERSIONS) {
      const out = await expectSame(engine, { version });
      if (version >= 10) {
        // and the file reads back: every key, the expired ones left out
        const keys = [...decodeRdb(out)].filter((r) => r.kind === 'key');
        expect(keys.length).toBe([...engine.slotsForDump(NOW)].length);
        expect(keys.length).toBeGreaterThan(70);
        expect(keys.some((k) => k.kind === 'key' && new TextDecoder().decode(k.key) === 'str:expired')).toBe(false);
      }
    }
  });

  it('without compression, and at another dump time', async () => {
    const engine = engineOf(limitsCommands());
    await expectSame(engine, { version: 10, compress: false });
    await expectSame(engine, { version: 11, at: NOW + 10_000_000 });
    await expectSame(engine, { version: 12, at: 0 });
  });

  it('falls back where it does not apply (Valkey, RDB 13+): the same bytes', async () => {
    const engine = engineOf(limitsCommands());
    await expectSame(engine, { version: 11, family: 'valkey' });
    await expectSame(engine, { version: 13 });
  });

  it('key filters: db, glob, regex, exclude, type, TTL', async () => {
    const engine = engineOf(limitsCommands());
    const filters: KeyFilter[] = [
      { db: [3] },
      { db: [0, 15] },
      { key: ['h:*'] },
      { keyRegex: ['^z:'], exclude: ['z:n1*'] },
      { type: ['set', 'zset'] },
      { type: ['string'], persistent: true },
      { expired: true },
      { expiresAfter: NOW },
    ];
    for (const f of filters) for (const version of [10, 11, 12]) await expectSame(engine, { version, ...f });
  });

  it('random workloads through the engine', async () => {
    for (const seed of [0xa0f1, 0xa0f2, 0xa0f3, 0xa0f4, 0xa0f5, 0xa0f6]) {
      const engine = engineOf(workload(makeRandom(seed), 1500));
      for (const version of VERSIONS) await expectSame(engine, { version });
    }
  });

  it('an empty dataset', async () => {
    const engine = engineOf([]);
    for (const version of VERSIONS) await expectSame(engine, { version });
  });

  it("with the CLI's latin1 writer installed (long runs through Buffer): the same bytes", async () => {
    installLatin1Decoder();
    try {
      const engine = engineOf(limitsCommands());
      for (const version of [10, 11, 12]) await expectSame(engine, { version });
      const random = engineOf(workload(makeRandom(0xa0f7), 1500));
      await expectSame(random, { version: 11 });
    } finally {
      setCharsWriter(null);
    }
  });
});
