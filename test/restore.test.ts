/**
 * `rdbkit restore` into a real standalone redis-server 7.0 (test/support/redis.mjs): the server's
 * own read-back of what was restored equals the fixture's expected export (values, encodings,
 * TTLs, functions), whichever way the keys travel (RESTORE payloads, type commands, an older
 * payload version) and whatever the input (RDB, JSONL, AOF). Existing keys are reported and kept
 * unless --replace. The CLI is run as a user runs it (node bin/rdbkit.js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { digestFile } from '../src/cli/digest-file.js';
import { readChunks } from '../src/io/files.js';
import { displayText } from '../src/model/bytes.js';
import { exportRdb } from '../src/ops/export.js';
import { restore } from '../src/ops/restore.js';
import { rdbVersionOfRedis } from '../src/ops/restore-plan.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';
import { readBack } from './support/readback.mjs';
import { freePort, type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const FIX = join(ROOT, 'fixtures', 'rdb');
const EVERYTHING = join(FIX, 'everything.rdb');
const HAVE = requireRedis('rdbkit restore tests');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));

const expected = (name: string) => JSON.parse(readFileSync(join(FIX, `${name}.json`), 'utf8')) as Record<string, unknown>[];

function rdbkit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Streams compared without what the way they travelled cannot carry: type commands (XADD,
 * XGROUP, XCLAIM) cannot rebuild pending entries of deleted entries nor consumer seen-times (as
 * Redis's own AOF rewrite), and an RDB 9 payload has no v2 metadata (first id, max deleted id,
 * entries added, entries read).
 */
type Loss = 'none' | 'commands' | 'rdb9';
function strip(records: Record<string, any>[], loss: Loss): Record<string, any>[] {
  if (loss === 'none') return records;
  return records.map((r) => {
    if (r.type !== 'stream') return r;
    const v = { ...r.value };
    if (loss === 'commands') v.groups = v.groups.map((g: Record<string, unknown>) => ({ ...g, pending: [], consumers: [] }));
    else {
      for (const f of ['firstId', 'maxDeletedId', 'entriesAdded']) delete v[f];
      v.groups = v.groups.map((g: Record<string, unknown>) => ({ ...g, entriesRead: null }));
    }
    return { ...r, value: v };
  });
}

async function sameAs(srv: RedisServer, want: Record<string, unknown>[], loss: Loss = 'none'): Promise<void> {
  const diff = diffExports(strip(normalizeExport(want), loss), strip(normalizeExport(await readBack(srv.client)), loss));
  expect(diff).toEqual([]);
}

describe('rdbVersionOfRedis', () => {
  it('maps releases to the RDB version they write', () => {
    expect(rdbVersionOfRedis('7.0.15')).toBe(10);
    expect(rdbVersionOfRedis('7.2.4')).toBe(11);
    expect(rdbVersionOfRedis('7.4')).toBe(12);
    expect(rdbVersionOfRedis('8.0.2')).toBe(12);
    expect(rdbVersionOfRedis('8.6.0')).toBe(13);
    expect(rdbVersionOfRedis('8.8.1')).toBe(14);
    expect(rdbVersionOfRedis('6.2.14')).toBe(9);
    expect(rdbVersionOfRedis('5.0')).toBe(9);
    expect(rdbVersionOfRedis('4.0.14')).toBe(8);
    expect(rdbVersionOfRedis('3.2.12')).toBe(7);
    expect(rdbVersionOfRedis('2.8.24')).toBe(6);
    expect(() => rdbVersionOfRedis('latest')).toThrow(/not a Redis version/);
  });
});

let srv: RedisServer;
let url: string;
let tmp: string;

