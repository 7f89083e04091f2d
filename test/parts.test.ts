/**
 * Keys too big to hold (SPEC.md §2.1): a dump made by a real redis-server 7.0 with large lists
 * (quicklists with packed, LZF-compressed and plain nodes), sets, zsets, hashes and streams (many
 * nodes with deleted entries, consumer groups, PELs, consumers, a PEL larger than the stream) is
 * read with a low part threshold, fed at chunk sizes 1, 7 and 4096. Put back together, the parts
 * are exactly the whole-key records; every consumer of parts (JSON/JSONL, RDB and RESP writers,
 * digest, memory report) gives byte for byte what it gives from whole keys.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../src/engine/digest.js';
import { compareBytes, concatBytes } from '../src/model/bytes.js';
import type { KeyEntry, KeyPart, KeyPartRecord, KeyStartRecord, RdbRecord } from '../src/model/record.js';
import { diffDatasets } from '../src/ops/diff.js';
import { digestRdb } from '../src/ops/digest.js';
import { exportRdb, exportRecords } from '../src/ops/export.js';
import { readRdbBatches } from '../src/ops/read.js';
import { reportRecords } from '../src/ops/report.js';
import { encodeRecords, toRdbChunks } from '../src/ops/to-rdb.js';
import { datasetRespChunks, rdbToRespChunks } from '../src/ops/to-resp.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { assembleStream } from '../src/rdb/stream.js';
import { decodeChunked } from './support/chunked.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('parts tests');
const THRESHOLD = 7;
const SIZES = [1, 7, 4096];

/** Redis order of zset members (ascending score, then member bytes). */
function zsetSorted(v: Array<[Uint8Array, number]>): Array<[Uint8Array, number]> {
  return [...v].sort((a, b) => a[1] - b[1] || compareBytes(a[0], b[0]));
}

/** Put keys handed over in parts back together as whole key records (zsets in Redis order). */
export function assemble(records: RdbRecord[]): RdbRecord[] {
  const out: RdbRecord[] = [];
  let start: KeyStartRecord | null = null;
  let items: unknown[] = [];
  for (const r of records) {
    if (r.kind === 'key-start') {
      expect(start).toBeNull();
      start = r;
      items = [];
    } else if (r.kind === 'key-part') {
      expect(start).not.toBeNull();
      expect(r.key).toBe(start!.key);
      if (start!.type === 'stream') items.push(r);
      else items.push(...(r as Extract<KeyPartRecord, { items: unknown[] }>).items);
    } else if (r.kind === 'key-end') {
      const s = start!;
      if (s.type === 'stream') {
        const value = assembleStream(items as KeyPart[]);
        expect(r.count).toBe(value.entries.length);
        const { kind: _k, count: _c, nodes: _n, span: _s, ...rest } = s;
        out.push({ ...rest, kind: 'key', value, span: r.span } as KeyEntry);
        start = null;
        continue;
      }
      expect(r.count).toBe(items.length);
      if (s.count !== null) expect(s.count).toBe(items.length);
      const e = {
        kind: 'key',
        type: s.type,
        db: s.db,
        key: s.key,
        encoding: s.encoding,
        rdbType: s.rdbType,
        expireAt: s.expireAt,
        value: s.type === 'zset' ? zsetSorted(items as Array<[Uint8Array, number]>) : items,
        span: r.span,
      } as KeyEntry;
      if (s.idle !== undefined) e.idle = s.idle;
      if (s.freq !== undefined) e.freq = s.freq;
      out.push(e);
      start = null;
    } else {
      expect(start).toBeNull();
      out.push(r);
    }
  }
  expect(start).toBeNull();
  return out;
}

/** The dump in chunks of `size` bytes. */
function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collectBytes(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return concatBytes(out);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await collectBytes(it));
}

/** Keys of a decoded dump without what a rewrite may change (spans, list node layout). */
function keysOf(bytes: Uint8Array): object[] {
  return decodeRdb(bytes).flatMap((r) =>
    r.kind === 'key' ? [{ db: r.db, key: r.key, type: r.type, expireAt: r.expireAt, value: r.value, idle: r.idle, freq: r.freq }] : [],
  );
}

