/**
 * SORT ... STORE and the GEO STORE forms in the engine against a real redis-server 7.0: seeded
 * random data and commands, every reply/error compared, the stored keys compared after each
 * command, and DEBUG DIGEST at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../src/engine/digest.js';
import { Engine } from '../src/engine/engine.js';
import { toValue } from '../src/engine/keyspace.js';
import { displayText, utf8 } from '../src/model/bytes.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('SORT/GEO STORE engine tests');
/** The share of STOREDIST distances allowed to differ from Redis's at all (within 32 ulps); measured: 8 of 1489 (0.54%). */
const MAX_INEXACT_SHARE = 0.02;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Uint8Array) return JSON.stringify(displayText(v));
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  return String(v);
}

async function both(srv: RedisServer, engine: Engine, cmd: string[]): Promise<[string, string]> {
  let want: string;
  try {
    want = `ok ${show(await srv.client.call(...cmd))}`;
  } catch (e) {
    want = `err ${(e as Error).message}`;
  }
  const r = engine.apply(cmd.map(utf8));
  const got = r.ok ? `ok ${show(r.reply)}` : `err ${r.error}`;
  return [got, want];
}

/** A key's content as Redis shows it (LRANGE / ZRANGE WITHSCORES) and as the engine holds it. */
async function keyContent(srv: RedisServer, engine: Engine, key: string): Promise<[string, string]> {
  const type = String(await srv.client.call('TYPE', key));
  let want = type;
  if (type === 'list') want += ` ${show(await srv.client.call('LRANGE', key, '0', '-1'))}`;
  else if (type === 'zset') {
    const r = (await srv.client.call('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Uint8Array[];
    want += ` ${Array.from({ length: r.length / 2 }, (_, i) => `${displayText(r[2 * i]!)}=${Number(displayText(r[2 * i + 1]!))}`).join(',')}`;
  }
  const slot = engine.dbs[0]!.get(utf8(key));
  let got = slot ? slot.value.type : 'none';
  if (slot) {
    const v = toValue(slot.value);
    if (v.type === 'list') got += ` ${show(v.value)}`;
    else if (v.type === 'zset') got += ` ${v.value.map(([m, s]) => `${displayText(m)}=${s}`).join(',')}`;
  }
  return [got, want];
}

async function digestsMatch(srv: RedisServer, engine: Engine): Promise<void> {
  const d: unknown = await srv.client.call('DEBUG', 'DIGEST');
  expect(digestOf([...engine.entries()])).toBe(d instanceof Uint8Array ? displayText(d) : String(d));
}

describe.skipIf(!HAVE)('SORT ... STORE', () => {
  let srv: RedisServer;
  beforeAll(async () => {
    srv = await startRedis();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('matches Redis 7.0 on random data and commands', async () => {
    const engine = new Engine();
    const rand = rng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const tally = { stored: 0, empty: 0, errors: 0 };
    const run = async (cmd: string[]): Promise<void> => {
      const [got, want] = await both(srv, engine, cmd);
      expect(got, cmd.join(' ')).toBe(want);
      if (cmd[0] === 'SORT') {
        if (got.startsWith('err')) tally.errors++;
        else if (got === 'ok 0') tally.empty++;
        else tally.stored++;
      }
    };
    await run(['FLUSHALL']);
    engine.apply([utf8('flushall')]);
    const nums = Array.from({ length: 40 }, (_, i) => String(i - 10));
    const floats = ['3.5', '-2.25', '1e3', '0.1', '7.0', '+4', ' 6', '0x1A', 'inf', '-inf', '1e-5'];
    const words = ['a', 'b', 'apple', 'Banana', 'zz', '10x', 'é', 'a\u0000b'];
    const bad = ['', 'nan', '5 ', 'abc', '\t-7', '0x'];
    const domain = [...nums, ...floats, ...words];
    // weights: unique per element, string keys w_<el> (numeric strings) and hashes h_<el> (field f always, g sometimes)
    const shuffled = domain
      .map((d) => [rand(), d] as const)
      .sort((x, y) => x[0] - y[0])
      .map((x) => x[1]);
    for (let i = 0; i < shuffled.length; i++) {
      const el = shuffled[i]!;
      await run(['SET', `w_${el}`, String(((i * 7919) % 1000) - 300 + i / 1000)]);
      const h = ['HSET', `h_${el}`, 'f', `v${String(1000 + ((i * 31) % 97)).padStart(4, '0')}_${i}`];
      if (rand() < 0.6) h.push('g', String(Math.floor(rand() * 20)));
      await run(h);
    }
    await run(['LPUSH', 'w_notstring', 'x']);
    // sources
    const sources: string[] = [];
    for (let k = 0; k < 4; k++) {
      const n = 1 + Math.floor(rand() * 30);
      await run(['RPUSH', `ln${k}`, ...Array.from({ length: n }, () => pick(rand() < 0.8 ? nums : floats))]);
      await run(['RPUSH', `lw${k}`, ...Array.from({ length: n }, () => pick(domain))]);
      await run(['SADD', `si${k}`, ...Array.from({ length: n }, () => pick(nums))]);
      await run(['SADD', `ss${k}`, ...Array.from({ length: n }, () => pick(domain))]);
      const z = ['ZADD', `z${k}`];
      for (let i = 0; i < n; i++) z.push(String(Math.floor(rand() * 10)), pick(domain));
      await run(z);
      sources.push(`ln${k}`, `lw${k}`, `si${k}`, `ss${k}`, `z${k}`);
    }
    const big = ['ZADD', 'zbig'];
    for (let i = 0; i < 200; i++) big.push(String(i % 13), `m${i}`);
    await run(big);
    sources.push('zbig');
    await run(['RPUSH', 'lbad', '1', '2', pick(bad), '3']);
    await run(['SET', 'str', 'x']);
    sources.push('lbad', 'missing');
    for (const b of bad) await run(['RPUSH', `lone_${b}`, b, '1']);

    const fixed: string[][] = [
      ['SORT', 'str', 'STORE', 'd0'],
      ['SORT', 'ln0', 'LIMIT', 'x', '1', 'STORE', 'd0'],
      ['SORT', 'ln0', 'LIMIT', '1', 'STORE', 'd0'],
      ['SORT', 'ln0', 'STORE'],
      ['SORT', 'ln0', 'FOO'],
      ['SORT', 'lw0', 'STORE', 'd0'],
      ['SORT', 'z0', 'BY', 'nosort', 'STORE', 'dz'],
      ['SORT', 'z1', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '3', 'STORE', 'dz'],
      ['SORT', 'ss0', 'BY', 'nosort', 'STORE', 'dset'],
      ['SORT', 'missing', 'STORE', 'ln3'],
      ['SORT', 'ln1', 'LIMIT', '0', '0', 'STORE', 'ln2'],
      ['SORT', 'ln1', 'LIMIT', '100', '5', 'STORE', 'd1'],
      ['SORT', 'ln1', 'LIMIT', '-5', '3', 'STORE', 'd1'],
      ['SORT', 'ln1', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'GET', 'h_*->f', 'GET', 'h_*->g', 'GET', 'nostar', 'STORE', 'd1'],
      ['SORT', 'lw1', 'BY', 'w_notstring', 'GET', 'w_*', 'STORE', 'd1'],
    ];
    for (const b of bad) fixed.push(['SORT', `lone_${b}`, 'STORE', 'dbad'], ['SORT', `lone_${b}`, 'ALPHA', 'STORE', 'dbad']);
    for (const cmd of fixed) {
      await run(cmd);
      const [g, w] = await keyContent(srv, engine, cmd.at(-1)!);
      expect(g, `${cmd.join(' ')} content`).toBe(w);
    }

    const dests = ['d0', 'd1', 'd2', 'ln0', 'si1'];
    const domainSet = new Set(domain);
    const elements = async (key: string): Promise<string[]> => {
      const type = String(await srv.client.call('TYPE', key));
      const r =
        type === 'list'
          ? await srv.client.call('LRANGE', key, '0', '-1')
          : type === 'set'
            ? await srv.client.call('SMEMBERS', key)
            : type === 'zset'
              ? await srv.client.call('ZRANGE', key, '0', '-1')
              : [];
      return (r as Uint8Array[]).map((b) => new TextDecoder().decode(b));
    };
    for (let i = 0; i < 600; i++) {
      const src = pick(sources);
      const isList = String(await srv.client.call('TYPE', src)) === 'list';
      const cmd = ['SORT', src];
      const opts: string[][] = [];
      let by: string | null = null;
      let limit = false;
      if (rand() < 0.5) {
        by = pick(['w_*', 'h_*->f', 'h_*->g', 'nosort', 'x_*', 'w_*->f', 'h_*->']);
        opts.push(['BY', by]);
      }
      if (rand() < 0.4) {
        limit = true;
        opts.push(['LIMIT', String(Math.floor(rand() * 12) - 2), String(Math.floor(rand() * 12) - 2)]);
      }
      const alpha = rand() < 0.4;
      if (alpha) opts.push(['ALPHA']);
      if (rand() < 0.5) opts.push([pick(['ASC', 'DESC'])]);
      const ngets = rand() < 0.5 ? Math.floor(rand() * 3) + 1 : 0;
      for (let g = 0; g < ngets; g++) opts.push(['GET', pick(['#', 'w_*', 'h_*->f', 'h_*->g', 'x_*'])]);
      const dst = pick(dests);
      opts.push(['STORE', dst]);
      // Redis leaves the order of ALPHA ties under a BY pattern to qsort (stable in glibc 2.36, over
      // the list order) or pqsort (with LIMIT): keep to the deterministic cases (zbig's members have
      // no weight keys at all).
      if (alpha && by?.includes('*') && (!isList || limit)) {
        // weights are unique only for elements of `domain`, and only w_* and h_*->f cover them all
        const elems = await elements(src);
        if ((by !== 'w_*' && by !== 'h_*->f') || !elems.every((e) => domainSet.has(e))) continue;
      }
      for (const o of opts.sort(() => rand() - 0.5)) cmd.push(...o);
      await run(cmd);
      const [g, w] = await keyContent(srv, engine, dst);
      expect(g, `${cmd.join(' ')} content`).toBe(w);
      if (src.startsWith('z')) {
        const enc = displayText((await srv.client.call('OBJECT', 'ENCODING', src)) as Uint8Array);
        const slot = engine.dbs[0]!.get(utf8(src))!;
        expect(slot.value.type === 'zset' && !slot.value.listpack ? 'skiplist' : 'listpack', `${src} encoding`).toBe(enc);
      }
    }
    // Out of range weights last: Redis tests a stale errno, so an ERANGE leaks into later
    // numeric sorts on the same connection until some failing call overwrites it.
    await run(['RPUSH', 'lrange', '1', '1e400']);
    await run(['SORT', 'lrange', 'STORE', 'dr']);
    // the random commands covered stored results, empty results and errors
    expect(tally.stored).toBeGreaterThan(200);
    expect(tally.empty).toBeGreaterThan(10);
    expect(tally.errors).toBeGreaterThan(20);
    await digestsMatch(srv, engine);
  });
});

describe.skipIf(!HAVE)('GEOSEARCHSTORE / GEORADIUS STORE', () => {
  let srv: RedisServer;
  beforeAll(async () => {
    srv = await startRedis();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it(`matches Redis 7.0 on random points and searches (STOREDIST distances within 32 ulps, at most ${MAX_INEXACT_SHARE * 100}% of them inexact)`, async () => {
    const engine = new Engine();
    const rand = rng(2024);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const tally = { stored: 0, empty: 0, errors: 0 };
    const distKeys = new Set<string>(); // destinations whose last store was a STOREDIST
    const run = async (cmd: string[]): Promise<void> => {
      const [got, want] = await both(srv, engine, cmd);
      expect(got, cmd.join(' ')).toBe(want);
      if (cmd[0]!.startsWith('GEO') && cmd[0] !== 'GEOADD') {
        if (got.startsWith('err')) tally.errors++;
        else if (got === 'ok 0') tally.empty++;
        else tally.stored++;
        if (got.startsWith('ok')) {
          const dst = cmd[0]!.toUpperCase() === 'GEOSEARCHSTORE' ? cmd[1]! : cmd.at(-1)!;
          if (cmd.some((x) => /^storedist$/i.test(x)) && got !== 'ok 0') distKeys.add(dst);
          else distKeys.delete(dst);
        }
      }
    };
    const hubs: Array<[number, number]> = [
      [13.36, 38.11],
      [-73.98, 40.75],
      [179.9, -16.5],
      [-179.95, 65.2],
      [0, 0],
      [10, 84.5],
      [-60, -83.9],
      [139.7, 35.7],
    ];
    const members: Record<string, string[]> = {};
    const sizes: Record<string, number> = { g0: 40, g1: 100, g2: 300, g3: 12 };
    for (const [key, n] of Object.entries(sizes)) {
      members[key] = [];
      for (let i = 0; i < n; i++) {
        let lon: number, lat: number;
        if (rand() < 0.8) {
          const [hx, hy] = pick(hubs);
          const spread = pick([0.05, 0.5, 3, 10]);
          lon = Math.min(180, Math.max(-180, hx + (rand() * 2 - 1) * spread));
          lat = Math.min(85.05, Math.max(-85.05, hy + (rand() * 2 - 1) * spread));
        } else {
          lon = rand() * 360 - 180;
          lat = rand() * 170.1 - 85.05;
        }
        const m = i % 17 === 3 ? `${'long-member-'.repeat(6)}${i}` : `${key}m${i}`;
        members[key]!.push(m);
        await run(['GEOADD', key, lon.toFixed(6), lat.toFixed(6), m]);
      }
    }
    await run(['ZADD', 'notgeo', '-5', 'a', '1.5', 'b', '4503599627370495', 'c', '123456789012', 'd']);
    await run(['SET', 'str', 'x']);
    const srcs = ['g0', 'g1', 'g2', 'g3'];
    const dests = ['dst', 'dst2', 'g3'];
    const units = ['m', 'km', 'mi', 'ft', 'KM'];
    const dist = (u: string): string => {
      const metres = pick([500, 5000, 50000, 300000, 1500000, 6000000]) * (0.5 + rand());
      const per = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 }[u.toLowerCase() as 'm']!;
      return (metres / per).toFixed(pick([0, 2, 6]));
    };
    const center = (): [string, string] => {
      const [hx, hy] = rand() < 0.7 ? pick(hubs) : [rand() * 360 - 180, rand() * 170 - 85];
      const lon = Math.min(180, Math.max(-180, hx + (rand() * 2 - 1) * 2));
      const lat = Math.min(85.05, Math.max(-85.05, hy + (rand() * 2 - 1) * 2));
      return [lon.toFixed(5), lat.toFixed(5)];
    };
    const tail = (): string[][] => {
      const o: string[][] = [];
      if (rand() < 0.4) o.push([pick(['ASC', 'DESC'])]);
      if (rand() < 0.4) o.push(['COUNT', String(1 + Math.floor(rand() * 20)), ...(rand() < 0.3 ? ['ANY'] : [])]);
      return o;
    };
    const fixed: string[][] = [
      ['GEOSEARCHSTORE', 'dst', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '-1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', 'x', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'yd'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '200', '0', 'BYRADIUS', '10', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYBOX', '10', '-1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYBOX', 'w', '1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMMEMBER', 'nope', 'BYRADIUS', '10', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMMEMBER', 'g0m1', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'BYRADIUS', '10', 'km', 'ASC', 'DESC'],
      ['geosearchstore', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'ASC'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'COUNT', '0'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'COUNT', 'z'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'ANY'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'dst', 'g0', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km', 'STORE', 'x'],
      ['GEORADIUS', 'g0', '0', '0', '10', 'km', 'WITHCOORD', 'STORE', 'dst'],
      ['GEORADIUS', 'g0', '0', '0', '10', 'km', 'STORE'],
      ['GEORADIUS', 'g0', '0', '91', '10', 'km', 'STORE', 'dst'],
      ['GEORADIUSBYMEMBER', 'g0', 'nope', '10', 'km', 'STORE', 'dst'],
      ['GEORADIUSBYMEMBER', 'g0', 'g0m2', 'x', 'km', 'STORE', 'dst'],
      ['GEORADIUSBYMEMBER', 'g0', 'g0m2', '100', 'km', 'FROMLONLAT', '0', '0', 'STORE', 'dst'],
      ['GEOSEARCHSTORE', 'dst', 'g1', 'FROMMEMBER', 'g1m0', 'BYRADIUS', '20000', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g1', 'FROMMEMBER', 'g1m0', 'BYRADIUS', '0', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g1', 'FROMMEMBER', 'g1m0', 'BYBOX', '40000', '20000', 'km', 'STOREDIST'],
      ['GEOSEARCHSTORE', 'dst', 'notgeo', 'FROMLONLAT', '0', '0', 'BYRADIUS', '30000', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['GEORADIUSBYMEMBER', 'missing', 'x', 'junk', 'junk', 'STORE', 'dst2'],
      ['GEORADIUS', 'missing', '0', '0', '1', 'km', 'STOREDIST', 'g3'],
    ];
    // STOREDIST scores come from sin/cos/asin: the engine rounds them correctly, glibc 2.36 is
    // one ulp off now and then (its slow paths are gone), so those are compared within 2 ulps and
    // counted; members and geohash scores must match exactly.
    // Near-antipodal distances go through asin close to 1, which stretches such a last-bit
    // difference to a few ulps: the tolerance is 32 ulps (a relative 7.2e-15), and at most
    // MAX_INEXACT_SHARE of the distances compared may differ at all.
    let ulpDiffs = 0;
    let distances = 0;
    const parse = (t: string): Array<[string, number]> =>
      t
        .slice(5)
        .split(',')
        .map((p) => {
          const i = p.lastIndexOf('=');
          return [p.slice(0, i), Number(p.slice(i + 1))];
        });
    const sameContent = async (cmd: string[], key: string): Promise<void> => {
      const [g, w] = await keyContent(srv, engine, key);
      if (distKeys.has(key)) distances += parse(w).length;
      if (g === w || !distKeys.has(key)) {
        expect(g, `${cmd.join(' ')}: ${key}`).toBe(w);
        return;
      }
      const gm = new Map(parse(g)),
        wm = new Map(parse(w));
      expect([...gm.keys()].sort(), `${cmd.join(' ')}: ${key} members`).toEqual([...wm.keys()].sort());
      for (const [m, v] of wm) {
        const mine = gm.get(m)!;
        if (mine !== v) ulpDiffs++;
        expect(Math.abs(mine - v), `${cmd.join(' ')}: ${key} ${m}`).toBeLessThanOrEqual(Math.abs(v) * 7.2e-15);
      }
    };
    for (const cmd of fixed) {
      await run(cmd);
      for (const k of ['dst', 'dst2', 'g3']) await sameContent(cmd, k);
    }
    for (let i = 0; i < 500; i++) {
      const src = pick(srcs);
      const dst = pick(dests);
      const u = pick(units);
      let cmd: string[];
      const form = rand();
      if (form < 0.5) {
        cmd = ['GEOSEARCHSTORE', dst, src];
        const opts: string[][] = [];
        opts.push(rand() < 0.5 ? ['FROMMEMBER', pick(members[src]!)] : ['FROMLONLAT', ...center()]);
        opts.push(rand() < 0.5 ? ['BYRADIUS', dist(u), u] : ['BYBOX', dist(u), dist(u), u]);
        opts.push(...tail());
        if (rand() < 0.5) opts.push(['STOREDIST']);
        for (const o of opts.sort(() => rand() - 0.5)) cmd.push(...o);
      } else {
        cmd = form < 0.75 ? ['GEORADIUS', src, ...center(), dist(u), u] : ['GEORADIUSBYMEMBER', src, pick(members[src]!), dist(u), u];
        for (const o of tail()) cmd.push(...o);
        cmd.push(rand() < 0.5 ? 'STORE' : 'STOREDIST', dst);
      }
      await run(cmd);
      await sameContent(cmd, dst);
    }
    expect(tally.stored).toBeGreaterThan(200);
    expect(tally.empty).toBeGreaterThan(5);
    expect(tally.errors).toBeGreaterThan(15);
    // the rare exception, not the rule
    expect(distances).toBeGreaterThan(1000);
    expect(ulpDiffs / distances).toBeLessThanOrEqual(MAX_INEXACT_SHARE);
    // a last geohash-scored search into each destination, so the digest compares exact data
    for (const d of dests) await run(['GEOSEARCHSTORE', d, 'g2', 'FROMLONLAT', '13', '38', 'BYRADIUS', '3000', 'km']);
    await digestsMatch(srv, engine);
  });
});
