/**
 * Check mode (decoder option skipValues, what `check` and `inspect` read with) validates values
 * without keeping them: string values, list elements and type-4 hash fields are walked without
 * being inflated, listpack sets, hashes and zsets are checked for duplicates and bad scores
 * without an object per element. These cases hold it to the full read: the same key records
 * (type, encoding, span) or the same error (class, code, offset, message), over hand-made values
 * that are valid, damaged in each way the full read rejects, and duplicated across integer and
 * string elements. The same cases hold the packed read (values kept as their blob for the JSON
 * export) to the same errors and the same JSON.
 */
import { describe, expect, it } from 'vitest';
import { lzfCompress } from '../src/bytes/lzf.js';
import { ByteWriter } from '../src/bytes/writer.js';
import { ParseError } from '../src/errors.js';
import type { KeyEntry, RdbRecord } from '../src/model/record.js';
import { writeEntryJson } from '../src/ops/jsonl.js';
import { decodeRdb } from '../src/rdb/decoder.js';

const enc = (s: string): number[] => [...new TextEncoder().encode(s)];

/** An RDB length in its smallest form. */
function len(n: number): number[] {
  if (n < 64) return [n];
  if (n < 16384) return [0x40 | (n >> 8), n & 0xff];
  return [0x80, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** A plain RDB string. */
const raw = (b: number[]): number[] => [...len(b.length), ...b];

/** An LZF RDB string of b (b must compress). */
function lzf(b: number[]): number[] {
  const packed = lzfCompress(new Uint8Array(b), b.length - 1);
  if (!packed) throw new Error('does not compress');
  return [0xc3, ...len(packed.length), ...len(b.length), ...packed];
}

/** One listpack element: a string (any bytes, even a canonical integer's text) or a 13-bit integer. */
function lpElement(v: number[] | number): number[] {
  if (typeof v === 'number') {
    const u = v & 0x1fff;
    return [0xc0 | (u >> 8), u & 0xff, 2];
  }
  if (v.length > 63) throw new Error('short strings only');
  return [0x80 | v.length, ...v, 1 + v.length];
}

function listpack(els: Array<number[] | number>): number[] {
  const body = els.flatMap(lpElement);
  const total = 6 + body.length + 1;
  return [total & 0xff, (total >> 8) & 0xff, 0, 0, els.length & 0xff, els.length >> 8, ...body, 0xff];
}

/** A version-11 RDB of one key per [type, value bytes] (CRC 0: not verified). */
function rdb(keys: Array<[number, number[]]>): Uint8Array {
  const body = keys.flatMap(([type, value], i) => [type, ...raw(enc(`k${i}`)), ...value]);
  return new Uint8Array([...enc('REDIS0011'), 0xfe, 0, ...body, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
}

/** What a read gives: the keys' type, encoding and span, or the error. */
function outcome(bytes: Uint8Array, opts: Parameters<typeof decodeRdb>[1]): string {
  try {
    const recs = decodeRdb(bytes, opts) as RdbRecord[];
    return JSON.stringify(
      recs.filter((r) => r.kind === 'key').map((r) => [(r as KeyEntry).type, (r as KeyEntry).encoding, (r as KeyEntry).span]),
    );
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return `${e.constructor.name} ${e.code} ${e.offset} ${e.message}`;
  }
}

/** The outcome and, for a read that succeeds, each key's JSONL line (as the export writes it). */
function exported(bytes: Uint8Array, opts: Parameters<typeof decodeRdb>[1]): string {
  const head = outcome(bytes, opts);
  if (!head.startsWith('[')) return head;
  const w = new ByteWriter();
  for (const r of decodeRdb(bytes, opts)) if (r.kind === 'key') writeEntryJson(w, r, 2);
  return `${head}\n${new TextDecoder().decode(w.finish())}`;
}

function expectSameAsFullRead(bytes: Uint8Array): void {
  const full = outcome(bytes, {});
  expect(outcome(bytes, { skipValues: true })).toBe(full);
  expect(outcome(bytes, { skipValues: true, partThreshold: 4 })).toBe(full);
  // values kept as their blob for the JSON writer (decoder option packed): the same errors and JSON
  expect(exported(bytes, { packed: true })).toBe(exported(bytes, {}));
}

const STRING = 0;
const LIST = 1;
const HASH = 4;
const SET_INTSET = 11;
const LIST_QUICKLIST_2 = 18;
const HASH_LISTPACK = 16;
const ZSET_LISTPACK = 17;
const SET_LISTPACK = 20;
const pad = (s: string, n: number): number[] => [...enc(s), ...new Array(n - s.length).fill(0)];
const many = (n: number, from = 0): number[][] => Array.from({ length: n }, (_, i) => enc(`m${i + from}`));

describe('check mode reads as the full read does', () => {
  it('LZF string values, list elements and type-4 hash fields: valid ones', () => {
    expectSameAsFullRead(
      rdb([
        [STRING, lzf(pad('value:1', 100))],
        [STRING, lzf(enc('aaaaaaaaaaaaaaaaaa'))], // 18 bytes: its text decides int/embstr
        [STRING, lzf(enc('12345678901234567890'))],
        [STRING, [0xc0, 0x7f]],
        [STRING, [0xc2, 1, 2, 3, 4]],
        [LIST, [...len(2), ...lzf(pad('x', 64)), 0xc1, 1, 2]],
        [HASH, [...len(1), ...lzf(pad('f', 40)), ...lzf(pad('v', 50))]],
      ]),
    );
  });

  it('LZF strings damaged in each way inflating rejects', () => {
    const good = lzf(pad('value:1', 100)); // 0xC3, clen (1 byte), ulen (2 bytes: 0x40 100), data
    const cases: number[][] = [
      [...good.slice(0, 3), 101, ...good.slice(4)], // output shorter than the length: mismatch
      [...good.slice(0, 3), 99, ...good.slice(4)], // output longer: overflow
      [0xc3, 3, 30, 0x00, 0x61, 0xe0], // truncated back-reference
      [0xc3, 4, 30, 0x00, 0x61, 0x20, 0x05], // reference before the start
      [0xc3, 3, 30, 0x05, 0x61, 0x62], // literal past the input
      [0xc3, 2, 3, 0x00, 0x61], // short output (3 bytes wanted)
    ];
    for (const value of cases) {
      expectSameAsFullRead(rdb([[STRING, value]]));
      expectSameAsFullRead(rdb([[LIST, [...len(1), ...value]]]));
      expectSameAsFullRead(rdb([[HASH, [...len(1), ...raw(enc('f')), ...value]]]));
    }
  });

  it('listpack sets: no duplicates, duplicates among strings, an integer and its text, many members', () => {
    for (const els of [
      [enc('a'), enc('b'), 7],
      [enc('a'), enc('b'), enc('a')],
      [5, enc('x'), enc('5')],
      [enc('-12'), -12],
      [...many(40), enc('m7')],
      [...many(40), 100, ...many(3, 50), enc('100')],
      many(40),
      [],
    ]) {
      expectSameAsFullRead(rdb([[SET_LISTPACK, raw(listpack(els))]]));
      expectSameAsFullRead(rdb([[SET_LISTPACK, lzf(listpack([...els, ...many(30, 1000)]))]]));
    }
  });

  it('listpack hashes: duplicate fields (not values), an odd element count', () => {
    for (const els of [
      [enc('f'), enc('v'), enc('g'), enc('v')],
      [enc('f'), enc('v'), enc('f'), enc('w')],
      [1, enc('v'), enc('1'), enc('w')],
      [...many(30).flatMap((m) => [m, enc('v')]), enc('m3'), 4],
      [enc('f'), enc('v'), enc('g')],
      [],
    ]) {
      expectSameAsFullRead(rdb([[HASH_LISTPACK, raw(listpack(els))]]));
    }
  });

  it('listpack zsets: scores as integers, texts, words, bad texts, NaN; duplicate members', () => {
    for (const els of [
      [enc('a'), 1, enc('b'), enc('1.5'), enc('c'), enc('inf'), enc('d'), enc('-INF'), enc('e'), enc('1e3')],
      [enc('a'), enc('nan')],
      [enc('a'), enc('1.2.3')],
      [enc('a'), enc('')],
      [enc('a'), 1, enc('a'), 2],
      [3, enc('1'), enc('3'), enc('2')],
      [...many(20).flatMap((m, i) => [m, i]), enc('m9'), enc('+.5')],
      [enc('a'), 1, enc('b')],
    ]) {
      expectSameAsFullRead(rdb([[ZSET_LISTPACK, raw(listpack(els))]]));
    }
  });

  it('listpack hashes, sets and one-node quicklists: names that are not UTF-8, integers of every width', () => {
    const ints = [0, 127, 128, -1, 4095, -4096, 32767, -32768, 8388607, -8388608, 2147483647, -2147483648, 2 ** 53 - 1, -(2 ** 53)];
    const wide = (v: number | bigint): number[] => {
      const b = new Uint8Array(9);
      b[0] = 0xf4;
      new DataView(b.buffer).setBigInt64(1, BigInt(v), true);
      return [...b, 9];
    };
    // integers as 64-bit entries (lpElement writes 13-bit ones): a listpack by hand
    const lp = (els: number[][]): number[] => {
      const body = els.flat();
      const total = 6 + body.length + 1;
      return [total & 0xff, (total >> 8) & 0xff, 0, 0, els.length, 0, ...body, 0xff];
    };
    const str = (b: number[]): number[] => [0x80 | b.length, ...b, 1 + b.length];
    const wides = [...ints, 2n ** 53n, -(2n ** 53n) - 1n, 9223372036854775807n, -9223372036854775808n].map(wide);
    expectSameAsFullRead(rdb([[SET_LISTPACK, raw(lp(wides))]]));
    const kept = decodeRdb(rdb([[SET_LISTPACK, raw(lp(wides))]]), { packed: true }).find((r) => r.kind === 'key') as KeyEntry;
    expect([kept.value, kept.packed?.count]).toEqual([[], wides.length]);
    expectSameAsFullRead(rdb([[LIST_QUICKLIST_2, [1, 2, ...raw(lp([...wides, str([0xff, 0x00]), str(enc('é"\\'))]))]]]));
    expectSameAsFullRead(rdb([[LIST_QUICKLIST_2, [2, 2, ...raw(listpack([enc('a')])), 2, ...raw(listpack([enc('b'), 3]))]]]));
    expectSameAsFullRead(rdb([[LIST_QUICKLIST_2, [2, 1, ...raw(enc('plain')), 2, ...raw(listpack([enc('b'), 3]))]]]));
    expectSameAsFullRead(rdb([[LIST_QUICKLIST_2, [1, 2, ...raw(listpack([]))]]]));
    expectSameAsFullRead(rdb([[HASH_LISTPACK, raw(lp([str([0xc3, 0x28]), str(enc('v')), wides[2]!, wides[3]!]))]]));
    expectSameAsFullRead(rdb([[HASH_LISTPACK, raw(lp([wides[4]!, str([0xc3, 0x28]), str(enc('f\n')), wides[16]!]))]]));
    expectSameAsFullRead(
      rdb([[ZSET_LISTPACK, raw(lp([str(enc('a')), wides[14]!, str(enc('b')), wides[16]!, str(enc('c')), str(enc('-0'))]))]]),
    );
    expectSameAsFullRead(
      rdb([
        [ZSET_LISTPACK, raw(lp([str(enc('a')), str(enc('0.1')), str(enc('b')), str(enc('1e300')), str(enc('c')), str(enc('-1.5e-7'))]))],
      ]),
    );
    // past the writer's part threshold (2 here): a hash as pairs, a zset from its highest score down
    expectSameAsFullRead(rdb([[HASH_LISTPACK, raw(listpack([enc('f'), enc('v'), enc('g'), 1, enc('h'), 2]))]]));
    expectSameAsFullRead(rdb([[ZSET_LISTPACK, raw(listpack([enc('a'), 1, enc('b'), 2, enc('c'), 3]))]]));
  });

  it('intsets: each width, valid and damaged', () => {
    const intset = (w: number, vals: Array<number | bigint>): number[] => {
      const b = new Uint8Array(8 + vals.length * w);
      const v = new DataView(b.buffer);
      v.setUint32(0, w, true);
      v.setUint32(4, vals.length, true);
      vals.forEach((x, i) => {
        if (w === 2) v.setInt16(8 + 2 * i, Number(x), true);
        else if (w === 4) v.setInt32(8 + 4 * i, Number(x), true);
        else if (w === 8) v.setBigInt64(8 + 8 * i, BigInt(x), true);
      });
      return [...b];
    };
    for (const bytes of [
      intset(2, [-32768, -1, 0, 5, 32767]),
      intset(4, [-2147483648, -70000, 70000, 2147483647]),
      intset(8, [-9223372036854775808n, -(2n ** 53n), -(2n ** 53n) + 1n, 0, 2n ** 53n - 1n, 2n ** 53n, 9223372036854775807n]),
      intset(2, [3, 3]),
      intset(4, [5, 1]),
      intset(2, []),
      intset(3, [1]),
      intset(2, [1, 2]).slice(0, -1),
    ])
      expectSameAsFullRead(rdb([[SET_INTSET, raw(bytes)]]));
  });

  it('listpack zsets: a damaged listpack outranks an odd count, which outranks a bad score', () => {
    const badScoreThenDamage = listpack([enc('a'), enc('x'), enc('b'), 1]);
    badScoreThenDamage[badScoreThenDamage.length - 2] = 3; // the last element's backlen
    const damaged = outcome(rdb([[ZSET_LISTPACK, raw(badScoreThenDamage)]]), {});
    expect(damaged).toMatch(/RDB_BAD_LISTPACK .* backlen does not match/);
    expect(outcome(rdb([[ZSET_LISTPACK, raw(listpack([enc('a'), enc('x'), enc('b')]))]]), {})).toMatch(/odd number of elements/);
    expect(outcome(rdb([[ZSET_LISTPACK, raw(listpack([enc('a'), enc('x'), enc('b'), 1]))]]), {})).toMatch(/score that is not a number/);
    for (const bytes of [badScoreThenDamage, listpack([enc('a'), enc('x'), enc('b')])])
      expectSameAsFullRead(rdb([[ZSET_LISTPACK, raw(bytes)]]));
  });
});
