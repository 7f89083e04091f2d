/**
 * Small things a newcomer meets: --version is rdbkit's own wherever it runs, each verb's help
 * ends with examples, inspect shows ctime as a date, the empty-AOF note says what Redis does
 * (checked by starting redis-server 7.0 on an empty AOF, single and multi-part), refusals name
 * --lossy, and the JSON reports name the input `input`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const FIX = join(ROOT, 'fixtures', 'rdb');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-small-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (args: string[], cwd?: string) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('small things', () => {
  it('--version inside another project (through a node_modules/.bin symlink, as npx runs it) is rdbkit’s own', () => {
    const proj = join(tmp, 'other-project');
    mkdirSync(join(proj, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
    symlinkSync(BIN, join(proj, 'node_modules', '.bin', 'rdbkit'));
    const r = spawnSync(process.execPath, [join(proj, 'node_modules', '.bin', 'rdbkit'), '--version'], { cwd: proj, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(own);
    expect(own).not.toBe('9.9.9');
  });

  for (const verb of ['inspect', 'check', 'convert', 'repair', 'unflush', 'digest', 'diff', 'restore', 'report']) {
    it(`${verb} --help ends with two or three examples`, () => {
      const r = run([verb, '--help']);
      expect(r.code).toBe(0);
      const tail = r.out.slice(r.out.lastIndexOf('Examples:'));
      expect(r.out.lastIndexOf('Examples:')).toBeGreaterThan(0);
      const examples = tail.split('\n').filter((l) => /^ {2}rdbkit /.test(l) || /^ {2}\S.*\| rdbkit/.test(l));
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(3);
    });
  }

  it('inspect shows ctime as a date too', () => {
    const r = run(['inspect', join(FIX, 'hashes.rdb')]);
    expect(r.out).toMatch(/ctime=\d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/);
  });

  it('an empty AOF: the note says Redis loads it (verified against redis-server 7.0.15)', () => {
    const f = join(tmp, 'empty.aof');
    writeFileSync(f, '');
    const r = run(['inspect', f]);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/refuses to load/);
    expect(r.out).toMatch(/every AOF file is empty: Redis 7\.0 loads it as an empty dataset/);
  });

  it('a refused downgrade names --lossy', () => {
    const r = run(['convert', join(FIX, 'streams.rdb'), '--to', 'rdb', '--rdb-version', '6', '-o', join(tmp, 'v6.rdb')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--lossy/);
    expect(r.err).not.toMatch(/lossy mode/);
  });

  it('inspect --json and check --json name the input `input` (stdin for -)', () => {
    expect(JSON.parse(run(['inspect', join(FIX, 'hashes.rdb'), '--json']).out).input).toBe(join(FIX, 'hashes.rdb'));
    const viaStdin = spawnSync('sh', ['-c', `'${process.execPath}' '${BIN}' check - --json < '${join(FIX, 'hashes.rdb')}'`], {
      encoding: 'utf8',
    });
    expect(JSON.parse(viaStdin.stdout).input).toBe('stdin');
  });
});

describe.skipIf(!requireRedis('the empty-AOF check against a real server'))('an empty AOF, as redis-server 7.0 loads it', () => {
  /** Start a server on `dir` with appendonly yes; it must come up with no keys. */
  async function loadsEmpty(dir: string): Promise<void> {
    const srv = await startRedis({ dir, args: ['--appendonly', 'yes'] });
    try {
      expect(await srv.client.call('DBSIZE')).toBe(0);
    } finally {
      await srv.stop();
    }
  }

  it('a single empty file: redis-server starts with 0 keys, and rdbkit says it loads', async () => {
    const dir = mkdtempSync(join(tmp, 'empty-single-'));
    writeFileSync(join(dir, 'appendonly.aof'), '');
    const r = run(['inspect', join(dir, 'appendonly.aof')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/every AOF file is empty: Redis 7\.0 loads it as an empty dataset/);
    expect(run(['check', join(dir, 'appendonly.aof')]).code).toBe(0);
    await loadsEmpty(dir);
  }, 60_000);

  it('a multi-part set with an empty base and incr: the same', async () => {
    const dir = mkdtempSync(join(tmp, 'empty-multi-'));
    const aofDir = join(dir, 'appendonlydir');
    mkdirSync(aofDir);
    writeFileSync(join(aofDir, 'appendonly.aof.1.base.aof'), '');
    writeFileSync(join(aofDir, 'appendonly.aof.1.incr.aof'), '');
    writeFileSync(
      join(aofDir, 'appendonly.aof.manifest'),
      'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    const r = run(['inspect', aofDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/every AOF file is empty: Redis 7\.0 loads it as an empty dataset/);
    expect(run(['check', aofDir]).code).toBe(0);
    await loadsEmpty(dir);
  }, 60_000);
});
