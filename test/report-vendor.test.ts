/** The d3-hierarchy inlined into HTML reports is the installed package's build (run scripts/vendor-d3-hierarchy.mjs after an upgrade). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D3_HIERARCHY_JS, D3_HIERARCHY_VERSION } from '../src/ops/report-vendor.js';

describe('vendored d3-hierarchy', () => {
  it('equals the installed dist/d3-hierarchy.min.js', () => {
    const dir = dirname(dirname(createRequire(import.meta.url).resolve('d3-hierarchy')));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    expect(D3_HIERARCHY_VERSION).toBe(pkg.version);
    expect(D3_HIERARCHY_JS).toBe(readFileSync(join(dir, 'dist', 'd3-hierarchy.min.js'), 'utf8').trim());
  });
});
