/**
 * Edge cases of the damaged-file commands, through the CLI as a user runs them:
 * - a single junk byte after the last command (LF, NUL, 'x', CR) is cut by `repair --yes` at the
 *   byte `redis-check-aof --fix` cuts (the real tool, answering y, on a copy);
 * - `digest` reads what `check` reads (gzip, VCS) and says exit 1, not 2, for a file that is no RDB;
 * - counts and lengths beyond 2^53 are printed exactly, never through a float.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../src/model/bytes.js';
import { VcsEncoder } from '../src/rdb/vcs.js';
import { requireRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const SMALL = join(ROOT, 'fixtures', 'aof', 'small', 'appendonly.aof.1.incr.aof');
const haveRedis = requireRedis('repair edge cases against redis-check-aof');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-edges-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!haveRedis)('repair: one trailing junk byte', () => {
  it.each([
    ['LF', '\n'],
    ['NUL', '\0'],
    ["'x'", 'x'],
    ['CR', '\r'],
  ])('%s is cut exactly as redis-check-aof --fix cuts it', (_name, junk) => {
    const ours = join(tmp, `ours-${junk.charCodeAt(0)}.aof`);
    const ref = join(tmp, `ref-${junk.charCodeAt(0)}.aof`);
    const damaged = concatBytes([new Uint8Array(readFileSync(SMALL)), new TextEncoder().encode(junk)]);
    writeFileSync(ours, damaged);
    writeFileSync(ref, damaged);
    execFileSync('redis-check-aof', ['--fix', ref], { input: 'y\n', stdio: ['pipe', 'pipe', 'pipe'] });
    const r = run('repair', ours, '--yes', '--no-backup');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(ours)).toEqual(readFileSync(ref));
    expect(readFileSync(ours).length).toBe(damaged.length - 1);
  });
});

describe('digest reads every container check reads', () => {
  const fix = join(ROOT, 'fixtures', 'rdb', 'hashes.rdb');
  const raw = new Uint8Array(readFileSync(fix));

  it('gzip and VCS give the plain file digest', () => {
    const plain = run('digest', fix);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^[0-9a-f]{40}\n$/);
    const gz = join(tmp, 'hashes.rdb.gz');
    writeFileSync(gz, gzipSync(raw));
    const enc = new VcsEncoder();
    const vcs = join(tmp, 'hashes.vcs');
    writeFileSync(vcs, concatBytes([...enc.write(raw), ...enc.end()]));
    expect(run('digest', gz)).toEqual(plain);
    expect(run('digest', vcs)).toEqual(plain);
  });

  it('a file without the RDB magic is invalid input (exit 1), as check says', () => {
    const bad = join(tmp, 'not-an-rdb.bin');
    writeFileSync(bad, 'this is not a redis file at all\n');
    const d = run('digest', bad);
    const c = run('check', bad);
    expect(d.code).toBe(1);
    expect(c.code).toBe(1);
    expect(d.err).toMatch(/^rdbkit digest: .*corrupt RDB at offset 0 .*not an RDB file/);
  });
});

describe('counts past 2^53 are printed exactly', () => {
  it.each([
    ['*-9223372036854775809\r\n', 'command with -9223372036854775808 arguments'],
    ['*-9223372036854775807\r\n', 'command with -9223372036854775807 arguments'],
    ['*2\r\n$9223372036854775807\r\nab\r\n', 'expected 9223372036854775809 bytes (argument of 9223372036854775807 bytes + CRLF)'],
    ['*2\r\n$-18446744073709551615\r\nab\r\n', 'argument length -9223372036854775808 is out of range'],
    ['*18446744073709551615\r\n$3\r\nSET\r\nx', "expected '$' before argument 2 of 9223372036854775807"],
  ])('%j', (text, message) => {
    const p = join(tmp, 'count.aof');
    writeFileSync(p, text);
    const r = run('check', p);
    expect(r.code).toBe(1);
    expect(`${r.out}${r.err}`).toContain(message);
    expect(`${r.out}${r.err}`).not.toMatch(/\d{16}000\b/);
  });
});

it('repair --dry-run on a trailing junk byte shows the cut and changes nothing', () => {
  const p = join(tmp, 'dry.aof');
  writeFileSync(p, concatBytes([new Uint8Array(readFileSync(SMALL)), new Uint8Array([0])]));
  const before = readFileSync(p);
  const r = run('repair', p, '--dry-run');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/will cut .* from \d+ to \d+ bytes \(dropping 1 bytes\)/);
  expect(readFileSync(p)).toEqual(before);
});
