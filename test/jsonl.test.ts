/**
 * The byte-level JSON writer must produce the same JSON values as JSON.stringify over
 * entryToJson (the contract's reference form), for every fixture and corpus key, and decide
 * UTF-8 validity exactly as a fatal TextDecoder does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../src/bytes/writer.js';
import { decodeRdb, entryToJson, exportRdb, type KeyEntry, type RdbRecord } from '../src/index.js';
import { tryUtf8, utf8 } from '../src/model/bytes.js';
import { formatG17 } from '../src/model/number.js';
import { exportRecords } from '../src/ops/export.js';
import { jsonDoubleInto, jsonIntInto, writeJsonBytes } from '../src/ops/json-bytes.js';
import { writeEntryJson } from '../src/ops/jsonl.js';
import { unpackEntry } from '../src/ops/jsonl-packed.js';
import { decodeListpack, encodeListpack, type LpValue } from '../src/rdb/listpack.js';
import { parseRedisDoubleBytes } from '../src/rdb/string.js';
import { corpusFiles, corpusPath, requireCorpus } from './support/corpus.js';
import { mulberry32 } from './support/prng.mjs';

const ROOT = join(import.meta.dirname, '..');
const corpusPresent = requireCorpus('JSON writer checks on corpus keys');
const files = [
  ...readdirSync(join(ROOT, 'fixtures', 'rdb'))
    .filter((f) => f.endsWith('.rdb'))
    .map((f) => relative(ROOT, join(ROOT, 'fixtures', 'rdb', f))),
  ...corpusFiles('', ['.rdb']).map((f) => `corpus/${f}`),
].sort();
const pathOf = (name: string): string => (name.startsWith('corpus/') ? corpusPath(name.slice(7)) : join(ROOT, name));

function keysOf(file: string): KeyEntry[] {
  try {
    return decodeRdb(new Uint8Array(readFileSync(file))).filter((r): r is KeyEntry => r.kind === 'key');
  } catch {
    return []; // files that must fail are covered by corpus.test.ts
  }
}

describe('byte-level JSON writer', () => {
  let n = 0;
  it.each(files)('agrees with JSON.stringify(entryToJson()) on every readable key of %s', (f) => {
    for (const e of keysOf(pathOf(f))) {
      const w = new ByteWriter();
      writeEntryJson(w, e);
      const mine = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(w.finish()));
      expect(mine, `${f}`).toEqual(JSON.parse(JSON.stringify(entryToJson(e))));
      n++;
    }
  });

  it.each(files)('writes the same bytes from values kept as their blob (decoder option packed) in %s', (f) => {
    const bytes = new Uint8Array(readFileSync(pathOf(f)));
    const lines = (opts: { packed?: boolean }, threshold?: number): string => {
      try {
        const w = new ByteWriter();
        for (const r of decodeRdb(bytes, opts)) if (r.kind === 'key') writeEntryJson(w, r, threshold);
        return new TextDecoder().decode(w.finish());
      } catch (e) {
        return `${(e as Error).constructor.name} ${(e as { code?: string }).code} ${(e as { offset?: number }).offset} ${(e as Error).message}`;
      }
    };
    expect(lines({ packed: true })).toBe(lines({}));
    expect(lines({ packed: true }, 1)).toBe(lines({}, 1));
  });

  it('compared more than 5000 keys', () => {
    expect(n).toBeGreaterThan(corpusPresent ? 5000 : 500);
  });

  it('classifies UTF-8 exactly like a fatal TextDecoder', () => {
    let s = 12345;
    const rand = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s >>> 8;
    };
    const interesting = [
      0x00, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90,
    ];
    for (let t = 0; t < 20000; t++) {
      const b = new Uint8Array(rand() % 6).map(() => (rand() % 3 === 0 ? interesting[rand() % interesting.length]! : rand() & 0xff));
      const w = new ByteWriter();
      writeJsonBytes(w, b);
      const text = tryUtf8(b);
      const got = JSON.parse(new TextDecoder().decode(w.finish()));
      if (text === null) expect(got).toEqual({ base64: Buffer.from(b).toString('base64') });
      else {
        expect(got).toBe(text);
        expect(new TextDecoder().decode(w.finish())).toBe(JSON.stringify(text));
      }
    }
  });

  it('writes JSON.stringify of a plain run broken at every offset by an escape or a UTF-8 sequence', () => {
    // plain runs are copied four bytes a step: the byte that ends a run can sit at any offset of a step
    const breaks = [[0x00], [0x0a], [0x22], [0x5c], [0x1f], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0x00, 0x00, 0x00]];
    // (and strings of 64 bytes or more are scanned eight bytes a step, then copied whole)
    for (const len of [...Array(21).keys(), 62, 63, 64, 65, 71, 72, 73, 80, 100])
      for (let at = 0; at <= len; at++)
        for (const br of breaks) {
          const b = new Uint8Array(len + br.length);
          for (let k = 0; k < len; k++) b[k] = 0x61 + (k % 26);
          b.set(br, at);
          for (let k = at; k < len; k++) b[k + br.length] = 0x41 + (k % 26);
          const w = new ByteWriter();
          writeJsonBytes(w, b);
          expect(new TextDecoder().decode(w.finish())).toBe(JSON.stringify(new TextDecoder().decode(b)));
        }
  });

  it('writes runs of one escaped byte of any length as JSON.stringify does', () => {
    // runs are scanned four bytes a step and written up to 256 escapes at a time
    for (const c of [0x00, 0x0a, 0x22])
      for (const len of [2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 257, 258, 300, 512, 513])
        for (let pre = 0; pre < 5; pre++) {
          const b = new Uint8Array(pre + len + 3).fill(0x61);
          b.fill(c, pre, pre + len);
          const w = new ByteWriter();
          writeJsonBytes(w, b);
          expect(new TextDecoder().decode(w.finish())).toBe(JSON.stringify(new TextDecoder().decode(b)));
        }
  });

  it('writes listpack zset scores stored as text as String() writes their value', () => {
    // Redis 7.0 stores a non-integer score as %.17g; the writer takes String()'s digits from the
    // text when 15 of them name the score again
    const texts: string[] = ['0.99999999999999989', '9.9999999999999982', '0.1', '-0.5', '0.000001', '0.0000001', '1e-05'];
    texts.push('123456.70000000000', '0.10000000000000001', '-24467.503700000001', '99999999999999.984', '1234567890123456.8');
    texts.push('0.050000000000000003', '5.0', '007.5', '+1.5', '1.5e3', '0.30000000000000004', '100.00000000000001');
    const rand = mulberry32(17);
    for (let t = 0; t < 20000; t++) {
      const v = (rand() - 0.3) * 10 ** Math.floor(rand() * 24 - 8);
      texts.push(formatG17(Number(v.toPrecision(1 + (t % 17)))), formatG17(v), String(Number(v.toPrecision(1 + (t % 15)))));
    }
    for (let k = 0; k < texts.length; k += 100) {
      const items: LpValue[] = [];
      const members: Array<[Uint8Array, number]> = [];
      const scores: number[] = [];
      for (const [i, text] of texts.slice(k, k + 100).entries()) {
        const b = utf8(text);
        const score = parseRedisDoubleBytes(b, 0, b.length);
        if (score === null || Number.isInteger(score)) continue;
        items.push(utf8(`m${i}`), b);
        members.push([utf8(`m${i}`), score]);
        scores.push(score);
      }
      const key = { kind: 'key', db: 1, key: utf8('z'), type: 'zset', encoding: 'listpack', rdbType: 17, expireAt: null } as const;
      const packed = {
        ...key,
        value: [],
        packed: { format: 'listpack', blob: encodeListpack(items), count: items.length, scores: Float64Array.from(scores) },
      };
      const line = (e: KeyEntry): string => {
        const w = new ByteWriter();
        writeEntryJson(w, e);
        return new TextDecoder().decode(w.finish());
      };
      expect(line(packed as KeyEntry)).toBe(line({ ...key, value: members }));
    }
  });

  it('writes doubles as String() does (binary zset scores)', () => {
    const values = [0.1, -0.1, 0.5, 1.5, 1e-6, 1e-7, 1e-6 * (1 - 2 ** -52), 1e-5, 0.000123, 0.30000000000000004, 1 / 3, 2 / 3, -1e15 + 0.5];
    values.push(999999999999999.9, 99999999999999.98, 123456.7, -24467.5037, 1e21, 1e22, 2 ** 60, 1.7976931348623157e308, 5e-324, 4.35);
    for (let p = 1e-8; p < 1e17; p *= 10) values.push(p, p * 1.5, p * (1 - 2 ** -52), p * (1 + 2 ** -52), -p / 3);
    const rand = mulberry32(5);
    for (let t = 0; t < 50000; t++) {
      const v = (rand() - 0.3) * 10 ** Math.floor(rand() * 30 - 10);
      values.push(v, Number(v.toPrecision(1 + (t % 17))), Number(v.toFixed(t % 8)), Number(v.toPrecision(16)), Number(v.toPrecision(17)));
      // the doubles next to one named by 16 digits
      const w = Number(v.toPrecision(16));
      values.push(w + Math.abs(w) * 2 ** -52, w - Math.abs(w) * 2 ** -52);
    }
    const buf = new Uint8Array(32);
    for (const v of values) expect(new TextDecoder().decode(buf.subarray(0, jsonDoubleInto(buf, 0, v)))).toBe(String(v));
  });

  it('writes safe integers as String() does, quoted or not', () => {
    const values = [0, -0, 1, -1, 9, 10, 99, 100, 999_999_999, 1e9, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 31 + 1, 1e8 - 1, 1e8];
    values.push(1e10, 99_999_999_999, 100_000_000_007, 1_700_000_000_000, 2 ** 53 - 1, -(2 ** 53 - 1), 123_456_789_012_345);
    for (let p = 1; p < 2 ** 53; p *= 10) values.push(p - 1, p, p + 1, -p);
    let s = 99;
    for (let t = 0; t < 5000; t++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      values.push(Math.floor((s / 2 ** 32) * 2 ** (t % 54)) * (t & 1 ? -1 : 1));
    }
    const buf = new Uint8Array(32);
    for (const v of values) {
      expect(new TextDecoder().decode(buf.subarray(0, jsonIntInto(buf, 0, v, false)))).toBe(String(v));
      expect(new TextDecoder().decode(buf.subarray(0, jsonIntInto(buf, 0, v, true)))).toBe(`"${v}"`);
    }
  });

  it('writes chunks handed back (ExportOptions.recycle) again, with the same text', async () => {
    const value = new Uint8Array(3000).map((_, i) => 0x20 + (i % 90));
    const keys: KeyEntry[] = Array.from({ length: 2000 }, (_, i) => ({
      kind: 'key',
      db: 0,
      key: new TextEncoder().encode(`k:${i}`),
      type: 'string',
      encoding: 'raw',
      rdbType: 0,
      expireAt: null,
      value,
    }));
    const text = async (recycle?: Uint8Array[]): Promise<{ text: string; chunks: number; buffers: number }> => {
      let t = '';
      let chunks = 0;
      const buffers = new Set<ArrayBufferLike>();
      for await (const c of exportRecords([keys], { format: 'jsonl', recycle })) {
        t += new TextDecoder().decode(c);
        chunks++;
        buffers.add(c.buffer);
        recycle?.push(c);
      }
      return { text: t, chunks, buffers: buffers.size };
    };
    const fresh = await text();
    const recycled = await text([]);
    expect(recycled.text).toBe(fresh.text);
    expect(fresh.chunks).toBeGreaterThan(10);
    expect(fresh.buffers).toBe(fresh.chunks);
    // every chunk but the first and the last (a copy) is written into a buffer handed back
    expect(recycled.buffers).toBe(3);
  });

  it.each([1, 3, 5, 40, 1000])(
    'exports the same JSONL with and without packed values, keys in parts past %i elements',
    async (threshold) => {
      // quicklist nodes are kept packed only below the part threshold: part records must not change
      for (const f of ['lists.rdb', 'everything.rdb', 'sets.rdb', 'hashes.rdb', 'zsets.rdb']) {
        const bytes = new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'rdb', f)));
        const collect = async (packed: boolean): Promise<string> => {
          let out = '';
          for await (const c of exportRdb([bytes], { format: 'jsonl', partThreshold: threshold, decoder: { packed } }))
            out += new TextDecoder().decode(c);
          return out;
        };
        expect(await collect(true), f).toBe(await collect(false));
      }
    },
  );

  it.each([0, 1, 5, 40, 1000])('hands over the same list parts with quicklist nodes kept packed (threshold %i)', (threshold) => {
    // a packed list part carries its nodes: decoded, the records must be those of the decoder without `packed`
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'rdb', 'lists.rdb')));
    const plain = (records: RdbRecord[]): unknown[] =>
      records.map((r) => {
        if (r.kind === 'key-part' && r.part === 'list' && r.packed) {
          const { packed, ...rest } = r;
          return { ...rest, items: packed.flatMap((node) => decodeListpack(node, 0)) };
        }
        if (r.kind === 'key' && r.packed) return unpackEntry(r);
        return r;
      });
    const packed = decodeRdb(bytes, { packed: true, partThreshold: threshold });
    expect(packed.some((r) => (r.kind === 'key-part' && r.part === 'list' && r.packed) || (r.kind === 'key' && r.packed?.nodes))).toBe(
      true,
    );
    expect(plain(packed)).toEqual(decodeRdb(bytes, { partThreshold: threshold }));
  });

  it('exportRdb --to json is one array of the JSONL lines', async () => {
    const f = join(ROOT, 'fixtures', 'rdb', 'everything.rdb');
    const collect = async (format: 'json' | 'jsonl'): Promise<string> => {
      let out = '';
      for await (const c of exportRdb([new Uint8Array(readFileSync(f))], { format })) out += new TextDecoder().decode(c);
      return out;
    };
    const lines = (await collect('jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(JSON.parse(await collect('json'))).toEqual(lines);
  });
});
