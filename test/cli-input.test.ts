/**
 * Reading from stdin, pipes, FIFOs and /dev/stdin, run for real through a shell: every reading
 * verb gives the same answer as for the named file, for plain, gzip and VCS RDBs and for
 * single-file AOFs (RESP, or with an RDB preamble); the verbs that change an AOF in place say
 * in one line that they need the file.
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

describe('AOF input from a pipe, a FIFO or /dev/stdin (read once, front to back)', () => {
  const SMALL = join(ROOT, 'fixtures', 'aof', 'small');
  const resp = join(tmp, 'resp.aof');
  const preamble = join(tmp, 'preamble.aof');
  writeFileSync(resp, readFileSync(join(SMALL, 'appendonly.aof.1.incr.aof')));
  writeFileSync(
    preamble,
    concatBytes([readFileSync(join(SMALL, 'appendonly.aof.1.base.rdb')), readFileSync(join(SMALL, 'appendonly.aof.1.incr.aof'))]),
  );

  for (const [label, file] of [
    ['a single-file RESP AOF', resp],
    ['an AOF with an RDB preamble (told from an RDB by its aof-base aux field)', preamble],
  ] as const) {
    it(`${label}: inspect, check, digest, convert, diff and report give what the named file gives`, () => {
      const named = {
        digest: sh(`$RDBKIT digest '${file}'`).out,
        jsonl: sh(`$RDBKIT convert '${file}' --to jsonl --sort`).out,
        commands: JSON.parse(sh(`$RDBKIT inspect '${file}' --json`).out).commands,
      };
      expect(named.digest).toMatch(/^[0-9a-f]{40}\n$/);
      const insp = sh(`cat '${file}' | $RDBKIT inspect - --json`);
      expect(insp.code).toBe(0);
      expect(JSON.parse(insp.out)).toMatchObject({ input: 'stdin', kind: 'single', commands: named.commands });
      const check = sh(`cat '${file}' | $RDBKIT check -`);
      expect(check.code).toBe(0);
      expect(check.out).toMatch(/^OK stdin: AOF valid, 1 file, \d+ bytes\n$/);
      expect(sh(`cat '${file}' | $RDBKIT digest -`).out).toBe(named.digest);
      expect(sh(`cat '${file}' | $RDBKIT convert - --to jsonl --sort`).out).toBe(named.jsonl);
      const diff = sh(`cat '${file}' | $RDBKIT diff - '${SMALL}'`);
      expect(diff.code).toBe(0);
      expect(diff.err).toMatch(/^equal: \d+ keys on both sides\n$/);
      const rep = sh(`cat '${file}' | $RDBKIT report - --format json`);
      expect(rep.code).toBe(0);
      expect(JSON.parse(rep.out).total.keys).toBe(named.jsonl.trim().split('\n').length);
    });
  }

  it('a FIFO and /dev/stdin under a pipe', () => {
    const want = sh(`$RDBKIT digest '${preamble}'`).out;
    const fifo = join(tmp, 'aof.fifo');
    expect(sh(`mkfifo '${fifo}'`).code).toBe(0);
    expect(sh(`cat '${preamble}' > '${fifo}' & $RDBKIT digest '${fifo}'; wait`).out).toBe(want);
    expect(sh(`cat '${resp}' | $RDBKIT check /dev/stdin`).out).toMatch(/^OK \/dev\/stdin: AOF valid/);
  });

  it('a truncated AOF through a pipe: check says where, exit 1', () => {
    const r = sh(`head -c 300 '${resp}' | $RDBKIT check -`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^TRUNCATED stdin: .*at offset \d+/);
  });

  it('repair and unflush need the file itself: one line, exit 2, for stdin and for a FIFO', () => {
    for (const verb of ['repair', 'unflush']) {
      const r = sh(`$RDBKIT ${verb} - --yes < '${resp}'`);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/stdin is a stream: this needs the AOF file or directory itself/);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    }
    const fifo = join(tmp, 'repair.fifo');
    sh(`mkfifo '${fifo}'`);
    const r = sh(`$RDBKIT repair '${fifo}' --yes`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/repair.fifo is a pipe or device, not a file: this needs the AOF file or directory itself/);
  });
});
