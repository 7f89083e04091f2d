/**
 * `digestFile` (rdbkit digest) equals what a real redis-server 7.0 prints with DEBUG DIGEST after
 * loading the same file, for every RDB fixture (fixtures/rdb/*.rdb) and every multi-part AOF
 * fixture directory (fixtures/aof/*). Enumerated from the directories, so new fixtures join.
 */
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile } from '../src/cli/digest-file.js';
import { displayText } from '../src/model/bytes.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HAVE = requireRedis('fixture digest tests');
const rdbs = readdirSync(join(ROOT, 'fixtures', 'rdb')).filter((f) => f.endsWith('.rdb'));
const aofs = readdirSync(join(ROOT, 'fixtures', 'aof')).filter((f) => statSync(join(ROOT, 'fixtures', 'aof', f)).isDirectory());
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serverDigest(args: string[], dir: string): Promise<string> {
  const srv: RedisServer = await startRedis({ dir, args });
  try {
    const d: unknown = await srv.client.call('DEBUG', 'DIGEST');
    return d instanceof Uint8Array ? displayText(d) : String(d);
  } finally {
    await srv.stop();
  }
}

describe.skipIf(!HAVE)('rdbkit digest equals DEBUG DIGEST on every fixture', () => {
  for (const f of rdbs) {
    it(`rdb/${f}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rdbkit-digest-'));
      dirs.push(dir);
      copyFileSync(join(ROOT, 'fixtures', 'rdb', f), join(dir, 'dump.rdb'));
      const at = Date.now();
      const expected = await serverDigest(['--dbfilename', 'dump.rdb'], dir);
      const r = await digestFile(join(ROOT, 'fixtures', 'rdb', f), { at });
      expect(r.digest).toBe(expected);
    });
  }
  for (const a of aofs) {
    it(`aof/${a}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rdbkit-digest-'));
      dirs.push(dir);
      cpSync(join(ROOT, 'fixtures', 'aof', a), join(dir, 'appendonlydir'), { recursive: true });
      const at = Date.now();
      const expected = await serverDigest(['--appendonly', 'yes'], dir);
      const r = await digestFile(join(ROOT, 'fixtures', 'aof', a), { at });
      expect(r.digest).toBe(expected);
      expect(r.replay?.failedCount).toBe(0);
    });
  }
});
