/**
 * The RDB writer (src/rdb/encoder.ts).
 * Evidence: reader ∘ writer is the identity on every fixture and every readable corpus file;
 * files written for versions 10 down to 1 pass redis-check-rdb and load into a real redis-server
 * 7.0 whose keyspace (DEBUG DIGEST, OBJECT ENCODING, PEXPIRETIME, XINFO STREAM FULL, FUNCTION LIST
 * read back by test/support/readback.mjs) equals that of a server loaded with the original file,
 * which Redis itself wrote from commands (fixtures/generate.mjs); the lossy policy.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc64 } from '../src/bytes/crc64.js';
import { UsageError } from '../src/errors.js';
import { ascii, bytesKey } from '../src/model/bytes.js';
import type { KeyEntry, RdbRecord, StreamValue } from '../src/model/record.js';
import { exportRdb } from '../src/ops/export.js';
import { entryToJson } from '../src/ops/json.js';
import { looksLikeJson, type ToRdbReport, toRdbChunks } from '../src/ops/to-rdb.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { encodeRdb, RdbEncoder } from '../src/rdb/encoder.js';
import { effectiveEntriesRead, effectiveStreamMeta, streamForLayout } from '../src/rdb/stream-write.js';
import { corpusFiles, corpusPath, requireCorpus } from './support/corpus.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';
import { makeRandom } from './support/prng.mjs';
import { readBack } from './support/readback.mjs';
import { type RedisArg, type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'fixtures', 'rdb');
const corpusPresent = requireCorpus('round trips and version conversions of corpus files');

/** Everything a file says, in comparable form: keys (no spans/types/encodings), functions, module aux. */
function logical(records: RdbRecord[]): unknown[] {
  const out: unknown[] = [];
  for (const r of records) {
    if (r.kind === 'key') {
      const j = entryToJson(r.type === 'stream' ? { ...r, value: withStreamMeta(r.value) } : r) as Record<string, unknown>;
      delete j.encoding;
      out.push(j);
    } else if (r.kind === 'function') out.push({ kind: 'function', code: bytesKey(r.code) });
    else if (r.kind === 'module-aux') out.push({ kind: 'module-aux', payload: bytesKey(r.payload) });
  }
  return normalizeExport(out).map((e) => e);
}

/** A stream with the v2 counters a loader derives filled in where the source (type 15) lacks them. */
function withStreamMeta(v: StreamValue): StreamValue {
  if (v.firstId !== null) return v;
  // -1 (unknown) reads back as null, like a stored 2^64-1
  const er = (g: StreamValue['groups'][number]) => {
    const n = effectiveEntriesRead(v, g);
    return n < 0 ? null : n;
  };
  return { ...v, ...effectiveStreamMeta(v), groups: v.groups.map((g) => ({ ...g, entriesRead: er(g) })) };
}

function filesIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesIn(p));
    else if (name.endsWith('.rdb')) out.push(p);
  }
  return out.sort();
}

/** Decode, or null when rdbkit's reader refuses the file (corrupt corpus samples). */
function tryDecode(bytes: Uint8Array): RdbRecord[] | null {
  try {
    return decodeRdb(bytes);
  } catch {
    return null;
  }
}

const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
const header = (rs: RdbRecord[]) => rs.find((r) => r.kind === 'header') as { family: 'redis' | 'valkey'; version: number } | undefined;
const keysOf = (rs: RdbRecord[]) => rs.filter((r): r is KeyEntry => r.kind === 'key');

