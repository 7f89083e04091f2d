/**
 * Compact-encoding blobs: listpack, ziplist, intset, zipmap.
 * Evidence: the byte examples of FORMATS.md §6 and Annex A, blobs cut from the corpus files,
 * random round trips, one test per corruption class, and DUMP payloads of a real Redis 7.0.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../src/bytes/crc64.js';
import { cursorOf } from '../src/bytes/cursor.js';
import { CorruptError } from '../src/errors.js';
import { ascii, bytesEqual } from '../src/model/bytes.js';
import { decodeIntset, encodeIntset, encodeSafeIntset } from '../src/rdb/intset.js';
import { readLength, readLengthOrEncoding } from '../src/rdb/length.js';
import { decodeListpack, decodeListpackValues, encodeListpack, encodeListpackView, type LpValue } from '../src/rdb/listpack.js';
import { checkStreamNode, decodeStreamNode } from '../src/rdb/stream.js';
import { readString } from '../src/rdb/string.js';
import { decodeZiplist, decodeZiplistValues, encodeZiplist } from '../src/rdb/ziplist.js';
import { decodeZipmap, encodeZipmap } from '../src/rdb/zipmap.js';
import { corpusPath, requireCorpus } from './support/corpus.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const corpusPresent = requireCorpus('blob tests on corpus files');

function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const txt = (b: Uint8Array[]): string[] => b.map((x) => new TextDecoder().decode(x));
const str = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));

/** Element-wise byte equality, reporting the first differing index. */
function expectSameBytes(got: Uint8Array[], want: Uint8Array[]): void {
  expect(got.length).toBe(want.length);
  const bad = got.findIndex((g, i) => !bytesEqual(g, want[i]!));
  expect(bad).toBe(-1);
}

/** The CorruptError thrown by fn (fails the test when it does not throw one). */
function corruptOf(fn: () => unknown): CorruptError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CorruptError) return e;
    throw e;
  }
  throw new Error('expected a CorruptError');
}

/** Seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Find `type, key` in an RDB file and return the rdbString blob that follows, with its absolute offset. */
function blobAfterKey(file: string, type: number, key: string): { blob: Uint8Array; at: number } {
  const bytes = new Uint8Array(readFileSync(file));
  const pat = new Uint8Array([type, key.length, ...ascii(key)]);
  outer: for (let i = 0; i + pat.length <= bytes.length; i++) {
    for (let j = 0; j < pat.length; j++) if (bytes[i + j] !== pat[j]) continue outer;
    const r = cursorOf(bytes, 'rdb');
    r.pos = i + pat.length;
    const start = r.pos;
    readLength(r);
    const at = r.pos;
    r.pos = start;
    return { blob: readString(r), at };
  }
  throw new Error(`key ${key} not found in ${file}`);
}

// Integer boundaries of every listpack/ziplist/intset width.
const INT_EDGES: bigint[] = [
  0n,
  1n,
  12n,
  13n,
  127n,
  128n,
  -1n,
  -128n,
  -129n,
  4095n,
  4096n,
  -4096n,
  -4097n,
  32767n,
  32768n,
  -32768n,
  -32769n,
  8388607n,
  8388608n,
  -8388608n,
  -8388609n,
  2147483647n,
  2147483648n,
  -2147483648n,
  -2147483649n,
  9007199254740991n,
  9007199254740992n,
  -9007199254740991n,
  -9007199254740992n,
  9223372036854775807n,
  -9223372036854775808n,
];

