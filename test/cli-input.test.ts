/**
 * Reading from stdin, pipes, FIFOs and /dev/stdin, run for real through a shell: every reading
 * verb gives the same answer as for the named file, for plain, gzip and VCS RDBs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../src/model/bytes.js';
import { VcsEncoder } from '../src/rdb/vcs.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const FIX = join(ROOT, 'fixtures', 'rdb', 'everything.rdb');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-in-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RDBKIT = `'${process.execPath}' '${BIN}'`;
/** Run a shell command line (with $RDBKIT), NO_COLOR set. */
function sh(cmd: string): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', cmd.replaceAll('$RDBKIT', RDBKIT)], {
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const raw = readFileSync(FIX);
const gz = join(tmp, 'dump.rdb.gz');
writeFileSync(gz, gzipSync(raw));
const enc = new VcsEncoder();
const vcs = join(tmp, 'dump.vcs');
writeFileSync(vcs, concatBytes([...enc.write(raw), ...enc.end()]));

const byName = {
  jsonl: sh(`$RDBKIT convert '${FIX}' --to jsonl`).out,
  check: sh(`$RDBKIT check '${FIX}' --json`).out,
  rdb: sh(`$RDBKIT convert '${FIX}' --to rdb | od -An -tx1 | md5sum`).out,
};

describe('input from a pipe', () => {
  for (const [label, file] of [
    ['plain', FIX],
    ['gzip', gz],
    ['VCS', vcs],
  ] as const) {
    it(`${label}: convert -, check -, inspect - through cat |`, () => {
      const conv = sh(`cat '${file}' | $RDBKIT convert - --to jsonl`);
      expect(conv.code).toBe(0);
      expect(conv.out).toBe(byName.jsonl);
      const check = sh(`cat '${file}' | $RDBKIT check -`);
      expect(check.code).toBe(0);
      expect(check.out).toMatch(/^OK stdin: RDB version 10, \d+ keys, [\d,]+ bytes, checksum verified\n$/);
      const insp = sh(`cat '${file}' | $RDBKIT inspect - --json`);
      expect(insp.code).toBe(0);
      expect(JSON.parse(insp.out).totalKeys).toBe(byName.jsonl.trim().split('\n').length);
    });
  }

  it('/dev/stdin under a pipe (not seekable) and under a redirect (a regular file)', () => {
    expect(sh(`cat '${FIX}' | $RDBKIT convert /dev/stdin --to jsonl`).out).toBe(byName.jsonl);
    expect(sh(`$RDBKIT convert /dev/stdin --to jsonl < '${FIX}'`).out).toBe(byName.jsonl);
    expect(sh(`$RDBKIT convert - --to jsonl < '${FIX}'`).out).toBe(byName.jsonl);
  });

  it('a FIFO (mkfifo) as input', () => {
    const fifo = join(tmp, 'in.fifo');
    expect(sh(`mkfifo '${fifo}'`).code).toBe(0);
    const r = sh(`cat '${gz}' > '${fifo}' & $RDBKIT convert '${fifo}' --to jsonl; wait`);
    expect(r.code).toBe(0);
    expect(r.out).toBe(byName.jsonl);
  });

  it('pipe to pipe: RDB → rdb bytes → JSONL → rdb → check, all through stdin/stdout', () => {
    const r = sh(`cat '${FIX}' | $RDBKIT convert - --to rdb | $RDBKIT convert - --to jsonl | $RDBKIT convert - --to rdb | $RDBKIT check -`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK stdin: /);
    expect(sh(`cat '${FIX}' | $RDBKIT convert - --to rdb | od -An -tx1 | md5sum`).out).toBe(byName.rdb);
  });

  it('a truncated RDB through a pipe: exit 1 with one line naming the offset', () => {
    const r = sh(`head -c 5000 '${FIX}' | $RDBKIT check -`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^TRUNCATED stdin: truncated RDB at offset \d+/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('stdin that is neither an RDB nor an AOF, or empty: one line, exit 1', () => {
    const junk = sh(`echo hello | $RDBKIT inspect -`);
    expect(junk.code).toBe(1);
    expect(junk.err).toBe('rdbkit inspect: stdin is neither an RDB nor an AOF\n');
    const empty = sh(`$RDBKIT inspect - < /dev/null`);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/stdin is empty: neither an RDB nor an AOF\n$/);
  });

  it('stdin on a terminal is refused (under script(1)) instead of waiting for typing', () => {
    const r = sh(`script -qec "${RDBKIT.replaceAll("'", '')} inspect -" /dev/null`);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/stdin is a terminal: pipe a file in/);
  });
});