describe('framing', () => {
  it('writes magic, SELECTDB, EOF and a CRC64 over everything before it', () => {
    const rec: KeyEntry = {
      kind: 'key',
      db: 3,
      key: ascii('k'),
      type: 'string',
      value: ascii('v'),
      encoding: 'embstr',
      rdbType: 0,
      expireAt: 4102444800000,
    };
    const out = encodeRdb([rec], { version: 10 });
    const expectBody = [
      ...ascii('REDIS0010'),
      0xfe,
      3,
      0xfc,
      ...new Uint8Array(new BigInt64Array([4102444800000n]).buffer),
      0,
      1,
      0x6b,
      1,
      0x76,
      0xff,
    ];
    expect([...out.subarray(0, out.length - 8)]).toEqual(expectBody);
    const crc = new DataView(out.buffer, out.byteOffset + out.length - 8).getBigUint64(0, true);
    expect(crc).toBe(crc64(out.subarray(0, out.length - 8)));
  });

  it('writes VALKEY080 and no trailer below version 5', () => {
    expect([...encodeRdb([], { version: 80, family: 'valkey' }).subarray(0, 9)]).toEqual([...ascii('VALKEY080')]);
    expect([...encodeRdb([], { version: 4 })]).toEqual([...ascii('REDIS0004'), 0xff]);
    expect(() => new RdbEncoder({ version: 16 })).toThrow(UsageError);
    expect(() => new RdbEncoder({ version: 80 })).toThrow(UsageError);
  });

  it('zero trailer when checksum is off (VCS inner RDB)', () => {
    const out = encodeRdb([], { version: 11, checksum: false });
    expect([...out.subarray(out.length - 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe("reader ∘ writer is the identity, at the file's own version", () => {
  const files = [...filesIn(FIXTURES).map((f) => relative(ROOT, f)), ...corpusFiles('', ['.rdb']).map((f) => `corpus/${f}`)];
  const pathOf = (name: string): string => (name.startsWith('corpus/') ? corpusPath(name.slice(7)) : join(ROOT, name));
  let checked = 0;
  it.each(files)('%s', (name) => {
    const src = tryDecode(new Uint8Array(readFileSync(pathOf(name))));
    const h = src && header(src);
    // files rdbkit's reader refuses (corrupt samples, versions it does not know) are not round-tripped
    if (!src || !h) return;
    const out = encodeRdb(src, { version: h.version, family: h.family });
    const back = decodeRdb(out);
    expect(diffExports(logical(src) as Record<string, unknown>[], logical(back) as Record<string, unknown>[], 3)).toEqual([]);
    checked++;
  });
  it('round-tripped more than 100 files', () => {
    expect(checked).toBeGreaterThan(corpusPresent ? 100 : 5);
  });
});

describe("convert to RDB at the file's own version copies values as stored (decoder rawValues 'only')", () => {
  const files = [...filesIn(FIXTURES).map((f) => relative(ROOT, f)), ...corpusFiles('', ['.rdb']).map((f) => `corpus/${f}`)];
  const pathOf = (name: string): string => (name.startsWith('corpus/') ? corpusPath(name.slice(7)) : join(ROOT, name));
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  let copied = 0;
  let reread = 0;
  it.each(files)('%s', async (name) => {
    const bytes = new Uint8Array(readFileSync(pathOf(name)));
    const src = tryDecode(bytes);
    if (!src || !header(src)) return;
    const stored = new Map<string, Uint8Array | undefined>();
    for (const r of decodeRdb(bytes, { rawValues: true })) if (r.kind === 'key') stored.set(`${r.db}:${hex(r.key)}`, r.raw);
    // fixtures also at chunk size 7 with a 64-byte rawMax: values past it are read again and encoded
    const runs = name.startsWith('corpus/') ? [{ size: 4096 }] : [{ size: 4096 }, { size: 7, rawMax: 64 }];
    for (const { size, rawMax } of runs) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
      const report: Partial<ToRdbReport> = {};
      const out = await collect(toRdbChunks(chunks, 'rdb', { decoder: { rawMax } }, report));
      expect(report.version).toBe(header(src)!.version);
      const back = decodeRdb(out, { rawValues: true });
      expect(diffExports(logical(src) as Record<string, unknown>[], logical(back) as Record<string, unknown>[], 3), name).toEqual([]);
      for (const r of keysOf(back)) {
        const was = stored.get(`${r.db}:${hex(r.key)}`);
        if (r.raw && was && hex(r.raw) === hex(was)) copied++;
        else reread++;
      }
    }
  });
  it('copied values as stored, and read some again', () => {
    expect(copied).toBeGreaterThan(corpusPresent ? 1000 : 100);
    expect(reread).toBeGreaterThan(0);
  });

  async function collect(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const c of gen) parts.push(c);
    return Buffer.concat(parts);
  }
});

describe('encodings by version', () => {
  const rec = (type: KeyEntry['type'], value: unknown, key = 'k'): KeyEntry =>
    ({ kind: 'key', db: 0, key: ascii(key), type, value, encoding: '', rdbType: null, expireAt: null }) as KeyEntry;
  const typeOf = (r: KeyEntry, version: number) => keysOf(decodeRdb(encodeRdb([r], { version })))[0]!.rdbType;
  const strs = (...s: string[]) => s.map(ascii);

  it('chooses the type id a Redis of each version saves', () => {
    const small = rec('hash', [{ field: ascii('f'), value: ascii('v') }]);
    expect([12, 11, 10, 9, 4, 3, 2, 1].map((v) => typeOf(small, v))).toEqual([16, 16, 16, 13, 13, 9, 9, 4]);
    const zs = rec('zset', [[ascii('a'), 1.5]]);
    expect([11, 10, 9, 8, 7, 2, 1].map((v) => typeOf(zs, v))).toEqual([17, 17, 12, 12, 12, 12, 3]);
    const bigZ = rec(
      'zset',
      Array.from({ length: 129 }, (_, i) => [ascii(`m${i}`), i / 3]),
    );
    expect([10, 8, 7].map((v) => typeOf(bigZ, v))).toEqual([5, 5, 3]);
    const ints = rec('set', strs('1', '-5', '70000'));
    const words = rec('set', strs('a', 'b'));
    expect([11, 10, 2, 1].map((v) => typeOf(ints, v))).toEqual([11, 11, 11, 2]);
    expect([12, 11, 10].map((v) => typeOf(words, v))).toEqual([20, 20, 2]);
    const list = rec('list', strs('a', '1'));
    expect([11, 10, 9, 7, 6, 2, 1].map((v) => typeOf(list, v))).toEqual([18, 18, 14, 14, 10, 10, 1]);
    const hashTtl = rec('hash', [
      { field: ascii('f'), value: ascii('v'), expireAt: 4102444800000 },
      { field: ascii('g'), value: ascii('w') },
    ]);
    expect(typeOf(hashTtl, 12)).toBe(25);
    const bigHashTtl = rec(
      'hash',
      Array.from({ length: 513 }, (_, i) => ({
        field: ascii(`f${i}`),
        value: ascii('v'),
        expireAt: i % 2 ? 4102444800000 + i : undefined,
      })).map((f) => (f.expireAt === undefined ? { field: f.field, value: f.value } : f)),
    );
    expect(typeOf(bigHashTtl, 12)).toBe(24);
    const back = keysOf(decodeRdb(encodeRdb([bigHashTtl, hashTtl], { version: 12 })));
    expect(logical(back)).toEqual(logical([bigHashTtl, hashTtl]));
    const valkey = keysOf(decodeRdb(encodeRdb([hashTtl], { version: 80, family: 'valkey' })));
    expect(valkey[0]!.rdbType).toBe(22);
    expect(logical(valkey)).toEqual(logical([hashTtl]));
  });

  it('stores listpack scores as Redis 7.0 does (integers within 2^62, %.17g text), keeps -0 in a skiplist', () => {
    const z = rec('zset', [
      [ascii('a'), 0.1],
      [ascii('c'), 2 ** 62],
      [ascii('d'), 2 ** 63],
      [ascii('e'), -Infinity],
      [ascii('f'), 0],
    ]);
    const back = keysOf(decodeRdb(encodeRdb([z], { version: 10 })))[0]!;
    expect(back.rdbType).toBe(17);
    expect(back.value).toEqual([
      [ascii('e'), -Infinity],
      [ascii('f'), 0],
      [ascii('a'), 0.1],
      [ascii('c'), 2 ** 62],
      [ascii('d'), 2 ** 63],
    ]);
    const neg0 = keysOf(
      decodeRdb(
        encodeRdb(
          [
            rec('zset', [
              [ascii('a'), -0],
              [ascii('b'), 1],
            ]),
          ],
          { version: 10 },
        ),
      ),
    )[0]!;
    expect(neg0.rdbType).toBe(5);
    expect(Object.is((neg0.value as [Uint8Array, number][])[0]![1], -0)).toBe(true);
  });
});

describe('lossy policy', () => {
  const stream: StreamValue = {
    entries: [{ id: { ms: 5n, seq: 0n }, fields: [[ascii('f'), ascii('v')]] }],
    length: 1,
    lastId: { ms: 7n, seq: 0n },
    firstId: { ms: 5n, seq: 0n },
    maxDeletedId: { ms: 6n, seq: 0n },
    entriesAdded: 3,
    groups: [
      {
        name: ascii('g'),
        lastId: { ms: 5n, seq: 0n },
        entriesRead: 2,
        pending: [],
        consumers: [{ name: ascii('c'), seenTime: 1000, activeTime: 2000, pending: [] }],
      },
    ],
  };
  const recs: RdbRecord[] = [
    { kind: 'function', code: ascii("#!lua name=lib\nredis.register_function('f', function() return 1 end)"), name: 'lib', engine: 'lua' },
    { kind: 'key', db: 0, key: ascii('s'), type: 'stream', value: stream, encoding: 'stream', rdbType: 21, expireAt: null },
    {
      kind: 'key',
      db: 0,
      key: ascii('h'),
      type: 'hash',
      value: [{ field: ascii('f'), value: ascii('v'), expireAt: 4102444800000 }],
      encoding: 'listpackex',
      rdbType: 25,
      expireAt: null,
    },
    { kind: 'key', db: 0, key: ascii('plain'), type: 'string', value: ascii('x'), encoding: 'embstr', rdbType: 0, expireAt: null },
  ];

  it('refuses what the target cannot express, naming the keys', () => {
    expect(() => encodeRdb(recs, { version: 10 })).toThrow(
      /cannot express 2 item\(s\): "s": active-time of 1 stream consumer.*; "h": TTLs of 1 hash field/,
    );
    expect(() => encodeRdb(recs, { version: 8 })).toThrow(/cannot express 3 item\(s\): "function library lib".*"s": stream key.*"h": TTLs/);
    expect(encodeRdb(recs, { version: 12 }).length).toBeGreaterThan(0);
  });

  it('with lossy, drops exactly that and reports it', () => {
    const enc = new RdbEncoder({ version: 9, lossy: true });
    const parts = recs.map((r) => enc.write(r));
    parts.push(enc.end());
    expect(enc.report.dropped).toEqual([
      { key: 'function library lib', what: 'function library (RDB < 10 has no functions)' },
      { key: 's', what: 'stream max-deleted-id, entries-added, entries-read of 1 group(s) (RDB < 10 has no such fields)' },
      { key: 's', what: 'active-time of 1 stream consumer(s) (RDB < 11 has no such field)' },
      { key: 'h', what: 'TTLs of 1 hash field(s) (redis RDB 9 has no hash-field expiry)' },
    ]);
    expect(enc.report.keys).toBe(3);
    const back = keysOf(decodeRdb(Uint8Array.from(parts.flatMap((p) => [...p]))));
    expect(back.map((k) => k.type)).toEqual(['stream', 'hash', 'string']);
    expect((back[1]!.value as { expireAt?: number }[])[0]!.expireAt).toBeUndefined();
  });

  it('keeps stream counters a type-15 loader would derive anyway (no loss reported)', () => {
    const s2: StreamValue = {
      ...stream,
      maxDeletedId: { ms: 0n, seq: 0n },
      entriesAdded: 1,
      groups: [{ ...stream.groups[0]!, entriesRead: 1, consumers: [] }],
    };
    const enc = new RdbEncoder({ version: 9 });
    enc.write({ kind: 'key', db: 0, key: ascii('s'), type: 'stream', value: s2, encoding: 'stream', rdbType: 19, expireAt: null });
    expect(() => enc.end()).not.toThrow();
  });
});

// ---- Real server ---------------------------------------------------------------------------

const haveRedis = requireRedis('the RDB writer tests against redis-server 7.0');
const checkRdb = spawnSync('redis-check-rdb', ['--help']).error ? null : 'redis-check-rdb';

describe.skipIf(!haveRedis)('files load into redis-server 7.0 as the original data', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-writer-'));
  const servers: RedisServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Start a server on a copy of `file`; returns it (stopped in afterAll or by the caller). */
  async function serve(file: string, name: string): Promise<RedisServer> {
    const dir = join(tmp, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, 'dump.rdb'));
    const s = await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] });
    servers.push(s);
    return s;
  }

  /** Per-key DEBUG DIGEST-VALUE and OBJECT ENCODING, all dbs. */
  async function digestOf(s: RedisServer): Promise<{ all: string; keys: Map<string, string> }> {
    const c = s.client;
    const all = text(await c.call('DEBUG', 'DIGEST'));
    const keys = new Map<string, string>();
    for (let db = 0; db < 16; db++) {
      await c.call('SELECT', String(db));
      const names = (await c.call('KEYS', '*')) as Uint8Array[];
      for (const k of names) {
        const [d] = (await c.call('DEBUG', 'DIGEST-VALUE', k)) as Uint8Array[];
        const enc = await c.call('OBJECT', 'ENCODING', k);
        keys.set(`${db}:${bytesKey(k)}`, `${text(d)} ${text(enc)}`);
      }
    }
    await c.call('SELECT', '0');
    return { all, keys };
  }

  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.rdb'))
    .sort();
  for (const fx of fixtures) {
    it(`${fx}: versions 10, 9, 8, 7, 5, 2 (and 1)`, async () => {
      const path = join(FIXTURES, fx);
      const src = decodeRdb(new Uint8Array(readFileSync(path)));
      const orig = await serve(path, `orig-${fx}`);
      const want = await digestOf(orig);
      const wantExport = normalizeExport(await readBack(orig.client));
      await orig.stop();
      for (const version of [10, 9, 8, 7, 5, 2, 1]) {
        const enc = new RdbEncoder({ version, lossy: true });
        const parts = src.map((r) => enc.write(r));
        parts.push(enc.end());
        const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        const file = join(tmp, `${fx}.v${version}.rdb`);
        writeFileSync(file, out);
        if (checkRdb) {
          const res = spawnSync(checkRdb, [file], { encoding: 'utf8' });
          expect(res.status, `${fx} v${version}: redis-check-rdb\n${res.stdout}${res.stderr}`).toBe(0);
        }
        const s = await serve(file, `${fx}-v${version}`);
        const got = await digestOf(s);
        // Stream keys cannot exist below RDB 9; every other key must digest and encode the same.
        const id = (k: KeyEntry) => `${k.db}:${bytesKey(k.key)}`;
        const gone = new Set(
          keysOf(src)
            .filter((k) => version < 9 && k.type === 'stream')
            .map(id),
        );
        // Below RDB 3 expiry is 32-bit seconds: keys expiring after 2038 lose their TTL (reported), so their digest differs.
        const ttlChanged = new Set(
          keysOf(src)
            .filter((k) => version < 3 && k.expireAt !== null && k.expireAt > 2147483647000)
            .map(id),
        );
        const expected = new Map([...want.keys].filter(([k]) => !gone.has(k) && !ttlChanged.has(k)));
        const actual = new Map([...got.keys].filter(([k]) => !ttlChanged.has(k)));
        expect(actual, `${fx} v${version}`).toEqual(expected);
        expect(got.keys.size).toBe(want.keys.size - gone.size);
        if (gone.size === 0) expect(got.all).toBe(want.all);
        // Full read-back (types, values, TTLs, stream groups/PEL/consumers, functions) when nothing was dropped.
        if (enc.report.dropped.length === 0) {
          const gotExport = normalizeExport(await readBack(s.client));
          expect(diffExports(wantExport, gotExport, 5), `${fx} v${version}`).toEqual([]);
        }
        await s.stop();
      }
    }, 60_000);
  }
});

