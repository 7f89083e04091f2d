/**
 * The offline digest against the server on every real RDB of the corpus that Redis 7.0 can load
 * (versions 1-10): one redis-server loads each file (DEBUG RELOAD NOSAVE of a copy named
 * dump.rdb) and its DEBUG DIGEST must equal `digestRdb` of the same bytes. Files the server
 * refuses (or dies on) are left out, and so are files rdbkit will not digest (module values);
 * the test asserts that enough files were compared for the comparison to mean something.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestRdb } from '../src/ops/digest.js';
import { corpusFiles, corpusPath, requireCorpus } from './support/corpus.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const present = requireCorpus('the corpus digest comparison') && requireRedis('the corpus digest comparison');

/** The RDB version of a file that starts with a plain RDB header, else null (gzip, LZ4, AOF, VALKEY...). */
function plainVersion(bytes: Uint8Array): number | null {
  const head = Buffer.from(bytes.subarray(0, 9)).toString('latin1');
  const m = /^REDIS(\d{4})$/.exec(head);
  return m ? Number(m[1]) : null;
}

describe.skipIf(!present)('offline digest = DEBUG DIGEST on the corpus RDBs Redis 7.0 loads', () => {
  let server: RedisServer | null = null;
  afterAll(async () => {
    await server?.stop();
  });

  it('every loadable file digests as the server does', async () => {
    const compared: string[] = [];
    const diffs: string[] = [];
    for (const rel of corpusFiles('', ['.rdb'])) {
      const bytes = readFileSync(corpusPath(rel));
      const v = plainVersion(bytes);
      if (v === null || v > 10) continue;
      let ours: string;
      try {
        ours = (await digestRdb([bytes], { at: Date.now() })).digest;
      } catch {
        continue; // rdbkit refuses it (a module value, a damaged file): nothing to compare
      }
      server ??= await startRedis();
      copyFileSync(corpusPath(rel), join(server.dir, 'dump.rdb'));
      let theirs: string;
      try {
        await server.client.call('DEBUG', 'RELOAD', 'NOSAVE');
        theirs = String(await server.client.call('DEBUG', 'DIGEST'));
      } catch {
        // refused, or the server died on it: start afresh for the next file
        await server.stop().catch(() => {});
        server = null;
        continue;
      }
      compared.push(rel);
      if (theirs !== ours) diffs.push(`${rel}: server ${theirs}, rdbkit ${ours}`);
    }
    expect(diffs).toEqual([]);
    expect(compared.length).toBeGreaterThan(100);
    // ziplist zsets whose scores are stored as the text "-0": the server keeps -0 on load
    expect(compared).toContain(join('librdb', 'zset_zl_v6.rdb'));
  }, 120_000);
});
