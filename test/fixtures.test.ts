/**
 * Golden fixtures made by a real redis-server 7.0 (fixtures/generate.mjs): every
 * fixtures/rdb/X.rdb is decoded whole and at chunk sizes 1, 7 and 4096, with identical
 * results, and its export equals X.json, which the generator read back from the server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRdb, entryToJson, type RdbRecord } from '../src/index.js';
import { metaToJson } from '../src/ops/json.js';
import { decodeChunked } from './support/chunked.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'rdb');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.rdb'))
  .sort();

function exportOf(recs: RdbRecord[]): object[] {
  const out: object[] = [];
  for (const r of recs) {
    if (r.kind === 'key') out.push(entryToJson(r));
    else if (r.kind === 'function') out.push(metaToJson(r)!);
  }
  return out;
}

describe('fixtures made by redis-server 7.0', () => {
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(f, () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, f)));
      const expected = JSON.parse(readFileSync(join(DIR, f.replace(/\.rdb$/, '.json')), 'utf8')) as object[];
      const whole = exportOf(decodeRdb(bytes));
      const diff = diffExports(normalizeExport(expected), normalizeExport(whole));
      expect(diff, diff.join('\n')).toEqual([]);
      expect(whole.length).toBeGreaterThan(0);
      const ref = JSON.stringify(whole);
      for (const size of [1, 7, 4096]) expect(JSON.stringify(exportOf(decodeChunked(bytes, size)))).toBe(ref);
    });
  }
});
