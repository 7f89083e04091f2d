/**
 * Multi-part AOF directories written by a real redis-server 7.0 (fixtures/aof/*: RDB base + incr,
 * RDB-preamble base after BGREWRITEAOF, RESP base): read, checked and repaired; compared with
 * redis-check-aof on the manifest, and loaded by redis-server with aof-load-truncated no.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest, writeManifest } from '../src/aof/manifest.js';
import { tokenizeAof } from '../src/aof/resp.js';
import { applyRepair, openAofSet } from '../src/io/aof-files.js';
import { sniffInput } from '../src/io/sniff.js';
import { checkAof, inspectAof } from '../src/ops/aof-inspect.js';
import { planRepair } from '../src/ops/aof-repair.js';
import { scanAofBytes, scanAofSet } from '../src/ops/aof-scan.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aof');
const haveRedis = requireRedis('multi-part AOF tests against redis-check-aof / redis-server');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-aof-mp-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let copies = 0;

/** A copy of a fixture dir as <tmp>/appendonlydir; returns the data dir (its parent). */
function copyFixture(name: string): string {
  const dataDir = join(work, `${name}-${copies++}`);
  cpSync(join(FIX, name), join(dataDir, 'appendonlydir'), { recursive: true });
  return dataDir;
}
const manifestOf = (dataDir: string) => join(dataDir, 'appendonlydir', 'appendonly.aof.manifest');