describe.skipIf(!HAVE)('restore into a standalone server', () => {
  beforeAll(async () => {
    srv = await startRedis();
    url = `redis://127.0.0.1:${srv.port}`;
    tmp = mkdtempSync(join(tmpdir(), 'rdbkit-restore-'));
  });
  afterAll(async () => {
    await srv?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await srv.client.call('FLUSHALL');
    await srv.client.call('FUNCTION', 'FLUSH');
  });

  it('everything.rdb by RESTORE: the server reads back the fixture, functions and every db', async () => {
    const r = await restore([EVERYTHING], { to: url });
    expect(r).toMatchObject({ keys: 99, written: 99, skipped: 0, failed: 0, viaRestore: 99, viaCommands: 0, aborted: null });
    expect(r.functions).toEqual({ written: 2, skipped: 0, failed: 0 });
    expect(r.target).toMatchObject({ cluster: false, rdbVersion: 10, versionFrom: 'info' });
    await sameAs(srv, expected('everything'));
  });

  it('everything.rdb by type commands (--commands): the same read-back, no scratch key left', async () => {
    const r = await restore([EVERYTHING], { to: url, commandsOnly: true });
    expect(r).toMatchObject({ written: 99, failed: 0, viaRestore: 0, viaCommands: 99 });
    await sameAs(srv, expected('everything'), 'commands');
    expect(await srv.client.call('KEYS', '*rdbkit-restore-scratch*')).toEqual([]);
    // stream:main has pending entries whose stream entries were deleted: named as a loss
    expect(r.lossy).toBeGreaterThan(0);
    expect(r.notes.some((n) => /"stream:main" by type commands loses: \d+ pending stream entries/.test(n))).toBe(true);
  });

  it('--target-version 6.2 writes RDB 9 payloads, which 7.0 takes; 4.0 falls back to type commands', async () => {
    const r = await restore([EVERYTHING], { to: url, targetVersion: '6.2' });
    expect(r).toMatchObject({ written: 99, failed: 0, viaRestore: 99 });
    expect(r.target).toMatchObject({ rdbVersion: 9, versionFrom: 'option' });
    await sameAs(srv, expected('everything'), 'rdb9');
    await srv.client.call('FLUSHALL');
    const old = await restore([EVERYTHING], { to: url, targetVersion: '4.0' });
    expect(old).toMatchObject({ written: 99, failed: 0, viaRestore: 0, viaCommands: 99 });
    await sameAs(srv, expected('everything'), 'commands');
  });

  it('an existing key is reported as skipped and kept; --replace overwrites it', async () => {
    await srv.client.call('SET', 'str:raw:45', 'mine');
    await srv.client.call('RPUSH', 'list:plain', 'mine');
    for (const commandsOnly of [false, true]) {
      const r = await restore([EVERYTHING], { to: url, db: [0], commandsOnly });
      expect(r).toMatchObject({ keys: 92, written: 90, skipped: 2, failed: 0 });
      expect(r.skips.map((s) => s.key).sort()).toEqual(['list:plain', 'str:raw:45']);
      expect(displayText(await srv.client.call('GET', 'str:raw:45'))).toBe('mine');
      expect((await srv.client.call('LRANGE', 'list:plain', 0, -1)).map(displayText)).toEqual(['mine']);
      await srv.client.call('FLUSHDB');
      await srv.client.call('SET', 'str:raw:45', 'mine');
      await srv.client.call('RPUSH', 'list:plain', 'mine');
    }
    for (const commandsOnly of [false, true]) {
      const r = await restore([EVERYTHING], { to: url, replace: true, commandsOnly });
      expect(r).toMatchObject({ written: 99, skipped: 0, failed: 0 });
      await sameAs(srv, expected('everything'), commandsOnly ? 'commands' : 'none');
    }
  });

  it('a JSONL export as input, filtered by --db / --type / --key', async () => {
    const jsonl = join(tmp, 'everything.jsonl');
    const parts: Uint8Array[] = [];
    for await (const s of exportRdb(readChunks(EVERYTHING), { format: 'jsonl' })) parts.push(typeof s === 'string' ? Buffer.from(s) : s);
    writeFileSync(jsonl, Buffer.concat(parts));
    const r = await restore([jsonl], { to: url });
    expect(r).toMatchObject({ written: 99, failed: 0 });
    await sameAs(
      srv,
      expected('everything').filter((x) => x.kind !== 'function'),
    );
    await srv.client.call('FLUSHALL');
    const f = await restore([jsonl], { to: url, db: [0], type: ['hash'], key: 'hash:*' });
    const want = expected('everything').filter((x) => x.db === 0 && x.type === 'hash' && String(x.key).startsWith('hash:'));
    expect(f.written).toBe(want.length);
    await sameAs(srv, want);
  });

  it('an AOF directory through the engine: DEBUG DIGEST equals the offline digest', async () => {
    const dir = join(ROOT, 'fixtures', 'aof', 'small');
    const r = await restore([dir], { to: url });
    expect(r.failed).toBe(0);
    expect(r.written).toBeGreaterThan(0);
    const want = await digestFile(dir, {});
    expect(String(await srv.client.call('DEBUG', 'DIGEST'))).toBe(want.digest);
  });

  it('a db in the URL sends every key there', async () => {
    const r = await restore([join(FIX, 'multidb-ttl-binary.rdb')], { to: `${url}/3`, replace: true });
    expect(r.failed).toBe(0);
    expect(r.notes.some((n) => /written to db 3/.test(n))).toBe(true);
    const info = displayText(await srv.client.call('INFO', 'keyspace'));
    expect(info).toMatch(/^db3:keys=\d+/m);
    expect(info).not.toMatch(/^db0:/m);
  });

  it('a db the server does not have fails its keys with the server error', async () => {
    const small = await startRedis({ args: ['--databases', '2'] });
    try {
      const r = await restore([join(FIX, 'multidb-ttl-binary.rdb')], { to: `redis://127.0.0.1:${small.port}` });
      expect(r.failed).toBeGreaterThan(0);
      expect(r.failures[0]!.message).toMatch(/DB index is out of range/);
      expect(r.written + r.failed).toBe(r.keys - r.expired - r.empty);
    } finally {
      await small.stop();
    }
  });

  describe.skipIf(!BUILT)('CLI', () => {
    it('prints a summary and exits 0; a second run reports every key as existing', () => {
      const a = rdbkit('restore', EVERYTHING, '--to', url);
      expect(a.code).toBe(0);
      expect(a.stderr).toMatch(/^written 99 {2}skipped \(exists\) 0 {2}failed 0 {2}of 99 keys/m);
      const b = rdbkit('restore', EVERYTHING, '--to', url, '--show', '1');
      expect(b.code).toBe(0);
      expect(b.stderr).toMatch(/^written 0 {2}skipped \(exists\) 99 /m);
      expect(b.stderr).toMatch(/^skipped db \d+ ".*" on 127\.0\.0\.1:\d+: exists$/m);
      expect(b.stderr).toMatch(/^skipped … and 98 more$/m);
    });

    it('--dry-run writes nothing; --json prints the report', async () => {
      const r = rdbkit('restore', EVERYTHING, '--to', url, '--dry-run', '--json');
      expect(r.code).toBe(0);
      const rep = JSON.parse(r.stdout);
      expect(rep).toMatchObject({ dryRun: true, keys: 99, written: 0 });
      expect(Object.values(rep.nodes)).toEqual([expect.objectContaining({ keys: 99 })]);
      expect(await srv.client.call('DBSIZE')).toBe(0);
    });

    it('a bad URL or a closed port: one line, exit 2', () => {
      const a = rdbkit('restore', EVERYTHING, '--to', 'http://x');
      expect(a.code).toBe(2);
      expect(a.stderr).toMatch(/^rdbkit restore: not a Redis URL: http:\/\/x/);
      const b = rdbkit('restore', EVERYTHING, '--to', 'redis://127.0.0.1:1');
      expect(b.code).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
      // in words, without Node's errno text (connect ECONNREFUSED …)
      expect(b.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1: connection refused/);
      expect(b.stderr).not.toMatch(/ECONNREFUSED/);
    });
  });
});

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!HAVE || !HAVE_OPENSSL)('restore over TLS with an ACL user (rediss://user:pass@)', () => {
  let tls: RedisServer;
  let dir: string;
  let tlsPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rdbkit-restore-tls-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    tlsPort = await freePort();
    tls = await startRedis({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'cert.pem'),
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        join(dir, 'cert.pem'),
        '--tls-auth-clients',
        'no',
        '--user',
        'alice',
        'on',
        '>s3cret',
        '~*',
        '&*',
        '+@all',
      ],
    });
  });
  afterAll(async () => {
    await tls?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes every key when the CA is trusted and the password is right; refuses otherwise', async () => {
    const ca = new Uint8Array(readFileSync(join(dir, 'cert.pem')));
    const r = await restore([EVERYTHING], { to: `rediss://alice:s3cret@127.0.0.1:${tlsPort}`, tls: { ca } });
    expect(r).toMatchObject({ written: 99, failed: 0 });
    await sameAs(tls, expected('everything'));
    await expect(restore([EVERYTHING], { to: `rediss://alice:wrong@127.0.0.1:${tlsPort}`, tls: { ca } })).rejects.toThrow(
      /AUTH failed: WRONGPASS/,
    );
    await expect(restore([EVERYTHING], { to: `rediss://alice:s3cret@127.0.0.1:${tlsPort}` })).rejects.toThrow(/self.signed certificate/);
  });
});
