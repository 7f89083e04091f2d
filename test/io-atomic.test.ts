/**
 * The shared atomic write (src/io/files.ts AtomicFile), which AOF repair and every `-o FILE`
 * go through: the replaced file keeps owner, group and mode; a symlink is followed; a failed
 * or aborted write leaves the target as it was and no temp file behind.
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { AtomicFile, writeFileAtomic } from '../src/io/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-atomic-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const enc = new TextEncoder();

describe('AtomicFile', () => {
  it('keeps the mode (set-gid included) and, as root, the owner and group of the file it replaces', async () => {
    const f = join(tmp, 'appendonly.aof');
    writeFileSync(f, 'old');
    chmodSync(f, 0o2640);
    if (isRoot) chownSync(f, 65534, 65534);
    const before = statSync(f);
    await writeFileAtomic(f, [enc.encode('new')]);
    const after = statSync(f);
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o2640);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
  });

  it('follows a chain of symlinks: the real file is replaced, the links stay links', async () => {
    const dir = mkdtempSync(join(tmp, 'links-'));
    writeFileSync(join(dir, 'real'), 'old');
    symlinkSync('real', join(dir, 'l1'));
    symlinkSync('l1', join(dir, 'l2'));
    const f = await AtomicFile.open(join(dir, 'l2'), true);
    expect(f.real).toBe(join(dir, 'real'));
    await f.write(enc.encode('new'));
    await f.commit();
    expect(lstatSync(join(dir, 'l1')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'l2')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['l1', 'l2', 'real']);
  });

  it('abort and a failing source leave the target untouched and no temp file', async () => {
    const dir = mkdtempSync(join(tmp, 'abort-'));
    const t = join(dir, 'out');
    writeFileSync(t, 'keep');
    const f = await AtomicFile.open(t, true);
    await f.write(enc.encode('partial'));
    await f.abort();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield enc.encode('x');
      throw new Error('source failed');
    }
    await expect(writeFileAtomic(t, failing())).rejects.toThrow('source failed');
    expect(readFileSync(t, 'utf8')).toBe('keep');
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('refuses an existing file without overwrite, a directory, and a non-regular file, as UsageErrors', async () => {
    const t = join(tmp, 'exists');
    writeFileSync(t, 'x');
    await expect(AtomicFile.open(t, false)).rejects.toThrow(/already exists \(use --force to overwrite\)/);
    await expect(AtomicFile.open(tmp, true)).rejects.toBeInstanceOf(UsageError);
    await expect(AtomicFile.open('/dev/null', true)).rejects.toThrow(/not a regular file/);
  });
});
