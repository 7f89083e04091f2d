/**
 * A dataset for memory-estimate tests, written through a real server's commands: every type and
 * encoding Redis 7.0 has, sizes on both sides of each conversion and sds/jemalloc boundary, keys
 * of several lengths, lists built from both ends and edited, streams with deletions, groups,
 * consumers and pending entries, TTLs.
 */
import type { Random } from './prng.mjs';
import { makeRandom } from './prng.mjs';
import type { RedisArg } from './redis.mjs';

type Cmd = RedisArg[];

const T2100 = 4102444800000;

function word(r: Random, n: number): string {
  return r.text(n, 'abcdefghijklmnopqrstuvwxyz0123456789:_-');
}

/**
 * Commands building the dataset (deterministic for a seed). `prefix` names the keys. With
 * `orderDependent: false` it leaves out the keys whose loaded size depends on the order a dump
 * lists their elements (a set whose first non-integer member, or a hash whose first long value,
 * turns it into a hashtable mid-load): two dumps of the same data may list those differently.
 */
export function memoryWorkload(seed: number, prefix = 'm', opts: { orderDependent?: boolean } = {}): Cmd[] {
  const orderDependent = opts.orderDependent ?? true;
  const r = makeRandom(seed);
  const cmds: Cmd[] = [];
  let serial = 0;
  const key = (kind: string): string => {
    serial++;
    // key lengths across sds type-5/8/16 boundaries
    const pad = r.pick([0, 0, 0, 10, 25, 40, 240, 300]);
    return `${prefix}:${kind}:${serial}${pad ? `:${'k'.repeat(pad)}` : ''}`;
  };
  const maybeTtl = (k: string): void => {
    if (r.chance(0.2)) cmds.push(['PEXPIREAT', k, T2100 + r.int(0, 1e9)]);
  };

  // strings: shared and unshared integers, embstr, raw, sds16/32 sizes
  for (const v of ['0', '7', '9999', '10000', '-1', '123456789012', '9223372036854775807', '-9223372036854775808', '007', '1.5']) {
    const k = key('int');
    cmds.push(['SET', k, v]);
    maybeTtl(k);
  }
  for (const len of [0, 1, 2, 10, 20, 21, 30, 31, 32, 43, 44, 45, 46, 60, 100, 200, 252, 253, 256, 1000, 4000, 9000, 65530, 65536, 70000]) {
    const k = key('str');
    cmds.push(['SET', k, word(r, len)]);
    maybeTtl(k);
  }
  for (let i = 0; i < 40; i++) {
    const k = key('str');
    cmds.push(['SET', k, word(r, r.int(0, 300))]);
    maybeTtl(k);
  }
  const app = key('str');
  cmds.push(['SET', app, 'x'], ['APPEND', app, word(r, 100)]);

  // lists: tail-built, head-built, edited, long elements, integers
  for (const n of [1, 2, 5, 50, 127, 128, 129, 500, 1000, 3000]) {
    const k = key('list');
    for (let i = 0; i < n; i += 100) {
      const batch: string[] = [];
      for (let j = i; j < Math.min(n, i + 100); j++) batch.push(r.chance(0.3) ? String(r.int(-100000, 100000)) : word(r, r.int(1, 40)));
      cmds.push([r.chance(0.5) ? 'RPUSH' : 'LPUSH', k, ...batch]);
    }
    if (n > 100 && r.chance(0.5)) cmds.push(['LTRIM', k, 10, -10]);
    maybeTtl(k);
  }
  for (const len of [100, 1000, 5000, 9000, 20000]) {
    const k = key('list');
    for (let i = 0; i < 6; i++) cmds.push(['RPUSH', k, word(r, len)]);
  }
  {
    const k = key('list');
    for (let i = 0; i < 2000; i++) cmds.push([i % 2 ? 'LPUSH' : 'RPUSH', k, word(r, r.int(1, 20))]);
    cmds.push(['LREM', k, 0, 'a']);
    for (let i = 0; i < 30; i++) cmds.push(['LSET', k, r.int(0, 1900), word(r, r.int(1, 300))]);
  }

  // sets: intsets of each width and size, hashtables, mixed
  for (const [n, lo, hi] of [
    [1, 0, 100],
    [10, 0, 30000],
    [100, -30000, 30000],
    [20, 0, 2 ** 31 - 1],
    [300, -(2 ** 31), 2 ** 31 - 1],
    [50, 0, 2 ** 40],
    [512, 0, 1e6],
    [513, 0, 1e6],
    [2000, 0, 1e9],
  ] as Array<[number, number, number]>) {
    const k = key('set');
    const members = new Set<number>();
    while (members.size < n) members.add(r.int(lo, hi));
    const list = [...members].map(String);
    for (let i = 0; i < list.length; i += 200) cmds.push(['SADD', k, ...list.slice(i, i + 200)]);
    maybeTtl(k);
  }
  for (const n of [1, 3, 4, 5, 8, 9, 16, 17, 100, 1000]) {
    const k = key('set');
    const members = new Set<string>();
    while (members.size < n) members.add(word(r, r.int(1, 50)));
    const list = [...members];
    for (let i = 0; i < list.length; i += 200) cmds.push(['SADD', k, ...list.slice(i, i + 200)]);
    maybeTtl(k);
  }
  for (const [ints, strs] of orderDependent
    ? [
        [50, 1],
        [200, 3],
        [5, 5],
      ]
    : []) {
    const k = key('set');
    const args: string[] = [];
    for (let i = 0; i < ints!; i++) args.push(String(i * 7));
    for (let i = 0; i < strs!; i++) args.push(`s${word(r, 5)}`);
    cmds.push(['SADD', k, ...args]);
  }

  // sorted sets: listpack and skiplist; integral, fractional and infinite scores
  for (const n of [1, 5, 50, 128, 129, 200, 1000, 5000]) {
    const k = key('zset');
    const args: Array<string | number> = [];
    for (let i = 0; i < n; i++) {
      const s = r.pick(['int', 'frac', 'big'] as const);
      args.push(s === 'int' ? r.int(-1000, 1000) : s === 'frac' ? (r.next() * 1000).toFixed(r.int(1, 6)) : r.int(0, 2 ** 52));
      args.push(word(r, r.int(1, 30)));
    }
    for (let i = 0; i < args.length; i += 400) cmds.push(['ZADD', k, ...args.slice(i, i + 400)]);
    maybeTtl(k);
  }
  {
    const k = key('zset');
    cmds.push(['ZADD', k, 1, word(r, 65), 2, 'b', 'inf', 'c', '-inf', 'd']);
    const k2 = key('zset');
    cmds.push(['ZADD', k2, 0.1, 'a', 1e300, 'b', -2.5e-10, 'c']);
  }

  // hashes: listpack, hashtable by count and by value length
  for (const n of [1, 5, 50, 128, 129, 300, 512, 513, 600, 2000]) {
    const k = key('hash');
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`f${word(r, r.int(1, 20))}${i}`, r.chance(0.3) ? String(r.int(0, 1e6)) : word(r, r.int(0, 60)));
    for (let i = 0; i < args.length; i += 400) cmds.push(['HSET', k, ...args.slice(i, i + 400)]);
    maybeTtl(k);
  }
  for (const [n, at] of orderDependent
    ? [
        [3, 0],
        [10, 5],
        [60, 40],
        [100, 99],
        [300, 150],
      ]
    : []) {
    const k = key('hash');
    for (let i = 0; i < n!; i++) cmds.push(['HSET', k, `field${i}`, i === at ? word(r, 100) : word(r, 10)]);
  }

  // streams: node packing, deletions, groups, consumers, pending entries
  for (const n of [1, 10, 99, 100, 101, 250, 1000]) {
    const k = key('stream');
    let ms = 1700000000000;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const fields = r.chance(0.8) ? ['temp', String(r.int(0, 100)), 'city', word(r, 8)] : ['other', word(r, r.int(1, 50))];
      ms += r.int(0, 2);
      ids.push(`${ms}-${i}`);
      cmds.push(['XADD', k, ids[i]!, ...fields]);
    }
    if (n > 5) {
      cmds.push(['XDEL', k, ids[0]!, ids[3]!]);
      cmds.push(['XGROUP', 'CREATE', k, 'g1', '0']);
      cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', Math.min(n, 40), 'STREAMS', k, '>']);
      cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 3, 'STREAMS', k, '>']);
      cmds.push(['XGROUP', 'CREATE', k, 'g2', '$']);
      cmds.push(['XGROUP', 'CREATECONSUMER', k, 'g2', 'carol']);
    }
    maybeTtl(k);
  }
  {
    const k = key('stream');
    cmds.push(['XADD', k, '5-1', 'a', '1'], ['XDEL', k, '5-1']);
  }
  return cmds;
}