describe('listpack', () => {
  it('decodes an example built from the §6.2 table', () => {
    // total 19, count 3 | "hello" (10xxxxxx) backlen 6 | 7 (7-bit uint) backlen 1 | -1 (13-bit 0x1fff) backlen 2 | FF
    const blob = hex('13000000 0300 8568656c6c6f06 0701 dfff02 ff');
    expect(decodeListpackValues(blob, 0)).toEqual([ascii('hello'), 7, -1]);
    expect(txt(decodeListpack(blob, 0))).toEqual(['hello', '7', '-1']);
    expect(encodeListpack([ascii('hello'), ascii('7'), ascii('-1')])).toEqual(blob);
    expect(encodeListpack([ascii('hello'), 7, -1n])).toEqual(blob);
  });

  it('encodeListpackView: the same bytes as encodeListpack, valid until the next listpack, also after one over 1 MiB', () => {
    const blob = hex('13000000 0300 8568656c6c6f06 0701 dfff02 ff');
    expect(encodeListpackView([ascii('hello'), 7, -1n])).toEqual(blob);
    const big = [new Uint8Array(1 << 20).fill(0x61), ascii('x')];
    const whole = encodeListpack(big);
    const view = encodeListpackView(big);
    expect(view).toEqual(whole);
    const copy = view.slice();
    expect(encodeListpackView([ascii('hello'), 7, -1n])).toEqual(blob);
    expect(encodeListpack(big)).toEqual(copy);
    expect(encodeListpack([ascii('hello'), 7, -1n])).toEqual(blob);
  });

  it('picks the smallest int form at every boundary (per the §6.2 table)', () => {
    const size = (v: bigint) => encodeListpack([v]).length - 7;
    const expected = (v: bigint) =>
      v >= 0n && v <= 127n
        ? 2
        : v >= -4096n && v <= 4095n
          ? 3
          : v >= -32768n && v <= 32767n
            ? 4
            : v >= -8388608n && v <= 8388607n
              ? 5
              : v >= -2147483648n && v <= 2147483647n
                ? 6
                : 10;
    for (const v of INT_EDGES) {
      expect(size(v), String(v)).toBe(expected(v));
      const back = decodeListpackValues(encodeListpack([ascii(String(v))]), 0)[0];
      expect(BigInt(back as number | bigint)).toBe(v);
      expect(typeof back).toBe(v >= -9007199254740991n && v <= 9007199254740991n ? 'number' : 'bigint');
    }
  });

  it('stores non-canonical numbers as strings', () => {
    for (const s of ['+1', '01', '-0', ' 1', '1 ', '9223372036854775808', '-9223372036854775809', '1.5', '']) {
      const v = decodeListpackValues(encodeListpack([ascii(s)]), 0)[0];
      expect(v).toEqual(ascii(s));
    }
  });

  it('uses the 6/12/32-bit string forms and 1..3-byte backlens at their boundaries', () => {
    for (const [len, hdr, blen] of [
      [0, 1, 1],
      [63, 1, 1],
      [64, 2, 1],
      [125, 2, 1],
      [126, 2, 2],
      [4095, 2, 2],
      [4096, 5, 2],
      [16377, 5, 2],
      [16378, 5, 3],
      [70000, 5, 3],
    ] as const) {
      const s = new Uint8Array(len).fill(0x61);
      const blob = encodeListpack([s]);
      expect(blob.length, `len ${len}`).toBe(6 + hdr + len + blen + 1);
      expect(decodeListpack(blob, 0)[0]).toEqual(s);
    }
  });

  it('round-trips random data', () => {
    const rand = rng(1);
    for (let round = 0; round < 200; round++) {
      const items: LpValue[] = [];
      const n = Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        const k = rand();
        if (k < 0.3) items.push(INT_EDGES[Math.floor(rand() * INT_EDGES.length)]!);
        else if (k < 0.4) items.push(ascii(String(Math.floor((rand() - 0.5) * 2 ** 40))));
        else {
          const lens = [0, 1, 63, 64, 4095, 4096, Math.floor(rand() * 300)];
          const s = new Uint8Array(lens[Math.floor(rand() * lens.length)]!);
          for (let j = 0; j < s.length; j++) s[j] = Math.floor(rand() * 256);
          items.push(s);
        }
      }
      const blob = encodeListpack(items);
      const back = decodeListpack(blob, 0);
      expectSameBytes(
        back,
        items.map((v) => (v instanceof Uint8Array ? v : ascii(String(v)))),
      );
      expect(bytesEqual(encodeListpack(back), blob)).toBe(true);
    }
  });

  it('writes 65535 (unknown) as the count from 65535 elements on, and accepts it', () => {
    const items = Array.from({ length: 65536 }, (_, i) => i % 100);
    const blob = encodeListpack(items);
    expect(blob[4]! | (blob[5]! << 8)).toBe(65535);
    expect(decodeListpackValues(blob, 0).length).toBe(65536);
  });

  it('encodeSafeIntset (members as numbers) writes the bytes encodeIntset does, at every width', () => {
    const rand = rng(4);
    const spans = [100, 70000, 5e9, 2 * 10 ** 15];
    for (let round = 0; round < 200; round++) {
      const span = spans[round % spans.length]!;
      const n = 1 + Math.floor(rand() * 60);
      const values: number[] = [];
      for (let i = 0; i < n; i++) values.push(Math.trunc((rand() - 0.5) * span));
      if (round % 7 === 0) values.push(values[0]!); // a duplicate is dropped
      if (round % 11 === 0) values.push(-(2 ** 31), 2 ** 31 - 1, -32769, 32768, 999999999999999, -999999999999999);
      expect(encodeSafeIntset(Float64Array.from(values))).toEqual(encodeIntset(values.map(BigInt)));
    }
    expect(encodeSafeIntset(new Float64Array(0))).toEqual(encodeIntset([]));
  });

  describe('corruption', () => {
    const good = () => hex('13000000 0300 8568656c6c6f06 0701 dfff02 ff');
    const cases: Array<[string, (b: Uint8Array) => Uint8Array, number]> = [
      ['shorter than 7 bytes', () => hex('06000000 0000'), 0],
      [
        'header size differs from the blob size',
        (b) => {
          b[0] = 0x14;
          return b;
        },
        0,
      ],
      [
        'no terminator',
        (b) => {
          b[18] = 0x00;
          return b;
        },
        18,
      ],
      [
        'invalid encoding byte',
        (b) => {
          b[13] = 0xf5;
          return b;
        },
        13,
      ],
      [
        'string runs past the terminator',
        (b) => {
          b[6] = 0x8f;
          return b;
        },
        6,
      ],
      [
        'backlen differs from the entry size',
        (b) => {
          b[12] = 0x05;
          return b;
        },
        12,
      ],
      ['terminator before the end', () => hex('0a000000 0100 0701 ff ff'), 8],
      [
        'count differs',
        (b) => {
          b[4] = 2;
          return b;
        },
        4,
      ],
    ];
    for (const [name, mutate, at] of cases) {
      it(name, () => {
        const e = corruptOf(() => decodeListpack(mutate(good()), 1000));
        expect(e.code).toBe('RDB_BAD_LISTPACK');
        expect(e.offset).toBe(1000 + at);
      });
    }
    it('accepts count 65535 (unknown)', () => {
      const b = good();
      b[4] = 0xff;
      b[5] = 0xff;
      expect(decodeListpack(b, 0).length).toBe(3);
    });
    it('a 32-bit string length near 4 GiB fails without allocating', () => {
      const e = corruptOf(() => decodeListpack(hex('0d000000 0100 f0 ffffffff 00 ff'), 0));
      expect(e.offset).toBe(6);
    });
  });
});

