/**
 * Stream entries kept as their stored nodes (decoder option `packed`, jsonl-stream-nodes.ts)
 * must be written byte for byte as the decoded entries are, whole and in parts, at every chunk
 * size: every fixture and corpus file holding a stream (nodes with deleted entries, several
 * nodes, entries with field names of their own, repeated and binary names, ids past 2^53).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRdb, encodeRdb, exportRdb } from '../src/index.js';
import { concatBytes, utf8 } from '../src/model/bytes.js';
import type { KeyEntry, StreamEntry } from '../src/model/record.js';
import { corpusFiles, corpusPath, requireCorpus } from './support/corpus.js';

const ROOT = join(import.meta.dirname, '..');
requireCorpus('stream node JSON checks on corpus files');
const pathOf = (name: string): string => (name.startsWith('corpus/') ? corpusPath(name.slice(7)) : join(ROOT, name));

/** Stored nodes and live entries of the streams in a file read with `packed` (null: unreadable, or no stream). */
function streamsIn(name: string): { nodes: number; live: number } | null {
  try {
    let nodes = 0;
    let live = 0;
    let streams = 0;
    for (const r of decodeRdb(new Uint8Array(readFileSync(pathOf(name))), { packed: true }))
      if (r.kind === 'key' && r.type === 'stream') {
        streams++;
        expect(r.value.entries).toEqual([]);
        nodes += r.value.packed?.nodes.length ?? 0;
        live += r.value.packed?.live ?? 0;
      }
    return streams ? { nodes, live } : null;
  } catch {
    return null; // files that must fail are covered by corpus.test.ts
  }
}

const files = [
  ...readdirSync(join(ROOT, 'fixtures', 'rdb'))
    .filter((f) => f.endsWith('.rdb'))
    .map((f) => relative(ROOT, join(ROOT, 'fixtures', 'rdb', f))),
  ...corpusFiles('', ['.rdb']).map((f) => `corpus/${f}`),
]
  .sort()
  .filter((f) => streamsIn(f) !== null);

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function exported(bytes: Uint8Array, size: number, partThreshold: number, packed: boolean): Promise<string> {
  const out: Uint8Array[] = [];
  for await (const c of exportRdb(chunks(bytes, size), { format: 'jsonl', meta: true, partThreshold, decoder: { packed } })) out.push(c);
  return new TextDecoder().decode(concatBytes(out));
}

/**
 * Streams written by our encoder: entries whose names are array indices (JSON.stringify puts
 * them first), repeated, not UTF-8, plain ASCII (written from the blob) or needing an escape,
 * integers and text as names and values, names shared with
 * the node's first entry or not, ids about 2^53 and 2^64; 250 entries, several nodes.
 */
function craftedStreams(): Uint8Array {
  const b = (...x: number[]): Uint8Array => new Uint8Array(x);
  const shapes: Array<Array<[Uint8Array, Uint8Array]>> = [
    [
      [utf8('10'), utf8('ten')],
      [utf8('b'), utf8('12345')],
      [utf8('2'), utf8('two')],
      [utf8('-1'), utf8('x')],
    ],
    [
      [utf8('dup'), utf8('1')],
      [utf8('dup'), utf8('2')],
    ],
    [
      [b(0xff, 0x00), utf8('v')],
      [utf8('k'), b(0xc3, 0x28)],
    ],
    [
      [utf8('name'), utf8('"q"\n')],
      [utf8('n'), utf8('12345')],
      [utf8('bin'), b(0xff, 0x00)],
      [utf8(''), utf8('empty name')],
      [utf8('a1'), utf8('-9007199254740993')],
    ],
    [
      [utf8('tab\t'), utf8('v')],
      [utf8('x'), utf8('é')],
    ],
    [
      [utf8('007'), utf8('"quoted"\n')],
      [utf8('4294967295'), utf8('4294967294')],
      [utf8('4294967294'), b(0)],
    ],
  ];
  const keys: KeyEntry[] = [];
  for (const [k, first, base] of [
    [0, 0, 1700000000000n],
    [1, 3, 2n ** 53n - 60n],
    [2, 1, 2n ** 64n - 300n],
  ] as const) {
    const entries: StreamEntry[] = [];
    for (let i = 0; i < 250; i++) {
      const shape = shapes[(first + (i % 5 === 4 ? 1 + (i % 3) : 0)) % shapes.length]!;
      entries.push({ id: { ms: base + BigInt(i), seq: BigInt(i & 1 ? 2 ** 53 + i : i) }, fields: shape });
    }
    const lastId = entries.at(-1)!.id;
    keys.push({
      kind: 'key',
      type: 'stream',
      db: 0,
      key: utf8(`stream:${k}`),
      encoding: 'stream',
      rdbType: null,
      expireAt: null,
      value: { entries, length: 250, lastId, firstId: entries[0]!.id, maxDeletedId: null, entriesAdded: 250, groups: [] },
    });
  }
  return encodeRdb(keys, { version: 10 });
}

describe('stream entries written from their stored nodes', () => {
  it('writes crafted streams (index, repeated and binary names, big ids) as their decoded entries, whole and in parts', async () => {
    const bytes = craftedStreams();
    for (const r of decodeRdb(bytes, { packed: true }))
      if (r.kind === 'key' && r.type === 'stream') {
        expect(r.value).toMatchObject({ entries: [], packed: { live: 250 } });
        expect(r.value.packed!.nodes.length).toBeGreaterThan(1);
      }
    for (const size of [1, 7, 4096])
      for (const threshold of [8192, 5]) {
        const mine = await exported(bytes, size, threshold, true);
        expect(mine).toContain('"fields":{"2":"two","10":"ten","b":"12345","-1":"x"}');
        expect(mine).toBe(await exported(bytes, size, threshold, false));
      }
  });

  it('reads streams.rdb as several nodes with deleted entries, kept as stored', () => {
    const s = streamsIn('fixtures/rdb/streams.rdb')!;
    expect(s.nodes).toBeGreaterThanOrEqual(4);
    const decoded = decodeRdb(new Uint8Array(readFileSync(pathOf('fixtures/rdb/streams.rdb'))));
    let stored = 0;
    for (const r of decoded) if (r.kind === 'key' && r.type === 'stream') stored += r.value.entries.length;
    expect(s.live).toBe(stored);
  });

  it('finds streams in the fixtures and the corpus', () => {
    expect(files.length).toBeGreaterThan(corpusFiles('', ['.rdb']).length ? 20 : 1);
  });

  // chunks of one byte: the files under 64 KiB (the decoder resumes the same way at any size)
  const small = files.filter((f) => statSync(pathOf(f)).size <= 65536);
  for (const size of [1, 7, 4096])
    it.each(size === 1 ? small : files)(
      `writes the same JSONL as decoded entries, chunk size ${size}, whole and in parts: %s`,
      async (f) => {
        const bytes = new Uint8Array(readFileSync(pathOf(f)));
        for (const threshold of [8192, 5]) {
          const mine = await exported(bytes, size, threshold, true);
          expect(mine).toContain('"type":"stream"');
          expect(mine).toBe(await exported(bytes, size, threshold, false));
        }
      },
    );
});
