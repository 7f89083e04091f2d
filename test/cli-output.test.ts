/**
 * Where the CLI writes, run for real: `-o -` and a non-terminal stdout, `/dev/null`, a FIFO, a
 * device node made with mknod, a symlinked target (the link stays a link, the real file is
 * replaced by a rename and keeps its owner and mode), and a signal mid-conversion (the temp
 * file is removed, the target is untouched, exit 128 + signal), and a socket read slowly.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManyStringKeys } from './support/many-keys.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const FIX = join(ROOT, 'fixtures', 'rdb', 'hashes.rdb');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

function run(args: string[], opts: { input?: Uint8Array | string } = {}): { code: number; out: Buffer; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    input: opts.input,
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr.toString() };
}
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const temps = (dir: string) => readdirSync(dir).filter((f) => f.includes('.rdbkit-') && f.endsWith('.tmp'));

const jsonl = run(['convert', FIX, '--to', 'jsonl']).out.toString();

describe('output targets', () => {
  it('-o - is stdout (the same bytes as no -o), and no file named "-" appears', () => {
    const r = spawnSync(process.execPath, [BIN, 'convert', FIX, '--to', 'jsonl', '-o', '-'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(jsonl);
    expect(existsSync(join(tmp, '-'))).toBe(false);
  });

  it('RDB bytes go to a stdout that is a pipe; the result is the same RDB', () => {
    const viaPipe = run(['convert', FIX, '--to', 'rdb']);
    expect(viaPipe.code).toBe(0);
    const f = join(tmp, 'via-file.rdb');
    expect(run(['convert', FIX, '--to', 'rdb', '-o', f]).code).toBe(0);
    expect(Buffer.compare(viaPipe.out, readFileSync(f))).toBe(0);
    // | wc -c through a real shell pipe
    const wc = sh(`'${process.execPath}' '${BIN}' convert '${FIX}' --to rdb | wc -c`);
    expect(Number(wc.stdout.trim())).toBe(viaPipe.out.length);
  });

  it('RDB bytes are refused on a terminal (under script(1)), exit 2 with one line', () => {
    if (!existsSync('/usr/bin/script')) throw new Error('script(1) (util-linux) is needed for the terminal tests');
    const r = sh(`script -qec "'${process.execPath}' '${BIN}' convert '${FIX}' --to rdb" /dev/null`);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/RDB bytes would go to a terminal: redirect stdout or name a file with -o FILE/);
  });

  it('-o /dev/null: written in place, no --force needed, /dev/null stays a device', () => {
    for (const to of ['rdb', 'jsonl', 'resp']) {
      const r = run(['convert', FIX, '--to', to, '-o', '/dev/null']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^wrote \/dev\/null: /);
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a FIFO target is written in place (the reader gets every byte; the FIFO stays a FIFO)', () => {
    const fifo = join(tmp, 'out.fifo');
    expect(sh(`mkfifo '${fifo}'`).status).toBe(0);
    const r = sh(`cat '${fifo}' > '${fifo}.got' & '${process.execPath}' '${BIN}' convert '${FIX}' --to rdb -o '${fifo}'; echo rc=$?; wait`);
    expect(r.stdout).toMatch(/rc=0/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(Buffer.compare(readFileSync(`${fifo}.got`), run(['convert', FIX, '--to', 'rdb']).out)).toBe(0);
  });

  it.skipIf(!isRoot)('a device node target (mknod, root) is written in place and stays a device', () => {
    const dev = join(tmp, 'null-dev');
    expect(sh(`mknod '${dev}' c 1 3 && chmod 666 '${dev}'`).status).toBe(0);
    const before = statSync(dev);
    const r = run(['convert', FIX, '--to', 'rdb', '-o', dev]);
    expect(r.code).toBe(0);
    const after = lstatSync(dev);
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
    expect(after.ino).toBe(before.ino);
    expect(temps(tmp)).toEqual([]);
  });

  it('a symlinked target: the real file is replaced by a rename (new inode, same owner and mode); the link stays a link', () => {
    const dir = mkdtempSync(join(tmp, 'link-'));
    const real = join(dir, 'real.jsonl');
    const link = join(dir, 'link.jsonl');
    writeFileSync(real, 'old contents\n');
    chmodSync(real, 0o640);
    if (isRoot) chownSync(real, 65534, 65534);
    symlinkSync('real.jsonl', link);
    const before = statSync(real);
    const refused = run(['convert', FIX, '--to', 'jsonl', '-o', link]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/link\.jsonl already exists \(use --force to overwrite\)/);
    expect(readFileSync(real, 'utf8')).toBe('old contents\n');
    const r = run(['convert', FIX, '--to', 'jsonl', '-o', link, '--force']);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.jsonl');
    const after = statSync(real);
    expect(readFileSync(real, 'utf8')).toBe(jsonl);
    expect(after.ino).not.toBe(before.ino); // renamed into place, not rewritten
    expect(after.mode & 0o7777).toBe(0o640);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
    expect(readdirSync(dir).sort()).toEqual(['link.jsonl', 'real.jsonl']);
  });

  it('a dangling symlink: the file it names is created, the link stays', () => {
    const dir = mkdtempSync(join(tmp, 'dangling-'));
    symlinkSync('made.rdb', join(dir, 'link.rdb'));
    expect(run(['convert', FIX, '--to', 'rdb', '-o', join(dir, 'link.rdb')]).code).toBe(0);
    expect(lstatSync(join(dir, 'link.rdb')).isSymbolicLink()).toBe(true);
    expect(Buffer.compare(readFileSync(join(dir, 'made.rdb')), run(['convert', FIX, '--to', 'rdb']).out)).toBe(0);
  });

  it('a directory target is refused in one line; no Node error text', () => {
    const r = run(['convert', FIX, '--to', 'jsonl', '-o', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a directory\n$/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/EISDIR|EEXIST|ENOENT|copyfile/);
  });

  it('an unwritable directory: one line without errno jargon', () => {
    const r = run(['convert', FIX, '--to', 'jsonl', '-o', join(tmp, 'no', 'such', 'dir', 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no such file or directory\n$/);
    expect(r.err).not.toMatch(/ENOENT|open '/);
  });
});

describe('signals', () => {
  let big: string;
  beforeAll(() => {
    // ~40 MB of RDB: long enough that a conversion is mid-way when the signal comes
    big = join(tmp, 'many-keys.rdb');
    writeManyStringKeys(big, 200_000, { prefix: 'key:', valueLength: 200, fill: 'v' });
  });

  for (const [sig, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGPIPE', 141],
  ] as const) {
    it(`${sig} mid-conversion: the temp file is removed, the target untouched, exit ${status}`, async () => {
      const dir = mkdtempSync(join(tmp, `sig-${sig}-`));
      const target = join(dir, 'out.jsonl');
      writeFileSync(target, 'the old export\n');
      const child = spawn(process.execPath, [BIN, 'convert', big, '--to', 'jsonl', '-o', target, '--force'], {
        env: { ...process.env, NO_COLOR: '1' },
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      // wait until the temp file exists and holds some output: the conversion is under way
      const deadline = Date.now() + 20_000;
      let seen = '';
      while (Date.now() < deadline) {
        const t = temps(dir);
        if (t.length && statSync(join(dir, t[0]!)).size > 0) {
          seen = t[0]!;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(seen).not.toBe('');
      child.kill(sig);
      const { code } = await closed;
      expect(code).toBe(status);
      expect(temps(dir)).toEqual([]);
      expect(readFileSync(target, 'utf8')).toBe('the old export\n');
      if (sig === 'SIGPIPE') expect(err).toBe('');
    }, 60_000);
  }
});

describe('a socket target read slowly', () => {
  it('gets the same bytes as a file (the writer waits for the socket to drain)', async () => {
    const rdb = join(tmp, 'socket-keys.rdb');
    writeManyStringKeys(rdb, 30_000, { prefix: 'k:', valueLength: 200, fill: 'w' });
    const file = join(tmp, 'socket-ref.jsonl');
    expect(run(['convert', rdb, '--to', 'jsonl', '-o', file]).code).toBe(0);
    const path = join(tmp, 'out.sock');
    const got: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      const server = createServer((conn) => {
        // read a little at a time, so the writer's queue fills and write() returns before the OS has the bytes
        conn.on('data', (d: Buffer) => {
          got.push(d);
          conn.pause();
          setTimeout(() => conn.resume(), 1);
        });
        conn.on('end', () => server.close(() => resolve()));
      });
      server.listen(path);
    });
    await new Promise((r) => setTimeout(r, 50));
    const child = spawn(process.execPath, [BIN, 'convert', rdb, '--to', 'jsonl', '-o', path]);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await done;
    expect(code).toBe(0);
    const out = Buffer.concat(got);
    const ref = readFileSync(file);
    expect(out.length).toBe(ref.length);
    expect(out.equals(ref)).toBe(true);
  }, 60_000);
});
