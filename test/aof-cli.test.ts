/**
 * The AOF commands of the CLI, spawned as users run them (`node bin/rdbkit.js …`, NO_COLOR=1,
 * stdin not a terminal): exit codes, one-line errors with file and offset, the repair/unflush
 * safety rules (plan, --yes, --dry-run, backups), and JSON output. Needs `npm run build` first.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, encodeTimestamp } from '../src/aof/writer.js';
import { concatBytes, utf8 } from '../src/model/bytes.js';
import { requireRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const FIX = join(ROOT, 'fixtures', 'aof');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-aof-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const haveRedis = requireRedis('CLI repair comparisons with redis-check-aof');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
});

function rdbkit(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'rdbkit.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let n = 0;
const file = (bytes: Uint8Array, name = `f${n++}.aof`) => {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
};
const copyDir = (name: string) => {
  const d = join(work, `${name}-${n++}`);
  cpSync(join(FIX, name), d, { recursive: true });
  return d;
};
const small = new Uint8Array(readFileSync(join(FIX, 'small', 'appendonly.aof.1.incr.aof')));
const a = encodeCommand(['SET', 'k1', 'v1']);

describe('check', () => {
  it('exit 0 on a valid multi-part directory', () => {
    const r = rdbkit('check', join(FIX, 'rewritten'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK .*AOF valid, 2 files/);
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['truncated', small.subarray(0, 100), /^TRUNCATED .*: at offset \d+: .*ok_up_to=\d+$/],
    ['garbage', concatBytes([a, utf8('GARBAGE\r\n'), a]), /^CORRUPT .*: at offset 29: format error/],
    ['wrong * count', concatBytes([utf8('*4\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n'), a]), /^CORRUPT .*: at offset 29: expected '\$'/],
    ['wrong $ count', utf8('*3\r\n$3\r\nSET\r\n$1\r\nk1\r\n$2\r\nv1\r\n'), /^CORRUPT .*: at offset 18: expected CRLF/],
    ['missing CRLF', utf8('*1\r\n$4\r\nPINGXY'), /^CORRUPT .*: at offset 12: expected CRLF/],
    ['zero-argument command', concatBytes([a, utf8('*0\r\n')]), /^CORRUPT .*: at offset 29: command with 0 arguments/],
    ['negative length', utf8('*1\r\n$-5\r\nab\r\n'), /^CORRUPT .*: at offset 4: argument length -5/],
    ['enormous length', utf8('*1\r\n$999999999999999\r\nab\r\n'), /^TRUNCATED .*: at offset 22: .*expected 1000000000000001 bytes/],
  ];
  for (const [name, bytes, pattern] of bad) {
    it(`${name}: exit 1, one line naming the file and the offset, no stack trace`, () => {
      const p = file(bytes);
      const r = rdbkit('check', p);
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(lines[0]).toContain(p.split('/').pop()!);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('a missing file: exit 2, one line', () => {
    const r = rdbkit('check', join(work, 'nope.aof'));
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('inspect', () => {
  it('text output of the small fixture', () => {
    const r = rdbkit('inspect', 'fixtures/aof/small');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchSnapshot();
  });

  it('--json: files, histogram, MULTI blocks, timestamps, flushes with file and offset, verdict', () => {
    const r = rdbkit('inspect', join(FIX, 'flushall'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.files.map((f: { role: string }) => f.role)).toEqual(['base', 'incr']);
    expect(j.baseFormat).toBe('rdb-preamble');
    expect(Object.fromEntries(j.histogram).FLUSHALL).toBe(1);
    expect(j.flushes.map((f: { command: string; db: number }) => [f.command, f.db])).toEqual([
      ['FLUSHALL', 0],
      ['FLUSHDB', 2],
    ]);
    const incr = readFileSync(join(FIX, 'flushall', 'appendonly.aof.1.incr.aof'), 'latin1');
    expect(incr.slice(j.flushes[0].span.start, j.flushes[0].span.end)).toBe('*1\r\n$8\r\nflushall\r\n');
    expect(j.verdict).toMatchObject({ kind: 'ok', validBeforeMulti: incr.length });
    expect(j.firstTimestamp).toBeGreaterThan(1.7e9);
  });
});

describe('repair', () => {
  const truncated = small.subarray(0, 300);

  it('without a terminal and without --yes: exit 2, nothing changed', () => {
    const p = file(truncated);
    const r = rdbkit('repair', p);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/will cut/);
    expect(r.stderr).toMatch(/--yes/);
    expect(statSync(p).size).toBe(300);
    expect(readdirSync(work).filter((f) => f.startsWith(p.split('/').pop()!) && f.includes('.bak-'))).toEqual([]);
  });

  it('--dry-run: shows the plan, changes nothing', () => {
    const p = file(truncated);
    const r = rdbkit('repair', p, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/will cut .* from 300 to \d+ bytes/);
    expect(statSync(p).size).toBe(300);
  });

  it.skipIf(!haveRedis)('--yes: cuts where redis-check-aof --fix cuts and keeps FILE.bak-<timestamp>', () => {
    const p = file(truncated, 'yes.aof');
    const ref = file(truncated, 'yes-ref.aof');
    try {
      execFileSync('redis-check-aof', ['--fix', ref], { input: 'y\n', stdio: 'pipe' });
    } catch {
      /* exit status checked by size */
    }
    const r = rdbkit('repair', p, '--yes');
    expect(r.code).toBe(0);
    expect(statSync(p).size).toBe(statSync(ref).size);
    const backups = readdirSync(work).filter((f) => /^yes\.aof\.bak-\d{8}T\d{6}Z$/.test(f));
    expect(backups).toHaveLength(1);
    expect(new Uint8Array(readFileSync(join(work, backups[0]!)))).toEqual(truncated);
    expect(r.stdout).toMatch(/backup at/);
  });

  it('--no-backup and --backup PATH', () => {
    const p1 = file(truncated, 'nb.aof');
    expect(rdbkit('repair', p1, '--yes', '--no-backup').code).toBe(0);
    expect(readdirSync(work).filter((f) => f.startsWith('nb.aof.bak'))).toEqual([]);
    const p2 = file(truncated, 'bp.aof');
    const bk = join(work, 'my-backup');
    expect(rdbkit('repair', p2, '--yes', '--backup', bk).code).toBe(0);
    expect(statSync(bk).size).toBe(300);
    expect(statSync(p2).size).toBeLessThan(300);
  });

  // On a terminal it asks: util-linux `script` gives the child a pty; the answer comes through it.
  const haveScript = existsSync('/usr/bin/script');
  for (const [answer, code, size] of [
    ['y', 0, 246],
    ['n', 1, 300],
    ['', 1, 300],
  ] as const) {
    it.skipIf(!haveScript)(`on a terminal it asks [y/N]; answer ${JSON.stringify(answer)} → exit ${code}`, () => {
      const p = file(truncated);
      const r = spawnSync(
        '/usr/bin/script',
        ['-qec', `${process.execPath} ${join(ROOT, 'bin', 'rdbkit.js')} repair --no-backup ${p}`, '/dev/null'],
        {
          cwd: ROOT,
          env: { ...process.env, NO_COLOR: '1' },
          input: `${answer}\n`,
          encoding: 'utf8',
        },
      );
      expect(r.stdout).toMatch(/\[y\/N\]: /);
      expect(r.status).toBe(code);
      expect(statSync(p).size).toBe(size);
    });
  }

  it('a backup path that already exists: exit 2, nothing changed', () => {
    const p = file(truncated);
    const bk = file(utf8('keep me'), 'existing-backup');
    const r = rdbkit('repair', p, '--yes', '--backup', bk);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(statSync(p).size).toBe(300);
    expect(readFileSync(bk, 'utf8')).toBe('keep me');
    expect(readdirSync(work).filter((f) => f.includes('.rdbkit-') && f.endsWith('.tmp'))).toEqual([]);
  });

  it('--json: the plan and the change', () => {
    const p = file(truncated);
    const r = rdbkit('repair', p, '--yes', '--no-backup', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.plan).toMatchObject({ action: 'truncate', cause: 'truncated', size: 300 });
    expect(j.change).toMatchObject({ oldSize: 300, newSize: j.plan.cutAt, backup: null });
    // what was checked before the change: the file, no holder, no temp file of a killed run
    expect(j.preflight).toMatchObject({ files: [p], holders: [], staleTemps: [] });
  });

  it('a valid file: nothing to do, exit 0', () => {
    const r = rdbkit('repair', file(small), '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing to do/);
  });

  it('a corrupt non-last file in a directory: refused with what would be lost, exit 1, nothing changed', () => {
    const d = copyDir('rewritten');
    // Make the (only) incr file non-last by adding an empty seq-3 incr file to the manifest.
    writeFileSync(join(d, 'appendonly.aof.3.incr.aof'), '');
    writeFileSync(
      join(d, 'appendonly.aof.manifest'),
      `${readFileSync(join(d, 'appendonly.aof.manifest'), 'latin1')}file appendonly.aof.3.incr.aof seq 3 type i\n`,
    );
    truncateSync(join(d, 'appendonly.aof.2.incr.aof'), 100);
    const r = rdbkit('repair', d, '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/cannot repair .*not the last file/);
    expect(statSync(join(d, 'appendonly.aof.2.incr.aof')).size).toBe(100);
  });

  it('--truncate-to-timestamp: cuts at the first annotation later than T', () => {
    const bytes = concatBytes([encodeTimestamp(1700000000), a, encodeTimestamp(1700000100), a, encodeTimestamp(1700000200), a]);
    const p = file(bytes);
    const r = rdbkit('repair', p, '--yes', '--no-backup', '--truncate-to-timestamp', '1700000150');
    expect(r.code).toBe(0);
    expect(statSync(p).size).toBe(2 * ('#TS:1700000000\r\n'.length + a.length));
    const r2 = rdbkit('repair', p, '--yes', '--truncate-to-timestamp', '1600000000');
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/nothing before timestamp/);
  });
});

