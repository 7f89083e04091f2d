/**
 * `repair --salvage` on real multi-part AOFs written by redis-server 7.0:
 * - garbage between two commands in the middle of the incr file: after `repair --salvage --yes`,
 *   Redis loads the set with `aof-load-truncated no` to the dataset it had before the damage
 *   (DEBUG DIGEST), where plain `repair` (as `redis-check-aof --fix`) loses everything after it;
 * - garbage inside a MULTI/EXEC drops that whole transaction and nothing else: the digest is that
 *   of a server fed the same commands without the transaction;
 * - `--dry-run` shows the ranges and changes nothing; without `--salvage` nothing is salvaged;
 * - damage in a non-last file of the set is salvaged too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenizeAof } from '../src/aof/resp.js';
import { encodeCommand } from '../src/aof/writer.js';
import { concatBytes } from '../src/model/bytes.js';
import type { AofPartSource } from '../src/model/source.js';
import { salvagePart } from '../src/ops/aof-salvage.js';
import { digestOfAofDir, digestOfCommands } from './support/aof-digest.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const haveRedis = requireRedis('AOF salvage (DEBUG DIGEST on real servers)');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

type Cmd = string[];
const AOF_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', 'appendonlydir'];
const INCR = 'appendonly.aof.1.incr.aof';

/** Run commands on a fresh AOF server; returns its data dir (kept) and its digest. */
async function writeAof(cmds: Cmd[]): Promise<{ dir: string; digest: string }> {
  const r = await startRedis({ args: AOF_ARGS });
  dirs.push(r.dir);
  try {
    for (const c of cmds) await r.client.call(...c);
    return { dir: r.dir, digest: Buffer.from(await r.client.call('DEBUG', 'DIGEST')).toString() };
  } finally {
    await r.stop({ keepDir: true });
  }
}

const digestOfDir = (dir: string): Promise<string> => digestOfAofDir(dir, AOF_ARGS);

/** Insert `junk` into a file at `at`. */
function insertAt(file: string, at: number, junk: string): void {
  const b = new Uint8Array(readFileSync(file));
  writeFileSync(file, concatBytes([b.subarray(0, at), new TextEncoder().encode(junk), b.subarray(at)]));
}

const workload = (from: number, to: number): Cmd[] => {
  const out: Cmd[] = [];
  for (let i = from; i < to; i++) {
    out.push(['SET', `k${i}`, `v${i}`]);
    if (i % 7 === 0) out.push(['RPUSH', 'list', `e${i}`]);
    if (i % 5 === 0) out.push(['HSET', 'hash', `f${i}`, `${i}`]);
    if (i % 11 === 0) out.push(['INCR', 'counter']);
  }
  return out;
};

