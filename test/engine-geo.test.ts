/**
 * GEOADD in the engine against a real redis-server 7.0: the same scores (geohash), the same
 * replies and errors for options and out-of-range pairs, and the same DEBUG DIGEST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../src/engine/digest.js';
import { Engine } from '../src/engine/engine.js';
import { displayText, utf8 } from '../src/model/bytes.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('GEOADD engine tests');

describe.skipIf(!HAVE)('GEOADD', () => {
  let srv: RedisServer;
  beforeAll(async () => {
    srv = await startRedis();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('matches Redis 7.0: scores, replies, errors, digest', async () => {
    const engine = new Engine();
    let seed = 7;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const commands: string[][] = [
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', 'NX', 'CH', '13.361389', '38.115556', 'Palermo', '0', '0', 'origin'],
      ['GEOADD', 'g', 'XX', 'CH', '13.5', '38.2', 'Palermo', '1', '1', 'nowhere'],
      ['GEOADD', 'g', 'XX', 'NX', '1', '1', 'x'],
      ['GEOADD', 'g', '1', '1'],
      ['GEOADD', 'g', '181', '0', 'bad'],
      ['GEOADD', 'g', '0', '85.06', 'bad'],
      ['GEOADD', 'g', 'abc', '0', 'bad'],
      ['GEOADD', 'edge', '-180', '-85.05112878', 'sw', '180', '85.05112878', 'ne', '0', '0', 'zero'],
    ];
    for (let i = 0; i < 200; i++) {
      commands.push(['GEOADD', `r${i % 7}`, (rand() * 360 - 180).toFixed(6), (rand() * 170.1 - 85.05).toFixed(6), `m${i}`]);
    }
    for (const cmd of commands) {
      let want: string;
      try {
        want = `ok ${String(await srv.client.call(...cmd))}`;
      } catch (e) {
        want = `err ${(e as Error).message}`;
      }
      const r = engine.apply(cmd.map(utf8));
      const got = r.ok ? `ok ${String(r.reply)}` : `err ${r.error}`;
      expect(got, cmd.join(' ')).toBe(want);
    }
    for (const key of ['g', 'edge', 'r0', 'r3']) {
      const real = (await srv.client.call('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Uint8Array[];
      const mine = [...engine.entries()].find((e) => displayText(e.key) === key);
      expect(mine?.type).toBe('zset');
      const pairs = mine!.type === 'zset' ? mine!.value : [];
      expect(pairs.map(([m, s]) => `${displayText(m)} ${s}`)).toEqual(
        Array.from({ length: real.length / 2 }, (_, i) => `${displayText(real[2 * i]!)} ${Number(displayText(real[2 * i + 1]!))}`),
      );
    }
    const d: unknown = await srv.client.call('DEBUG', 'DIGEST'); // a status reply
    const serverDigest = d instanceof Uint8Array ? displayText(d) : String(d);
    expect(digestOf([...engine.entries()])).toBe(serverDigest);
  });
});
