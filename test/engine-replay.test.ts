/**
 * The engine replays what a real redis-server 7.0 wrote to its AOF, and the offline DEBUG DIGEST
 * of the result equals the server's. A seeded random workload (test/support/engine-workload.ts)
 * drives the server with `appendonly yes`; the multi-part AOF it wrote (an RDB base, incr files,
 * optionally after a BGREWRITEAOF and with #TS annotations) is replayed by src/engine/replay.ts.
 * More seeds: `npm run fuzz:engine` (ENGINE_FUZZ_SEEDS / ENGINE_FUZZ_COMMANDS).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOf, valueDigestHex } from '../src/engine/digest.js';
import { Engine } from '../src/engine/engine.js';
import { openAofSet } from '../src/io/aof-files.js';
import { bytesKey, displayText } from '../src/model/bytes.js';
import type { KeyEntry } from '../src/model/record.js';
import { replayFiles } from '../src/ops/replay-aof.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { workload } from './support/engine-workload.js';
import { makeRandom } from './support/prng.mjs';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('engine replay tests');
const FUZZ = Number(process.env.ENGINE_FUZZ_SEEDS ?? 0);
const COMMANDS = Number(process.env.ENGINE_FUZZ_COMMANDS ?? 1500);
const SEEDS = FUZZ > 0 ? Array.from({ length: FUZZ }, (_, i) => 0xe1000 + i * 7919) : [0xe1001, 0xe1002, 0xe1003, 0xe1004];

const servers: RedisServer[] = [];
/** Directories handed from a stopped server to a new one (not removed by stop()). */
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A key as comparable text: type, the encoding for sets/zsets/hashes (what OBJECT ENCODING says),
 * TTL presence, the value in a canonical order, and for streams the groups, PEL and consumers
 * without the times a replay cannot share with the live server (consumer seen-times).
 */
function canon(e: KeyEntry): string {
  const t = (b: Uint8Array) => bytesKey(b);
  const id = (x: { ms: bigint; seq: bigint } | null) => (x ? `${x.ms}-${x.seq}` : null);
  let v: unknown;
  switch (e.type) {
    case 'string':
      v = t(e.value);
      break;
    case 'list':
      v = e.value.map(t);
      break;
    case 'set':
      v = e.value.map(t).sort();
      break;
    case 'zset':
      v = e.value.map(([m, sc]) => `${t(m)}=${Object.is(sc, -0) ? '-0' : sc}`).sort();
      break;
    case 'hash':
      v = e.value.map((f) => `${t(f.field)}=${t(f.value)}`).sort();
      break;
    case 'stream': {
      const s = e.value;
      v = {
        entries: s.entries.map((x) => [id(x.id), x.fields.map(([f, val]) => [t(f), t(val)])]),
        last: id(s.lastId),
        first: s.entries.length ? id(s.firstId) : null,
        maxDel: id(s.maxDeletedId),
        added: s.entriesAdded,
        groups: s.groups.map((g) => ({
          name: t(g.name),
          last: id(g.lastId),
          read: g.entriesRead ?? -1,
          pel: g.pending.map((p) => `${id(p.id)}/${p.deliveryCount}/${p.deliveryTime}/${p.consumer && t(p.consumer)}`),
          consumers: g.consumers.map((c) => `${t(c.name)}:${c.pending.map(id).join(',')}`),
        })),
      };
      break;
    }
    default:
      v = null;
  }
  const enc = e.type === 'set' || e.type === 'zset' || e.type === 'hash' ? e.encoding : '';
  return JSON.stringify([e.db, t(e.key), e.type, enc, e.expireAt !== null, v]);
}

/** A reply as text. */
function str(v: unknown): string {
  return v instanceof Uint8Array ? displayText(v) : String(v);
}

