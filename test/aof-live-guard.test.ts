/**
 * `repair` and `unflush` on the files of real servers, as someone recovering production runs them:
 * - an idle running redis-server holds its incr file open: both commands refuse, naming its pid,
 *   and change nothing;
 * - a Redis running as another user (a system user made here) restarts after a root
 *   `unflush`/`repair` and loads the result: the new file keeps the owner, group and mode, and so
 *   does the backup;
 * - a symlinked AOF and a symlinked incr file are repaired through the link: the link stays a
 *   link, the real file is replaced in its own directory, and the result loads in Redis.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const haveRedis = requireRedis('live-Redis guard, ownership and symlink tests');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-guard-'));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const AOF_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--aof-load-truncated', 'no', '--appenddirname', 'appendonlydir'];
const INCR = 'appendonly.aof.1.incr.aof';

/** Snapshot of a directory's regular files (name → bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const n of readdirSync(dir)) m.set(n, readFileSync(join(dir, n)));
  return m;
}

describe.skipIf(!haveRedis)('an idle running Redis blocks changes to its AOF', () => {
  it('unflush and repair refuse, naming the pid; nothing changes', async () => {
    const dir = mkdtempSync(join(work, 'live-'));
    const r = await startRedis({ dir, args: AOF_ARGS });
    try {
      await r.client.call('SET', 'a', '1');
      await r.client.call('FLUSHALL');
      await r.client.call('SET', 'b', '2');
      const aofDir = join(dir, 'appendonlydir');
      const before = snapshot(aofDir);
      const u = run('unflush', dir, '--yes');
      expect(u.code).toBe(2);
      expect(u.err).toContain(`(pid ${r.pid}) has ${INCR} open`);
      expect(u.err).toMatch(/stop Redis first \(or run CONFIG SET appendonly no on it\)/);
      expect(snapshot(aofDir)).toEqual(before);
      // a damaged tail while the server idles: still refused, nothing cut, no backup made
      appendFileSync(join(aofDir, INCR), '*3\r\n$3\r\nSET\r\n$1\r\nc');
      const damaged = snapshot(aofDir);
      const rp = run('repair', dir, '--yes');
      expect(rp.code).toBe(2);
      expect(rp.err).toContain(`redis-server (pid ${r.pid}) has ${INCR} open`);
      expect(snapshot(aofDir)).toEqual(damaged);
      // the dry run shows the holder
      const dry = run('repair', dir, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.out).toContain(`in use: redis-server (pid ${r.pid})`);
      // once Redis lets go of the file (CONFIG SET appendonly no), the change may go ahead
      await r.client.call('CONFIG', 'SET', 'appendonly', 'no');
      const ok = run('repair', dir, '--yes', '--no-backup');
      expect(ok.err).toBe('');
      expect(ok.code).toBe(0);
    } finally {
      await r.stop();
    }
  }, 60_000);
});

const isRoot = process.getuid?.() === 0;
const USER = 'rdbkittest';

/** Make the system user the other-user tests run Redis as (root only). */
function ensureUser(): { uid: number; gid: number } {
  const has = spawnSync('id', ['-u', USER]).status === 0;
  if (!has) execFileSync('useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', USER]);
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

// CI runs the suite as root, so there the other-user tests must run: a skip would hide them
describe.runIf(process.env.CI === 'true' && !isRoot)('the other-user tests under CI=true', () => {
  it('need root (useradd, chown, setpriv)', () => {
    throw new Error('CI=true but not root: run the suite as root so the other-user Redis tests run');
  });
});

