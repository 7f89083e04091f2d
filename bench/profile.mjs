#!/usr/bin/env node
/**
 * Profiles rdbkit on the bench data with V8's sampling profiler (`node --cpu-prof`) and prints the
 * hot spots: self time per function (where the CPU actually is) and inclusive time (what a call
 * costs with everything under it), with source locations mapped to dist/ files.
 *
 * Usage: node bench/profile.mjs [check|jsonl|to-rdb|check-aof|aof-to-rdb ...] [--top N] [--keep DIR]
 *        node bench/profile.mjs --read FILE.cpuprofile [--top N]
 * Default: check and jsonl on bench/data/big.rdb (build the data first: node bench/make-data.mjs,
 * and the CLI: npm run build). Profiles go to a temp dir, or DIR with --keep (open them in Chrome
 * DevTools or speedscope for flame graphs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AOF_DIR, RDB_FILE } from './make-data.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// tsc's module tree rather than the bundle bin/rdbkit.js runs: locations name the source's own files
const RDBKIT = join(root, 'dist', 'cli', 'main.js');

const TARGETS = {
  check: ['check', RDB_FILE],
  jsonl: ['convert', RDB_FILE, '--to', 'jsonl'],
  'to-rdb': ['convert', RDB_FILE, '--to', 'rdb', '-o', join(tmpdir(), `rdbkit-profile-${process.pid}.rdb`), '--force'],
  'check-aof': ['check', AOF_DIR],
  'aof-to-rdb': ['convert', AOF_DIR, '--to', 'rdb', '-o', join(tmpdir(), `rdbkit-profile-aof-${process.pid}.rdb`), '--force'],
};

/** Self and inclusive sample time per function (name + location) in a .cpuprofile. */
export function summarize(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map(); // node id -> microseconds
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    dt.set(id, (dt.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^file:\/\//, '').replace(`${root}/`, '') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (const [id, us] of dt) {
    total += us;
    const n = nodes.get(id);
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + us);
    // Inclusive: count each function once per sample even when it recurses.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(nodes.get(cur));
      if (seen.has(cl)) continue;
      seen.add(cl);
      incl.set(cl, (incl.get(cl) ?? 0) + us);
    }
  }
  return { total, self, incl };
}

function printTop(title, { total, self, incl }, top) {
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const sec = (us) => `${(us / 1e6).toFixed(2).padStart(6)} s`;
  process.stdout.write(`\n== ${title}: ${(total / 1e6).toFixed(2)} s sampled\n-- self time\n`);
  for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)} ${sec(us)}  ${l}\n`);
  process.stdout.write('-- inclusive time (rdbkit functions)\n');
  const ours = [...incl]
    .filter(([l]) => /dist\//.test(l))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [l, us] of ours) process.stdout.write(`${pct(us)} ${sec(us)}  ${l}\n`);
}

function main() {
  const argv = process.argv.slice(2);
  let top = 25;
  let keep = null;
  const reads = [];
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--keep') keep = argv[++i];
    else if (argv[i] === '--read') reads.push(argv[++i]);
    else if (TARGETS[argv[i]]) names.push(argv[i]);
    else throw new Error(`unknown argument ${argv[i]} (targets: ${Object.keys(TARGETS).join(', ')})`);
  }
  for (const f of reads) printTop(f, summarize(JSON.parse(readFileSync(f, 'utf8'))), top);
  if (reads.length) return;
  for (const name of names.length ? names : ['check', 'jsonl']) {
    const dir = keep ? join(keep, name) : mkdtempSync(join(tmpdir(), `rdbkit-prof-${name}-`));
    const args = ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '500', RDBKIT, ...TARGETS[name]];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (name === 'to-rdb' || name === 'aof-to-rdb') rmSync(TARGETS[name][5], { force: true });
    if (r.status !== 0) throw new Error(`rdbkit ${TARGETS[name].join(' ')} exited ${r.status}`);
    // the largest profile: an AOF replay runs in a child process (src/cli/heap.ts), which writes its own
    const file = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
    printTop(
      `rdbkit ${name} (${secs.toFixed(2)} s wall)${keep ? ` ${join(dir, file)}` : ''}`,
      summarize(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
      top,
    );
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`profile: ${e.message}\n`);
  process.exit(1);
}
