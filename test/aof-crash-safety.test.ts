/**
 * Nothing is lost when a change stops half way. For `repair` and `unflush`:
 * - a failure injected at every file-system step (temp create, each write, fsync, chown, chmod,
 *   close, rename, directory fsync; the backup's copy, fsync, link, unlink) leaves the original
 *   or the complete result, a backup that is absent or complete, and no temp file;
 * - a SIGKILL at each kind of step (a child process kills itself there) leaves the same, plus at most a
 *   temp file, which the next run lists on --dry-run and removes;
 * - SIGKILLs at random moments of a CLI run on a large AOF: the same, and the next run finishes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRepair, applyUnflush, openAofSet } from '../src/io/aof-files.js';
import { hookFsOps, realFsOps } from '../src/io/fs-ops.js';
import { planAofRepair } from '../src/ops/aof-repair.js';
import { planAofUnflush } from '../src/ops/aof-unflush.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const CHILD = join(import.meta.dirname, 'support', 'change-aof.mjs');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const enc = new TextEncoder();
const cmd = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join('')}`;

/** An AOF of `n` SETs (values of `size` bytes), optionally a FLUSHALL in the middle, then `tail`. */
function makeAof(n: number, size: number, flush: boolean, tail: string): string {
  const parts = [cmd('SELECT', '0')];
  for (let i = 0; i < n; i++) {
    if (flush && i === n >> 1) parts.push(cmd('FLUSHALL'));
    parts.push(cmd('SET', `key:${i}`, String(i % 10).repeat(size)));
  }
  return parts.join('') + tail;
}

type Verb = 'repair' | 'unflush';
const CASES: Array<{ verb: Verb; text: string; expected: string }> = (() => {
  const body = makeAof(200, 300, false, '');
  const flushed = makeAof(200, 300, true, '');
  return [
    { verb: 'repair', text: `${body}*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab`, expected: body },
    { verb: 'unflush', text: flushed, expected: flushed.replace(cmd('FLUSHALL'), '') },
  ];
})();

async function apply(verb: Verb, path: string, backup: string | null, hook: Parameters<typeof hookFsOps>[1]): Promise<void> {
  const ops = hookFsOps(realFsOps, hook);
  if (verb === 'repair') {
    const plan = await planAofRepair(await openAofSet(path));
    if (plan.action !== 'truncate') throw new Error(plan.action);
    await applyRepair(plan, backup, { ops });
  } else {
    const plan = await planAofUnflush(await openAofSet(path));
    if (plan.action !== 'remove') throw new Error(plan.action);
    await applyUnflush(plan, backup, { ops });
  }
}

/** The invariant: the file is the original or the result; the backup absent or the original. */
function expectIntact(dir: string, original: string, expected: string): 'original' | 'result' {
  const now = readFileSync(join(dir, 'appendonly.aof'), 'latin1');
  expect([original, expected]).toContain(now);
  const backup = join(dir, 'appendonly.aof.bak');
  if (existsSync(backup)) expect(readFileSync(backup, 'latin1')).toBe(original);
  return now === original ? 'original' : 'result';
}

