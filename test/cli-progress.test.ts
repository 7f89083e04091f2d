/**
 * The progress line: drawn on a terminal (under script(1), a real pseudo-terminal) for a large
 * input, with bytes, percent, rate, ETA and keys, redrawn no more than ~10 times a second, by
 * every verb that reads (RDB or AOF); absent when stderr is a pipe or with --quiet. The library
 * calls an onProgress callback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine } from '../src/cli/progress.js';
import { openAofSet } from '../src/io/aof-files.js';
import { checkAof } from '../src/ops/aof-inspect.js';
import { type AofProgress, replayAof } from '../src/ops/replay-aof.js';
import { writeManyStringKeys } from './support/many-keys.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const big = join(tmp, 'big.rdb');
const bigAof = join(tmp, 'big.aof');
const AOF_COMMANDS = 60_000;

beforeAll(() => {
  writeManyStringKeys(big, 150_000, { prefix: 'k:', valueLength: 300, fill: 'x' });
  const value300 = 'x'.repeat(300);
  let aof = '';
  for (let i = 0; i < AOF_COMMANDS; i++) aof += `*3\r\n$3\r\nSET\r\n$${String(`k:${i}`).length}\r\nk:${i}\r\n$300\r\n${value300}\r\n`;
  writeFileSync(bigAof, aof);
});

/** Run under a pseudo-terminal: stdout and stderr both go to the terminal script(1) records. */
function underTerminal(args: string, env: NodeJS.ProcessEnv = {}): { code: number; tty: string; ms: number } {
  if (!existsSync('/usr/bin/script')) throw new Error('script(1) (util-linux) is needed for the terminal tests');
  const t0 = Date.now();
  const r = spawnSync('script', ['-qec', `'${process.execPath}' '${BIN}' ${args}`, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, tty: r.stdout, ms: Date.now() - t0 };
}

/** On a quiet machine these inputs are read in well under the half second before the first draw: ask for the line at once. */
const now = { RDBKIT_PROGRESS_AFTER_MS: '0' };

describe('progress', () => {
  it('is drawn on a terminal: bytes / total, %, rate, ETA, keys; at most ~10 redraws a second; erased at the end', () => {
    const r = underTerminal(`convert '${big}' --to jsonl -o /dev/null`, now);
    expect(r.code).toBe(0);
    const draws = r.tty.split('\r\u001b[K').filter((s) => s.startsWith('convert '));
    expect(draws.length).toBeGreaterThan(0);
    expect(draws.length).toBeLessThanOrEqual(Math.ceil(r.ms / 100) + 2);
    const some = draws.find((d) => /ETA/.test(d)) ?? draws[0]!;
    expect(some).toMatch(
      /^convert big\.rdb {2} *\d+\.\d% {2}[\d.]+ (B|KiB|MiB) \/ [\d.]+ MiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}(ETA \d+:\d\d {2})?[\d,]+ keys/,
    );
    // the last thing on the line before "wrote" is an erase, so the summary starts clean
    expect(r.tty).toContain('\r\u001b[Kwrote /dev/null: 150000 keys');
  }, 120_000);

  it('check and inspect show it too; a pipe on stdin has no total (bytes and rate only)', () => {
    const check = underTerminal(`check '${big}'`, now);
    expect(check.code).toBe(0);
    expect(check.tty).toMatch(/check big\.rdb {2} *\d+\.\d%/);
    const piped = spawnSync('script', ['-qec', `cat '${big}' | '${process.execPath}' '${BIN}' inspect -`, '/dev/null'], {
      env: { ...process.env, ...now },
      encoding: 'utf8',
    });
    expect(piped.stdout).toMatch(/inspect stdin {2}[\d.]+ (KiB|MiB) {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}[\d,]+ keys/);
  }, 120_000);

  it('is absent when stderr is not a terminal, and with --quiet', () => {
    const piped = spawnSync(process.execPath, [BIN, 'convert', big, '--to', 'jsonl', '-o', '/dev/null'], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toMatch(/^wrote \/dev\/null: 150000 keys, \d+ bytes\n$/);
    const quiet = underTerminal(`convert '${big}' --to jsonl -o /dev/null --quiet`, now);
    expect(quiet.code).toBe(0);
    expect(quiet.tty).not.toMatch(/keys {0,2}\r|\/s {2}/);
    expect(quiet.tty.trim()).toMatch(/^wrote \/dev\/null: 150000 keys, \d+ bytes$/);
  }, 120_000);

  const verbs: Array<[string, string, RegExp]> = [
    ['digest of an RDB', `digest '${big}'`, /digest big\.rdb {2} *\d+\.\d% .*[\d,]+ keys/],
    ['diff of two RDBs', `diff '${big}' '${big}'`, /diff big\.rdb {2} *\d+\.\d% .*[\d,]+ keys/],
    ['report of an RDB', `report '${big}' -o /dev/null`, /report big\.rdb {2} *\d+\.\d% .*[\d,]+ keys/],
    ['convert of an AOF (the replay)', `convert '${bigAof}' --to rdb -o /dev/null`, /convert big\.aof {2} *\d+\.\d% .*[\d,]+ commands/],
    [
      'convert of an AOF (writing the output after the replay)',
      `convert '${bigAof}' --to jsonl -o /dev/null`,
      /convert big\.aof {2}writing {2} *\d+\.\d% {2}[\d,]+ \/ 60,000 keys {2}[\d,]+ keys\/s/,
    ],
    ['digest of an AOF', `digest '${bigAof}'`, /digest big\.aof {2} *\d+\.\d% .*[\d,]+ commands/],
    ['check of an AOF', `check '${bigAof}'`, /check big\.aof {2} *\d+\.\d% .*[\d,]+ commands/],
    ['diff of an AOF and an RDB', `diff '${bigAof}' '${big}'`, /diff big\.aof {2} *\d+\.\d% .*[\d,]+ commands/],
    ['report of an AOF', `report '${bigAof}' -o /dev/null`, /report big\.aof {2} *\d+\.\d% .*[\d,]+ commands/],
    [
      'report of several files (worker threads: one line for all)',
      `report '${big}' '${big}' -o /dev/null`,
      /report 2 files {2} *\d+\.\d% .*[\d,]+ keys/,
    ],
  ];
  for (const [name, args, line] of verbs) {
    it(`${name}: drawn on a terminal, absent with --quiet`, () => {
      const r = underTerminal(args, now);
      expect(r.tty).toMatch(line);
      expect(underTerminal(`${args} --quiet`, now).tty).not.toMatch(line);
    }, 120_000);
  }

  it('the library calls onProgress as an AOF is replayed or scanned (bytes growing to the size, commands counted)', async () => {
    const set = await openAofSet(bigAof);
    const seen: AofProgress[] = [];
    const { report } = await replayAof(set, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual({ bytes: set.parts[0]!.size, commands: AOF_COMMANDS, keys: 0 });
    expect(seen.every((p, i) => i === 0 || (p.bytes > seen[i - 1]!.bytes && p.commands >= seen[i - 1]!.commands))).toBe(true);
    expect(report.commands).toBe(AOF_COMMANDS);
    const scanned: AofProgress[] = [];
    await checkAof(set, { onProgress: (p) => scanned.push(p) });
    expect(scanned.at(-1)).toEqual({ bytes: set.parts[0]!.size, commands: AOF_COMMANDS, keys: 0 });
  }, 120_000);

  it('the line itself', () => {
    expect(progressLine('convert x', { bytes: 50 << 20, total: 100 << 20, keys: 1234567 }, 2000)).toBe(
      'convert x   50.0%  50.0 MiB / 100.0 MiB  25.0 MiB/s  ETA 0:02  1,234,567 keys',
    );
    expect(progressLine('inspect stdin', { bytes: 3 << 20, total: null, keys: 7 }, 1000)).toBe(
      'inspect stdin  3.00 MiB  3.00 MiB/s  7 keys',
    );
    expect(progressLine('convert x.aof', { bytes: 0, total: 4000, keys: 1000, phase: 'write' }, 2000)).toBe(
      'convert x.aof  writing   25.0%  1,000 / 4,000 keys  500 keys/s  ETA 0:06',
    );
    expect(progressLine('convert x.aof', { bytes: 1 << 20, total: 4 << 20, keys: 0, commands: 5000 }, 1000)).toBe(
      'convert x.aof   25.0%  1.00 MiB / 4.00 MiB  1.00 MiB/s  ETA 0:03  5,000 commands',
    );
  });
});
