/**
 * `rdbkit digest` as a user runs it (node bin/rdbkit.js, dist/ built by `npm test`): on the RDB a
 * real redis-server 7.0 saved, on its multi-part AOF directory, and on a single old-style AOF,
 * the printed digest equals the server's DEBUG DIGEST.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayText } from '../src/model/bytes.js';
import { workload } from './support/engine-workload.js';
import { makeRandom } from './support/prng.mjs';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const HAVE = requireRedis('rdbkit digest CLI tests');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
if (!BUILT) console.warn('[rdbkit tests] dist/ is not built (npm run build): skipping the digest CLI tests');

function rdbkit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let srv: RedisServer;
let expected: string;

describe.skipIf(!HAVE || !BUILT)('rdbkit digest', () => {
  beforeAll(async () => {
    srv = await startRedis({ args: ['--appendonly', 'yes'] });
    await srv.client.pipeline(workload(makeRandom(0xd16e57), 1200), { errors: 'return' });
    const d: unknown = await srv.client.call('DEBUG', 'DIGEST');
    expected = d instanceof Uint8Array ? displayText(d) : String(d);
    await srv.client.call('SAVE');
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('of the RDB the server saved', () => {
    const r = rdbkit('digest', join(srv.dir, 'dump.rdb'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${expected}\n`);
    expect(r.code).toBe(0);
  });

  it('of its multi-part AOF directory (and --json)', () => {
    const r = rdbkit('digest', join(srv.dir, 'appendonlydir'));
    expect(r.stdout).toBe(`${expected}\n`);
    const j = JSON.parse(rdbkit('digest', '--json', srv.dir).stdout);
    expect(j).toMatchObject({ kind: 'aof', digest: expected, functions: 1 });
    expect(j.replay.failedCount).toBe(0);
  });

  it('of a single AOF file: the incr part alone, after the RDB base (preamble style)', () => {
    const dir = join(srv.dir, 'appendonlydir');
    const base = readFileSync(join(dir, 'appendonly.aof.1.base.rdb'));
    const incr = readFileSync(join(dir, 'appendonly.aof.1.incr.aof'));
    const single = join(srv.dir, 'single.aof');
    writeFileSync(single, Buffer.concat([base, incr]));
    expect(rdbkit('digest', single).stdout).toBe(`${expected}\n`);
  });

  it('an unknown command stops with file and offset; --skip-unknown counts it', () => {
    const f = join(srv.dir, 'unknown.aof');
    writeFileSync(f, '*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$7\r\nNOSUCHX\r\n');
    const r = rdbkit('digest', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'NOSUCHX' in .*unknown\.aof at offset 27/);
    const s = rdbkit('digest', '--skip-unknown', f);
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/skipped unknown commands: NOSUCHX x1/);
  });
});
