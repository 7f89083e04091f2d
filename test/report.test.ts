/**
 * `rdbkit report` as a user runs it, on dumps made by a real server: the JSON report, the CSV
 * (read with a standard CSV parser; its totals equal the JSON's), shards read in parallel and
 * merged, and JSON reports merged later; both must equal the report of the whole dataset.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdb, estimateKeyMemory, type KeyEntry, type MemoryReport } from '../src/index.js';
import { escapeKey } from '../src/ops/report.js';
import { requireRedis } from './support/redis.mjs';
import { makeReportDumps, ODD_KEYS, type ReportDumps } from './support/report-dumps.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const AT = String(Date.UTC(2026, 0, 1));

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'report', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function json(...args: string[]): MemoryReport {
  const r = run(...args, '--format', 'json', '--at', AT);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as MemoryReport;
}

/** The parts of a report that must not depend on how the dataset was split. */
function content(r: MemoryReport): Omit<MemoryReport, 'inputs'> {
  const { inputs: _, ...rest } = r;
  return rest;
}

describe.skipIf(!requireRedis('the report tests'))('rdbkit report', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdbkit-report-'));
  let dumps: ReportDumps;
  let whole: MemoryReport;

  beforeAll(async () => {
    dumps = await makeReportDumps(dir);
    whole = json(dumps.whole);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every key with the estimator, totals per db, type and encoding adding up', () => {
    const keys = decodeRdb(readFileSync(dumps.whole), { layout: true }).filter((r): r is KeyEntry => r.kind === 'key');
    const bytes = keys.reduce((s, k) => s + estimateKeyMemory(k).bytes, 0);
    expect(whole.total).toEqual({ keys: keys.length, bytes });
    for (const m of [whole.byDb, whole.byType, whole.byEncoding]) {
      const sum = Object.values(m).reduce((s, t) => ({ keys: s.keys + t.keys, bytes: s.bytes + t.bytes }), { keys: 0, bytes: 0 });
      expect(sum).toEqual(whole.total);
    }
    expect(Object.keys(whole.byDb)).toEqual(['0', '1']);
    expect(whole.ttl.counts.reduce((s, t) => s + t.keys, 0)).toBe(keys.length);
    expect(whole.top).toHaveLength(50);
    const biggest = keys.map((k) => estimateKeyMemory(k).bytes).sort((a, b) => b - a);
    expect(whole.top.map((t) => t.bytes)).toEqual(biggest.slice(0, 50));
    expect(whole.prefixes.bytes).toBe(whole.total.bytes);
    expect(whole.prefixes.children?.map((c) => c.name).sort()).toEqual(['app', 'cache', 'odd']);
  });

  it('--top and --min-bytes bound what is kept', () => {
    const r = json(dumps.whole, '--top', '3', '--min-bytes', '1000');
    expect(r.top).toHaveLength(3);
    expect(r.top).toEqual(whole.top.slice(0, 3));
    expect(r.total.keys).toBeLessThan(whole.total.keys);
    expect(Math.min(...r.top.map((t) => t.bytes))).toBeGreaterThanOrEqual(1000);
  });

  it('csv: the redis-rdb-tools header, one row per key, parsed by csv-parse, totals equal the JSON report', () => {
    const r = run(dumps.whole, '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('database,type,key,size_in_bytes,encoding,num_elements,len_largest_element,expiry');
    const rows = parse(r.out, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(whole.total.keys);
    expect(rows.reduce((s, row) => s + Number(row.size_in_bytes), 0)).toBe(whole.total.bytes);
    const byType: Record<string, number> = {};
    for (const row of rows) {
      const t = row.type === 'sortedset' ? 'zset' : row.type!;
      byType[t] = (byType[t] ?? 0) + Number(row.size_in_bytes);
    }
    expect(byType).toEqual(Object.fromEntries(Object.entries(whole.byType).map(([k, v]) => [k, v.bytes])));
    const names = new Set(rows.map((row) => row.key));
    for (const k of ODD_KEYS) expect(names).toContain(escapeKey(k));
    expect(rows.filter((row) => row.expiry !== '').length).toBe(whole.expiry.keys);
  });

  it('several dumps are read in parallel and merged into the report of the whole', () => {
    const merged = json(...dumps.parts);
    expect(merged.inputs).toEqual(dumps.parts);
    expect(content(merged)).toEqual(content(whole));
  });

  it('--merge of reports made one file at a time equals the report of the whole', () => {
    const files = dumps.parts.map((p, i) => {
      const f = join(dir, `r${i}.json`);
      writeFileSync(f, JSON.stringify(json(p)));
      return f;
    });
    const r = run('--merge', ...files, '--format', 'json');
    expect(r.code).toBe(0);
    expect(content(JSON.parse(r.out) as MemoryReport)).toEqual(content(whole));
  });

  it('text: totals, largest keys and prefixes at a glance', () => {
    const r = run(dumps.whole, '--at', AT);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${whole.total.keys.toLocaleString('en-US')} keys`);
    expect(r.out).toContain(`(${whole.total.bytes.toLocaleString('en-US')} bytes)`);
    expect(r.out).toMatch(/^Largest keys \(10 of the top 50\)$/m);
    expect(r.out).toContain(whole.top[0]!.key);
    expect(r.out).toMatch(/^Largest prefixes/m);
  });

  it('a truncated dump is one line with its offset and a non-zero exit', () => {
    const bytes = readFileSync(dumps.whole);
    const cut = join(dir, 'cut.rdb');
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    for (const args of [[cut], [cut, dumps.parts[0]!]]) {
      const r = run(...args);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/truncated RDB at offset \d+/);
    }
  });
});