/** redis-check-aof [--fix, answering y] on a manifest: exit status and output. */
function checkAofTool(manifest: string, fix: boolean): { code: number; out: string } {
  // The exit status, not an exception: the tool often exits without reading the answer on stdin,
  // and writing it then fails with EPIPE (which execFileSync reports as a failure).
  const r = spawnSync('redis-check-aof', fix ? ['--fix', manifest] : [manifest], {
    input: fix ? 'y\n' : '',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return { code: r.status ?? 1, out: String(r.stdout ?? '') };
}

async function repairDir(dataDir: string) {
  const set = await openAofSet(dataDir);
  const plan = planRepair(set, await scanAofSet(set));
  // where the cut falls, not the live-Redis guard (aof-live-guard.test.ts): no /proc scan
  if (plan.action === 'truncate') await applyRepair(plan, null, { guard: [] });
  return plan;
}

/** Start redis-server 7.0 on a data dir with an appendonlydir; resolves with the DEBUG DIGEST. */
async function loadDir(dataDir: string): Promise<string> {
  const r = await startRedis({
    dir: dataDir,
    args: ['--appendonly', 'yes', '--appenddirname', 'appendonlydir', '--aof-load-truncated', 'no'],
  });
  try {
    return Buffer.from(await r.client.call('DEBUG', 'DIGEST')).toString();
  } finally {
    await r.stop({ keepDir: true });
  }
}

describe('reading real multi-part directories', () => {
  const cases: Array<[string, string]> = [
    ['small', 'rdb-preamble'],
    ['rewritten', 'rdb-preamble'],
    ['resp-base', 'resp'],
    ['flushall', 'rdb-preamble'],
    ['large', 'rdb-preamble'],
  ];
  for (const [name, baseFormat] of cases) {
    it(`${name}: base then incr, valid, every command counted`, async () => {
      expect(await sniffInput(join(FIX, name))).toBe('aof-multipart');
      expect(await sniffInput(join(FIX, name, 'appendonly.aof.manifest'))).toBe('aof-multipart');
      const r = await inspectAof(await openAofSet(join(FIX, name)));
      expect(r.kind).toBe('multipart');
      expect(r.files.map((f) => f.role)).toEqual(['base', 'incr']);
      expect(r.baseFormat).toBe(baseFormat);
      expect(r.verdict.kind).toBe('ok');
      let expected = 0;
      for (const f of r.files) if (f.format === 'resp') expected += tokenizeAof(new Uint8Array(readFileSync(f.path))).commands.length;
      const rdbTail = r.files.filter((f) => f.format === 'rdb-preamble').reduce((n, f) => n + f.commands, 0);
      expect(r.commands).toBe(expected + rdbTail);
      expect((await checkAof(await openAofSet(join(FIX, name)))).ok).toBe(true);
      if (haveRedis) expect(checkAofTool(join(FIX, name, 'appendonly.aof.manifest'), false).code).toBe(0);
    });
  }

  it('rewritten: the RDB base holds the keys written before BGREWRITEAOF', async () => {
    const r = await inspectAof(await openAofSet(join(FIX, 'rewritten')));
    expect(r.files[0]!.rdbKeys).toBe(51);
    expect(r.files[0]!.rdbVersion).toBe(10);
    expect(r.files[1]!.commands).toBeGreaterThan(4);
  });
});

describe('RDB preamble + RESP tail as one old-style file', () => {
  const base = new Uint8Array(readFileSync(join(FIX, 'rewritten', 'appendonly.aof.2.base.rdb')));
  const incr = new Uint8Array(readFileSync(join(FIX, 'rewritten', 'appendonly.aof.2.incr.aof')));
  const pre = new Uint8Array(base.length + incr.length);
  pre.set(base);
  pre.set(incr, base.length);
  const whole = scanAofBytes(pre);

  it('the RDB reader reads the preamble, then the RESP tail starts where it ended', () => {
    expect(whole.part.format).toBe('rdb-preamble');
    expect(whole.part.rdb).toEqual({ version: 10, keys: 51, end: base.length });
    expect(whole.part.commands).toBe(tokenizeAof(incr).commands.length);
    expect(whole.part.verdict).toEqual({ kind: 'ok', size: pre.length, partialAnnotationAt: null });
  });

  for (const size of [1, 2, 7, 4096]) {
    it(`the same scan at chunk size ${size}`, () => {
      const r = scanAofBytes(pre, {}, size);
      expect(r.part).toEqual(whole.part);
      expect([...r.scan.histogram]).toEqual([...whole.scan.histogram]);
    });
  }

  it('sniffInput: .aof starting with REDIS is an RDB-preamble AOF, otherwise an RDB; * or # is an AOF', async () => {
    const w = (name: string, bytes: Uint8Array | string) => {
      const p = join(work, name);
      writeFileSync(p, bytes);
      return p;
    };
    expect(await sniffInput(w('pre.aof', pre))).toBe('aof-preamble');
    expect(await sniffInput(w('dump.rdb', base))).toBe('rdb');
    expect(await sniffInput(w('plain.aof', incr))).toBe('aof');
    expect(await sniffInput(w('noext', '*1\r\n$4\r\nPING\r\n'))).toBe('aof');
    expect(await sniffInput(w('ts-first', '#TS:1\r\n'))).toBe('aof');
    expect(await sniffInput(w('junk.bin', 'hello'))).toBe('unknown');
    expect(await sniffInput(join(work, 'missing.aof'))).toBe('missing');
    const r = await inspectAof(await openAofSet(w('pre2.aof', pre)));
    expect(r.kind).toBe('single');
    expect(r.baseFormat).toBe('rdb-preamble');
  });
});

describe.skipIf(!haveRedis)('repairing multi-part directories', () => {
  it('truncated last incr file (after an RDB base), every offset: same cut as redis-check-aof --fix; manifest untouched', async () => {
    const incrName = 'appendonly.aof.2.incr.aof';
    const incrSize = statSync(join(FIX, 'rewritten', incrName)).size;
    const manifestBefore = readFileSync(join(FIX, 'rewritten', 'appendonly.aof.manifest'));
    const mismatches: string[] = [];
    for (let n = 1; n < incrSize; n++) {
      const ours = copyFixture('rewritten');
      const ref = copyFixture('rewritten');
      truncateSync(join(ours, 'appendonlydir', incrName), n);
      truncateSync(join(ref, 'appendonlydir', incrName), n);
      await repairDir(ours);
      checkAofTool(manifestOf(ref), true);
      const a = statSync(join(ours, 'appendonlydir', incrName)).size;
      const b = statSync(join(ref, 'appendonlydir', incrName)).size;
      if (a !== b) mismatches.push(`cut ${n}: redis-check-aof ${b}, rdbkit ${a}`);
      expect(readFileSync(manifestOf(ours))).toEqual(manifestBefore);
      rmSync(ours, { recursive: true, force: true });
      rmSync(ref, { recursive: true, force: true });
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('a repaired directory checks valid with redis-check-aof and loads with aof-load-truncated no', async () => {
    for (const [name, incr] of [
      ['rewritten', 'appendonly.aof.2.incr.aof'],
      ['resp-base', 'appendonly.aof.2.incr.aof'],
      ['small', 'appendonly.aof.1.incr.aof'],
    ] as const) {
      const dir = copyFixture(name);
      const size = statSync(join(dir, 'appendonlydir', incr)).size;
      truncateSync(join(dir, 'appendonlydir', incr), size - 5);
      expect((await checkAof(await openAofSet(dir))).verdict.kind).toBe('truncated');
      await expect(loadDir(dir)).rejects.toThrow(/did not start/);
      const plan = await repairDir(dir);
      expect(plan.action).toBe('truncate');
      expect((await checkAof(await openAofSet(dir))).ok).toBe(true);
      expect(checkAofTool(manifestOf(dir), false).code).toBe(0);
      expect(await loadDir(dir)).toMatch(/^[0-9a-f]{40}$/);
    }
  }, 60_000);

  it('a truncated or corrupt non-last file is refused, naming what would be lost (redis-check-aof refuses too)', async () => {
    // Split the incr file of `rewritten` at a command boundary into seq 2 and seq 3 (as Redis
    // would after a failed rewrite), with a manifest written by writeManifest.
    const dir = copyFixture('rewritten');
    const ad = join(dir, 'appendonlydir');
    const incr = new Uint8Array(readFileSync(join(ad, 'appendonly.aof.2.incr.aof')));
    const cmds = tokenizeAof(incr).commands;
    // The first command after the EXEC: a boundary outside any MULTI block.
    const exec = cmds.findIndex((c) => Buffer.from(c.argv[0]!).toString() === 'EXEC');
    const split = cmds[exec + 1]!.span.start;
    writeFileSync(join(ad, 'appendonly.aof.2.incr.aof'), incr.subarray(0, split));
    writeFileSync(join(ad, 'appendonly.aof.3.incr.aof'), incr.subarray(split));
    const m = parseManifest(new Uint8Array(readFileSync(manifestOf(dir))));
    m.incr.push({ name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'incr' });
    writeFileSync(manifestOf(dir), writeManifest(m));
    expect(checkAofTool(manifestOf(dir), false).code).toBe(0);
    expect(await loadDir(dir)).toMatch(/^[0-9a-f]{40}$/);

    truncateSync(join(ad, 'appendonly.aof.2.incr.aof'), split - 3);
    const set = await openAofSet(dir);
    const plan = planRepair(set, await scanAofSet(set));
    expect(plan.action).toBe('refuse');
    if (plan.action === 'refuse') {
      expect(plan.file).toBe('appendonly.aof.2.incr.aof');
      expect(plan.reason).toMatch(/not the last file/);
      expect(plan.reason).toMatch(/appendonly\.aof\.3\.incr\.aof/);
      expect(plan.lostBytes).toBeGreaterThan(incr.length - split);
    }
    const before = statSync(join(ad, 'appendonly.aof.2.incr.aof')).size;
    const tool = checkAofTool(manifestOf(dir), true);
    expect(tool.code).toBe(1);
    expect(tool.out).toMatch(/not the last file/);
    expect(statSync(join(ad, 'appendonly.aof.2.incr.aof')).size).toBe(before);
  }, 60_000);

  it('a damaged RDB base is refused and left alone (as redis-check-aof and redis-server do)', async () => {
    for (const damage of ['truncate', 'flip'] as const) {
      const dir = copyFixture('rewritten');
      const base = join(dir, 'appendonlydir', 'appendonly.aof.2.base.rdb');
      const bytes = new Uint8Array(readFileSync(base));
      if (damage === 'truncate') truncateSync(base, bytes.length - 20);
      else {
        bytes[bytes.length - 30]! ^= 0xff;
        writeFileSync(base, bytes);
      }
      const before = readFileSync(base);
      const plan = await repairDir(dir);
      expect(plan.action).toBe('refuse');
      if (plan.action === 'refuse') expect(plan.reason).toMatch(/RDB part is damaged/);
      expect(readFileSync(base)).toEqual(before);
      const c = await checkAof(await openAofSet(dir));
      expect(c.ok).toBe(false);
      expect(c.verdict.inRdb).toBe(true);
      expect(checkAofTool(manifestOf(dir), true).code).toBe(1);
    }
  }, 60_000);
});
