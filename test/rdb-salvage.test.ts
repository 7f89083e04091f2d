/**
 * `convert --salvage`: what a damaged RDB still gives.
 * - A real dump (the checked-in fixture a real Redis saved) cut at 60%: exactly the keys whose
 *   records end before the cut, as JSONL (the same lines the intact file gives for them) and as
 *   an RDB that redis-check-rdb accepts and a real Redis loads.
 * - Damage confined to one value with its outer length intact (a listpack's end marker, a
 *   ziplist's end marker, an intset's encoding, a bad LZF block, a quicklist node, a stream node's
 *   listpack): that key is skipped and reported, every other key is written, exit 3 (partial).
 * - Damage to the structure (a type byte): reading stops there, the keys before it are written.
 * - Exit status: 0 complete, 3 partial, 1 nothing readable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyEntry, RdbRecord } from '../src/model/record.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { encodeRdb } from '../src/rdb/encoder.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const haveRedis = requireRedis('salvage output loaded by redis-check-rdb and redis-server');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-salvage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const enc = new TextEncoder();
const keys = (recs: RdbRecord[]): KeyEntry[] => recs.filter((r): r is KeyEntry => r.kind === 'key');
const label = (k: KeyEntry): string => `${k.db}:${Buffer.from(k.key).toString('latin1')}`;

describe.skipIf(!haveRedis)('a real dump cut at 60%', () => {
  const file = join(ROOT, 'fixtures', 'rdb', 'everything.rdb');
  const full = new Uint8Array(readFileSync(file));
  const cutAt = Math.floor(full.length * 0.6);
  const cut = join(tmp, 'everything-60.rdb');
  writeFileSync(cut, full.subarray(0, cutAt));
  const all = keys(decodeRdb(full));
  const expected = all.filter((k) => k.span!.end <= cutAt);

  it('JSONL: exactly the keys whose records end before the cut, as the intact file gives them; exit 3', () => {
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(all.length);
    const r = run('convert', cut, '--to', 'jsonl', '--salvage');
    expect(r.code).toBe(3);
    const intact = run('convert', file, '--to', 'jsonl').out.split('\n').filter(Boolean);
    expect(r.out.split('\n').filter(Boolean)).toEqual(intact.slice(0, expected.length));
    expect(r.err).toMatch(/salvage: stopped truncated at offset \d+ while reading .*RDB_UNEXPECTED_EOF/);
    expect(r.err).toContain(`salvage: partial: ${expected.length} keys recovered, 0 skipped`);
  });

  it('RDB: redis-check-rdb accepts it and a real Redis loads those keys', async () => {
    const out = join(tmp, 'salvaged.rdb');
    const r = run('convert', cut, '--to', 'rdb', '-o', out, '--salvage');
    expect(r.code).toBe(3);
    expect(execFileSync('redis-check-rdb', [out], { encoding: 'utf8' })).toMatch(/RDB looks OK/);
    const got = keys(decodeRdb(new Uint8Array(readFileSync(out))));
    expect(got.map(label)).toEqual(expected.map(label));
    const dir = mkdtempSync(join(tmp, 'load-'));
    writeFileSync(join(dir, 'dump.rdb'), readFileSync(out));
    const srv = await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] });
    try {
      const now = Date.now();
      const live = expected.filter((k) => k.expireAt === null || k.expireAt > now + 5000);
      let n = 0;
      for (const db of new Set(expected.map((k) => k.db))) {
        await srv.client.call('SELECT', db);
        n += Number(await srv.client.call('DBSIZE'));
      }
      expect(n).toBeGreaterThanOrEqual(live.length);
      expect(n).toBeLessThanOrEqual(expected.length);
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

/** A small RDB with `damaged` between two intact string keys; returns it and the damaged key's span. */
function sandwich(damaged: KeyEntry, version = 10): { bytes: Uint8Array; span: { start: number; end: number } } {
  const str = (k: string, v: string): KeyEntry =>
    ({
      kind: 'key',
      db: 0,
      key: enc.encode(k),
      type: 'string',
      value: enc.encode(v),
      encoding: '',
      rdbType: null,
      expireAt: null,
    }) as KeyEntry;
  const bytes = encodeRdb([str('before', '1'), damaged, str('after', '2')], { version });
  const span = keys(decodeRdb(bytes)).find((k) => label(k) === label(damaged))!.span!;
  return { bytes, span };
}

