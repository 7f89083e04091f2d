/**
 * Every .rdb under ../shared/corpus (real files from other projects' test suites) is decoded,
 * whole and at chunk sizes 1, 7 and 4096 with identical results, and held against what its
 * folder's MANIFEST.md says it contains: key counts, key names and types, short string values,
 * and the files the owners' tests expect to fail must fail with the right error kind.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptError, decodeRdb, entryToJson, type KeyEntry, ParseError, type RdbRecord } from '../src/index.js';
import { compileFilter } from '../src/ops/filter.js';
import { decodeChunked } from './support/chunked.js';
import { CORPUS, requireCorpus } from './support/corpus.js';

const present = requireCorpus('corpus RDB tests');

interface Row {
  file: string;
  text: string;
}

function manifestRows(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const p = join(dir, 'MANIFEST.md');
  if (!existsSync(p)) return m;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    const cells = line.split('|').map((s) => s.trim());
    if (cells.length < 6) continue;
    const name = cells[1]!.replace(/`/g, '');
    if (name.endsWith('.rdb')) m.set(name, cells.slice(5).join('|'));
  }
  return m;
}

function listRdbs(): Row[] {
  if (!present) return [];
  const rows: Row[] = [];
  const walk = (dir: string, rel: string, manifest: Map<string, string>): void => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      const r = rel ? `${rel}/${f}` : f;
      if (statSync(p).isDirectory()) walk(p, r, manifest);
      else if (f.endsWith('.rdb')) rows.push({ file: p, text: manifest.get(r) ?? '' });
    }
  };
  for (const d of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, d);
    if (statSync(dir).isDirectory()) walk(dir, '', manifestRows(dir));
  }
  return rows;
}

/** Records as comparable JSON (spans included: they must not depend on chunking). */
function canon(recs: RdbRecord[]): string {
  return JSON.stringify(recs.map((r) => (r.kind === 'key' ? { ...entryToJson(r), span: r.span } : { kind: r.kind, span: r.span })));
}

const rows = listRdbs();

describe.skipIf(!present)('shared corpus', () => {
  it('has files to test', () => {
    expect(rows.length).toBeGreaterThan(300);
  });

  for (const row of rows) {
    const name = row.file.slice(CORPUS.length + 1);
    const mustFail = /MUST FAIL/.test(row.text);
    it(`${name}${mustFail ? ' (must fail)' : ''}`, () => {
      const bytes = new Uint8Array(readFileSync(row.file));
      if (mustFail) {
        let err: unknown;
        try {
          decodeRdb(bytes);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ParseError);
        const pe = err as ParseError;
        if (/CRC64|checksum/i.test(row.text)) {
          expect(pe.code).toBe('RDB_BAD_CHECKSUM');
          // ... and parses when verification is off
          expect(() => decodeRdb(bytes, { verifyChecksum: false })).not.toThrow();
        } else if (/unsupported RDB version/.test(row.text)) {
          expect(pe.code).toBe('RDB_UNSUPPORTED_VERSION');
        } else {
          expect(pe).toBeInstanceOf(CorruptError);
        }
        // chunked decoding fails the same way, at the same offset
        let err7: unknown;
        try {
          decodeChunked(bytes, 7);
        } catch (e) {
          err7 = e;
        }
        expect((err7 as ParseError).code).toBe(pe.code);
        expect((err7 as ParseError).offset).toBe(pe.offset);
        return;
      }
      if (/type 6|Redis 4 "hellotype"/.test(row.text) && /REDIS0008/.test(readFileSync(row.file).subarray(0, 9).toString())) {
        // redis-replicator's module.rdb holds a type-6 value (4.0 RC module format without opcode
        // framing): unreadable without the module's own parser, so it must fail cleanly.
        expect(() => decodeRdb(bytes)).toThrow(/type 6/);
        return;
      }
      const whole = decodeRdb(bytes);
      const ref = canon(whole);
      for (const size of [1, 7, 4096]) expect(canon(decodeChunked(bytes, size))).toBe(ref);
      const keys = whole.filter((r) => r.kind === 'key');
      // check/inspect mode (values validated, not kept) sees the same keys with the same spans
      const shallow = (recs: RdbRecord[]): string =>
        JSON.stringify(
          recs
            .filter((r) => r.kind === 'key')
            .map((r) => {
              const k = r as KeyEntry;
              return [k.db, Array.from(k.key), k.type, k.encoding, k.expireAt, k.span];
            }),
        );
      expect(shallow(decodeRdb(bytes, { skipValues: true }))).toBe(shallow(whole));
      expect(whole[whole.length - 1]!.kind).toBe('eof');
      const expiredDropped = /expired-key filtering/.test(row.text)
        ? keys.filter((k) => compileFilter({ expiredAt: Date.now() })(k as KeyEntry))
        : keys;
      checkManifest(name, row.text, expiredDropped);
    });
  }
});

/** Places where a MANIFEST.md row is wrong about the file, checked against the bytes. */
const MANIFEST_ERRATA: Record<string, Record<string, string>> = {
  // type byte 0x0e (list-quicklist) precedes "seri3": the file holds a list, not a set
  'redis-replicator/binarydump.rdb': { seri3: 'list' },
};

function checkManifest(name: string, text: string, keys: RdbRecord[]): void {
  const entries = keys.map((k) => entryToJson(k as never));
  let m: RegExpExecArray | null;
  if (/^no keys/.test(text)) expect(keys.length).toBe(0);
  if ((m = /^(\d+) (?:\w+ )?keys?\b/.exec(text))) expect(keys.length).toBe(Number(m[1]));
  if ((m = /^at least (\d+) keys?\b/.exec(text))) expect(keys.length).toBeGreaterThanOrEqual(Number(m[1]));
  if ((m = /^record count (\d+)/.exec(text))) expect(keys.length).toBe(Number(m[1]));
  // `name` type[, "value"] pairs
  const re = /`([^`]+)` (string|list|set|zset|hash|stream|module)\b(?:, ("(?:[^"\\]|\\.)*"))?/g;
  while ((m = re.exec(text))) {
    const [, rawKey, listedType, value] = m;
    if (rawKey!.endsWith('...')) continue;
    // rdb-rs rows name keys as "key@dbN"
    const at = /^(.*)@db(\d+)$/.exec(rawKey!);
    const key = at ? at[1]! : rawKey!;
    const type = MANIFEST_ERRATA[name]?.[key] ?? listedType;
    const found = entries.filter((e) => e.key === key && (!at || e.db === Number(at[2])));
    expect(found.length, `key ${key} listed in MANIFEST.md`).toBeGreaterThan(0);
    expect(
      found.some((e) => e.type === type),
      `key ${key} has type ${type}`,
    ).toBe(true);
    if (value && type === 'string' && !value.includes('...') && !/\(\d+ chars\)/.test(value)) {
      const v = JSON.parse(value) as string;
      expect(
        found.some((e) => e.value === v),
        `key ${key} = ${value}`,
      ).toBe(true);
    }
  }
}
