/**
 * The seeded subset of `npm run fuzz` (fuzz/cases.mjs over the built library): truncations of
 * the small fixtures at spread offsets and random mutations (bit flips, byte changes, splices,
 * hostile 2^32 / 2^64-1 lengths, gzip/VCS containers) through check, inspect, convert with and
 * without salvage, digest, and repair/unflush/salvage on copies. No target may end in anything
 * but a result or a typed ParseError/UsageError, and `repair` must leave the length
 * `redis-check-aof --fix` leaves on every damaged AOF (except the documented zero-argument command,
 * which rdbkit cuts because redis-server refuses it). Every finding of a full run that was
 * fixed is kept under fixtures/fuzz/ and replayed here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, makeCase, plan, runCase, seeds } from '../fuzz/cases.mjs';
import { requireRedis } from './support/redis.mjs';

const haveRedis = requireRedis('fuzz subset (repair compared with redis-check-aof --fix)');
afterAll(() => cleanup());

const s = seeds();
const p = plan(s);
const SEED = 20261130;

describe.skipIf(!haveRedis)('seeded fuzz subset', () => {
  it('truncations at spread offsets of every small fixture: typed errors only', async () => {
    const bad: string[] = [];
    for (let i = 0; i < p.truncCases; i += 37) {
      const c = makeCase(s, p, SEED, i);
      const r = await runCase(c, { compare: c.kind === 'aof' });
      for (const x of r.crashes) bad.push(`${c.name} ${c.what}: ${x.target}: ${x.error}`);
      if (r.checkAofFix !== undefined && r.checkAofFix !== r.rdbkitRepair && !r.deliberate)
        bad.push(`${c.name} ${c.what}: repair leaves ${r.rdbkitRepair} bytes, redis-check-aof --fix ${r.checkAofFix}`);
    }
    expect(bad).toEqual([]);
  }, 300_000);

  it('300 random mutations: typed errors only, repair cuts where redis-check-aof --fix cuts', async () => {
    const bad: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = makeCase(s, p, SEED, p.truncCases + i);
      const r = await runCase(c, { compare: true });
      for (const x of r.crashes) bad.push(`#${i} ${c.name} ${c.what}: ${x.target}: ${x.error}`);
      if (r.checkAofFix !== undefined && r.checkAofFix !== r.rdbkitRepair && !r.deliberate)
        bad.push(`#${i} ${c.name} ${c.what}: repair leaves ${r.rdbkitRepair} bytes, redis-check-aof --fix ${r.checkAofFix}`);
    }
    expect(bad).toEqual([]);
  }, 300_000);
});

const FOUND = join(import.meta.dirname, '..', 'fixtures', 'fuzz');
const found = existsSync(FOUND) ? readdirSync(FOUND).filter((n) => n.endsWith('.bin')) : [];
describe.skipIf(found.length === 0)('fuzz findings, replayed', () => {
  it.each(found)('%s', async (name) => {
    const meta = JSON.parse(readFileSync(join(FOUND, name.replace(/\.bin$/, '.json')), 'utf8'));
    const r = await runCase({ kind: meta.input, name, bytes: new Uint8Array(readFileSync(join(FOUND, name))), what: meta.what });
    expect(r.crashes).toEqual([]);
  });
});