const temps = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe.each(CASES)('$verb', ({ verb, text, expected }) => {
  it('a failure at every file-system step leaves the original or the result, and no temp file', async () => {
    const dir = mkdtempSync(join(work, `${verb}-count-`));
    const path = join(dir, 'appendonly.aof');
    writeFileSync(path, text, 'latin1');
    const steps: string[] = [];
    await apply(verb, path, join(dir, 'appendonly.aof.bak'), (step) => {
      steps.push(step);
    });
    expect(readFileSync(path, 'latin1')).toBe(expected);
    // every kind of step is exercised
    for (const s of ['copy', 'link', 'open', 'write', 'sync', 'chmod', 'close', 'rename', 'sync-dir'])
      expect(steps, `step ${s} happens`).toContain(s);
    const seen = { original: 0, result: 0 };
    for (let n = 0; n < steps.length; n++) {
      const d = mkdtempSync(join(work, `${verb}-fail-${n}-`));
      const p = join(d, 'appendonly.aof');
      writeFileSync(p, text, 'latin1');
      let i = 0;
      let failed = false;
      await apply(verb, p, join(d, 'appendonly.aof.bak'), (step) => {
        if (i++ === n) throw Object.assign(new Error(`injected failure at ${step}`), { code: 'EIO' });
      }).catch((e) => {
        failed = true;
        // the temp file's create reports as an I/O error naming the file (io/files.ts ioError)
        expect(String(e.message)).toMatch(/injected failure|input\/output error/);
      });
      seen[expectIntact(d, text, expected)]++;
      // a failure before the rename leaves the original; one after it (directory fsync), the result
      if (failed && n < steps.indexOf('rename')) expect(readFileSync(p, 'latin1')).toBe(text);
      // the backup temp's name may stay only if removing it was the failing step (its bytes are the backup's)
      if (steps[n] !== 'unlink') expect(temps(d), `temp files after a failure at step ${n} (${steps[n]})`).toEqual([]);
    }
    expect(seen.original).toBeGreaterThan(0);
    expect(seen.result).toBeGreaterThan(0);
  }, 120_000);

  it('a SIGKILL at each kind of step: original or result, backup intact; the next run lists and removes the temp file', async () => {
    const dir0 = mkdtempSync(join(work, `${verb}-kcount-`));
    writeFileSync(join(dir0, 'appendonly.aof'), text, 'latin1');
    const steps: string[] = [];
    await apply(verb, join(dir0, 'appendonly.aof'), join(dir0, 'appendonly.aof.bak'), (step) => {
      steps.push(step);
    });
    // the first step of each run of equal steps (a run of writes is one kind), and the last step
    const picks = steps.map((s, i) => (i === 0 || steps[i - 1] !== s ? i : -1)).filter((i) => i >= 0);
    picks.push(steps.length - 1);
    expect(picks.length).toBeGreaterThan(8);
    for (const n of picks) {
      const d = mkdtempSync(join(work, `${verb}-kill-${n}-`));
      const p = join(d, 'appendonly.aof');
      writeFileSync(p, text, 'latin1');
      const r = spawnSync(process.execPath, [CHILD, verb, p, join(d, 'appendonly.aof.bak'), String(n)], { encoding: 'utf8' });
      expect(r.signal).toBe('SIGKILL');
      expectIntact(d, text, expected);
      const left = temps(d);
      expect(left.length).toBeLessThanOrEqual(1);
      if (left.length) {
        const dry = spawnSync(process.execPath, [BIN, verb, p, '--dry-run'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        expect(dry.stdout).toContain(`would remove ${join(d, left[0]!)}`);
        expect(temps(d)).toEqual(left);
        const next = spawnSync(process.execPath, [BIN, verb, p, '--yes', '--no-backup'], {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        });
        expect(next.stdout).toContain(`removed ${join(d, left[0]!)}`);
        expect(temps(d)).toEqual([]);
      }
    }
  }, 300_000);
});

describe('SIGKILL at random moments of a CLI repair on a large AOF', () => {
  it('leaves the original or the result and an intact backup; the next run cleans up and finishes', async () => {
    const dir0 = mkdtempSync(join(work, 'large-'));
    const body = makeAof(60_000, 500, false, '');
    const text = `${body}*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab`;
    const src = join(dir0, 'source.aof');
    writeFileSync(src, text, 'latin1');
    // how long an undisturbed run takes here
    const t0 = Date.now();
    const full = join(dir0, 'appendonly.aof');
    writeFileSync(full, text, 'latin1');
    const ok = spawnSync(process.execPath, [BIN, 'repair', full, '--yes', '--backup', `${full}.bak`], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const span = Date.now() - t0;
    expect(readFileSync(full, 'latin1')).toBe(body);
    let seed = 20261130;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const outcomes: string[] = [];
    for (let k = 0; k < 4; k++) {
      const d = mkdtempSync(join(work, `large-kill-${k}-`));
      const p = join(d, 'appendonly.aof');
      writeFileSync(p, text, 'latin1');
      const child = spawn(process.execPath, [BIN, 'repair', p, '--yes', '--backup', `${p}.bak`], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * span)));
      child.kill('SIGKILL');
      await exited;
      outcomes.push(expectIntact(d, text, body));
      expect(temps(d).length).toBeLessThanOrEqual(1);
      // the next run removes what the killed one left, and finishes the job
      const next = spawnSync(process.execPath, [BIN, 'repair', p, '--yes', '--no-backup'], { encoding: 'utf8' });
      expect(next.status).toBe(0);
      expect(temps(d)).toEqual([]);
      expect(readFileSync(p, 'latin1')).toBe(body);
    }
    expect(outcomes).toHaveLength(4);
  }, 300_000);
});
