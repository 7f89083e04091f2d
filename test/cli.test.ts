/**
 * The CLI as a user runs it: `node bin/rdbkit.js ...` with NO_COLOR=1 (dist/ is built by
 * `npm test` before vitest runs). Output lines, exit codes, and the one-line error contract.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../src/model/bytes.js';
import { VcsEncoder } from '../src/rdb/vcs.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const FIX = join(ROOT, 'fixtures', 'rdb');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('rdbkit CLI', () => {
  it('is built', () => expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js'))).toBe(true));

  it('inspect prints version, aux, per-db counts and totals', () => {
    const r = run('inspect', join(FIX, 'everything.rdb'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/REDIS0010 {2}RDB version 10 \(redis\), [\d,]+ bytes, checksum ok \([0-9a-f]{16}\)/);
    expect(r.out).toMatch(/^aux {2}redis-ver=7\.0\.\d+ {2}redis-bits=64/m);
    expect(r.out).toMatch(/^db 0 {2}\d+ keys, \d+ with expiry, [\d,]+ bytes$/m);
    expect(r.out).toMatch(/^total {2}\d+ keys in \d+ databases$/m);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI escape is what NO_COLOR must keep out
    expect(r.out).not.toMatch(/\u001b\[/); // NO_COLOR
  });

  it('inspect --json agrees with the JSONL export', () => {
    const rep = JSON.parse(run('inspect', join(FIX, 'everything.rdb'), '--json').out);
    const lines = run('convert', join(FIX, 'everything.rdb'), '--to', 'jsonl')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rep.version).toBe(10);
    expect(rep.totalKeys).toBe(lines.length);
    for (const db of rep.dbs) {
      const mine = lines.filter((l) => l.db === db.db);
      expect(db.keys).toBe(mine.length);
      expect(db.keysWithExpiry).toBe(mine.filter((l) => l.expireAt !== null).length);
      for (const [t, n] of Object.entries(db.byType)) expect(mine.filter((l) => l.type === t).length).toBe(n);
    }
  });

  it('check: OK and exit 0 on a valid file', () => {
    const r = run('check', join(FIX, 'streams.rdb'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK .*streams\.rdb: RDB version 10, \d+ keys, [\d,]+ bytes, checksum verified\n$/);
  });

  it('check: a truncated file is exit 1 with one line naming offset and key', () => {
    const bytes = readFileSync(join(FIX, 'hashes.rdb'));
    const f = join(tmp, 'cut.rdb');
    writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = run('check', f);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^TRUNCATED .*cut\.rdb: truncated RDB at offset \d+ while reading value of key ".*" \(hash[-\w]*\) in db \d+: .*\(RDB_UNEXPECTED_EOF\)$/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('check: a damaged file is exit 1, corrupt', () => {
    const bytes = new Uint8Array(readFileSync(join(FIX, 'strings.rdb')));
    bytes[bytes.length - 12]! ^= 0x40;
    const f = join(tmp, 'bad.rdb');
    writeFileSync(f, bytes);
    const r = run('check', f);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^CORRUPT .*bad\.rdb: corrupt RDB at offset \d+/);
  });

  it('convert --to json writes one array equal to the JSONL lines', () => {
    const jsonl = run('convert', join(FIX, 'zsets.rdb'), '--to', 'jsonl')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const arr = JSON.parse(run('convert', join(FIX, 'zsets.rdb'), '--to', 'json').out);
    expect(arr).toEqual(jsonl);
    expect(arr.length).toBeGreaterThan(0);
  });

  it('convert filters by db, key glob and type; --meta adds records without key', () => {
    const all = run('convert', join(FIX, 'everything.rdb'), '--to', 'jsonl')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const some = run('convert', join(FIX, 'everything.rdb'), '--to', 'jsonl', '--db', '0', '--key', 'zset:*', '--type', 'zset')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const want = all.filter((l) => l.db === 0 && l.type === 'zset' && typeof l.key === 'string' && l.key.startsWith('zset:'));
    expect(want.length).toBeGreaterThan(0);
    expect(some).toEqual(want);
    const meta = run('convert', join(FIX, 'functions.rdb'), '--to', 'jsonl', '--meta')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(meta.filter((l) => l.kind === 'function').length).toBeGreaterThan(0);
    expect(meta.filter((l) => l.kind === 'aux').map((l) => l.name)).toContain('redis-ver');
  });

  it('convert -o writes atomically and does not overwrite without --force', () => {
    const out = join(tmp, 'out.jsonl');
    const r1 = run('convert', join(FIX, 'sets.rdb'), '--to', 'jsonl', '-o', out);
    expect(r1.code).toBe(0);
    const first = readFileSync(out, 'utf8');
    expect(first).toBe(run('convert', join(FIX, 'sets.rdb'), '--to', 'jsonl').out);
    const r2 = run('convert', join(FIX, 'lists.rdb'), '--to', 'jsonl', '-o', out);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/already exists \(use --force to overwrite\)/);
    expect(readFileSync(out, 'utf8')).toBe(first);
    expect(run('convert', join(FIX, 'lists.rdb'), '--to', 'jsonl', '-o', out, '--force').code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toBe(first);
  });

  it('reads gzip and Valkey VCS containers transparently', () => {
    const raw = new Uint8Array(readFileSync(join(FIX, 'hashes.rdb')));
    const gz = join(tmp, 'hashes.rdb.gz');
    writeFileSync(gz, gzipSync(raw));
    const enc = new VcsEncoder();
    const vcs = join(tmp, 'hashes.vcs.rdb');
    writeFileSync(vcs, concatBytes([...enc.write(raw), ...enc.end()]));
    const plain = run('convert', join(FIX, 'hashes.rdb'), '--to', 'jsonl').out;
    expect(run('convert', gz, '--to', 'jsonl').out).toBe(plain);
    expect(run('convert', vcs, '--to', 'jsonl').out).toBe(plain);
    expect(run('inspect', gz).out).toMatch(/gzip container/);
    expect(run('check', vcs).code).toBe(0);
    // inside VCS nothing may follow the RDB (a plain file may carry bytes after its checksum)
    const enc2 = new VcsEncoder();
    const junk = join(tmp, 'junk.vcs.rdb');
    writeFileSync(junk, concatBytes([...enc2.write(raw), ...enc2.write(new Uint8Array([1, 2, 3])), ...enc2.end()]));
    const r = run('check', junk);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/3 bytes after the end of the RDB \(RDB_TRAILING_DATA\)/);
    const plainJunk = join(tmp, 'junk.rdb');
    writeFileSync(plainJunk, concatBytes([raw, new Uint8Array([1, 2, 3])]));
    expect(run('check', plainJunk).code).toBe(0);
  });

  it('digest: a truncated AOF tail is replayed as Redis loads it (exit 0); corrupt bytes are exit 1', async () => {
    const { cpSync, appendFileSync } = await import('node:fs');
    const dir = join(tmp, 'aof-digest');
    cpSync(join(ROOT, 'fixtures', 'aof', 'small'), dir, { recursive: true });
    const incr = join(dir, 'appendonly.aof.1.incr.aof');
    const clean = run('digest', dir);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/^[0-9a-f]{40}\n$/);
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nk');
    const cut = run('digest', dir);
    expect(cut.code).toBe(0);
    expect(cut.out).toBe(clean.out);
    expect(cut.err).toMatch(/truncated at offset \d+/);
    cpSync(join(ROOT, 'fixtures', 'aof', 'small', 'appendonly.aof.1.incr.aof'), incr);
    appendFileSync(incr, 'GARBAGE\r\n');
    const bad = run('digest', dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/corrupt AOF at offset \d+: .*Redis would refuse to load this file/);
  });

  it('check on a large file: the CRC64 computed in a worker thread catches damage; trailing bytes and truncation are handled', async () => {
    const { encodeRdb } = await import('../src/rdb/encoder.js');
    const enc = new TextEncoder();
    const big = new Uint8Array(20 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) >>> 11;
    const rdb = encodeRdb(
      [
        { kind: 'key', db: 0, key: enc.encode('big'), type: 'string', value: big, encoding: '', rdbType: null, expireAt: null },
        {
          kind: 'key',
          db: 0,
          key: enc.encode('small'),
          type: 'string',
          value: enc.encode('v'),
          encoding: '',
          rdbType: null,
          expireAt: null,
        },
      ],
      { version: 10, compress: false },
    );
    const f = join(tmp, 'big.rdb');
    writeFileSync(f, rdb);
    expect(run('check', f).out).toMatch(/^OK .*: RDB version 10, 2 keys, [\d,]+ bytes, checksum verified/);
    const damaged = rdb.slice();
    damaged[12 << 20]! ^= 0x01; // inside the big value: only the checksum can tell
    writeFileSync(f, damaged);
    const bad = run('check', f);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /corrupt RDB at offset \d+ while reading the CRC64 checksum: CRC64 mismatch: stored [0-9a-f]{16}, computed [0-9a-f]{16} \(RDB_BAD_CHECKSUM\)/,
    );
    writeFileSync(f, concatBytes([rdb, enc.encode('trailing bytes')]));
    expect(run('check', f).out).toMatch(/checksum verified/);
    writeFileSync(f, concatBytes([damaged, enc.encode('trailing bytes')]));
    expect(run('check', f).code).toBe(1);
    writeFileSync(f, rdb.subarray(0, rdb.length - 100));
    const cut = run('check', f);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/^TRUNCATED /);
  });

  it('convert AOF: corrupt bytes are refused (exit 1, nothing written); --at drops keys expired by then', async () => {
    const { cpSync, appendFileSync } = await import('node:fs');
    const dir = join(tmp, 'aof-convert');
    cpSync(join(ROOT, 'fixtures', 'aof', 'small'), dir, { recursive: true });
    const keysAt = (at: number): Array<{ key: string; expireAt: number | null }> =>
      run('convert', dir, '--to', 'jsonl', '--at', String(at))
        .out.trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const early = keysAt(0);
    const withTtl = early.filter((k) => k.expireAt !== null);
    expect(withTtl.length).toBeGreaterThan(0);
    const last = Math.max(...withTtl.map((k) => k.expireAt!));
    expect(keysAt(last)).toHaveLength(early.length - withTtl.filter((k) => k.expireAt! <= last).length);
    appendFileSync(join(dir, 'appendonly.aof.1.incr.aof'), 'GARBAGE\r\n');
    const out = join(tmp, 'from-corrupt.rdb');
    const r = run('convert', dir, '--to', 'rdb', '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/corrupt AOF at offset \d+: .*Redis would refuse to load this AOF/);
    expect(existsSync(out)).toBe(false);
  });

  it('a reader that stops early (| head) ends the command quietly', async () => {
    const { spawn } = await import('node:child_process');
    const { encodeRdb } = await import('../src/rdb/encoder.js');
    // an output far larger than any pipe buffer: the writer must meet the closed pipe
    const big = join(tmp, 'big-list.rdb');
    const value = Array.from({ length: 200_000 }, (_, i) => new TextEncoder().encode(`element-${i}-xxxxxxxxxxxxxxxx`));
    writeFileSync(
      big,
      encodeRdb(
        [{ kind: 'key', db: 0, key: new TextEncoder().encode('l'), type: 'list', value, encoding: '', rdbType: null, expireAt: null }],
        { version: 10 },
      ),
    );
    const child = spawn(process.execPath, [BIN, 'convert', big, '--to', 'resp'], { env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    await new Promise<void>((resolve) =>
      child.stdout.once('data', () => {
        child.stdout.destroy();
        resolve();
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('usage and I/O errors are exit 2 with one line, no stack trace', () => {
    const missing = run('check', join(tmp, 'nope.rdb'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
    expect(missing.err).not.toMatch(/\n\s+at /);
    const bad = run('frobnicate');
    expect(bad.code).toBe(2);
    const notRdb = join(tmp, 'text.rdb');
    writeFileSync(notRdb, 'hello world, not a dump');
    const r = run('check', notRdb);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not an RDB file/);
  });
});
