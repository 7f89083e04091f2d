/**
 * HyperLogLog strings byte for byte against redis-server 7.0: after every PFADD / PFCOUNT /
 * PFMERGE the engine's string equals GET on the server (sparse runs and their merging, the
 * promotion to dense past 3000 bytes or a register above 32, the cached cardinality).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { bytesEqual, keyBytes, toBase64 } from '../src/model/bytes.js';
import { makeRandom } from './support/prng.mjs';
import { type RedisArg, type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('HyperLogLog tests');
const enc = new TextEncoder();
let srv: RedisServer | undefined;
afterAll(async () => {
  await srv?.stop();
});

describe.skipIf(!HAVE)('HyperLogLog strings equal the server byte for byte', () => {
  it('sparse, merged, promoted, dense, cached', async () => {
    srv = await startRedis();
    const engine = new Engine({ loading: false });
    const r = makeRandom(0x4114);
    const cmds: RedisArg[][] = [];
    for (let step = 0; step < 120; step++) {
      const k = `h${r.int(0, 2)}`;
      const roll = r.int(0, 9);
      if (roll < 6) {
        const n = step % 25 === 24 ? 1500 : r.int(0, 12);
        const els: RedisArg[] = [];
        for (let i = 0; i < n; i++) els.push(r.chance(0.3) ? r.bytes(r.int(0, 9)) : `e${r.int(0, 1_000_000)}`);
        cmds.push(['PFADD', k, ...els]);
      } else if (roll < 8) cmds.push(['PFCOUNT', k]);
      else if (roll < 9) cmds.push(['PFCOUNT', 'h0', 'h1', 'h2']);
      else cmds.push(['PFMERGE', `h${r.int(0, 3)}`, k, `h${r.int(0, 2)}`]);
    }
    let dense = 0;
    for (const cmd of cmds) {
      const [reply] = await srv.client.pipeline([cmd], { errors: 'return' });
      const mine = engine.apply(cmd.map((x) => (x instanceof Uint8Array ? x : enc.encode(String(x)))));
      expect(mine.ok ? (typeof mine.reply === 'bigint' ? Number(mine.reply) : mine.reply) : mine.error).toEqual(
        reply instanceof Error ? reply.message : reply,
      );
      for (const k of ['h0', 'h1', 'h2', 'h3']) {
        const theirs: Uint8Array | null = await srv.client.call('GET', k);
        const slot = engine.dbs[0]!.get(enc.encode(k));
        const ours = slot && slot.value.type === 'string' ? keyBytes(slot.value.value) : null;
        if (theirs === null || ours === null) expect(ours).toBe(theirs);
        else if (!bytesEqual(ours, theirs))
          expect.fail(`${k} after ${String(cmd[0])}: engine ${toBase64(ours).slice(0, 80)} server ${toBase64(theirs).slice(0, 80)}`);
        if (ours && ours[4] === 0) dense++;
      }
    }
    expect(dense).toBeGreaterThan(0);
  });
});