/** Keys whose DEBUG DIGEST-VALUE differs between the server and the engine (for the failure message). */
async function explain(srv: RedisServer, engine: Engine): Promise<string[]> {
  const out: string[] = [];
  const c = srv.client;
  const mine = new Map<string, string>();
  for (const e of engine.entries()) mine.set(`${e.db}\u0000${bytesKey(e.key)}`, valueDigestHex(e));
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', db);
    const keys: Uint8Array[] = await c.call('KEYS', '*');
    for (const k of keys) {
      const [theirs] = await c.call('DEBUG', 'DIGEST-VALUE', k);
      const id = `${db}\u0000${bytesKey(k)}`;
      const m = mine.get(id);
      mine.delete(id);
      const t = str(theirs);
      if (m !== t)
        out.push(
          `db${db} ${JSON.stringify(displayText(k))}: server ${t} engine ${m ?? 'missing'} type ${str(await c.call('TYPE', k))} enc ${str(await c.call('OBJECT', 'ENCODING', k))}`,
        );
    }
  }
  for (const id of mine.keys()) out.push(`${JSON.stringify(id)}: only in the engine`);
  out.push(`with expired keys: ${digestOf(engine.entries({ includeExpired: true }))}; server now ${str(await c.call('DEBUG', 'DIGEST'))}`);
  return out.slice(0, 20);
}

async function waitRewrite(srv: RedisServer): Promise<void> {
  let info = '';
  for (let i = 0; i < 400; i++) {
    info = str(await srv.client.call('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`BGREWRITEAOF did not finish:\n${info}`);
}

describe.skipIf(!HAVE)('engine replay of real AOFs: offline digest == DEBUG DIGEST', () => {
  for (const [i, seed] of SEEDS.entries()) {
    it(`seed ${seed.toString(16)}`, async () => {
      const r = makeRandom(seed);
      const timestamps = i % 2 === 1;
      const srv = await startRedis({ args: ['--appendonly', 'yes', '--aof-timestamp-enabled', timestamps ? 'yes' : 'no'] });
      servers.push(srv);
      const cmds = workload(r, COMMANDS);
      let half = i % 3 === 2 ? Math.floor(cmds.length / 2) : cmds.length;
      while (
        half < cmds.length &&
        cmds.slice(0, half).filter((c) => c[0] === 'MULTI').length !== cmds.slice(0, half).filter((c) => c[0] === 'EXEC').length
      )
        half++;
      await srv.client.pipeline(cmds.slice(0, half), { errors: 'return' });
      if (half < cmds.length) {
        await srv.client.call('BGREWRITEAOF');
        await waitRewrite(srv);
        await srv.client.pipeline(cmds.slice(half), { errors: 'return' });
      }
      const expected = str(await srv.client.call('DEBUG', 'DIGEST'));
      const set = await openAofSet(join(srv.dir, 'appendonlydir'));
      const files = set.parts.map((p) => ({ name: p.name, bytes: new Uint8Array(readFileSync(p.path)) }));
      const engine = new Engine();
      const report = replayFiles(engine, files);
      expect(report.problems).toEqual([]);
      expect(report.failed).toEqual([]);
      const got = digestOf(engine.entries());
      if (got !== expected) {
        const why = await explain(srv, engine);
        expect.fail(`digest ${got} != server ${expected}\n${why.join('\n')}`);
      }
      expect(expected).not.toBe('0'.repeat(40));
      // Beyond the digest: every key, encoding, TTL and stream group state equals what Redis
      // itself rebuilds from the same AOF (the live server can differ: XREADGROUP's entries_read
      // is not carried by the XCLAIM it propagates, so a reload has -1 there, as the engine does).
      await srv.stop({ keepDir: true });
      dirs.push(srv.dir);
      const reloaded = await startRedis({ dir: srv.dir, args: ['--appendonly', 'yes'] });
      servers.push(reloaded);
      expect(str(await reloaded.client.call('DEBUG', 'DIGEST'))).toBe(expected);
      await reloaded.client.call('SAVE');
      const dump = decodeRdb(new Uint8Array(readFileSync(join(reloaded.dir, 'dump.rdb'))));
      const theirs = dump
        .filter((x): x is KeyEntry => x.kind === 'key')
        .map(canon)
        .sort();
      const mine = [...engine.entries()].map(canon).sort();
      const only = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
      expect({ engineOnly: only(mine, theirs), serverOnly: only(theirs, mine) }).toEqual({ engineOnly: [], serverOnly: [] });
      expect(engine.functions().map((f) => f.name)).toEqual(['rdbkitlib']);
    });
  }
});
