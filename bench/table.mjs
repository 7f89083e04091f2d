#!/usr/bin/env node
/**
 * Prints bench/results.json (the last `npm run bench`) as a Markdown table for README's performance
 * section: every row with ours, the baseline, both ratios, target (must), peak RSS, load, result.
 * Usage: node bench/table.mjs [results.json]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'results.json');
const res = JSON.parse(readFileSync(file, 'utf8'));
const byName = new Map(res.results.map((r) => [r.name, r]));
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const level = (l) =>
  l
    ? [
        l.ratio !== undefined ? `≤ ${l.ratio}×` : null,
        l.rssMB !== undefined ? `≤ ${l.rssMB} MB` : null,
        l.rssRatio !== undefined ? `RSS ≤ ${l.rssRatio}×` : null,
      ]
        .filter(Boolean)
        .join(', ')
    : '';
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
const out = [
  `Measured ${res.date.slice(0, 16).replace('T', ' ')} UTC, rdbkit ${res.rdbkit}, ${res.cpu}, ${res.memoryGB} GB, node ${res.node}, redis ${res.redis}; ` +
    `${res.runs === 1 ? 'one run' : `median of ${res.runs} runs`}. Load average (1/5/15 min) ${res.loadAverage.atStart.join(' ')} at the start, ` +
    `${res.loadAverage.atEnd.join(' ')} at the end. Data (scale ${res.data.scale}): big.rdb ${mb(res.data.rdbBytes)} (${res.data.keys} keys), ` +
    `populate.rdb ${mb(res.data.populateBytes)}, huge.rdb ${mb(res.data.hugeBytes)}, aof/ ${mb(res.data.aofBytes)}.`,
  '',
  '| measurement | ours: wall s / CPU s | baseline: wall s / CPU s | ratio (wall) | ratio (CPU) | target (must) | peak RSS MB (ratio) | load | result |',
  '|---|---:|---:|---:|---:|---|---:|---:|---|',
];
for (const r of res.results) {
  if (!r.baseline) continue;
  const b = byName.get(r.baseline);
  const t = r.targetText ?? `${level(r.target)} (${level(r.must)})`;
  const rss = `${f(r.peakRssMB, 0)}${Number.isFinite(r.rssRatio) && r.must?.rssRatio !== undefined ? ` (${f(r.rssRatio)}×)` : ''}`;
  out.push(
    `| ${r.label} | ${f(r.medianSeconds, 1)} / ${f(r.medianCpuSeconds)} | ${f(b?.medianSeconds, 1)} / ${f(b?.medianCpuSeconds)} (${b?.label ?? ''}, ${f(b?.peakRssMB, 0)} MB) | ` +
      `${Number.isFinite(r.ratio) ? `${f(r.ratio)}×` : '-'} | ${Number.isFinite(r.cpuRatio) ? `${f(r.cpuRatio)}×` : '-'} | ${t} | ${rss} | ${f(r.loadAverage, 1)} | ${r.status} |`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
