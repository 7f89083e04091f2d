/**
 * `convert --to rdb --compress lz4|gzip` (ops/to-rdb.ts `vcs`, io/compress.ts gzipChunks).
 * Evidence: every fixture written compressed is read back by rdbkit's own reader (io/input.ts
 * detects the container) with the same JSONL as the original; the VCS content is exactly the RDB the
 * encoder writes with no per-string LZF and a zero CRC64 (FORMATS.md §11.1), inside an LZ4 frame
 * with block and content checksums; a gzip'd RDB passes the real `gunzip` + `redis-check-rdb`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { gzipChunks } from '../src/io/compress.js';
import { writeFileAtomic } from '../src/io/files.js';
import { openRdbInput } from '../src/io/input.js';
import { concatBytes } from '../src/model/bytes.js';
import { exportRdb } from '../src/ops/export.js';
import { type ToRdbReport, toRdbChunks } from '../src/ops/to-rdb.js';
import { decodeRdb } from '../src/rdb/decoder.js';
import { encodeRdb } from '../src/rdb/encoder.js';
import { VCS_HEADER, VcsDecoder } from '../src/rdb/vcs.js';
import { diffExports, normalizeExport } from './support/normalize.mjs';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'fixtures/rdb');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.rdb'))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-compress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(gen: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of gen) parts.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
  return concatBytes(parts);
}

/** JSONL export (with header/aux/function records) of a file as rdbkit's reader opens it (plain, gzip or VCS detected). */
async function jsonlOf(file: string): Promise<{ container: string; text: string }> {
  const input = await openRdbInput(file, { chunkSize: 4096 });
  const out = await collect(exportRdb(input.source, { format: 'jsonl', meta: true, decoder: input.decoderOptions }));
  return { container: input.container, text: new TextDecoder().decode(out) };
}

/** Write `fixture` re-encoded with the given compression to a temp file; returns its path and report. */
async function writeCompressed(
  fixture: string,
  compress: 'lz4' | 'gzip',
  name = fixture,
): Promise<{ file: string; report: Partial<ToRdbReport> }> {
  const report: Partial<ToRdbReport> = {};
  const input = await openRdbInput(join(FIXTURES, fixture));
  let chunks = toRdbChunks(input.source, 'rdb', { vcs: compress === 'lz4', decoder: input.decoderOptions }, report);
  if (compress === 'gzip') chunks = gzipChunks(chunks);
  const file = join(tmp, `${name}.${compress}`);
  await writeFileAtomic(file, chunks);
  return { file, report };
}

describe('compressed RDB output is read back as the original', () => {
  for (const compress of ['lz4', 'gzip'] as const) {
    it(`--compress ${compress}: JSONL of every fixture equals JSONL of its compressed re-encoding`, async () => {
      for (const f of fixtures) {
        const want = await jsonlOf(join(FIXTURES, f));
        const { file, report } = await writeCompressed(f, compress);
        const got = await jsonlOf(file);
        expect(got.container, f).toBe(compress === 'lz4' ? 'vcs' : 'gzip');
        expect(got.text.length, f).toBeGreaterThan(0);
        expect(got.text, f).toBe(want.text);
        expect(report.keys, f).toBe(
          want.text
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('{"db"')).length,
        );
      }
    });
  }

  it('JSONL → RDB in a VCS envelope → JSONL is the identity (up to hash field order)', async () => {
    // A JSON object cannot keep the order of integer-like hash field names ("2" before "name"
    // after JSON.parse), so this path compares in canonical form.
    const canon = (text: string) => {
      const all = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return [
        ...all.filter((r) => !('key' in r)),
        ...normalizeExport(
          all.filter((r) => 'key' in r),
          { forCompare: false },
        ),
      ];
    };
    for (const f of fixtures) {
      const want = await jsonlOf(join(FIXTURES, f));
      const rdb = await collect(toRdbChunks([new TextEncoder().encode(want.text)], 'json', { vcs: true }));
      const file = join(tmp, `${f}.fromjson.vcs`);
      writeFileSync(file, rdb);
      const got = await jsonlOf(file);
      expect(got.container).toBe('vcs');
      expect(diffExports(canon(want.text), canon(got.text), 5), f).toEqual([]);
      expect(canon(got.text)).toEqual(canon(want.text));
    }
  });
});