describe('stream nodes read only to be validated', () => {
  const master = { ms: 1000n, seq: 0n };
  /** A node: count, deleted, the master fields, 0, then each entry and its lp-count. */
  const node = (entries: LpValue[][], fields = 2, count = entries.length): Uint8Array => {
    const items: LpValue[] = [count, 0, fields, ...Array.from({ length: fields }, (_, k) => ascii(`f${k}`)), 0];
    for (const e of entries) items.push(...e, e.length);
    return encodeListpack(items);
  };
  const same = (k: number): LpValue[] => [2, k, 0, ascii(`a${k}`), k];
  const own = (k: number): LpValue[] => [0, k, 0, 2, ascii('x'), k, ascii('y'), ascii('z')];
  const message = (f: () => unknown): string => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof CorruptError ? e.message : String(e);
    }
  };

  it('give the errors of a full read, also after a longer node (the element array is reused)', () => {
    const long = node(Array.from({ length: 200 }, (_, k) => (k % 3 ? same(k) : own(k))));
    const damaged = [
      node([same(1), same(2)], 2, 3), // an entry counted, not there
      node([same(1), [2, 5, 0, ascii('v')]]), // an entry one value short
      node([same(1), [0, 5, 0, 9, ascii('x'), ascii('y')]]), // more own fields than elements
      encodeListpack([1, 0, 2, ascii('f0'), ascii('f1'), 0, ...same(1), 6, 7]), // data after the last entry
      encodeListpack([1, 0, 40, ascii('f0')]), // more master fields than elements
      node([same(1)]),
    ];
    for (const d of damaged) {
      const full = message(() => decodeStreamNode(master, d, cursorOf(d, 'rdb'), 0, []));
      expect(message(() => checkStreamNode(long, cursorOf(long, 'rdb'), 0))).toBe('ok');
      expect(message(() => checkStreamNode(d, cursorOf(d, 'rdb'), 0))).toBe(full);
    }
    expect(message(() => checkStreamNode(damaged[5]!, cursorOf(damaged[5]!, 'rdb'), 0))).toBe('ok');
    expect(message(() => checkStreamNode(damaged[0]!, cursorOf(damaged[0]!, 'rdb'), 0))).not.toBe('ok');
  });
});

