/**
 * `repair` against the real tools (Redis 7.0): a real AOF cut at EVERY byte offset (small
 * fixture: MULTI blocks, binary arguments, #TS: lines) and at random offsets of a larger one, and
 * an old-style RDB-preamble AOF; rdbkit must leave exactly the length `redis-check-aof --fix`
 * leaves (answering y), and the repaired file must load in redis-server with
 * `aof-load-truncated no`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenizeAof } from '../src/aof/resp.js';
import { applyRepair, openAofSet } from '../src/io/aof-files.js';
import { concatBytes } from '../src/model/bytes.js';
import { planAofRepair, planRepair } from '../src/ops/aof-repair.js';
import { scanAofSet } from '../src/ops/aof-scan.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aof');
const readFix = (p: string) => new Uint8Array(readFileSync(join(FIX, p)));
const haveRedis = requireRedis('AOF repair tests against redis-check-aof');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-aof-repair-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Length redis-check-aof --fix leaves (answering y) for these bytes as an old-style AOF. */
function checkAofFixLength(bytes: Uint8Array): number {
  const p = join(work, 'ref.aof');
  writeFileSync(p, bytes);
  try {
    execFileSync('redis-check-aof', ['--fix', p], { input: 'y\n', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch {
    /* exit 1: not fixable (e.g. a damaged RDB preamble); the file is left as it was */
  }
  return statSync(p).size;
}

/** These tests are about where the cut falls: no /proc scan for a live Redis per case (aof-live-guard.test.ts covers it). */
const NO_GUARD = { guard: [] };

/** Length rdbkit's repair leaves for these bytes (plan + apply through the file rim, no backup). */
async function rdbkitRepairLength(bytes: Uint8Array, name = 'ours.aof'): Promise<{ size: number; action: string }> {
  const p = join(work, name);
  writeFileSync(p, bytes);
  const set = await openAofSet(p);
  const plan = planRepair(set, await scanAofSet(set));
  if (plan.action === 'truncate') await applyRepair(plan, null, NO_GUARD);
  return { size: statSync(p).size, action: plan.action };
}

/** Start redis-server 7 on an old-style appendonly.aof with aof-load-truncated no; resolves with DBSIZE of db 0. */
async function loadsInRedis(bytes: Uint8Array): Promise<number> {
  const dir = mkdtempSync(join(work, 'load-'));
  writeFileSync(join(dir, 'appendonly.aof'), bytes);
  const r = await startRedis({ dir, args: ['--appendonly', 'yes', '--aof-load-truncated', 'no', '--appenddirname', 'appendonlydir'] });
  try {
    return Number(await r.client.call('DBSIZE'));
  } finally {
    await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveRedis)('repair cuts where redis-check-aof --fix cuts', () => {
  const small = readFix('small/appendonly.aof.1.incr.aof');
  const large = readFix('large/appendonly.aof.1.incr.aof');

  it(`every byte offset of the small fixture (${small.length} bytes)`, async () => {
    const mismatches: string[] = [];
    for (let n = 1; n <= small.length; n++) {
      const cut = small.subarray(0, n);
      const ref = checkAofFixLength(cut);
      const ours = await rdbkitRepairLength(cut);
      if (ref !== ours.size) mismatches.push(`cut ${n}: redis-check-aof ${ref}, rdbkit ${ours.size}`);
    }
    expect(mismatches).toEqual([]);
  }, 600_000); // 554 runs of redis-check-aof: 90 s at load 10, over 120 s at load 20+

  it('random offsets of the large fixture', async () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const mismatches: string[] = [];
    for (let i = 0; i < 60; i++) {
      const n = 1 + Math.floor(rnd() * (large.length - 1));
      const cut = large.subarray(0, n);
      const ref = checkAofFixLength(cut);
      const ours = await rdbkitRepairLength(cut);
      if (ref !== ours.size) mismatches.push(`cut ${n}: redis-check-aof ${ref}, rdbkit ${ours.size}`);
    }
    expect(mismatches).toEqual([]);
  }, 600_000);

  it('an old-style RDB-preamble AOF: every offset of the RESP tail, and refusal inside the RDB part', async () => {
    const pre = concatBytes([readFix('rewritten/appendonly.aof.2.base.rdb'), readFix('rewritten/appendonly.aof.2.incr.aof')]);
    const rdbLen = readFix('rewritten/appendonly.aof.2.base.rdb').length;
    const mismatches: string[] = [];
    const offsets = [...Array.from({ length: pre.length - rdbLen }, (_, i) => rdbLen + 1 + i), 20, 100, rdbLen - 8, rdbLen - 1];
    for (const n of offsets) {
      const cut = pre.subarray(0, n);
      const ref = checkAofFixLength(cut);
      const ours = await rdbkitRepairLength(cut);
      if (ref !== ours.size) mismatches.push(`cut ${n}: redis-check-aof ${ref}, rdbkit ${ours.size}`);
      if (n < rdbLen) expect(ours.action).toBe('refuse');
    }
    expect(mismatches).toEqual([]);
  }, 600_000);

  it('repaired files load in redis-server with aof-load-truncated no (and the unrepaired ones do not)', async () => {
    // Offsets chosen across units: mid-bulk, inside each MULTI block, mid-annotation, after an annotation.
    const text = Buffer.from(small).toString('latin1');
    const multi1 = text.indexOf('*1\r\n$5\r\nMULTI');
    const multi2 = text.indexOf('*1\r\n$5\r\nMULTI', multi1 + 1);
    const ts2 = text.indexOf('#TS:', 5);
    const offsets = [20, 45, multi1 + 20, multi1 + 40, multi2 + 30, ts2 + 5, ts2 + 17, small.length - 3];
    let refused = 0;
    for (const n of offsets) {
      const cut = small.subarray(0, n);
      const p = join(work, `load-${n}.aof`);
      writeFileSync(p, cut);
      const set = await openAofSet(p);
      const plan = planRepair(set, await scanAofSet(set));
      if (plan.action === 'truncate') {
        await expect(loadsInRedis(cut)).rejects.toThrow(/did not start/);
        refused++;
        await applyRepair(plan, null, NO_GUARD);
      }
      const repaired = new Uint8Array(readFileSync(p));
      expect(repaired.length).toBe(checkAofFixLength(cut));
      const keys = await loadsInRedis(repaired);
      expect(keys).toBeGreaterThanOrEqual(0);
    }
    expect(refused).toBeGreaterThan(4);
    // The large fixture, cut in the middle: repaired, it loads with every complete command.
    const mid = large.subarray(0, Math.floor(large.length / 2) + 7);
    const p = join(work, 'large-mid.aof');
    writeFileSync(p, mid);
    const set = await openAofSet(p);
    const plan = planRepair(set, await scanAofSet(set));
    expect(plan.action).toBe('truncate');
    if (plan.action === 'truncate') await applyRepair(plan, null);
    expect(await loadsInRedis(new Uint8Array(readFileSync(p)))).toBeGreaterThan(100);
  }, 600_000);
});

describe('safety of the file change', () => {
  it('a file that grew after it was scanned (a running server) is not touched', async () => {
    const small = readFix('small/appendonly.aof.1.incr.aof');
    const p = join(work, 'grows.aof');
    writeFileSync(p, small.subarray(0, 300));
    const set = await openAofSet(p);
    const plan = planRepair(set, await scanAofSet(set));
    expect(plan.action).toBe('truncate');
    writeFileSync(p, small.subarray(0, 320));
    if (plan.action === 'truncate') await expect(applyRepair(plan, join(work, 'grows.bak'))).rejects.toThrow(/changed since it was read/);
    expect(new Uint8Array(readFileSync(p))).toEqual(small.subarray(0, 320));
  });
});

describe.skipIf(!haveRedis)('corruption in the last file', () => {
  it('garbage in the middle: cut where redis-check-aof cuts, and the plan counts the valid commands dropped after it', async () => {
    const large = readFix('large/appendonly.aof.1.incr.aof');
    const cmds = tokenizeAof(large).commands;
    const at = cmds[100]!.span.start;
    const bytes = concatBytes([large.subarray(0, at), new TextEncoder().encode('GARBAGE\r\n'), large.subarray(at)]);
    const p = join(work, 'garbage.aof');
    writeFileSync(p, bytes);
    const plan = await planAofRepair(await openAofSet(p));
    expect(plan.action).toBe('truncate');
    if (plan.action !== 'truncate') return;
    expect(plan.cause).toBe('corrupt');
    expect(plan.cutAt).toBe(checkAofFixLength(bytes));
    const later = cmds.length - 100;
    expect(plan.warnings.join('\n')).toContain(`${later} commands from offset ${at + 9} on look valid`);
  });
});

describe.skipIf(!haveRedis)('--truncate-to-timestamp matches redis-check-aof', () => {
  it('each annotation value of the small fixture, and one past the last', async () => {
    const small = readFix('small/appendonly.aof.1.incr.aof');
    const stamps = [
      ...Buffer.from(small)
        .toString('latin1')
        .matchAll(/#TS:(\d{9,})\r\n/g),
    ].map((m) => Number(m[1]));
    expect(stamps.length).toBe(3);
    for (const t of [stamps[0]! - 1, stamps[0]!, stamps[1]!, stamps[2]! + 1]) {
      const ref = join(work, 'ts-ref.aof');
      writeFileSync(ref, small);
      let refExit = 0;
      try {
        execFileSync('redis-check-aof', ['--truncate-to-timestamp', String(t), ref], { stdio: 'pipe' });
      } catch {
        refExit = 1;
      }
      const ours = join(work, 'ts-ours.aof');
      writeFileSync(ours, small);
      const set = await openAofSet(ours);
      const plan = planRepair(set, await scanAofSet(set, { timestampLimit: t }), { truncateToTimestamp: t });
      if (plan.action === 'truncate') await applyRepair(plan, null, NO_GUARD);
      expect(statSync(ours).size).toBe(statSync(ref).size);
      expect(plan.action === 'refuse' ? 1 : 0).toBe(refExit);
    }
  }, 60_000);
});
