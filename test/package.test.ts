/** The published shape: ESM, exports, bin, files, engines; the bin shim is a two-line import. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('package.json', () => {
  it('is an ESM package with typed exports', () => {
    expect(pkg.name).toBe('rdbkit');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(pkg.exports['./package.json']).toBe('./package.json');
    expect(pkg.engines.node).toBe('>=20.19'); // require(esm) of the package needs 20.19+
  });

  it('ships the CLI', () => {
    expect(pkg.bin).toEqual({ rdbkit: 'bin/rdbkit.js' });
    expect(pkg.files).toEqual(['dist', 'bin']);
    const shim = readFileSync(join(ROOT, 'bin', 'rdbkit.js'), 'utf8')
      .trim()
      .split('\n');
    expect(shim[0]).toBe('#!/usr/bin/env node');
    expect(shim).toHaveLength(2);
  });

  it('builds on install and tests after building', () => {
    expect(pkg.scripts.prepare).toMatch(/build/);
    expect(pkg.scripts.test).toMatch(/vitest run/);
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['chalk', 'lz4js', 'yargs']);
  });

  it('the public API exports what the README shows', async () => {
    const api = await import('../src/index.js');
    for (const name of [
      'decodeRdb',
      'RdbDecoder',
      'entryToJson',
      'TruncatedError',
      'CorruptError',
      'ParseError',
      'inspectRdb',
      'checkRdb',
      'exportRdb',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