describe.skipIf(!haveRedis)('corpus dumps of RDB 11 and 12 written down to 10 load into redis-server 7.0', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-writer-down-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A source key as the 7.0 read-back would show it: no encoding, no field TTLs, loader-derived counters. */
  function expectedExport(records: RdbRecord[]): Record<string, unknown>[] {
    const out: unknown[] = [];
    for (const r of records) {
      if (r.kind !== 'key') continue;
      // RDB 14 arrays have no RDB 10 form: a lossy write drops them (rdb-13-15.test.ts lists it)
      if (r.type === 'module' || r.type === 'array') continue;
      // RDB 13/14 stream state (IDMP, NACK zones and their unowned PEL ids) is dropped below 13
      let e: KeyEntry = r.type === 'stream' ? { ...r, value: withStreamMeta(streamForLayout(r.value, 2)) } : r;
      // 7.0 loads a small zset as a listpack, which stores a -0 score as 0 (FORMATS.md §10.1).
      if (e.type === 'zset' && e.value.length <= 128 && e.value.every(([m]) => m.length <= 64)) {
        e = { ...e, value: e.value.map(([m, sc]) => [m, sc === 0 ? 0 : sc] as [Uint8Array, number]) };
      }
      const j = entryToJson(e) as Record<string, unknown>;
      delete j.encoding;
      delete j.fieldExpireAt;
      delete j.meta;
      delete j.template;
      out.push(j);
    }
    return normalizeExport(out);
  }

  const files = corpusFiles('', ['.rdb']).filter((f) => {
    const rs = tryDecode(new Uint8Array(readFileSync(corpusPath(f))));
    const h = rs && header(rs);
    return (
      !!h &&
      h.family === 'redis' &&
      h.version >= 11 &&
      !rs!.some((r) => r.kind === 'module-aux' || (r.kind === 'key' && r.type === 'module'))
    );
  });

  it.skipIf(!corpusPresent)('finds more than 5 such files', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s', async (f) => {
    const src = decodeRdb(new Uint8Array(readFileSync(corpusPath(f))));
    const enc = new RdbEncoder({ version: 10, lossy: true });
    const parts = src.map((r) => enc.write(r));
    parts.push(enc.end());
    const dir = join(tmp, String(files.indexOf(f)));
    mkdirSync(dir);
    writeFileSync(join(dir, 'dump.rdb'), Uint8Array.from(parts.flatMap((p) => [...p])));
    if (checkRdb) {
      const res = spawnSync(checkRdb, [join(dir, 'dump.rdb')], { encoding: 'utf8' });
      expect(res.status, `${f}: redis-check-rdb\n${res.stdout}`).toBe(0);
    }
    const s = await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] });
    try {
      const got = normalizeExport(await readBack(s.client))
        .filter((r) => r.kind !== 'function')
        .map((r) => {
          const { encoding: _e, ...rest } = r;
          return rest;
        });
      // Keys whose TTL already passed are dropped by a loading primary.
      const now = Date.now();
      const want = expectedExport(src).filter((r) => !(typeof r.expireAt === 'number' && r.expireAt < now));
      expect(diffExports(want, got, 5), f).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});

