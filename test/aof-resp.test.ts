/**
 * The AOF RESP tokenizer: real Redis fixtures replayed at several chunk sizes, spans, #TS:
 * timestamps, the need hint for big bulks, and bad inputs built inline from commands (each gives
 * a verdict with an offset, never a crash or a huge allocation). Expected offsets below are
 * derived from the RESP grammar of the inputs themselves (FORMATS.md §9.1, §9.6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Annotation, AofTokenizer, newCommandProbe, probeCommand, tokenizeAof } from '../src/aof/resp.js';
import { encodeCommand, encodeTimestamp } from '../src/aof/writer.js';
import { concatBytes, utf8 } from '../src/model/bytes.js';
import type { Command } from '../src/model/record.js';
import { makeRandom } from './support/prng.mjs';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aof');
const readFix = (p: string) => new Uint8Array(readFileSync(join(FIX, p)));
const txt = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const cmd = (...a: Array<string | Uint8Array>) => encodeCommand(a);

function tokenizeChunked(bytes: Uint8Array, size: number, ann?: Annotation[]) {
  const t = new AofTokenizer({ totalSize: bytes.length, onAnnotation: (a) => ann?.push(a) });
  const out: Command[] = [];
  for (let i = 0; i < bytes.length; i += size) for (const c of t.write(bytes.slice(i, i + size))) out.push(c);
  for (const c of t.end()) out.push(c);
  return { commands: out, verdict: t.verdict! };
}

describe('real AOF fixtures', () => {
  for (const name of ['small/appendonly.aof.1.incr.aof', 'large/appendonly.aof.1.incr.aof', 'resp-base/appendonly.aof.2.base.aof']) {
    const bytes = readFix(name);
    const whole = tokenizeAof(bytes);
    it(`${name}: ok, spans tile the file (apart from annotations) and re-encode byte for byte`, () => {
      expect(whole.verdict).toEqual({ kind: 'ok', size: bytes.length, partialAnnotationAt: null });
      expect(whole.commands.length).toBeGreaterThan(3);
      for (const c of whole.commands) expect(encodeCommand(c.argv)).toEqual(bytes.subarray(c.span.start, c.span.end));
    });
    for (const size of [1, 2, 7, 4096]) {
      it(`${name}: the same commands at chunk size ${size}`, () => {
        const r = tokenizeChunked(bytes, size);
        expect(r.verdict).toEqual(whole.verdict);
        expect(r.commands.map((c) => [c.span, c.timestamp, c.argv.map(txt)])).toEqual(
          whole.commands.map((c) => [c.span, c.timestamp, c.argv.map(txt)]),
        );
      });
    }
  }

  it('small fixture: binary arguments, MULTI blocks and #TS: annotations as written by Redis', () => {
    const bytes = readFix('small/appendonly.aof.1.incr.aof');
    const ann: Annotation[] = [];
    const { commands } = tokenizeChunked(bytes, 3, ann);
    const names = commands.map((c) => txt(c.argv[0]!));
    expect(names.filter((n) => n === 'MULTI')).toHaveLength(2);
    expect(names.filter((n) => n === 'EXEC')).toHaveLength(2);
    const binSet = commands.find((c) => c.argv[1]?.[0] === 0x00)!;
    expect([...binSet.argv[1]!]).toEqual([0x00, 0xff, 0x0d, 0x0a]);
    expect([...binSet.argv[2]!]).toEqual([0x0d, 0x0a, 0x2a, 0x33, 0x0d, 0x0a, 0x00]);
    // Three seconds were written; each annotation starts at a line start and stamps what follows.
    expect(ann).toHaveLength(3);
    for (const a of ann) {
      expect(a.wellFormed).toBe(true);
      expect(txt(a.text)).toBe(`#TS:${a.timestamp}`);
    }
    expect(ann[1]!.timestamp).toBeGreaterThan(ann[0]!.timestamp!);
    for (const c of commands) {
      const before = ann.filter((a) => a.span.end <= c.span.start).pop();
      expect(c.timestamp).toBe(before!.timestamp);
    }
    // A value that looks like an annotation ("#TS:1" as a bulk) is data, not an annotation.
    expect(commands.some((c) => c.argv.some((a) => txt(a) === '#TS:1'))).toBe(true);
  });
});

describe('maxArgs', () => {
  it('keeps only the first arguments but reports argc and the same spans', () => {
    const bytes = readFix('large/appendonly.aof.1.incr.aof');
    const all = tokenizeAof(bytes).commands;
    const few = tokenizeAof(bytes, { maxArgs: 2 }).commands;
    expect(few.map((c) => c.span)).toEqual(all.map((c) => c.span));
    expect(few.map((c) => c.argc)).toEqual(all.map((c) => c.argv.length));
    expect(few.every((c) => c.argv.length === Math.min(2, c.argc))).toBe(true);
  });
});

describe('need hint for a big bulk', () => {
  it('a 3 MiB argument fed in 64 KiB chunks is joined once it is all there', () => {
    const big = new Uint8Array(3 << 20).fill(0x61);
    const bytes = concatBytes([cmd('SET', 'k', big), cmd('GET', 'k')]);
    const t = new AofTokenizer({ totalSize: bytes.length });
    const got: Command[] = [];
    let sawNeed = 0;
    for (let i = 0; i < bytes.length; i += 65536) {
      got.push(...t.write(bytes.slice(i, i + 65536)));
      if (t.need > 0) sawNeed = Math.max(sawNeed, t.need);
    }
    got.push(...t.end());
    expect(sawNeed).toBeGreaterThan(3 << 19);
    expect(got.map((c) => txt(c.argv[0]!))).toEqual(['SET', 'GET']);
    expect(got[0]!.argv[2]!.length).toBe(3 << 20);
    expect(t.verdict!.kind).toBe('ok');
  });
});

describe('verdicts (FORMATS.md §9.6 grammar)', () => {
  const a = cmd('SET', 'k1', 'v1'); // 29 bytes
  const m = cmd('MULTI'); // 15 bytes
  const e = cmd('EXEC'); // 14 bytes

  it('a cut inside a command: truncated, cut at its start', () => {
    const bytes = concatBytes([a, a]).subarray(0, a.length + 10);
    const { verdict } = tokenizeAof(bytes);
    expect(verdict).toMatchObject({ kind: 'truncated', validUpTo: a.length, validBeforeMulti: a.length });
  });

  it('EOF with a MULTI open: truncated, cut at the MULTI; server-style validUpTo after the last command', () => {
    const bytes = concatBytes([a, m, a]);
    expect(tokenizeAof(bytes).verdict).toMatchObject({ kind: 'truncated', validBeforeMulti: a.length, validUpTo: bytes.length });
    expect(tokenizeAof(concatBytes([a, m, a, e])).verdict.kind).toBe('ok');
  });

  it('annotations: kept after a cut command; an unterminated last one is valid but flagged', () => {
    const ts = encodeTimestamp(1700000000);
    const bytes = concatBytes([a, ts, a]);
    expect(tokenizeAof(bytes.subarray(0, bytes.length - 3)).verdict).toMatchObject({
      kind: 'truncated',
      validBeforeMulti: a.length + ts.length,
      validUpTo: a.length,
    });
    expect(tokenizeAof(bytes.subarray(0, a.length + 5)).verdict).toEqual({ kind: 'ok', size: a.length + 5, partialAnnotationAt: a.length });
  });

  const bad: Array<[string, Uint8Array, 'truncated' | 'corrupt', number]> = [
    ['garbage line between commands', concatBytes([a, utf8('GARBAGE\r\n'), a]), 'corrupt', a.length],
    ['a stray bulk between commands', concatBytes([a, utf8('$3\r\nfoo\r\n'), a]), 'corrupt', a.length],
    [
      'wrong * count (too many: runs into the next command)',
      concatBytes([utf8('*4\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n'), a]),
      'corrupt',
      29,
    ],
    ['wrong * count at the end of file', utf8('*4\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n'), 'truncated', 29],
    ['wrong $ count (too short)', utf8('*3\r\n$3\r\nSET\r\n$1\r\nk1\r\n$2\r\nv1\r\n'), 'corrupt', 18],
    ['wrong $ count (too long)', concatBytes([utf8('*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$9\r\nv1\r\n'), a]), 'corrupt', 34],
    ['missing CRLF after a bulk', utf8('*1\r\n$4\r\nPINGXY'), 'corrupt', 12],
    ['LF only after the count', utf8('*1\n$4\r\nPING\r\n'), 'corrupt', 2],
    ['a zero-argument command', concatBytes([a, utf8('*0\r\n'), a]), 'corrupt', a.length],
    ['a negative argument count', concatBytes([utf8('*-3\r\n'), a]), 'corrupt', 0],
    ['a negative length', utf8('*1\r\n$-1\r\n'), 'corrupt', 4],
    ['an enormous length', utf8('*1\r\n$9223372036854775807\r\nabc\r\n'), 'truncated', 26],
    ['a length beyond 2^63', utf8('*1\r\n$99999999999999999999999999\r\nabc'), 'truncated', 33],
    ['a count line longer than 127 bytes', utf8(`*${'0'.repeat(130)}1\r\n`), 'corrupt', 127],
    ['MULTI inside MULTI', concatBytes([m, a, m, a, e]), 'corrupt', m.length + a.length],
    ['EXEC without MULTI', concatBytes([a, e]), 'corrupt', a.length],
    ['binary garbage', new Uint8Array([0xff, 0x00, 0x2a]), 'corrupt', 0],
  ];
  for (const [name, bytes, kind, offset] of bad) {
    it(`${name}: ${kind} at offset ${offset}`, () => {
      for (const size of [bytes.length, 1, 5]) {
        const { verdict } = tokenizeChunked(bytes, size);
        expect(verdict.kind).toBe(kind);
        if (verdict.kind !== 'ok') {
          expect(verdict.offset).toBe(offset);
          expect(verdict.what).toMatch(/\S/);
          expect(verdict.what).not.toMatch(/\n/);
        }
      }
    });
  }

  it('an enormous length with the size unknown and input still coming does not allocate: it only waits', () => {
    const t = new AofTokenizer();
    t.write(utf8('*1\r\n$9000000000000\r\n'));
    expect(t.need).toBeGreaterThan(8e12);
    t.write(utf8('abc'));
    t.end();
    expect(t.verdict).toMatchObject({ kind: 'truncated', offset: 20 });
  });

  it('strtol quirks accepted by redis-check-aof: blanks and a sign before the number', () => {
    const { verdict, commands } = tokenizeAof(utf8('* +1\r\n$ 4\r\nPING\r\n'));
    expect(verdict.kind).toBe('ok');
    expect(txt(commands[0]!.argv[0]!)).toBe('PING');
  });
});

describe('encodeCommand', () => {
  it('writes RESP arrays of bulk strings; strings as UTF-8, numbers in decimal', () => {
    expect(txt(encodeCommand(['SET', 'k', 12]))).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n');
    expect(encodeCommand(['é'])).toEqual(utf8('*1\r\n$2\r\né\r\n'));
    expect(() => encodeCommand([])).toThrow();
  });
});

describe('probeCommand (salvage resync): the tokenizer first command, without reading arguments', () => {
  const real = readFix('small/appendonly.aof.1.incr.aof');
  const anyName = { maxName: Number.POSITIVE_INFINITY, acceptName: () => true };
  /** The tokenizer's answer: the end of a complete first command at `at`, or null. */
  const byTokenizer = (b: Uint8Array, at: number): number | null => {
    const t = tokenizeAof(b.subarray(at), { maxArgs: 1 });
    return t.commands.length ? at + t.commands[0]!.span.end : null;
  };
  /** The probe's answer, fed windows of `window` bytes (at least what it asks for). */
  const byProbe = (b: Uint8Array, at: number, window: number): number | null => {
    const p = newCommandProbe(at);
    let bufStart = at;
    let buf = b.subarray(at, at + window);
    for (;;) {
      const step = probeCommand(p, buf, bufStart, b.length, anyName);
      if (step.kind === 'command') return step.end;
      if (step.kind === 'not-command') return null;
      bufStart = step.pos;
      buf = b.subarray(step.pos, step.pos + Math.max(step.len, window));
    }
  };
  const headerish = [
    '*',
    '$',
    '\r\n',
    '\r',
    '\n',
    ' ',
    '-',
    '+',
    '0',
    '1',
    '3',
    '9',
    '00',
    '99999999999999999999',
    'exec',
    'EXEC',
    'multi',
    'SET',
    'x',
    '\0',
  ];
  /** A mutant of the real AOF: byte changes, deletions and insertions of RESP-ish text. */
  const mutant = (rnd: ReturnType<typeof makeRandom>): Uint8Array => {
    let b: Uint8Array = real.slice(0, rnd.int(40, real.length));
    for (let k = rnd.int(1, 4); k > 0; k--) {
      const at = rnd.int(0, b.length - 1);
      const ins = new TextEncoder().encode(rnd.pick(headerish));
      const del = rnd.int(0, 3);
      b = concatBytes([b.subarray(0, at), ins, b.subarray(Math.min(b.length, at + del))]);
    }
    return b;
  };
  it('agrees with the tokenizer at every `*` of 400 mutants of a real AOF, at windows of 1, 5 and 4096 bytes', () => {
    const rnd = makeRandom(11);
    let commands = 0;
    let refused = 0;
    for (let m = 0; m < 400; m++) {
      const b = mutant(rnd);
      for (let at = b.indexOf(0x2a); at >= 0; at = b.indexOf(0x2a, at + 1)) {
        const want = byTokenizer(b, at);
        for (const window of [1, 5, 4096]) expect(byProbe(b, at, window), `mutant ${m} at ${at}, window ${window}`).toBe(want);
        if (want === null) refused++;
        else commands++;
      }
    }
    // both answers occur often: the comparison is not one-sided
    expect(commands).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
  it('refuses EXEC (outside a MULTI), names over maxName bytes and names acceptName refuses; skips argument bytes', () => {
    const b = concatBytes([cmd('EXEC'), cmd('SET', 'k', 'v'.repeat(100_000)), cmd('get', 'k')]);
    expect(byProbe(b, 0, 4096)).toBeNull();
    const set = cmd('EXEC').length;
    const p = newCommandProbe(set);
    // the window holds the lines of SET but not its 100 kB value: the probe asks for the 2 bytes after it
    const step = probeCommand(p, b.subarray(set, set + 300), set, b.length, anyName);
    expect(step).toEqual({ kind: 'need', pos: set + cmd('SET', 'k', 'v'.repeat(100_000)).length - 2, len: 2 });
    expect(probeCommand(newCommandProbe(set), b, 0, b.length, { maxName: 2, acceptName: () => true })).toEqual({ kind: 'not-command' });
    expect(probeCommand(newCommandProbe(set), b, 0, b.length, { maxName: 9, acceptName: (n) => txt(n) === 'get' })).toEqual({
      kind: 'not-command',
    });
  });
});
