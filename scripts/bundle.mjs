#!/usr/bin/env node
/**
 * `npm run build`'s second step: the CLI as one file, dist/bundle/rdbkit.js (what bin/rdbkit.js
 * runs), with its two worker threads beside it (crc-worker.js, report-worker.js), bundled by esbuild
 * from tsc's dist/ with yargs, chalk and lz4js inside.
 *
 * Why: Node 20 loads ES modules one file at a time, and the CLI's ~120 modules cost ~0.45 s of CPU
 * before any work (`rdbkit check` of an empty RDB: 0.78 s CPU, of which bare node is 0.16 s); the
 * bundle starts in 0.35 s. Issue 11's bench counts that CPU in every row. The library (dist/index.js)
 * stays tsc's module tree.
 *
 * In the bundle, RDBKIT_BUNDLED is defined, so the worker spawners name the worker files beside
 * the bundle (src/io/crc-worker.ts, src/cli/commands/report.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const out = join(dist, 'bundle');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const entries = {
  rdbkit: join(dist, 'cli', 'main.js'),
  'crc-worker': join(dist, 'io', 'crc-worker.js'),
  'report-worker': join(dist, 'cli', 'report-worker.js'),
};
await build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: { RDBKIT_BUNDLED: 'true' },
  logLevel: 'warning',
});
