/**
 * `rdbkit restore` into a real 3-primary Redis Cluster (redis-server 7.0 --cluster-enabled yes ×3,
 * joined by redis-cli --cluster create; test/support/redis.mjs startCluster): keys land on the
 * primary serving their slot (hash tags as Redis computes them), the union of the nodes equals the
 * dump, MOVED and ASK redirects are followed, existing keys are kept, and a primary killed mid-run
 * ends the run with what was written reported and a non-zero exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { displayText, utf8 } from '../src/model/bytes.js';
import type { KeyEntry } from '../src/model/record.js';
import { restore } from '../src/ops/restore.js';
import { keySlot } from '../src/ops/restore-slot.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';
import { makeRandom } from './support/prng.mjs';
import { readBack } from './support/readback.mjs';
import { type RedisCluster, type RedisServer, requireRedis, startCluster } from './support/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const EVERYTHING = join(ROOT, 'fixtures', 'rdb', 'everything.rdb');
const HAVE = requireRedis('rdbkit restore cluster tests');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));

const text = (r: unknown): string => (r instanceof Uint8Array ? displayText(r) : String(r));

/** Slot ranges [start, end] each node serves, by port. */
async function slotRanges(node: RedisServer): Promise<Map<number, Array<[number, number]>>> {
  const m = new Map<number, Array<[number, number]>>();
  for (const [start, end, primary] of await node.client.call('CLUSTER', 'SLOTS')) {
    const port = Number(primary[1]);
    m.set(port, [...(m.get(port) ?? []), [start, end]]);
  }
  return m;
}

async function allKeys(node: RedisServer): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.client.call('SCAN', cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = text(next);
  } while (cursor !== '0');
  return keys;
}

function stringKey(key: string | Uint8Array, value = 'v'): KeyEntry {
  return {
    kind: 'key',
    db: 0,
    key: typeof key === 'string' ? utf8(key) : key,
    type: 'string',
    value: utf8(value),
    encoding: 'raw',
    rdbType: null,
    expireAt: null,
  };
}

/** An empty slot served by `owner`, and a key hashing to it. */
function keyInSlotOf(ranges: Array<[number, number]>, prefix: string): { slot: number; key: string } {
  for (let i = 0; ; i++) {
    const key = `${prefix}:${i}`;
    const slot = keySlot(utf8(key));
    if (ranges.some(([a, b]) => slot >= a && slot <= b)) return { slot, key };
  }
}

let cluster: RedisCluster;
let url: string;