describe('convert to RDB (ops/to-rdb.ts)', () => {
  async function collect(gen: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const c of gen) parts.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  }

  for (const format of ['jsonl', 'json'] as const) {
    it(`RDB → ${format} → RDB → records is the identity on every fixture`, async () => {
      for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.rdb'))) {
        const bytes = new Uint8Array(readFileSync(join(FIXTURES, f)));
        const text = await collect(exportRdb([bytes], { format, meta: true }));
        const report: Partial<ToRdbReport> = {};
        const rdb = await collect(toRdbChunks([text], 'json', {}, report));
        expect(report.version).toBe(10);
        const back = decodeRdb(rdb);
        expect(
          diffExports(logical(decodeRdb(bytes)) as Record<string, unknown>[], logical(back) as Record<string, unknown>[], 5),
          f,
        ).toEqual([]);
        expect(report.keys).toBe(keysOf(back).length);
      }
    });
  }

  it('RDB → RDB keeps the input version by default and applies filters', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'everything.rdb')));
    const report: Partial<ToRdbReport> = {};
    const out = decodeRdb(await collect(toRdbChunks([bytes], 'rdb', { type: ['hash'], db: [0] }, report)));
    expect(header(out)?.version).toBe(10);
    const ks = keysOf(out);
    expect(ks.length).toBeGreaterThan(0);
    expect(ks.every((k) => k.type === 'hash' && k.db === 0)).toBe(true);
    expect(looksLikeJson(bytes)).toBe(false);
    expect(looksLikeJson(ascii(' \n{"db":0}'))).toBe(true);
  });

  it('a refused lossy conversion throws before the last chunk', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'streams.rdb')));
    await expect(collect(toRdbChunks([bytes], 'rdb', { version: 8 }))).rejects.toThrow(UsageError);
  });
});

