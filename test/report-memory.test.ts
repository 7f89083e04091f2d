/**
 * The memory estimate against a real Redis 7.0: a dataset of every type, encoding and size class
 * (test/support/memory-workload.ts) is written into a server, which then saves and reloads it
 * (DEBUG RELOAD), so the server holds exactly what a load of dump.rdb builds. Every key's
 * `MEMORY USAGE key SAMPLES 0` is compared with rdbkit's estimate from that dump.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdb, estimateKeyMemory, type KeyEntry } from '../src/index.js';
import { bytesKey } from '../src/model/bytes.js';
import { memoryWorkload } from './support/memory-workload.js';
import type { RedisServer } from './support/redis.mjs';
import { requireRedis, startRedis } from './support/redis.mjs';

interface Row {
  key: string;
  type: string;
  encoding: string;
  redis: number;
  estimate: number;
  error: number;
  /** Redis's own figure depends on its random hash seed (see seedDependent). */
  seedDependent: boolean;
}

/**
 * A set stored as a hashtable of at most 512 members whose first members are integers loads into an
 * intset, is converted at its first other member (a dict of table size nextPower(k)) and expanded to
 * its full count at once, which starts a rehash moving one bucket per later add. When fewer members
 * follow than table 0 has filled buckets, whether that rehash has finished (and so whether MEMORY
 * USAGE counts one table or two) depends on how the members collided, that is on the server's random
 * SipHash seed: the same dump gives either figure on different runs.
 */
function isInt64Text(t: string): boolean {
  return /^(0|-?[1-9][0-9]{0,18})$/.test(t) && BigInt(t) >= -(2n ** 63n) && BigInt(t) < 2n ** 63n;
}

/**
 * A hash of at most 128 fields stored as a hashtable loads into a listpack until its first field or
 * value over 64 bytes (at index k), is converted into a dict presized for k, and grows past that size
 * later in the load when more fields follow: the grow starts a rehash moving one bucket per later
 * add, and when fewer fields follow the grow than table 0 has buckets, whether it has finished is up
 * to the seed as for the sets above (seen: 6784 or 7296 bytes for the same 100-field dump).
 */
function hashSeedDependent(fields: { field: Uint8Array; value: Uint8Array }[]): boolean {
  if (fields.length > 128) return false;
  const k = fields.findIndex((f) => f.field.length > 64 || f.value.length > 64);
  if (k <= 0) return false;
  let size = 4;
  while (size < k) size *= 2;
  return fields.length > size && fields.length - size < size;
}

function seedDependent(e: KeyEntry): boolean {
  if (e.type === 'hash' && Array.isArray(e.value)) return hashSeedDependent(e.value as { field: Uint8Array; value: Uint8Array }[]);
  if (e.type !== 'set' || !Array.isArray(e.value) || e.value.length > 512) return false;
  const members = e.value as Uint8Array[];
  const k = members.findIndex((m) => !isInt64Text(new TextDecoder().decode(m)));
  return k > 0 && members.length - k < k;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe.skipIf(!requireRedis('the memory estimate accuracy test'))('memory estimate vs MEMORY USAGE (Redis 7.0)', () => {
  let server: RedisServer;
  const rows: Row[] = [];

  beforeAll(async () => {
    server = await startRedis();
    const c = server.client;
    for (const seed of [11, 12, 13]) await c.pipeline(memoryWorkload(seed, `s${seed}`));
    await c.call('DEBUG', 'RELOAD');
    const dump = readFileSync(join(server.dir, 'dump.rdb'));
    const usage = new Map<string, number>();
    const keys = (await c.call('KEYS', '*')) as Uint8Array[];
    const replies = await c.pipeline(keys.map((k) => ['MEMORY', 'USAGE', k, 'SAMPLES', '0']));
    for (const [i, k] of keys.entries()) usage.set(bytesKey(k), replies[i] as number);
    for (const rec of decodeRdb(dump, { layout: true })) {
      if (rec.kind !== 'key') continue;
      const e = rec as KeyEntry;
      const est = estimateKeyMemory(e);
      const redis = usage.get(bytesKey(e.key));
      if (redis === undefined) throw new Error(`key ${bytesKey(e.key)} not on the server`);
      rows.push({
        key: new TextDecoder().decode(e.key).slice(0, 40),
        type: e.type,
        encoding: est.encoding,
        redis,
        estimate: est.bytes,
        error: Math.abs(est.bytes - redis) / redis,
        seedDependent: seedDependent(e),
      });
    }
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('covers several hundred keys of every type', () => {
    expect(rows.length).toBeGreaterThan(300);
    const kinds = new Set(rows.map((r) => `${r.type}/${r.encoding}`));
    for (const k of [
      'string/int',
      'string/embstr',
      'string/raw',
      'list/quicklist',
      'set/intset',
      'set/hashtable',
      'zset/listpack',
      'zset/skiplist',
      'hash/listpack',
      'hash/hashtable',
      'stream/stream',
    ]) {
      expect(kinds, k).toContain(k);
    }
  });

  it('matches MEMORY USAGE: median error <= 1%, p90 <= 5%', () => {
    const errs = rows.map((r) => r.error).sort((a, b) => a - b);
    const median = quantile(errs, 0.5);
    const p90 = quantile(errs, 0.9);
    const max = errs[errs.length - 1]!;
    const worst = [...rows].sort((a, b) => b.error - a.error).slice(0, 12);
    console.log(
      `[memory] ${rows.length} keys: median error ${(median * 100).toFixed(3)}%, p90 ${(p90 * 100).toFixed(3)}%, max ${(max * 100).toFixed(3)}%\n` +
        worst
          .map((w) => `  ${w.type}/${w.encoding} ${w.key}: redis ${w.redis}, estimate ${w.estimate} (${(w.error * 100).toFixed(2)}%)`)
          .join('\n'),
    );
    expect(median).toBeLessThanOrEqual(0.01);
    expect(p90).toBeLessThanOrEqual(0.05);
  });

  it('names the keys whose figure depends on the hash seed', () => {
    console.log(
      `[memory] ${rows.filter((r) => r.seedDependent).length} seed-dependent set(s) and hash(es): ${rows
        .filter((r) => r.seedDependent)
        .map((r) => `${r.key} redis ${r.redis} estimate ${r.estimate}`)
        .join('; ')}`,
    );
    expect(rows.filter((r) => r.seedDependent).every((r) => (r.type === 'set' || r.type === 'hash') && r.encoding === 'hashtable')).toBe(
      true,
    );
  });

  it('is exact where Redis itself is deterministic (every type but skiplist zsets, and sets and hashes converted late in their load)', () => {
    const off = rows.filter((r) => r.encoding !== 'skiplist' && !r.seedDependent && r.error !== 0);
    expect(off.map((r) => `${r.type}/${r.encoding} ${r.key}: redis ${r.redis}, estimate ${r.estimate}`)).toEqual([]);
  });
});
