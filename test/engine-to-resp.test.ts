/**
 * RDB -> RESP (src/ops/to-resp.ts) and the offline digest of an RDB, against a real redis-server
 * 7.0: a seeded workload of every type (streams with groups, PEL and consumers; functions;
 * TTLs; several dbs) is SAVEd; `digestOf` the decoded dump must equal DEBUG DIGEST; the RESP
 * (plain and --restore) piped into an empty server with `redis-cli --pipe` gives 0 errors and
 * the same digest and the same stream groups; and the same RESP loads as an AOF.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../src/engine/digest.js';
import { concatBytes, displayText } from '../src/model/bytes.js';
import type { KeyEntry, RdbRecord } from '../src/model/record.js';
import { datasetResp, newToRespReport } from '../src/ops/to-resp.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { workload } from './support/engine-workload.js';
import { makeRandom } from './support/prng.mjs';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('RDB -> RESP tests');
const servers: RedisServer[] = [];
/** Directories handed from a stopped server to a new one (not removed by stop()). */
const dirs: string[] = [];
let source: RedisServer;
let records: RdbRecord[];
let expected: string;

function str(v: unknown): string {
  return v instanceof Uint8Array ? displayText(v) : String(v);
}

/** Stream groups of a dump, without the times a rebuild cannot keep (seen/active times). */
function groupsOf(recs: RdbRecord[]): string {
  const out: string[] = [];
  for (const r of recs) {
    if (r.kind !== 'key' || r.type !== 'stream') continue;
    const s = r.value;
    out.push(
      JSON.stringify({
        db: r.db,
        key: displayText(r.key),
        last: `${s.lastId.ms}-${s.lastId.seq}`,
        added: s.entriesAdded,
        maxDel: s.maxDeletedId && `${s.maxDeletedId.ms}-${s.maxDeletedId.seq}`,
        groups: s.groups.map((g) => ({
          name: displayText(g.name),
          last: `${g.lastId.ms}-${g.lastId.seq}`,
          read: g.entriesRead,
          pel: g.pending
            .filter((p) => s.entries.some((e) => e.id.ms === p.id.ms && e.id.seq === p.id.seq))
            .map((p) => `${p.id.ms}-${p.id.seq}/${p.deliveryCount}/${p.deliveryTime}/${p.consumer && displayText(p.consumer)}`),
          consumers: g.consumers.map((c) => displayText(c.name)).sort(),
        })),
      }),
    );
  }
  return out.sort().join('\n');
}

async function save(srv: RedisServer): Promise<RdbRecord[]> {
  await srv.client.call('SAVE');
  return decodeRdb(new Uint8Array(readFileSync(join(srv.dir, 'dump.rdb'))));
}

function pipe(srv: RedisServer, resp: Uint8Array): string {
  const r = spawnSync('redis-cli', ['-p', String(srv.port), '--pipe'], { input: resp, encoding: 'utf8', timeout: 30000 });
  return `${r.stdout}${r.stderr}`;
}

describe.skipIf(!HAVE)('RDB -> RESP and the offline digest of an RDB', () => {
  beforeAll(async () => {
    source = await startRedis();
    servers.push(source);
    const r = makeRandom(0x7e59);
    await source.client.pipeline(workload(r, 2500), { errors: 'return' });
    expected = str(await source.client.call('DEBUG', 'DIGEST'));
    records = await save(source);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('digestOf(decoded dump) equals DEBUG DIGEST', () => {
    const keys = records.filter((r): r is KeyEntry => r.kind === 'key');
    expect(keys.length).toBeGreaterThan(100);
    expect(new Set(keys.map((k) => k.type)).size).toBe(6);
    expect(digestOf(keys)).toBe(expected);
    // the workload leaves groups with pending entries and consumers to rebuild
    expect(groupsOf(records)).toMatch(/"pel":\["/);
    expect(groupsOf(records)).toMatch(/"consumers":\["/);
  });

  for (const restore of [false, true]) {
    it(`redis-cli --pipe of the ${restore ? 'RESTORE' : 'plain'} RESP: 0 errors, same digest and stream groups`, async () => {
      const report = newToRespReport();
      const resp = concatBytes([...datasetResp(records, { restore, batch: 7 }, report)]);
      expect(report.functions).toBe(1);
      const target = await startRedis();
      servers.push(target);
      const out = pipe(target, resp);
      expect(out).toMatch(/errors: 0, replies: \d+/);
      expect(str(await target.client.call('DEBUG', 'DIGEST'))).toBe(expected);
      const rebuilt = await save(target);
      expect(groupsOf(rebuilt)).toBe(groupsOf(records));
      expect(await target.client.call('FUNCTION', 'LIST')).toHaveLength(1);
    });
  }

  it('the plain RESP loads as an AOF with the same digest', async () => {
    const resp = concatBytes([...datasetResp(records, {})]);
    const target = await startRedis();
    servers.push(target);
    await target.stop({ keepDir: true });
    dirs.push(target.dir);
    writeFileSync(join(target.dir, 'appendonly.aof'), resp);
    const loaded = await startRedis({ dir: target.dir, args: ['--appendonly', 'yes'] });
    servers.push(loaded);
    expect(str(await loaded.client.call('DEBUG', 'DIGEST'))).toBe(expected);
  });
});