describe('ziplist', () => {
  it('FORMATS.md §6.1 example "2","5"', () => {
    const blob = hex('0f000000 0c000000 0200 00f3 02f6 ff');
    expect(txt(decodeZiplist(blob, 0))).toEqual(['2', '5']);
    expect(decodeZiplistValues(blob, 0)).toEqual([2, 5]);
    expect(encodeZiplist([ascii('2'), ascii('5')])).toEqual(blob);
  });

  it.skipIf(!corpusPresent)('Annex A zset-ziplist.rdb blob, byte for byte both ways', () => {
    const { blob, at } = blobAfterKey(corpusPath('valkey', 'zset-ziplist.rdb'), 12, 'zset');
    expect(at).toBe(0x65);
    expect(txt(decodeZiplist(blob, at))).toEqual(['one', '1', 'two', '2']);
    expect(encodeZiplist(decodeZiplist(blob, at))).toEqual(blob);
  });

  it('Annex A list-quicklist.rdb node (immediate 7)', () => {
    const blob = hex('0d000000 0a000000 0100 00f8 ff');
    expect(decodeZiplistValues(blob, 0)).toEqual([7]);
    expect(encodeZiplist([7])).toEqual(blob);
  });

  it.skipIf(!corpusPresent)('hash-ziplist.rdb from the corpus re-encodes byte for byte', () => {
    const file = corpusPath('valkey', 'hash-ziplist.rdb');
    const { blob, at } = blobAfterKey(file, 13, 'hash');
    const items = decodeZiplist(blob, at);
    expect(items.length % 2).toBe(0);
    expect(encodeZiplist(items)).toEqual(blob);
  });

  it('picks the smallest int form at every boundary (immediate, int8/16/24/32/64)', () => {
    const expected = (v: bigint) =>
      v >= 0n && v <= 12n
        ? 1
        : v >= -128n && v <= 127n
          ? 2
          : v >= -32768n && v <= 32767n
            ? 3
            : v >= -8388608n && v <= 8388607n
              ? 4
              : v >= -2147483648n && v <= 2147483647n
                ? 5
                : 9;
    for (const v of INT_EDGES) {
      const blob = encodeZiplist([ascii(String(v))]);
      expect(blob.length - 10 - 1 - 1, String(v)).toBe(expected(v));
      expect(BigInt(decodeZiplistValues(blob, 0)[0] as number | bigint)).toBe(v);
    }
  });

  it('uses 1- and 5-byte prevlens around 254 and string headers at 63/64, 16383/16384', () => {
    for (const len of [0, 63, 64, 251, 252, 253, 16383, 16384]) {
      const s = new Uint8Array(len).fill(0x62);
      const blob = encodeZiplist([s, ascii('x')]);
      const hdr = len <= 63 ? 1 : len <= 16383 ? 2 : 5;
      const first = 1 + hdr + len;
      expect(blob.length).toBe(10 + first + (first < 254 ? 1 : 5) + 2 + 1);
      expect(txt(decodeZiplist(blob, 0))[1]).toBe('x');
      expect(decodeZiplist(blob, 0)[0]).toEqual(s);
    }
  });

  it('accepts a 5-byte prevlen holding a small value (cascade update never shrinks)', () => {
    const blob = hex('13000000 0c000000 0200 00f3 fe02000000f6 ff');
    expect(decodeZiplistValues(blob, 0)).toEqual([2, 5]);
  });

  it('round-trips random data', () => {
    const rand = rng(2);
    for (let round = 0; round < 200; round++) {
      const items: LpValue[] = [];
      const n = Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        if (rand() < 0.35) items.push(ascii(String(INT_EDGES[Math.floor(rand() * INT_EDGES.length)])));
        else {
          const lens = [0, 1, 63, 64, 250, 260, 16383, 16384, Math.floor(rand() * 300)];
          const s = new Uint8Array(lens[Math.floor(rand() * lens.length)]!);
          for (let j = 0; j < s.length; j++) s[j] = Math.floor(rand() * 256);
          items.push(s);
        }
      }
      const blob = encodeZiplist(items);
      const back = decodeZiplist(blob, 0);
      expectSameBytes(back, items as Uint8Array[]);
      expect(bytesEqual(encodeZiplist(back), blob)).toBe(true);
    }
  });

  describe('corruption', () => {
    const good = () => hex('0f000000 0c000000 0200 00f3 02f6 ff');
    const cases: Array<[string, (b: Uint8Array) => Uint8Array, number]> = [
      ['shorter than 11 bytes', () => hex('0a000000 0a000000 0000'), 0],
      [
        'zlbytes differs from the blob size',
        (b) => {
          b[0] = 0x10;
          return b;
        },
        0,
      ],
      [
        'no terminator',
        (b) => {
          b[14] = 0x00;
          return b;
        },
        14,
      ],
      [
        'zltail past the end',
        (b) => {
          b[4] = 0x20;
          return b;
        },
        4,
      ],
      [
        'zltail not at the last entry',
        (b) => {
          b[4] = 0x0a;
          return b;
        },
        4,
      ],
      [
        'prevlen mismatch',
        (b) => {
          b[12] = 0x03;
          return b;
        },
        12,
      ],
      [
        'invalid encoding byte',
        (b) => {
          b[13] = 0xc1;
          return b;
        },
        13,
      ],
      [
        'entry runs past the end',
        (b) => {
          b[13] = 0x05;
          return b;
        },
        12,
      ],
      ['end marker before the end', () => hex('0c000000 0a000000 0000 ff ff'), 10],
      [
        'count differs',
        (b) => {
          b[8] = 3;
          return b;
        },
        8,
      ],
    ];
    for (const [name, mutate, at] of cases) {
      it(name, () => {
        const e = corruptOf(() => decodeZiplist(mutate(good()), 500));
        expect(e.code).toBe('RDB_BAD_ZIPLIST');
        expect(e.offset).toBe(500 + at);
      });
    }
    it('accepts count 65535 (unknown)', () => {
      const b = good();
      b[8] = 0xff;
      b[9] = 0xff;
      expect(decodeZiplist(b, 0).length).toBe(2);
    });
    it('a 32-bit string length near 4 GiB fails without allocating', () => {
      const e = corruptOf(() => decodeZiplist(hex('11000000 0a000000 0100 00 80ffffffff ff'), 0));
      expect(e.offset).toBe(10);
    });
  });
});