describe.skipIf(!haveRedis)('a random dataset written by commands, saved, re-encoded', () => {
  it('loads with the same DEBUG DIGEST and read-back at versions 10, 9 and 7', async () => {
    const r = makeRandom(0xa11ce);
    const a = await startRedis();
    const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-writer-rand-'));
    try {
      const cmds: RedisArg[][] = [];
      const val = (): RedisArg =>
        r.chance(0.3) ? String(r.int(-70000, 70000)) : r.chance(0.2) ? r.bytes(r.int(0, 80)) : r.text(r.int(0, r.chance(0.1) ? 300 : 30));
      for (let i = 0; i < 600; i++) {
        const key = `k${i}`;
        const n = r.chance(0.15) ? r.int(100, 700) : r.int(1, 20);
        switch (r.pick(['string', 'list', 'set', 'intset', 'zset', 'hash'])) {
          case 'string':
            cmds.push(['SET', key, val()]);
            break;
          case 'list':
            cmds.push(['RPUSH', key, ...Array.from({ length: n }, val)]);
            break;
          case 'set':
            cmds.push(['SADD', key, ...Array.from({ length: n }, val)]);
            break;
          case 'intset':
            cmds.push(['SADD', key, ...Array.from({ length: n }, () => String(r.int(-3e9, 3e9)))]);
            break;
          case 'zset':
            cmds.push([
              'ZADD',
              key,
              ...Array.from({ length: n }, () => [String(r.chance(0.5) ? r.int(-1e6, 1e6) : (r.next() - 0.5) * 1e9), val()]).flat(),
            ]);
            break;
          default:
            cmds.push(['HSET', key, ...Array.from({ length: n }, (_, j) => [`f${j}`, val()]).flat()]);
        }
        if (r.chance(0.2)) cmds.push(['PEXPIREAT', key, String(4102444800000 + r.int(0, 1e9))]);
      }
      await a.client.pipeline(cmds);
      await a.client.call('SAVE');
      const src = decodeRdb(new Uint8Array(readFileSync(join(a.dir, 'dump.rdb'))));
      const want = text(await a.client.call('DEBUG', 'DIGEST'));
      const wantExport = normalizeExport(await readBack(a.client));
      for (const version of [10, 9, 7]) {
        const dir = join(tmp, `v${version}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'dump.rdb'), encodeRdb(src, { version }));
        if (checkRdb) expect(spawnSync(checkRdb, [join(dir, 'dump.rdb')]).status).toBe(0);
        const b = await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] });
        try {
          expect(text(await b.client.call('DEBUG', 'DIGEST')), `v${version}`).toBe(want);
          expect(diffExports(wantExport, normalizeExport(await readBack(b.client)), 5), `v${version}`).toEqual([]);
        } finally {
          await b.stop();
        }
      }
    } finally {
      await a.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!haveRedis)('type-15 streams (no v2 counters) up-converted', () => {
  it('a v10 file gets the counters 7.0 derives when loading the v9 file (XINFO STREAM FULL equal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbkit-writer-v1s-'));
    const mk = (entries: StreamValue['entries'], length: number): KeyEntry => ({
      kind: 'key',
      db: 0,
      key: ascii(`s${length}`),
      type: 'stream',
      encoding: 'stream',
      rdbType: 15,
      expireAt: null,
      value: {
        entries,
        length,
        lastId: { ms: 9n, seq: 1n },
        firstId: null,
        maxDeletedId: null,
        entriesAdded: null,
        groups: [
          { name: ascii('g'), lastId: { ms: 3n, seq: 0n }, entriesRead: null, pending: [], consumers: [] },
          { name: ascii('h'), lastId: { ms: 9n, seq: 1n }, entriesRead: null, pending: [], consumers: [] },
        ],
      },
    });
    const recs = [
      mk([], 0),
      mk(
        [
          { id: { ms: 3n, seq: 0n }, fields: [[ascii('f'), ascii('1')]] },
          { id: { ms: 9n, seq: 1n }, fields: [[ascii('f'), ascii('2')]] },
        ],
        2,
      ),
    ];
    const seen: string[] = [];
    try {
      for (const v of [9, 10]) {
        writeFileSync(join(dir, `d${v}.rdb`), encodeRdb(recs, { version: v }));
        const s = await startRedis({ dir, args: ['--dbfilename', `d${v}.rdb`] });
        try {
          const info = [await s.client.call('XINFO', 'STREAM', 's0', 'FULL'), await s.client.call('XINFO', 'STREAM', 's2', 'FULL')];
          seen.push(JSON.stringify(info, (_k, x) => (x instanceof Uint8Array ? text(x) : typeof x === 'bigint' ? String(x) : x)));
        } finally {
          await s.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(seen[1]).toBe(seen[0]);
    expect(seen[0]).toContain('"recorded-first-entry-id","18446744073709551615-18446744073709551615"');
  });
});