describe.skipIf(!HAVE)('restore into a 3-primary Redis Cluster', () => {
  beforeAll(async () => {
    cluster = await startCluster({ primaries: 3 });
    url = `redis://127.0.0.1:${cluster.nodes[0]!.port}`;
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    for (const n of cluster.nodes) {
      await n.client.call('FLUSHALL');
      await n.client.call('FUNCTION', 'FLUSH');
    }
  });

  it('the slot of every key, hash tags included, is the one Redis computes', async () => {
    const rnd = makeRandom(0x5107);
    const keys: Uint8Array[] = [
      '{user1000}.following',
      'foo{}{bar}',
      'foo{{bar}}zap',
      'foo{bar}{zap}',
      '{',
      '}',
      '{}',
      'a{b',
      '123456789',
      '',
    ].map(utf8);
    for (let i = 0; i < 300; i++) {
      const n = rnd.int(0, 12);
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j++) b[j] = rnd.int(0, 5) === 0 ? [0x7b, 0x7d][rnd.int(0, 1)]! : rnd.int(0, 255);
      keys.push(b);
    }
    const replies = await cluster.nodes[0]!.client.pipeline(keys.map((k) => ['CLUSTER', 'KEYSLOT', k]));
    expect(keys.map(keySlot)).toEqual(replies);
    expect(keySlot(utf8('123456789'))).toBe(12739);
  });

  it('everything.rdb (db 0): each node holds only keys of its slots, and together exactly the dump', async () => {
    const r = await restore([EVERYTHING], { to: url, db: [0] });
    expect(r).toMatchObject({ keys: 92, written: 92, skipped: 0, failed: 0, aborted: null });
    expect(r.target.cluster).toBe(true);
    expect(r.target.nodes).toHaveLength(3);
    expect(r.functions.written).toBe(2);
    const ranges = await slotRanges(cluster.nodes[0]!);
    const union: Record<string, unknown>[] = [];
    for (const node of cluster.nodes) {
      const keys = await allKeys(node);
      expect(keys.length).toBeGreaterThan(0); // keys in every node's slot range
      expect(r.nodes[`127.0.0.1:${node.port}`]).toMatchObject({ written: keys.length });
      const own = ranges.get(node.port)!;
      for (const k of keys) expect(own.some(([a, b]) => keySlot(k) >= a && keySlot(k) <= b)).toBe(true);
      const back = await readBack(node.client);
      expect(back.filter((x) => x.kind === 'function')).toHaveLength(2);
      union.push(...back.filter((x) => x.kind !== 'function'));
    }
    const want = (JSON.parse(readFileSync(join(ROOT, 'fixtures', 'rdb', 'everything.json'), 'utf8')) as Record<string, unknown>[]).filter(
      (x) => x.kind !== 'function' && x.db === 0,
    );
    expect(diffExports(normalizeExport(want), normalizeExport(union))).toEqual([]);
  });

  it('--dry-run counts per node what a real run then writes there', async () => {
    const dry = await restore([EVERYTHING], { to: url, db: [0], dryRun: true });
    for (const n of cluster.nodes) expect(await n.client.call('DBSIZE')).toBe(0);
    const real = await restore([EVERYTHING], { to: url, db: [0] });
    for (const [addr, c] of Object.entries(dry.nodes)) expect(real.nodes[addr]!.written).toBe(c.keys);
  });

  it('an existing key is reported and kept, by RESTORE and by type commands; --replace overwrites', async () => {
    const first = await restore([EVERYTHING], { to: url, db: [0], key: 'str:*' });
    expect(first.failed).toBe(0);
    const node = cluster.nodes.find(
      (n) =>
        n.port ===
        Number(
          Object.entries(first.nodes)
            .find(([, c]) => c.written > 0)![0]
            .split(':')[1],
        ),
    )!;
    const [mine] = (await allKeys(node)).filter((k) => displayText(k).startsWith('str:'));
    await node.client.call('SET', mine!, 'mine');
    for (const commandsOnly of [false, true]) {
      const again = await restore([EVERYTHING], { to: url, db: [0], key: 'str:*', commandsOnly });
      expect(again).toMatchObject({ written: 0, skipped: first.written, failed: 0 });
      expect(text(await node.client.call('GET', mine!))).toBe('mine');
    }
    const replaced = await restore([EVERYTHING], { to: url, db: [0], key: 'str:*', replace: true, commandsOnly: true });
    expect(replaced).toMatchObject({ written: first.written, skipped: 0, failed: 0 });
    expect(text(await node.client.call('GET', mine!))).not.toBe('mine');
    for (const n of cluster.nodes) expect(await n.client.call('KEYS', '*rdbkit-restore-scratch*')).toEqual([]);
  });

  it('follows MOVED after a slot changed hands, and ASK while a slot migrates', async () => {
    const [a, b] = cluster.nodes as [RedisServer, RedisServer];
    const ids = await Promise.all(cluster.nodes.map(async (n) => text(await n.client.call('CLUSTER', 'MYID'))));
    const own = (await slotRanges(a)).get(a.port)!;
    const moved = keyInSlotOf(own, 'moved');
    const asked = keyInSlotOf(own, 'asked');
    expect(asked.slot).not.toBe(moved.slot);
    async function* records(): AsyncGenerator<KeyEntry> {
      // the map was read before this runs: the first slot now belongs to b, the second is migrating to b
      for (const n of [b, ...cluster.nodes.filter((x) => x !== b)]) await n.client.call('CLUSTER', 'SETSLOT', moved.slot, 'NODE', ids[1]!);
      await b.client.call('CLUSTER', 'SETSLOT', asked.slot, 'IMPORTING', ids[0]!);
      await a.client.call('CLUSTER', 'SETSLOT', asked.slot, 'MIGRATING', ids[1]!);
      yield stringKey(moved.key, 'after MOVED');
      yield stringKey(`{${asked.key}}:commands`, 'unused');
      yield stringKey(asked.key, 'after ASK');
    }
    const r = await restore([records()], { to: url });
    expect(r).toMatchObject({ written: 3, failed: 0 });
    expect(r.redirects.moved).toBeGreaterThanOrEqual(1);
    expect(r.redirects.ask).toBeGreaterThanOrEqual(2);
    expect(text(await b.client.call('GET', moved.key))).toBe('after MOVED');
    const [, got] = await b.client.pipeline([['ASKING'], ['GET', asked.key]]);
    expect(text(got)).toBe('after ASK');
    // By type commands: ASKING before each command of the unit; the RENAMENX of the scratch
    // key into place gets TRYAGAIN on the importing node until the migration ends, and is retried.
    const finish = new Promise((r) => setTimeout(r, 300)).then(async () => {
      for (const n of [b, ...cluster.nodes.filter((x) => x !== b)]) await n.client.call('CLUSTER', 'SETSLOT', asked.slot, 'NODE', ids[1]!);
    });
    const c = await restore([[stringKey(`{${asked.key}}:more`, 'commands after ASK')]], { to: url, commandsOnly: true });
    await finish;
    expect(c.failures).toEqual([]);
    expect(c).toMatchObject({ written: 1, failed: 0 });
    expect(c.redirects.ask).toBeGreaterThanOrEqual(1);
    expect(c.redirects.retries).toBeGreaterThanOrEqual(1);
    expect(text(await b.client.call('GET', `{${asked.key}}:more`))).toBe('commands after ASK');
  });

  it.skipIf(!BUILT)(
    'a primary killed mid-run: the run stops, reports what was written, exits non-zero',
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-restore-kill-'));
      try {
        const input = join(tmp, 'many.jsonl');
        const lines: string[] = [];
        for (let i = 0; i < 100_000; i++) lines.push(`{"db":0,"key":"k:${i}","type":"string","expireAt":null,"value":"value ${i}"}`);
        writeFileSync(input, `${lines.join('\n')}\n`);
        const child = spawn(process.execPath, [BIN, 'restore', input, '--to', url, '--window', '4', '--connections', '1'], {
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
        const victim = cluster.nodes[2]!;
        for (;;) {
          const n = await victim.client.call('DBSIZE');
          if (n >= 2000) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        process.kill(victim.pid!, 'SIGKILL');
        const code = await exited;
        expect(code).toBe(2);
        expect(stderr).toMatch(new RegExp(`stopped: connection to 127\\.0\\.0\\.1:${victim.port} lost`));
        const written = Number(/^written ([\d,]+)/m.exec(stderr)?.[1]?.replaceAll(',', ''));
        let survivors = 0;
        for (const n of cluster.nodes.slice(0, 2)) survivors += await n.client.call('DBSIZE');
        expect(written).toBeGreaterThanOrEqual(survivors + 2000);
        expect(written).toBeLessThan(100_000);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