describe.skipIf(!haveRedis)('repair --salvage on real AOFs', () => {
  it('garbage between two commands in the middle: Redis loads the dataset it had before the damage', async () => {
    const cmds = workload(0, 120);
    const { dir, digest } = await writeAof(cmds);
    const incr = join(dir, 'appendonlydir', INCR);
    const { commands } = tokenizeAof(new Uint8Array(readFileSync(incr)));
    const middle = commands[Math.floor(commands.length / 2)]!.span.start;
    insertAt(incr, middle, 'this is not RESP\r\n*2\r\n$3\r\nxx\r\n\0\0\xff garbage\n');
    const damaged = readFileSync(incr);
    expect(run('check', dir).code).toBe(1);
    // the dry run shows the range and changes nothing
    const dry = run('repair', dir, '--salvage', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(new RegExp(`will drop \\[${middle}, \\d+\\) of ${INCR} .*at offset ${middle}`));
    expect(readFileSync(incr)).toEqual(damaged);
    const r = run('repair', dir, '--salvage', '--yes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(execFileSync('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' })).toMatch(
      /is valid/,
    );
    expect(await digestOfDir(dir)).toBe(digest);
    // plain repair (as redis-check-aof --fix) on the damaged file loses the second half
    writeFileSync(incr, damaged);
    expect(run('repair', dir, '--yes', '--no-backup').code).toBe(0);
    expect(await digestOfDir(dir)).not.toBe(digest);
  }, 120_000);

  it('garbage inside a MULTI/EXEC drops that whole transaction and nothing else', async () => {
    const before = workload(0, 30);
    const tx: Cmd[] = [['MULTI'], ['SET', 'tx:a', '1'], ['INCR', 'counter'], ['RPUSH', 'list', 'tx'], ['EXEC']];
    const after = workload(30, 60);
    const { dir } = await writeAof([...before, ...tx, ...after]);
    const incr = join(dir, 'appendonlydir', INCR);
    const { commands } = tokenizeAof(new Uint8Array(readFileSync(incr)));
    const multi = commands.findIndex((c) => Buffer.from(c.argv[0]!).toString().toUpperCase() === 'MULTI');
    expect(multi).toBeGreaterThan(0);
    // between the transaction's second and third queued command
    insertAt(incr, commands[multi + 3]!.span.start, '\xfe\xfe garbage in the transaction\r\n');
    const dry = run('repair', dir, '--salvage', '--dry-run');
    expect(dry.out).toMatch(/with 5 complete commands of a broken transaction/);
    const r = run('repair', dir, '--salvage', '--yes', '--no-backup');
    expect(r.code).toBe(0);
    expect(await digestOfDir(dir)).toBe(await digestOfCommands([...before, ...after]));
  }, 120_000);

  it('damage in a non-last file of a multi-part set is salvaged too (backup per file)', async () => {
    const r1 = { ...(await writeAof(workload(0, 40))) };
    const digest = r1.digest;
    // two incr files: split the one Redis wrote at a command boundary and list both in the manifest
    const aofDir = join(r1.dir, 'appendonlydir');
    const incr = join(aofDir, INCR);
    const bytes = new Uint8Array(readFileSync(incr));
    const { commands } = tokenizeAof(bytes);
    const split = commands[Math.floor(commands.length / 2)]!.span.start;
    writeFileSync(incr, bytes.subarray(0, split));
    writeFileSync(join(aofDir, 'appendonly.aof.2.incr.aof'), bytes.subarray(split));
    const manifest = join(aofDir, 'appendonly.aof.manifest');
    writeFileSync(manifest, `${readFileSync(manifest, 'latin1').trimEnd()}\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
    expect(await digestOfDir(r1.dir)).toBe(digest);
    const { commands: c1 } = tokenizeAof(bytes.subarray(0, split));
    insertAt(incr, c1[Math.floor(c1.length / 2)]!.span.start, '#junk that is an annotation\r\nnot a command\r\n');
    expect(run('repair', r1.dir, '--dry-run').out).toMatch(/cannot repair .*not the last file/);
    const r = run('repair', r1.dir, '--salvage', '--yes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(aofDir).filter((n) => n.startsWith(`${INCR}.bak-`))).toHaveLength(1);
    expect(await digestOfDir(r1.dir)).toBe(digest);
  }, 120_000);

  it('nothing is salvaged unless asked, and a valid AOF needs nothing', async () => {
    const { dir } = await writeAof(workload(0, 10));
    expect(run('repair', dir, '--salvage', '--yes').out).toMatch(/nothing to do.*nothing to salvage/);
    const incr = join(dir, 'appendonlydir', INCR);
    const { commands } = tokenizeAof(new Uint8Array(readFileSync(incr)));
    insertAt(incr, commands[3]!.span.start, 'junk\r\n');
    const plain = run('repair', dir, '--dry-run');
    expect(plain.out).toMatch(/will cut/);
    expect(plain.out).toMatch(/repair --salvage keeps them/);
  }, 60_000);
});

describe('salvage resync on hostile garbage', () => {
  it('reads each candidate `*` line by its lines, not to the end of the file: bytes read stay a few times the size', async () => {
    const enc = new TextEncoder();
    const good = (from: number): Uint8Array =>
      concatBytes(workload(from, from + 300).map((c) => encodeCommand(c.map((a) => enc.encode(a)))));
    const before = good(0);
    // 40,000 candidates that look like SET commands and fail at their second argument, then a line of '*'
    const garbage = concatBytes([enc.encode('*9\r\n$3\r\nSET\r\n'.repeat(40_000)), enc.encode(`${'*'.repeat(100_000)}\r\n`)]);
    const after = good(300);
    const bytes = concatBytes([before, garbage, after]);
    let read = 0;
    const part: AofPartSource = {
      name: 'hostile.aof',
      role: 'single',
      seq: null,
      size: bytes.length,
      read(start = 0, end = bytes.length) {
        return (function* () {
          for (let at = start; at < end; at += 65536) {
            const c = bytes.subarray(at, Math.min(end, at + 65536));
            read += c.length;
            yield c;
          }
        })();
      },
    };
    const s = await salvagePart(part, 0);
    expect(s.ranges).toEqual([
      expect.objectContaining({ start: before.length, end: before.length + garbage.length, toEnd: false, droppedCommands: 0 }),
    ]);
    expect(s.commands).toBe(tokenizeAof(before).commands.length + tokenizeAof(after).commands.length);
    // a probe that read on to the end of the file from each candidate read about 40,000 x 64 KiB (2.6 GB)
    expect(read).toBeLessThan(4 * bytes.length);
  });
});