describe('unflush', () => {
  it('--yes on a directory with a FLUSHALL: removes it, reports what comes back, keeps a backup', () => {
    const d = copyDir('flushall');
    const incr = join(d, 'appendonly.aof.1.incr.aof');
    const size = statSync(incr).size;
    const r = rdbkit('unflush', d, '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/remove FLUSHALL at offset \d+ of appendonly\.aof\.1\.incr\.aof/);
    expect(r.stdout).toMatch(/comes back: 11 commands before the flush, touching 11 keys/);
    expect(statSync(incr).size).toBe(size - '*1\r\n$8\r\nflushall\r\n'.length);
    expect(readdirSync(d).some((f) => f.startsWith('appendonly.aof.1.incr.aof.bak-'))).toBe(true);
    expect(rdbkit('check', d).code).toBe(0);
    // There is no FLUSHALL left: a second run refuses.
    const again = rdbkit('unflush', d, '--yes');
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/cannot be recovered from this AOF/);
  });

  it('--flushdb --dry-run names the db', () => {
    const r = rdbkit('unflush', join(FIX, 'flushall'), '--flushdb', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/remove FLUSHDB at offset \d+ .*\(db 2/);
    expect(r.stdout).toMatch(/dry run: nothing changed/);
  });

  it('without --yes and no terminal: exit 2', () => {
    const d = copyDir('flushall');
    expect(rdbkit('unflush', d).code).toBe(2);
  });
});

describe('convert of a large AOF (replayed in a child process with a larger young generation)', () => {
  // one SET of a 64 MiB value: at the size where convert re-runs itself in a child (src/cli/heap.ts)
  const big = () => {
    const value = new Uint8Array(64 << 20).fill(0x78);
    return file(concatBytes([utf8(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n`), value, utf8('\r\n')]), `big-${n++}.aof`);
  };

  it('writes the same RDB as a replay in the process itself', () => {
    const p = big();
    const viaChild = rdbkit('convert', p, '--to', 'rdb', '-o', join(work, 'child.rdb'));
    expect(viaChild.code).toBe(0);
    const inProcess = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'rdbkit.js'), 'convert', p, '--to', 'rdb', '-o', join(work, 'self.rdb')],
      {
        env: { ...process.env, NO_COLOR: '1', RDBKIT_DATASET_CHILD: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      },
    );
    expect(inProcess.status).toBe(0);
    expect(viaChild.stderr).toBe(inProcess.stderr.replace('self.rdb', 'child.rdb'));
    expect(readFileSync(join(work, 'child.rdb')).equals(readFileSync(join(work, 'self.rdb')))).toBe(true);
  });

  it('SIGTERM to rdbkit reaches the child: exit 143, no output and no temp file left', async () => {
    const p = big();
    const dir = mkdtempSync(join(work, 'term-'));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'rdbkit.js'), 'convert', p, '--to', 'rdb', '-o', join(dir, 'out.rdb')], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    // signal rdbkit once it has started its child (Linux: /proc lists a thread's child processes)
    const children = `/proc/${child.pid}/task/${child.pid}/children`;
    const started = () => {
      try {
        return readFileSync(children, 'utf8').trim() !== '';
      } catch {
        return true; // gone already: the exit status below tells
      }
    };
    while (child.exitCode === null && !started()) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(143);
    // rdbkit waited for the child: nothing appears afterwards either
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(dir)).toEqual([]);
  });
});