describe.skipIf(!haveRedis || !isRoot)('a Redis running as another user restarts after a root change', () => {
  let ids: { uid: number; gid: number };
  beforeAll(() => {
    ids = ensureUser();
  });

  /** A data dir owned by the user, with an AOF written by Redis running as that user. */
  async function userAof(name: string, cmds: string[][]): Promise<string> {
    const dir = join(work, name);
    mkdirSync(dir, { mode: 0o750 });
    chownSync(dir, ids.uid, ids.gid);
    const r = await startRedis({ dir, args: AOF_ARGS, runAs: USER });
    try {
      for (const c of cmds) await r.client.call(...c);
    } finally {
      await r.stop();
    }
    return dir;
  }

  async function restartAsUser(dir: string): Promise<{ keys: string[] }> {
    const r = await startRedis({ dir, args: AOF_ARGS, runAs: USER });
    try {
      const keys = (await r.client.call('KEYS', '*')).map((k: Uint8Array) => Buffer.from(k).toString()).sort();
      // and it can still append to the file it loaded
      await r.client.call('SET', 'after', 'restart');
      return { keys };
    } finally {
      await r.stop();
    }
  }

  it('unflush: the incr file and its backup keep owner, group and mode 0600; Redis loads the data back', async () => {
    const dir = await userAof('user-unflush', [['SET', 'a', '1'], ['FLUSHALL'], ['SET', 'b', '2']]);
    const incr = join(dir, 'appendonlydir', INCR);
    chmodSync(incr, 0o600);
    const backup = join(dir, 'appendonlydir', `${INCR}.bak`);
    const u = run('unflush', dir, '--yes', '--backup', backup);
    expect(u.err).toBe('');
    expect(u.code).toBe(0);
    for (const f of [incr, backup]) {
      const st = statSync(f);
      expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ uid: ids.uid, gid: ids.gid, mode: 0o600 });
    }
    expect((await restartAsUser(dir)).keys).toEqual(['a', 'b']);
  }, 60_000);

  it('repair: a cut incr file keeps owner, group and mode 0640; Redis (aof-load-truncated no) loads it', async () => {
    const dir = await userAof('user-repair', [
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
    ]);
    const incr = join(dir, 'appendonlydir', INCR);
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1');
    chmodSync(incr, 0o640);
    const rp = run('repair', dir, '--yes');
    expect(rp.err).toBe('');
    expect(rp.code).toBe(0);
    const st = statSync(incr);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ uid: ids.uid, gid: ids.gid, mode: 0o640 });
    const backups = readdirSync(join(dir, 'appendonlydir')).filter((n) => n.includes('.bak-'));
    expect(backups).toHaveLength(1);
    const bst = statSync(join(dir, 'appendonlydir', backups[0]!));
    expect({ uid: bst.uid, gid: bst.gid, mode: bst.mode & 0o7777 }).toEqual({ uid: ids.uid, gid: ids.gid, mode: 0o640 });
    expect((await restartAsUser(dir)).keys).toEqual(['a', 'b']);
  }, 60_000);
});

describe.skipIf(!haveRedis)('symlinked AOF files are repaired through the link', () => {
  it('a symlinked single-file AOF: the link stays, the real file is cut where redis-check-aof --fix cuts', () => {
    const realDir = mkdtempSync(join(work, 'real-'));
    const linkDir = mkdtempSync(join(work, 'links-'));
    const real = join(realDir, 'appendonly.aof');
    const good = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n';
    writeFileSync(real, `${good}*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1`);
    const ref = join(realDir, 'ref.aof');
    writeFileSync(ref, readFileSync(real));
    execFileSync('redis-check-aof', ['--fix', ref], { input: 'y\n', stdio: ['pipe', 'pipe', 'pipe'] });
    const link = join(linkDir, 'link.aof');
    symlinkSync(real, link);
    const rp = run('repair', link, '--yes', '--no-backup');
    expect(rp.err).toBe('');
    expect(rp.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real)).toEqual(readFileSync(ref));
    expect(readFileSync(real, 'latin1')).toBe(good);
    // no temp file anywhere
    expect(readdirSync(realDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(linkDir)).toEqual(['link.aof']);
  });

  it('a symlinked incr file inside appendonlydir: the link stays, the real file is cut; Redis loads the set', async () => {
    const dir = mkdtempSync(join(work, 'incrlink-'));
    const r = await startRedis({ dir, args: AOF_ARGS });
    try {
      await r.client.call('SET', 'a', '1');
      await r.client.call('RPUSH', 'l', 'x', 'y');
    } finally {
      await r.stop({ keepDir: true });
    }
    const aofDir = join(dir, 'appendonlydir');
    const elsewhere = mkdtempSync(join(work, 'elsewhere-'));
    const real = join(elsewhere, INCR);
    renameSync(join(aofDir, INCR), real);
    symlinkSync(real, join(aofDir, INCR));
    appendFileSync(real, '*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$3\r\nab');
    const rp = run('repair', dir, '--yes');
    expect(rp.err).toBe('');
    expect(rp.code).toBe(0);
    expect(lstatSync(join(aofDir, INCR)).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(aofDir, INCR))).toBe(real);
    expect(execFileSync('redis-check-aof', [join(aofDir, 'appendonly.aof.manifest')], { encoding: 'utf8' })).toMatch(/is valid/);
    const r2 = await startRedis({ dir, args: AOF_ARGS });
    try {
      expect(Number(await r2.client.call('DBSIZE'))).toBe(2);
      expect(Buffer.from(await r2.client.call('GET', 'a')).toString()).toBe('1');
    } finally {
      await r2.stop({ keepDir: true });
    }
  }, 60_000);
});
