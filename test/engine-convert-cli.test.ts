/**
 * `rdbkit convert` through the engine, as a user runs it (dist/ built by `npm test`):
 *  - AOF -> RDB for every multi-part fixture (RDB base, RESP base, FLUSHALL inside, after a
 *    rewrite): the written RDB loads in a real redis-server 7.0 with the digest that server
 *    computes from the AOF itself;
 *  - AOF -> RESP and RDB -> RESP (plain and --restore) piped into an empty server with
 *    `redis-cli --pipe`: 0 errors, same digest.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { displayText } from '../src/model/bytes.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const HAVE = requireRedis('convert-through-the-engine CLI tests');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
if (!BUILT) console.warn('[rdbkit tests] dist/ is not built (npm run build): skipping the convert CLI tests');
const aofs = readdirSync(join(ROOT, 'fixtures', 'aof')).filter((f) => statSync(join(ROOT, 'fixtures', 'aof', f)).isDirectory());
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'rdbkit-convert-'));
  dirs.push(d);
  return d;
}

function rdbkit(...args: string[]): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

async function digestOfServer(dir: string, args: string[]): Promise<string> {
  const srv = await startRedis({ dir, args });
  try {
    const d: unknown = await srv.client.call('DEBUG', 'DIGEST');
    return d instanceof Uint8Array ? displayText(d) : String(d);
  } finally {
    await srv.stop();
  }
}

async function digestAfterPipe(resp: Buffer): Promise<{ digest: string; out: string }> {
  const srv = await startRedis();
  try {
    const r = spawnSync('redis-cli', ['-p', String(srv.port), '--pipe'], { input: resp, encoding: 'utf8' });
    const d: unknown = await srv.client.call('DEBUG', 'DIGEST');
    return { digest: d instanceof Uint8Array ? displayText(d) : String(d), out: `${r.stdout}${r.stderr}` };
  } finally {
    await srv.stop();
  }
}

describe.skipIf(!HAVE || !BUILT)('rdbkit convert through the engine', () => {
  for (const a of aofs) {
    it(`aof/${a} --to rdb loads with the AOF's digest; --to resp pipes with 0 errors`, async () => {
      const src = join(ROOT, 'fixtures', 'aof', a);
      const d1 = tmp();
      cpSync(src, join(d1, 'appendonlydir'), { recursive: true });
      const expected = await digestOfServer(d1, ['--appendonly', 'yes']);
      const d2 = tmp();
      const r = rdbkit('convert', src, '--to', 'rdb', '-o', join(d2, 'dump.rdb'));
      expect(r.stderr).toMatch(/wrote .*dump\.rdb: RDB 10/);
      expect(r.code).toBe(0);
      expect(await digestOfServer(d2, ['--dbfilename', 'dump.rdb'])).toBe(expected);
      const resp = rdbkit('convert', src, '--to', 'resp');
      expect(resp.code).toBe(0);
      const piped = await digestAfterPipe(resp.stdout);
      expect(piped.out).toMatch(/errors: 0,/);
      expect(piped.digest).toBe(expected);
    });
  }

  for (const restore of [false, true]) {
    it(`RDB fixture everything.rdb --to resp${restore ? ' --restore' : ''} pipes with 0 errors and the same digest`, async () => {
      const d = tmp();
      copyFileSync(join(ROOT, 'fixtures', 'rdb', 'everything.rdb'), join(d, 'dump.rdb'));
      const expected = await digestOfServer(d, ['--dbfilename', 'dump.rdb']);
      const r = rdbkit('convert', join(ROOT, 'fixtures', 'rdb', 'everything.rdb'), '--to', 'resp', ...(restore ? ['--restore'] : []));
      expect(r.code).toBe(0);
      const piped = await digestAfterPipe(r.stdout);
      expect(piped.out).toMatch(/errors: 0,/);
      expect(piped.digest).toBe(expected);
    });
  }
});