/** Exit status of redis-check-rdb on the bytes (written to a temp file, removed after). */
function redisCheckRdb(bytes: Uint8Array): number | null {
  const dir = mkdtempSync(join(tmpdir(), 'rdbkit-parts-'));
  try {
    const f = join(dir, 'out.rdb');
    writeFileSync(f, bytes);
    return spawnSync('redis-check-rdb', [f], { encoding: 'utf8' }).status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function digestOfRdb(bytes: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rdbkit-parts-'));
  writeFileSync(join(dir, 'dump.rdb'), bytes);
  const s = await startRedis({ dir });
  try {
    return String(Buffer.from(await s.client.call('DEBUG', 'DIGEST')));
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

let server: RedisServer;
let dump: Uint8Array;
let digest: string;
let changedDump: Uint8Array;
/** What the source server says of stream:big's groups (no delivered entry of it was deleted). */
const GROUP_INFO = [
  ['XINFO', 'GROUPS', 'stream:big'],
  ['XPENDING', 'stream:big', 'g1'],
  ['XPENDING', 'stream:big', 'g2'],
];
const groupInfo: string[] = [];

/** The dump: big aggregates of every counted encoding, a few small keys, two dbs, TTLs. */
async function makeDump(s: RedisServer): Promise<Uint8Array> {
  const c = s.client;
  const cmds: Array<Array<string | number | Buffer>> = [];
  const bin = (i: number) => Buffer.from([0xff, 0xfe, i & 255, (i >> 8) & 255]);
  cmds.push(['CONFIG', 'SET', 'hash-max-listpack-entries', '128']);
  const hset = (key: string, pairs: Array<Array<string | Buffer>>) => {
    for (let i = 0; i < pairs.length; i += 10) cmds.push(['HSET', key, ...pairs.slice(i, i + 10).flat()]);
  };
  hset(
    'hash:big',
    Array.from({ length: 600 }, (_, i) => [`f${i}`, `v\u0000${i}"é`]),
  );
  hset(
    'hash:binary',
    Array.from({ length: 600 }, (_, i) => [bin(i), `value ${i}`]),
  );
  cmds.push(['HSET', 'hash:small', 'a', '1', 'b', '2']);
  cmds.push(['SADD', 'set:big', ...Array.from({ length: 300 }, (_, i) => `member:${i}`)]);
  cmds.push(['SADD', 'set:ints', ...Array.from({ length: 600 }, (_, i) => String(i * 3))]);
  cmds.push(['SADD', 'set:small', '1', '2', '3']);
  cmds.push(['ZADD', 'zset:big', ...Array.from({ length: 300 }, (_, i) => [String(i % 50) + (i % 7 ? '.25' : ''), `m${i}`]).flat()]);
  cmds.push(['ZADD', 'zset:big', '+inf', 'top', '-inf', 'bottom']);
  cmds.push(['RPUSH', 'list:big', ...Array.from({ length: 3000 }, (_, i) => (i % 3 ? `element ${i}` : String(i)))]);
  cmds.push(['CONFIG', 'SET', 'list-compress-depth', '1']);
  cmds.push(['RPUSH', 'list:lzf', ...Array.from({ length: 2000 }, (_, i) => `compressible compressible ${i % 10}`)]);
  cmds.push(['CONFIG', 'SET', 'list-compress-depth', '0']);
  cmds.push(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']);
  for (let i = 0; i < 20; i++) cmds.push(['RPUSH', 'list:plain', `small ${i}`, 'x'.repeat(150 + i)]);
  cmds.push(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', String(1 << 30)]);
  cmds.push(['RPUSH', 'list:small', 'a', 'b']);
  cmds.push(['SET', 'string', 'x'.repeat(100)]);
  cmds.push(['XADD', 'stream', '1-1', 'a', '1']);
  // streams: many nodes, deleted entries, two groups with PELs, consumers (one without pending)
  cmds.push(['CONFIG', 'SET', 'stream-node-max-entries', '10']);
  for (let i = 1; i <= 60; i++) cmds.push(['XADD', 'stream:big', `1000-${i}`, 'f', `v${i}`, ...(i % 4 ? [] : [bin(i), '\u0000é'])]);
  cmds.push(['XDEL', 'stream:big', '1000-5', '1000-6', '1000-30']);
  cmds.push(['XGROUP', 'CREATE', 'stream:big', 'g1', '0']);
  cmds.push(['XGROUP', 'CREATE', 'stream:big', 'g2', '0']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '20', 'STREAMS', 'stream:big', '>']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '15', 'STREAMS', 'stream:big', '>']);
  cmds.push(['XACK', 'stream:big', 'g1', '1000-2', '1000-3']);
  cmds.push(['XGROUP', 'CREATECONSUMER', 'stream:big', 'g1', 'idle']);
  cmds.push(['XREADGROUP', 'GROUP', 'g2', 'carol', 'COUNT', '9', 'STREAMS', 'stream:big', '>']);
  // a stream whose PEL outgrows its entries: delivered, then deleted
  for (let i = 1; i <= 12; i++) cmds.push(['XADD', 'stream:pel', `5-${i}`, 'a', String(i)]);
  cmds.push(['XGROUP', 'CREATE', 'stream:pel', 'g', '0']);
  cmds.push(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '12', 'STREAMS', 'stream:pel', '>']);
  cmds.push(['XDEL', 'stream:pel', ...Array.from({ length: 11 }, (_, i) => `5-${i + 1}`)]);
  cmds.push(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
  cmds.push(['PEXPIREAT', 'hash:big', 4102444800000]);
  cmds.push(['PEXPIREAT', 'list:big', 4102444800001]);
  cmds.push(['SELECT', '1']);
  hset(
    'hash:db1',
    Array.from({ length: 600 }, (_, i) => [`k${i}`, String(i)]),
  );
  cmds.push(['SADD', 'set:db1', ...Array.from({ length: 200 }, (_, i) => `s${i}`)]);
  await c.pipeline(cmds);
  await c.call('SAVE');
  return new Uint8Array(readFileSync(join(s.dir, 'dump.rdb')));
}

describe.skipIf(!HAVE)('keys handed over in parts', () => {
  beforeAll(async () => {
    server = await startRedis();
    dump = await makeDump(server);
    digest = String(Buffer.from(await server.client.call('DEBUG', 'DIGEST')));
    const c = server.client;
    await c.call('SELECT', '0');
    for (const cmd of GROUP_INFO) groupInfo.push(JSON.stringify(await c.call(...cmd)));
    // the same data but for a member, an acknowledged entry and a consumer's pending entry
    await c.pipeline([
      ['SELECT', '0'],
      ['SADD', 'set:big', 'one more'],
      ['XACK', 'stream:big', 'g1', '1000-1'],
      ['XCLAIM', 'stream:pel', 'g', 'other', '0', '5-12', 'JUSTID'],
      ['SAVE'],
    ]);
    changedDump = new Uint8Array(readFileSync(join(server.dir, 'dump.rdb')));
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  for (const size of SIZES) {
    it(`decoder, chunk size ${size}: the parts put together are the whole keys; batches stay small`, () => {
      const whole = decodeRdb(dump).map((r) => (r.kind === 'key' && r.type === 'zset' ? { ...r, value: zsetSorted(r.value) } : r));
      const parted = decodeChunked(dump, size, { partThreshold: THRESHOLD });
      const starts = parted.filter((r): r is KeyStartRecord => r.kind === 'key-start');
      expect(starts.map((s) => s.type).sort()).toEqual([
        'hash',
        'hash',
        'hash',
        'list',
        'list',
        'list',
        'set',
        'set',
        'set',
        'stream',
        'stream',
        'zset',
      ]);
      for (const r of parted) {
        if (r.kind !== 'key-part') continue;
        if (r.part === 'stream-entries') {
          // whole nodes: a batch ends at the node that reached the threshold
          expect(r.nodes.reduce((a, b) => a + b, 0)).toBe(r.items.length);
          expect(r.items.length - r.nodes[r.nodes.length - 1]!).toBeLessThan(THRESHOLD);
          continue;
        }
        if (!('items' in r)) continue;
        const p = r as Extract<KeyPartRecord, { items: unknown[] }>;
        const nodes = r.part === 'list' ? r.nodes : undefined;
        if (nodes) {
          expect(nodes.reduce((a, b) => a + b, 0)).toBe(p.items.length);
          expect(p.items.length - nodes[nodes.length - 1]!).toBeLessThan(THRESHOLD);
        } else expect(p.items.length).toBeLessThanOrEqual(THRESHOLD);
      }
      expect(assemble(parted)).toEqual(whole);
    });
  }

  it('skipValues with a part threshold: the same key records, nothing handed over in parts', () => {
    const plain = decodeRdb(dump, { skipValues: true });
    for (const size of SIZES) expect(decodeChunked(dump, size, { skipValues: true, partThreshold: THRESHOLD })).toEqual(plain);
  });

  for (const format of ['jsonl', 'json'] as const)
    for (const size of SIZES) {
      it(`${format} export, chunk size ${size}: the same text through parts as through whole keys`, async () => {
        const opts = { format, partThreshold: THRESHOLD, meta: true };
        const whole = await collect(exportRecords([decodeRdb(dump)], opts));
        const parted = await collect(exportRdb(chunks(dump, size), opts));
        expect(parted).toBe(whole);
        // large hashes are pairs, large zsets from the highest score down; small keys as before
        expect(whole).toContain('"key":"hash:big","type":"hash","encoding":"hashtable","expireAt":4102444800000,"value":[["f');
        expect(whole).toContain('"key":"zset:big","type":"zset","encoding":"skiplist","expireAt":null,"value":[["top","inf"],');
        expect(whole).toContain('"value":{"a":"1","b":"2"}');
        // a large stream's pending entries name no consumer (its consumers list them)
        expect(whole).toMatch(/"key":"stream:pel".*"pending":\[\{"id":"5-1","deliveryTime":\d+,"deliveryCount":1\}/);
        expect(whole).toMatch(/"key":"stream","type":"stream".*"entries":\[\{"id":"1-1"/);
      });
    }

  for (const size of SIZES) {
    it(`RDB output, chunk size ${size}: the same bytes through parts as through whole keys (quicklist and stream nodes as stored)`, async () => {
      // values encoded again, not copied as stored (see the next tests for that)
      const decoder = { rawValues: false };
      const whole = await collectBytes(toRdbChunks([dump], 'rdb', { version: 10, partThreshold: 0, decoder }));
      const parted = await collectBytes(toRdbChunks(chunks(dump, size), 'rdb', { version: 10, partThreshold: THRESHOLD, decoder }));
      expect(Buffer.from(parted).equals(Buffer.from(whole))).toBe(true);
      expect(keysOf(parted)).toEqual(keysOf(dump));
      // without the stored layout a whole key is packed by Redis's fill rule: the same keys
      expect(keysOf(await collectBytes(encodeRecords(decodeRdb(dump), { version: 10 })))).toEqual(keysOf(parted));
      if (size === 4096) {
        expect(redisCheckRdb(parted)).toBe(0);
        expect(await digestOfRdb(parted)).toBe(digest);
      }
    });
  }

  for (const size of SIZES) {
    it(`RDB output of the input's version, chunk size ${size}: values copied as stored, a big one read again and encoded`, async () => {
      const version = Number(Buffer.from(dump.subarray(5, 9)).toString('latin1')); // REDIS0010
      // rawMax 200 bytes: the big keys pass it and are encoded from their (parted) values
      const rawMax = 200;
      const only = await collectBytes(toRdbChunks(chunks(dump, size), 'rdb', { partThreshold: THRESHOLD, decoder: { rawMax } }));
      const keep = await collectBytes(toRdbChunks(chunks(dump, size), 'rdb', { version, partThreshold: THRESHOLD, decoder: { rawMax } }));
      // 'only' validates values and copies them; with a version given they are decoded and copied
      // too (which keys pass rawMax differs with where the chunks were joined, so not byte for byte)
      expect(keysOf(only)).toEqual(keysOf(dump));
      expect(keysOf(keep)).toEqual(keysOf(dump));
      const stored = new Map<string, Uint8Array | undefined>();
      for (const r of decodeRdb(dump, { rawValues: true })) if (r.kind === 'key') stored.set(Buffer.from(r.key).toString('hex'), r.raw);
      let copied = 0;
      let encoded = 0;
      for (const r of decodeRdb(only, { rawValues: true })) {
        if (r.kind !== 'key') continue;
        const same = Buffer.from(r.raw!).equals(Buffer.from(stored.get(Buffer.from(r.key).toString('hex'))!));
        if (same) copied++;
        else encoded++;
      }
      expect(copied).toBeGreaterThan(5);
      // at chunk size 1 every key past rawMax is read again; those Redis packed otherwise differ
      if (size === 1) expect(encoded).toBeGreaterThan(0);
      const asStored = await collectBytes(toRdbChunks(chunks(dump, size), 'rdb', {}));
      for (const r of decodeRdb(asStored, { rawValues: true }))
        if (r.kind === 'key')
          expect(
            Buffer.from(r.raw!).equals(Buffer.from(stored.get(Buffer.from(r.key).toString('hex'))!)),
            Buffer.from(r.key).toString(),
          ).toBe(true);
      if (size === 4096) {
        for (const out of [only, keep, asStored]) {
          expect(redisCheckRdb(out)).toBe(0);
          expect(await digestOfRdb(out)).toBe(digest);
        }
      }
    });
  }

  for (const size of SIZES) {
    it(`RESP output, chunk size ${size}: the same commands through parts as through whole keys`, async () => {
      const opts = { batch: 5, partThreshold: THRESHOLD };
      const whole = await collectBytes(datasetRespChunks(decodeRdb(dump), opts));
      const parted = await collectBytes(rdbToRespChunks(chunks(dump, size), {}, {}, opts));
      expect(Buffer.from(parted).equals(Buffer.from(whole))).toBe(true);
      if (size === 4096) {
        const target = await startRedis();
        try {
          const r = spawnSync('redis-cli', ['-p', String(target.port), '--pipe'], { input: parted, encoding: 'utf8' });
          expect(r.stdout).toMatch(/errors: 0,/);
          expect(String(Buffer.from(await target.client.call('DEBUG', 'DIGEST')))).toBe(digest);
          // groups, consumers and PELs come back too
          for (let k = 0; k < GROUP_INFO.length; k++)
            expect(JSON.stringify(await target.client.call(...GROUP_INFO[k]!))).toBe(groupInfo[k]);
        } finally {
          await target.stop();
        }
      }
    });
  }

  for (const size of SIZES) {
    it(`digest, chunk size ${size}: folded part by part, it is the server's DEBUG DIGEST and the whole keys' digest`, async () => {
      const whole = digestOf(
        decodeRdb(dump).filter((r): r is KeyEntry => r.kind === 'key'),
        'load',
      );
      const parted = await digestRdb(chunks(dump, size), { at: 0, zsetRule: 'load', partThreshold: THRESHOLD });
      expect(parted.digest).toBe(whole);
      expect(parted.digest).toBe(digest);
      expect(parted.keys).toBe(17);
    });
  }

  for (const size of SIZES) {
    it(`memory report, chunk size ${size}: the same per-key estimates and totals through parts as through whole keys`, async () => {
      const opts = { at: 0, top: 100 };
      const whole = await reportRecords(readRdbBatches(chunks(dump, 4096), { layout: true, partThreshold: 0 }), opts);
      const parted = await reportRecords(readRdbBatches(chunks(dump, size), { layout: true, partThreshold: THRESHOLD }), opts);
      expect(parted).toEqual(whole);
      expect(whole.top.length).toBe(17);
    });
  }

  for (const size of SIZES) {
    it(`diff, chunk size ${size}: keys in parts compare equal to the same keys whole; a change inside a big key is found`, async () => {
      const batches = (bytes: Uint8Array, threshold: number) => readRdbBatches(chunks(bytes, size), { partThreshold: threshold });
      const same = await diffDatasets(batches(dump, 0), batches(dump, THRESHOLD));
      expect(same).toMatchObject({ equal: true, keysA: 17, keysB: 17 });
      const changed: string[] = [];
      const rep = await diffDatasets(batches(dump, 0), batches(changedDump, THRESHOLD), {
        onChange: (c) => changed.push(`${c.kind} ${Buffer.from(c.key).toString()} ${c.what.join(',')}`),
      });
      expect(rep).toMatchObject({ equal: false, changed: 3 });
      expect(changed.sort()).toEqual(['changed set:big value', 'changed stream:big value', 'changed stream:pel value']);
    });
  }
});