function salvageJsonl(bytes: Uint8Array, name: string): { code: number; keys: string[]; err: string } {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  const r = run('convert', p, '--to', 'jsonl', '--salvage');
  return {
    code: r.code,
    keys: r.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).key),
    err: r.err,
  };
}

describe('damage confined to one value: that key is skipped, the rest is written', () => {
  it('a listpack hash whose end marker is gone', () => {
    const h = {
      kind: 'key',
      db: 0,
      key: enc.encode('h'),
      type: 'hash',
      value: [{ field: enc.encode('f'), value: enc.encode('v') }],
      encoding: '',
      rdbType: null,
      expireAt: null,
    } as KeyEntry;
    const { bytes, span } = sandwich(h);
    expect(bytes[span.end - 1]).toBe(0xff);
    bytes[span.end - 1] = 0x00;
    const r = salvageJsonl(bytes, 'listpack.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/salvage: skipped key "h" in db 0: corrupt at offset \d+ while reading value of key "h"/);
    expect(r.err).toContain('salvage: partial: 2 keys recovered, 1 skipped');
  });

  it('an intset with an impossible encoding', () => {
    const s = {
      kind: 'key',
      db: 0,
      key: enc.encode('s'),
      type: 'set',
      value: [enc.encode('1'), enc.encode('2'), enc.encode('3')],
      encoding: '',
      rdbType: null,
      expireAt: null,
    } as KeyEntry;
    const { bytes, span } = sandwich(s);
    // type, key length, key, blob length, then the intset: encoding (u32) first
    const blob = span.start + 1 + 1 + 1 + 1;
    expect(bytes[blob]).toBe(2);
    bytes[blob] = 3;
    const r = salvageJsonl(bytes, 'intset.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/skipped key "s"/);
  });

  it('a string whose LZF block is damaged', () => {
    const value = enc.encode('abcdefghij'.repeat(400));
    const s = { kind: 'key', db: 0, key: enc.encode('z'), type: 'string', value, encoding: '', rdbType: null, expireAt: null } as KeyEntry;
    const { bytes, span } = sandwich(s);
    expect(bytes[span.start + 3]).toBe(0xc3); // type, key length, key, then the LZF marker
    // damage inside the compressed bytes until the strict decoder refuses them
    let at = span.end - 2;
    for (; at > span.start + 10; at--) {
      const copy = bytes.slice();
      copy[at] = 0xff;
      try {
        decodeRdb(copy);
      } catch (e) {
        if ((e as { code?: string }).code === 'RDB_BAD_LZF') break;
      }
    }
    bytes[at] = 0xff;
    const r = salvageJsonl(bytes, 'lzf.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/skipped key "z" in db 0: corrupt .*RDB_BAD_LZF/);
  });

  it('a quicklist node (the last of several)', () => {
    const value = Array.from({ length: 3000 }, (_, i) => enc.encode(`element-${i}`));
    const l = { kind: 'key', db: 0, key: enc.encode('l'), type: 'list', value, encoding: '', rdbType: null, expireAt: null } as KeyEntry;
    const { bytes, span } = sandwich(l);
    expect(bytes[span.start]).toBe(18);
    bytes[span.end - 1] = 0x00;
    const r = salvageJsonl(bytes, 'quicklist.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/skipped key "l"/);
  });

  it('a ziplist hash (RDB 9) whose end marker is gone', () => {
    const h = {
      kind: 'key',
      db: 0,
      key: enc.encode('zh'),
      type: 'hash',
      value: [{ field: enc.encode('f'), value: enc.encode('v') }],
      encoding: '',
      rdbType: null,
      expireAt: null,
    } as KeyEntry;
    const { bytes, span } = sandwich(h, 9);
    expect(bytes[span.start]).toBe(13); // RDB_TYPE_HASH_ZIPLIST
    expect(bytes[span.end - 1]).toBe(0xff);
    bytes[span.end - 1] = 0x00;
    const r = salvageJsonl(bytes, 'ziplist.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/salvage: skipped key "zh" in db 0: corrupt at offset \d+ while reading value of key "zh"/);
  });

  it('a stream node whose listpack end marker is gone (the metadata and groups after it read as usual)', () => {
    const id = (ms: number, seq: number) => ({ ms: BigInt(ms), seq: BigInt(seq) });
    const x = {
      kind: 'key',
      db: 0,
      key: enc.encode('x'),
      type: 'stream',
      value: {
        entries: [
          { id: id(1, 0), fields: [[enc.encode('a'), enc.encode('1')]] },
          { id: id(2, 0), fields: [[enc.encode('a'), enc.encode('2')]] },
        ],
        length: 2,
        lastId: id(2, 0),
        firstId: id(1, 0),
        maxDeletedId: id(0, 0),
        entriesAdded: 2,
        groups: [{ name: enc.encode('g'), lastId: id(1, 0), entriesRead: 1, pending: [], consumers: [] }],
      },
      encoding: '',
      rdbType: null,
      expireAt: null,
    } as unknown as KeyEntry;
    const { bytes, span } = sandwich(x);
    expect(bytes[span.start]).toBe(19); // RDB_TYPE_STREAM_LISTPACKS_2 (RDB 10)
    // type, key length, key "x", node count 1, the node's master id (length 16 + 16 bytes), then its listpack string
    const lpHeader = span.start + 1 + 1 + 1 + 1 + 17;
    expect(bytes[lpHeader]! >> 6).toBe(0); // a 6-bit length: the listpack is stored raw
    const lpEnd = lpHeader + 1 + bytes[lpHeader]!;
    expect(bytes[lpEnd - 1]).toBe(0xff);
    bytes[lpEnd - 1] = 0x00;
    const r = salvageJsonl(bytes, 'stream.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before', 'after']);
    expect(r.err).toMatch(/salvage: skipped key "x" in db 0: corrupt at offset \d+ while reading value of key "x"/);
    expect(r.err).toContain('salvage: partial: 2 keys recovered, 1 skipped');
  });
});

describe('damage to the structure, and the exit statuses', () => {
  it('a bad type byte: reading stops there, the keys before it are written', () => {
    const h = {
      kind: 'key',
      db: 0,
      key: enc.encode('m'),
      type: 'string',
      value: enc.encode('x'),
      encoding: '',
      rdbType: null,
      expireAt: null,
    } as KeyEntry;
    const { bytes, span } = sandwich(h);
    bytes[span.start] = 0x63;
    const r = salvageJsonl(bytes, 'type.rdb');
    expect(r.code).toBe(3);
    expect(r.keys).toEqual(['before']);
    expect(r.err).toMatch(/salvage: stopped corrupt at offset \d+ .*RDB_UNKNOWN_TYPE/);
  });

  it('an intact file: complete, exit 0, the same output as without --salvage', () => {
    const f = join(ROOT, 'fixtures', 'rdb', 'hashes.rdb');
    const r = run('convert', f, '--to', 'jsonl', '--salvage');
    expect(r.code).toBe(0);
    expect(r.out).toBe(run('convert', f, '--to', 'jsonl').out);
    expect(r.err).toMatch(/salvage: complete/);
  });

  it('nothing readable: exit 1', () => {
    const p = join(tmp, 'junk.rdb');
    writeFileSync(p, 'REDIS0010\xfe');
    const r = run('convert', p, '--to', 'jsonl', '--salvage');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/salvage: nothing readable: 0 keys recovered/);
  });
});
