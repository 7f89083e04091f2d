/**
 * Byte-level primitives against their specifications: CRC-64/Jones check value and chunked
 * updates; LZF round trips, liblzf's stream rules and every failure kind (inflating or only
 * validating); XXH32 known values; integers and doubles as text bytes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Crc64, crc64, hex64 } from '../src/bytes/crc64.js';
import { compressJs, inflateJs, lzfCompress, lzfDecompress, lzfInflate, lzfValidate } from '../src/bytes/lzf.js';
import { Xxh32, xxh32 } from '../src/bytes/xxh32.js';
import { installLatin1Decoder } from '../src/io/latin1.js';
import { bytesKey, displayText, intBytes, keyBytes, latin1, setLatin1Decoder, tryUtf8 } from '../src/model/bytes.js';
import { bytesFromJson, bytesToJson } from '../src/ops/json.js';
import { parseRedisDoubleBytes, redisDoubleValid } from '../src/rdb/string.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
}

describe('CRC64 (Jones, reflected, init 0)', () => {
  it('has the check value of crc64.c', () => {
    expect(hex64(crc64(enc('123456789')))).toBe('e9c6d914c4b8d9ca');
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });

  it('gives the same value however the input is split', () => {
    const rand = rng(5);
    const data = new Uint8Array(10_000).map(() => Math.floor(rand() * 256));
    const whole = crc64(data);
    for (const step of [1, 3, 7, 8, 9, 1000]) {
      const c = new Crc64();
      for (let i = 0; i < data.length; i += step) c.update(data, i, Math.min(data.length, i + step));
      expect(c.value()).toBe(whole);
    }
    const bitwise = (b: Uint8Array): bigint => {
      let crc = 0n;
      for (const byte of b) {
        crc ^= BigInt(byte);
        for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
      }
      return crc;
    };
    expect(whole).toBe(bitwise(data));
  });

  it("gives the JavaScript loop's value through WebAssembly, across its 1 MiB window and through window()", () => {
    const rand = rng(6);
    const data = new Uint8Array(2_500_003).map(() => Math.floor(rand() * 256));
    const js = new Crc64();
    js.updateJs(data);
    for (const [from, step] of [
      [0, data.length],
      [1, 255],
      [3, 256],
      [5, 70_001],
      [0, 1 << 20],
    ] as const) {
      const c = new Crc64();
      c.updateJs(data, 0, from);
      for (let i = from; i < data.length; i += step) c.update(data, i, Math.min(data.length, i + step));
      expect(c.value()).toBe(js.value());
    }
    const w = new Crc64();
    const window = w.window();
    expect(window).not.toBeNull();
    for (let i = 0; i < data.length; i += 600_000) {
      const n = Math.min(600_000, data.length - i);
      window!.set(data.subarray(i, i + n));
      w.updateWindow(n);
    }
    expect(w.value()).toBe(js.value());
  });
});

describe('LZF', () => {
  it('round trips compressible data and keeps Redis\'s "saves at least 4 bytes" rule to the caller', () => {
    const rand = rng(9);
    let compressed = 0;
    for (let t = 0; t < 500; t++) {
      const n = 4 + Math.floor(rand() * 5000);
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++)
        a[i] = i > 8 && rand() < 0.7 ? a[i - 1 - Math.floor(rand() * (rand() < 0.5 ? 2 : 400))]! : Math.floor(rand() * 16);
      const c = lzfCompress(a, n - 4);
      if (!c) continue;
      compressed++;
      expect(c.length).toBeLessThanOrEqual(n - 4);
      const d = lzfDecompress(c, n);
      expect(d).toEqual(a);
    }
    expect(compressed).toBeGreaterThan(400);
    expect(lzfCompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 4)).toBeNull();
  });

  it('decodes literal runs and back-references (overlapping, extended length) by the stream rules', () => {
    // literal "ab" (ctrl 1), then a reference of length 7+3+2 = 12 at distance 2: "abababababab"
    const d = lzfDecompress(new Uint8Array([0x01, 0x61, 0x62, 0xe0, 0x03, 0x01]), 14);
    expect(new TextDecoder().decode(d as Uint8Array)).toBe('ab'.repeat(7));
  });

  it('reports every failure kind instead of reading or writing out of bounds', () => {
    expect(lzfDecompress(new Uint8Array([0x05, 0x61]), 6)).toBe('truncated-input');
    expect(lzfDecompress(new Uint8Array([0x00, 0x61, 0x20, 0x05]), 4)).toBe('bad-reference');
    expect(lzfDecompress(new Uint8Array([0x02, 0x61, 0x62, 0x63]), 2)).toBe('output-overflow');
    expect(lzfDecompress(new Uint8Array([0x00, 0x61]), 3)).toBe('length-mismatch');
    expect(lzfDecompress(new Uint8Array([0x00, 0x61, 0xe0]), 20)).toBe('truncated-input');
  });

  it('validates without inflating: lzfValidate gives the failure lzfDecompress gives, or null', () => {
    const rand = rng(11);
    let failures = 0;
    for (let t = 0; t < 3000; t++) {
      const n = 21 + Math.floor(rand() * 300);
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = i > 4 && rand() < 0.6 ? a[i - 1 - Math.floor(rand() * 4)]! : Math.floor(rand() * 8);
      const c = lzfCompress(a, n - 1);
      if (!c) continue;
      // damage one byte, cut the end or claim another length, within a larger buffer read in place
      const src = new Uint8Array(c.length + 6).fill(0xe0);
      src.set(c, 3);
      if (rand() < 0.5) src[3 + Math.floor(rand() * c.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? Math.floor(rand() * c.length) : c.length;
      const outLen = rand() < 0.2 ? n + Math.floor(rand() * 5) - 2 : n;
      const whole = lzfDecompress(src.slice(3, 3 + cut), outLen);
      const expected = typeof whole === 'string' ? whole : null;
      if (expected) failures++;
      expect(lzfValidate(src, 3, 3 + cut, outLen)).toBe(expected);
    }
    expect(failures).toBeGreaterThan(500);
  });
  it('compresses in WebAssembly (16 bytes to 1 MiB) to the bytes of the JavaScript loop, null where it gives null', () => {
    const rand = rng(17);
    let nulls = 0;
    for (let t = 0; t < 400; t++) {
      const n = 4 + Math.floor(rand() * (t < 2 ? 200000 : t % 2 ? 300 : 6000));
      const a = new Uint8Array(n);
      const alphabet = 2 + Math.floor(rand() * 250);
      for (let i = 0; i < n; i++)
        a[i] = i > 8 && rand() < 0.6 ? a[i - 1 - Math.floor(rand() * (rand() < 0.5 ? 8 : 9000))]! : Math.floor(rand() * alphabet);
      const maxOut = t % 4 === 0 ? Math.floor(n * (0.3 + rand() * 0.6)) : n - 4;
      const expected = compressJs(a, maxOut)?.slice() ?? null;
      const got = lzfCompress(a, maxOut)?.slice() ?? null;
      if (expected === null) nulls++;
      expect(got).toEqual(expected);
    }
    expect(nulls).toBeGreaterThan(40);
    expect(nulls).toBeLessThan(360);
  });

  it('inflates back-references nearer than 8 bytes (runs of a 1-7 byte pattern) in WebAssembly as the JavaScript loop does', () => {
    const rand = rng(29);
    for (let d = 1; d <= 7; d++)
      for (const runLen of [3, 7, 8, 9, 15, 16, 17, 63, 264, 265, 1000]) {
        // a text, a run repeating its last d bytes (NUL padding when d is 1), another text
        const head = 130 + Math.floor(rand() * 20);
        const a = new Uint8Array(head + runLen + 40);
        for (let i = 0; i < a.length; i++) a[i] = i >= head && i < head + runLen ? a[i - d]! : 33 + Math.floor(rand() * 90);
        const c = lzfCompress(a, a.length - 1);
        if (!c) continue;
        expect(lzfInflate(c, 0, c.length, a.length)).toEqual(a);
        expect(inflateJs(c, 0, c.length, new Uint8Array(a.length))).toEqual(a);
      }
  });

  it('inflates in WebAssembly (outputs of 128 bytes to 1 MiB) to the bytes and failures of the JavaScript loop', () => {
    const rand = rng(13);
    const kinds = new Set<string>();
    for (let t = 0; t < 300; t++) {
      const n = 40 + Math.floor(rand() * (t < 2 ? 150000 : 6000));
      const a = new Uint8Array(n);
      // short and long distances, runs of one byte and of a few (overlapping back-references)
      for (let i = 0; i < n; i++)
        a[i] =
          i > 8 && rand() < 0.8 ? a[i - 1 - Math.floor(rand() * (rand() < 0.3 ? 3 : rand() < 0.5 ? 12 : 3000))]! : Math.floor(rand() * 40);
      const c = lzfCompress(a, n - 1);
      if (!c) continue;
      const src = new Uint8Array(c.length + 8).fill(0xe0);
      src.set(c, 5);
      if (t % 3 === 1) src[5 + Math.floor(rand() * c.length)] = Math.floor(rand() * 256);
      const cut = t % 7 === 2 ? Math.floor(rand() * c.length) : c.length;
      const outLen = t % 5 === 3 ? n + Math.floor(rand() * 9) - 4 : n;
      const expected = inflateJs(src, 5, 5 + cut, new Uint8Array(Math.max(outLen, 0)));
      const got = lzfInflate(src, 5, 5 + cut, outLen);
      if (typeof expected === 'string') {
        kinds.add(expected);
        expect(got).toBe(expected);
      } else {
        kinds.add('ok');
        expect(got).toEqual(expected);
        if (t % 3 !== 1 && cut === c.length && outLen === n) expect(got).toEqual(a);
      }
    }
    expect([...kinds].sort()).toEqual(['bad-reference', 'length-mismatch', 'ok', 'output-overflow', 'truncated-input']);
  });
});

describe('numbers as bytes', () => {
  it('latin1 gives one char per byte of any range, eight at a time or fewer', () => {
    const b = new Uint8Array(300).map((_, i) => (i * 37) & 255);
    const oneByOne = (from: number, to: number) => Array.from(b.subarray(from, to), (c) => String.fromCharCode(c)).join('');
    for (let from = 0; from < 40; from++) for (let to = from; to <= 300; to += 7) expect(latin1(b, from, to)).toBe(oneByOne(from, to));
    expect(latin1(b)).toBe(oneByOne(0, 300));
  });

  it('intBytes is the decimal text of numbers and bigints, shared or fresh', () => {
    const rand = rng(5);
    const values: Array<number | bigint> = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      -10,
      127,
      -128,
      -129,
      1023,
      1024,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      2n ** 63n - 1n,
      -(2n ** 63n),
    ];
    for (let i = 0; i < 20000; i++) values.push(Math.floor((rand() - 0.5) * 10 ** Math.floor(rand() * 16)));
    for (let p = 1; p < 2 ** 53; p *= 10) values.push(p - 1, p, -p, 1 - p);
    values.push(2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32);
    for (const v of values) expect(new TextDecoder().decode(intBytes(v))).toBe(String(v));
  });

  it('parseRedisDoubleBytes reads what strtod reads in Redis texts, case-insensitive words, null otherwise; redisDoubleValid agrees', () => {
    const old = (s: string): number | null => {
      const t = s.toLowerCase();
      if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
      if (t === '-inf' || t === '-infinity') return -Infinity;
      if (t === 'nan' || t === '-nan') return NaN;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
      return Number(s);
    };
    const rand = rng(7);
    const alphabet = '0123456789+-.eEinfINFatyAYN \u0000\u00ff';
    const texts = [
      '',
      '+',
      '-',
      '.',
      '1.',
      '.5',
      '+.5',
      '-0',
      '007',
      '123456789012345',
      '1234567890123456',
      '1e',
      '1e+',
      '1E-5',
      'InFiNiTy',
      '-NaN',
      '+nan',
      '1..2',
      ' 1',
    ];
    for (let i = 0; i < 50000; i++) {
      let s = '';
      for (let k = Math.floor(rand() * 8); k > 0; k--) s += alphabet[Math.floor(rand() * alphabet.length)];
      texts.push(s, String((rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20)));
      // decimals of 15 digits or fewer (divided by a power of ten), some with leading or trailing zeros
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 30 - 15);
      texts.push(v.toPrecision(1 + Math.floor(rand() * 17)), v.toFixed(Math.floor(rand() * 20)), `-0.${'0'.repeat(i % 7)}${i}`);
    }
    for (const s of texts) {
      const b = new Uint8Array([0x31, ...Array.from(s, (c) => c.charCodeAt(0)), 0x32]);
      const v = old(s);
      expect(parseRedisDoubleBytes(b, 1, 1 + s.length)).toBe(v);
      expect(redisDoubleValid(b, 1, 1 + s.length)).toBe(v !== null && !Number.isNaN(v));
    }
  });
});

describe('XXH32', () => {
  it('matches the reference values', () => {
    expect(xxh32(new Uint8Array(0)).toString(16)).toBe('2cc5d05');
    expect(xxh32(enc('abc')).toString(16)).toBe('32d153ff');
    const long = enc('Nobody inspects the spammish repetition'.repeat(3));
    const x = new Xxh32();
    for (let i = 0; i < long.length; i += 5) x.update(long, i, Math.min(long.length, i + 5));
    expect(x.digest()).toBe(xxh32(long));
  });
});

describe('findDuplicate', () => {
  it('finds the first repeated byte string, at any size, and nothing otherwise', async () => {
    const { findDuplicate } = await import('../src/model/bytes.js');
    const rand = rng(77);
    for (let t = 0; t < 300; t++) {
      const n = Math.floor(rand() * 300);
      const items = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`m${i}-${Math.floor(rand() * 5)}`));
      expect(findDuplicate(items)).toBeNull();
      if (n > 1) {
        const j = Math.floor(rand() * n);
        items.push(items[j]!.slice());
        expect(findDuplicate(items)).toEqual(items[j]);
      }
    }
    expect(findDuplicate([new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])])).toBeNull();
  });
});

describe('text of bytes', () => {
  it('a leading byte-order mark is part of the bytes: kept by tryUtf8, displayText and bytesToJson, short or long', () => {
    for (const body of ['é', 'x'.repeat(100)]) {
      const b = new Uint8Array([0xef, 0xbb, 0xbf, ...enc(body)]);
      expect(tryUtf8(b)).toBe(`\ufeff${body}`);
      expect(displayText(b)).toContain('\ufeff');
      expect(bytesToJson(b)).toBe(`\ufeff${body}`);
      expect(bytesFromJson(bytesToJson(b), 'x')).toEqual(b);
    }
  });
});

describe('bytesKey', () => {
  it('one char per byte, any byte, at every length around its short-key cases and its 4096-byte steps', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const n of [...Array(40).keys(), 4095, 4096, 4097, 10000]) {
      const b = Uint8Array.from({ length: n }, next);
      const k = bytesKey(b);
      expect(k.length).toBe(n);
      expect(Array.from(k, (c) => c.charCodeAt(0))).toEqual(Array.from(b));
      expect(keyBytes(k)).toEqual(b);
      // a view into a larger buffer reads its own bytes only
      expect(bytesKey(new Uint8Array(new Uint8Array(n + 4).fill(0xff).buffer, 2, n).fill(0x80))).toBe('\u0080'.repeat(n));
    }
  });
});

describe('bytesKey with the CLI latin1 decoder (io/latin1.ts)', () => {
  afterEach(() => setLatin1Decoder(null));
  it('gives the same strings as without it, at every length around 40 and 64 and beyond 4096', () => {
    let seed = 9;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const inputs = [
      ...[0, 1, 16, 17, 39, 40, 41, 42, 63, 64, 65, 66, 200, 4095, 4096, 4097, 10000].map((n) => Uint8Array.from({ length: n }, next)),
    ];
    inputs.push(new Uint8Array(new Uint8Array(300).fill(0xfe).buffer, 3, 100).fill(0x9f)); // a view
    const plain = inputs.map(bytesKey);
    installLatin1Decoder();
    expect(inputs.map(bytesKey)).toEqual(plain);
    let used = 0;
    setLatin1Decoder(() => {
      used++;
      return '';
    });
    for (const b of inputs) bytesKey(b);
    expect(used).toBe(inputs.filter((b) => b.length > 40).length);
  });
});