describe('intset', () => {
  it('decodes spec-built blobs of each width and re-encodes them', () => {
    const b16 = hex('02000000 03000000 fdff 0100 ff7f');
    expect(txt(decodeIntset(b16, 0))).toEqual(['-3', '1', '32767']);
    expect(encodeIntset([32767n, -3n, 1n])).toEqual(b16);
    const b32 = hex('04000000 02000000 0080ffff 00800000');
    expect(txt(decodeIntset(b32, 0))).toEqual(['-32768', '32768']);
    expect(encodeIntset([32768n, -32768n])).toEqual(b32);
    const b64 = hex('08000000 01000000 0000008000000000');
    expect(txt(decodeIntset(b64, 0))).toEqual(['2147483648']);
    expect(encodeIntset([2147483648n])).toEqual(b64);
  });

  it.skipIf(!corpusPresent).each([
    ['intset_16', 2],
    ['intset_32', 4],
    ['intset_64', 8],
  ] as const)('corpus catcherwong-rdb-tools/%s.rdb re-encodes byte for byte (%i-byte members)', (f, width) => {
    const file = corpusPath('catcherwong-rdb-tools', `${f}.rdb`);
    const bytes = new Uint8Array(readFileSync(file));
    const i = bytes.indexOf(11); // first type-11 key in these single-key files follows the header
    expect(i).toBeGreaterThan(8);
    const r = cursorOf(bytes, 'rdb');
    r.pos = i + 1;
    readString(r); // key
    const at = r.pos;
    const blob = readString(r);
    const members = decodeIntset(blob, at);
    expect(blob[0]).toBe(width);
    expect(encodeIntset(members.map((m) => BigInt(new TextDecoder().decode(m))))).toEqual(blob);
  });

  it('round-trips random sets at every width', () => {
    const rand = rng(3);
    for (let round = 0; round < 100; round++) {
      const set = new Set<bigint>();
      const n = 1 + Math.floor(rand() * 50);
      for (let i = 0; i < n; i++)
        set.add(rand() < 0.5 ? INT_EDGES[Math.floor(rand() * INT_EDGES.length)]! : BigInt(Math.floor((rand() - 0.5) * 70000)));
      const blob = encodeIntset([...set]);
      const back = decodeIntset(blob, 0).map((b) => BigInt(new TextDecoder().decode(b)));
      expect(back).toEqual([...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });

  describe('corruption', () => {
    const cases: Array<[string, string, number]> = [
      ['shorter than the header', '02000000 0100', 0],
      ['encoding not 2/4/8', '03000000 01000000 000000', 0],
      ['size differs from header', '02000000 02000000 0100', 4],
      ['empty', '02000000 00000000', 4],
      ['not ascending', '02000000 02000000 0200 0100', 10],
      ['duplicate', '02000000 02000000 0100 0100', 10],
    ];
    for (const [name, bytes, at] of cases) {
      it(name, () => {
        const e = corruptOf(() => decodeIntset(hex(bytes), 77));
        expect(e.code).toBe('RDB_BAD_INTSET');
        expect(e.offset).toBe(77 + at);
      });
    }
  });
});

describe('zipmap', () => {
  it('FORMATS.md §6.4 example', () => {
    const blob = new Uint8Array([...ascii('\x02\x03foo\x03\x00bar\x05hello\x05\x00world'), 0xff]);
    expect(decodeZipmap(blob, 0).map(([f, v]) => [txt([f])[0], txt([v])[0]])).toEqual([
      ['foo', 'bar'],
      ['hello', 'world'],
    ]);
    expect(encodeZipmap(decodeZipmap(blob, 0))).toEqual(blob);
  });

  it.skipIf(!corpusPresent)('Annex A hash-zipmap.rdb blob', () => {
    const { blob, at } = blobAfterKey(corpusPath('valkey', 'hash-zipmap.rdb'), 9, 'hash');
    expect(at).toBe(18);
    expect(decodeZipmap(blob, at).map(([f, v]) => [txt([f])[0], txt([v])[0]])).toEqual([
      ['f1', 'v1'],
      ['f2', 'v2'],
    ]);
    expect(encodeZipmap(decodeZipmap(blob, at))).toEqual(blob);
  });

  it('skips free padding and reads 5-byte lengths', () => {
    const long = new Uint8Array(300).fill(0x7a);
    const blob = new Uint8Array([1, 1, 0x61, 0xfe, 0x2c, 0x01, 0, 0, 2, ...long, 9, 9, 0xff]);
    const [[f, v]] = decodeZipmap(blob, 0) as [[Uint8Array, Uint8Array]];
    expect(txt([f])).toEqual(['a']);
    expect(v).toEqual(long);
    expect(encodeZipmap([[ascii('a'), long]])).toEqual(new Uint8Array([1, 1, 0x61, 0xfe, 0x2c, 0x01, 0, 0, 0, ...long, 0xff]));
  });

  it('round-trips random pairs, including >= 254 pairs (zmlen 254)', () => {
    const rand = rng(4);
    for (const n of [1, 5, 253, 254, 300]) {
      const pairs: Array<[Uint8Array, Uint8Array]> = [];
      for (let i = 0; i < n; i++) {
        const v = new Uint8Array(rand() < 0.1 ? 254 + Math.floor(rand() * 10) : Math.floor(rand() * 20));
        for (let j = 0; j < v.length; j++) v[j] = Math.floor(rand() * 256);
        pairs.push([ascii(`f${i}`), v]);
      }
      const blob = encodeZipmap(pairs);
      expect(blob[0]).toBe(Math.min(n, 254));
      expect(decodeZipmap(blob, 0)).toEqual(pairs);
    }
  });

  describe('corruption', () => {
    const cases: Array<[string, number[], number]> = [
      ['shorter than 2 bytes', [0xff], 0],
      ['no terminator', [1, 1, 0x61, 1, 0, 0x62, 0], 6],
      ['field runs past the end', [1, 9, 0x61, 0xff], 1],
      ['value runs past the end', [1, 1, 0x61, 5, 0, 0x62, 0xff], 1],
      ['free padding runs past the end', [1, 1, 0x61, 1, 9, 0x62, 0xff], 1],
      ['value length runs past the end', [1, 1, 0x61, 0xfe, 1, 0xff], 3],
      ['empty', [0, 0xff], 0],
      ['count differs', [2, 1, 0x61, 1, 0, 0x62, 0xff], 0],
    ];
    for (const [name, bytes, at] of cases) {
      it(name, () => {
        const e = corruptOf(() => decodeZipmap(new Uint8Array(bytes), 9));
        expect(e.code).toBe('RDB_BAD_ZIPMAP');
        expect(e.offset).toBe(9 + at);
      });
    }
    it('accepts zmlen 254 (count by walking)', () => {
      expect(decodeZipmap(new Uint8Array([254, 1, 0x61, 1, 0, 0x62, 0xff]), 0).length).toBe(1);
    });
  });
});

// ---- Real Redis 7.0: DUMP payloads ------------------------------------------------------------

describe('DUMP payloads of a real redis-server 7.0', () => {
  const have = requireRedis('the DUMP payload tests');
  let srv: RedisServer | null = null;
  /** One command; bulk replies come back as bytes, status and integer replies as they are. */
  const command = (argv: Array<string | Uint8Array>): Promise<unknown> => srv!.client.call(...argv);
  beforeAll(async () => {
    if (have) srv = await startRedis();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  /** DUMP key; check the trailer (version 10, CRC64) and return a cursor after the type byte. */
  async function dump(key: string, type: number) {
    const p = (await command(['DUMP', key])) as Uint8Array;
    const n = p.length;
    expect(p[n - 10]! | (p[n - 9]! << 8)).toBe(10);
    const stored = new DataView(p.buffer, p.byteOffset + n - 8, 8).getBigUint64(0, true);
    expect(stored).toBe(crc64(p.subarray(0, n - 8)));
    expect(p[0]).toBe(type);
    const r = cursorOf(p.subarray(0, n - 10), 'rdb');
    r.pos = 1;
    return { payload: p, r };
  }

  /** readString at the cursor, returning the blob and the offset of its first byte (of the string when LZF-compressed). */
  function blobAt(r: ReturnType<typeof cursorOf>): { blob: Uint8Array; at: number } {
    const start = r.pos;
    const l = readLengthOrEncoding(r);
    const at = l.encoded ? start : r.pos;
    r.pos = start;
    return { blob: readString(r), at };
  }

  it('hash listpack (type 16)', async (ctx) => {
    if (!srv) return ctx.skip();
    const args = [
      'HSET',
      'h',
      'name',
      'redis',
      'n',
      '12',
      'neg',
      '-4097',
      'big',
      '9223372036854775807',
      'bin',
      new Uint8Array([0, 255, 10, 13]),
      'long',
      'x'.repeat(64),
    ];
    await command(args);
    expect(str(await command(['OBJECT', 'ENCODING', 'h']))).toBe('listpack');
    const { r } = await dump('h', 16);
    const { blob, at } = blobAt(r);
    const items = decodeListpack(blob, at);
    expect(items).toEqual(args.slice(2).map((a) => (typeof a === 'string' ? ascii(a) : a)));
    expect(decodeListpackValues(blob, at).slice(3, 8)).toEqual([12, ascii('neg'), -4097, ascii('big'), 9223372036854775807n]);
    expect(encodeListpack(items)).toEqual(blob);
  });

  it('zset listpack (type 17)', async (ctx) => {
    if (!srv) return ctx.skip();
    await command(['ZADD', 'z', '1', 'a', '2.5', 'b', '-inf', 'c', '100000', 'd']);
    expect(str(await command(['OBJECT', 'ENCODING', 'z']))).toBe('listpack');
    const { r } = await dump('z', 17);
    const { blob, at } = blobAt(r);
    expect(txt(decodeListpack(blob, at))).toEqual(['c', '-inf', 'a', '1', 'b', '2.5', 'd', '100000']);
    expect(encodeListpack(decodeListpack(blob, at))).toEqual(blob);
  });

  it('list quicklist-2 of listpack nodes (type 18)', async (ctx) => {
    if (!srv) return ctx.skip();
    const elems = [
      'a',
      '0',
      '127',
      '128',
      '-1',
      '4095',
      '4096',
      '32767',
      '32768',
      '8388607',
      '8388608',
      '2147483647',
      '2147483648',
      'y'.repeat(4096),
    ];
    await command(['RPUSH', 'l', ...elems]);
    expect(str(await command(['OBJECT', 'ENCODING', 'l']))).toBe('quicklist');
    const { r } = await dump('l', 18);
    const nodes = readLength(r);
    const got: string[] = [];
    for (let i = 0; i < nodes; i++) {
      expect(readLength(r)).toBe(2); // PACKED container
      const { blob, at } = blobAt(r);
      got.push(...txt(decodeListpack(blob, at)));
      expect(encodeListpack(decodeListpack(blob, at))).toEqual(blob);
    }
    expect(got).toEqual(elems);
  });

  it('set intset (type 11)', async (ctx) => {
    if (!srv) return ctx.skip();
    const members = ['5', '-3', '70000', '-2147483649', '0'];
    await command(['SADD', 's', ...members]);
    expect(str(await command(['OBJECT', 'ENCODING', 's']))).toBe('intset');
    const { r } = await dump('s', 11);
    const { blob, at } = blobAt(r);
    expect(txt(decodeIntset(blob, at))).toEqual(['-2147483649', '-3', '0', '5', '70000']);
    expect(encodeIntset(members.map(BigInt))).toEqual(blob);
  });
});