describe('the VCS envelope (FORMATS.md §11.1)', () => {
  it('holds one LZ4 frame with block and content checksums around the RDB with no LZF and a zero CRC64', async () => {
    for (const f of fixtures) {
      const { file } = await writeCompressed(f, 'lz4', `${f}.env`);
      const bytes = new Uint8Array(readFileSync(file));
      expect([...bytes.subarray(0, 7)], f).toEqual([...VCS_HEADER]);
      // LZ4 frame magic, then FLG: version 01, block checksums (0x10), content checksum (0x04)
      expect([...bytes.subarray(7, 11)]).toEqual([0x04, 0x22, 0x4d, 0x18]);
      expect(bytes[11]! & 0xc0).toBe(0x40);
      expect(bytes[11]! & 0x14).toBe(0x14);
      const d = new VcsDecoder();
      const inner = concatBytes(d.write(bytes).map((p) => p.slice()));
      d.end();
      // the inner RDB is exactly what the encoder writes without LZF and without a CRC, from the
      // records as convert reads them (with their stored layout: quicklist and stream nodes are kept)
      const src = decodeRdb(new Uint8Array(readFileSync(join(FIXTURES, f))), { layout: true });
      const h = src.find((r) => r.kind === 'header') as { version: number };
      expect(inner, f).toEqual(encodeRdb(src, { version: h.version, compress: false, checksum: false }));
      expect([...inner.subarray(inner.length - 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      const eof = decodeRdb(inner).find((r) => r.kind === 'eof') as { checksum: string | null; verified: boolean };
      expect(eof.verified).toBe(false);
    }
  });

  it('LZ4 actually compresses: a dataset of repetitive values is smaller than the plain RDB', async () => {
    const { file } = await writeCompressed('strings.rdb', 'lz4', 'strings-size');
    const plain = readFileSync(join(FIXTURES, 'strings.rdb')).length;
    expect(readFileSync(file).length).toBeLessThan(plain);
  });
});

describe('errors pass through the compressors', () => {
  it('a refused lossy conversion rejects through gzip and VCS, leaving no output file', async () => {
    for (const compress of ['lz4', 'gzip'] as const) {
      const input = await openRdbInput(join(FIXTURES, 'streams.rdb'));
      let chunks = toRdbChunks(input.source, 'rdb', { version: 8, vcs: compress === 'lz4', decoder: input.decoderOptions });
      if (compress === 'gzip') chunks = gzipChunks(chunks);
      const out = join(tmp, `refused.${compress}`);
      await expect(writeFileAtomic(out, chunks)).rejects.toThrow(UsageError);
      expect(existsSync(out)).toBe(false);
    }
  });
});

const haveTools = !spawnSync('redis-check-rdb', ['--help']).error && !spawnSync('gunzip', ['--version']).error;
if (!haveTools) {
  if (process.env.CI === 'true') throw new Error('redis-check-rdb and gunzip are required in CI (apt-get install redis-tools gzip)');
  console.warn('[writer-compress] redis-check-rdb or gunzip not found: skipping the real-tool gzip checks');
}

describe.skipIf(!haveTools)('a gzip RDB is a plain gzip file of a valid RDB (real gunzip + redis-check-rdb)', () => {
  it('every fixture', async () => {
    for (const f of fixtures) {
      const { file } = await writeCompressed(f, 'gzip', `${f}.tools`);
      const plain = join(tmp, `${f}.gunzipped.rdb`);
      const gz = spawnSync('gunzip', ['-c', file], { maxBuffer: 256 << 20 });
      expect(gz.status, `${f}: gunzip ${gz.stderr}`).toBe(0);
      writeFileSync(plain, gz.stdout);
      const res = spawnSync('redis-check-rdb', [plain], { encoding: 'utf8' });
      expect(res.status, `${f}: redis-check-rdb\n${res.stdout}${res.stderr}`).toBe(0);
      expect(res.stdout).toMatch(/RDB looks OK/);
    }
  });
});

describe.skipIf(!existsSync(join(ROOT, 'dist/cli/main.js')))('CLI: convert --to rdb --compress', () => {
  const BIN = join(ROOT, 'bin', 'rdbkit.js');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });

  it('writes VCS and gzip files that `rdbkit convert --to jsonl` reads back', async () => {
    const src = join(FIXTURES, 'everything.rdb');
    const want = run('convert', src, '--to', 'jsonl');
    expect(want.status).toBe(0);
    for (const compress of ['lz4', 'gzip']) {
      const out = join(tmp, `cli.${compress}`);
      const r = run('convert', src, '--to', 'rdb', '-o', out, '--compress', compress);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(compress === 'lz4' ? /RDB 10 in a VCS \(LZ4\) envelope/ : /RDB 10, gzip/);
      const back = run('convert', out, '--to', 'jsonl');
      expect(back.status, back.stderr).toBe(0);
      expect(back.stdout).toBe(want.stdout);
    }
    const bad = run('convert', src, '--to', 'jsonl', '--compress', 'gzip');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--compress applies to --to rdb: leave it out/);
  });
});
