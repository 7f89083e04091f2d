/**
 * "%.17g" as Redis 7.0 prints a double (zset scores in replies, in the RDB's text scores and in
 * DEBUG DIGEST), judged by a real redis-server. The hard cases are exact ties: a double whose
 * exact decimal value has 18 significant digits ending in 5 (159723.663330078125). C rounds
 * them to even; JavaScript's toPrecision rounds them up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueDigestHex } from '../src/engine/digest.js';
import { ascii, displayText } from '../src/model/bytes.js';
import { formatG17 } from '../src/model/number.js';
import type { KeyEntry } from '../src/model/record.js';
import { makeRandom } from './support/prng.mjs';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const HAVE = requireRedis('"%.17g" formatting tests');

/** Doubles n / 2^k (n odd) whose exact digits n * 5^k number 18: ties at 17 significant digits. */
function tieValues(count: number, seed: number): number[] {
  const rnd = makeRandom(seed);
  const out: number[] = [];
  while (out.length < count) {
    const k = rnd.int(3, 25);
    const p = 5n ** BigInt(k);
    const lo = (10n ** 17n + p - 1n) / p;
    const hi = (10n ** 18n - 1n) / p;
    const span = hi - lo;
    let n = lo + (BigInt(Math.floor(rnd.next() * 2 ** 52)) % (span + 1n));
    if (n % 2n === 0n) n += n < hi ? 1n : -1n;
    if (n >= 2n ** 53n) continue;
    const v = (Number(n) / 2 ** k) * (rnd.chance(0.2) ? -1 : 1);
    out.push(v);
  }
  return out;
}

const text = (r: unknown): string => (r instanceof Uint8Array ? displayText(r) : String(r));

let srv: RedisServer;

describe.skipIf(!HAVE)('formatG17 against redis-server 7.0', () => {
  beforeAll(async () => {
    srv = await startRedis();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('prints exact ties rounded to even, as ZRANGE WITHSCORES does, and the key digests agree', async () => {
    const rnd = makeRandom(0x17a9);
    const ties = tieValues(600, 0x71e5);
    // ordinary doubles beside them: fractions, large and small magnitudes, exponent layouts
    const plain = Array.from({ length: 300 }, () => (rnd.next() - 0.5) * 10 ** rnd.int(-12, 22));
    const scores = [159723.66333007812, -786286150637568.1, 37260818481445.31, 2.5e-8, ...ties, ...plain];
    const members = scores.map((s, i) => [ascii(`m${i}`), s] as const);
    // one skiplist zset (> 128 members) and one listpack zset of the first 100
    const args = (n: number) => members.slice(0, n).flatMap(([m, s]) => [String(s), m]);
    await srv.client.call('ZADD', 'big', ...args(members.length));
    await srv.client.call('ZADD', 'small', ...args(100));
    const reply = (await srv.client.call('ZRANGE', 'big', '0', '-1', 'WITHSCORES')) as unknown[];
    const printed = new Map<string, string>();
    for (let i = 0; i < reply.length; i += 2) printed.set(text(reply[i]), text(reply[i + 1]));
    const wrong = members.filter(([m, s]) => printed.get(displayText(m)) !== formatG17(s));
    expect(wrong.map(([m, s]) => `${displayText(m)} ${s}: ${formatG17(s)} vs ${printed.get(displayText(m))}`)).toEqual([]);
    for (const [key, n, encoding] of [
      ['big', members.length, 'skiplist'],
      ['small', 100, 'listpack'],
    ] as const) {
      expect(text(await srv.client.call('OBJECT', 'ENCODING', key))).toBe(encoding);
      const entry: KeyEntry = {
        kind: 'key',
        db: 0,
        key: ascii(key),
        type: 'zset',
        encoding,
        rdbType: null,
        expireAt: null,
        value: members.slice(0, n).map(([m, s]) => [m, s] as [Uint8Array, number]),
      };
      const digest = text(((await srv.client.call('DEBUG', 'DIGEST-VALUE', key)) as unknown[])[0]);
      expect(valueDigestHex(entry)).toBe(digest);
    }
  });
});
