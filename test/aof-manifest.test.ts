/**
 * The manifest grammar (FORMATS.md §9.4): the manifests real Redis 7.0 wrote, quoting, and every
 * rejection rule. Where a rule is about what Redis accepts, the same manifest is also given to
 * redis-check-aof to confirm the verdict.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrder, type Manifest, parseManifest, splitArgs, writeManifest } from '../src/aof/manifest.js';
import { CorruptError } from '../src/errors.js';
import { utf8 } from '../src/model/bytes.js';
import { requireRedis } from './support/redis.mjs';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aof');
const haveRedis = requireRedis('manifest checks against redis-check-aof');
const work = mkdtempSync(join(tmpdir(), 'rdbkit-aof-manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const txt = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** redis-check-aof's exit status on a manifest in a dir holding empty files for every name listed. */
function checkAofAccepts(manifest: string, files: string[]): boolean {
  const dir = mkdtempSync(join(work, 'm-'));
  for (const f of files) writeFileSync(join(dir, f), '');
  writeFileSync(join(dir, 'appendonly.aof.manifest'), manifest, 'latin1');
  try {
    execFileSync('redis-check-aof', [join(dir, 'appendonly.aof.manifest')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('manifests written by Redis 7.0', () => {
  for (const dir of ['small', 'rewritten', 'resp-base', 'flushall']) {
    it(`${dir}: parses, and writes back byte for byte`, () => {
      const bytes = new Uint8Array(readFileSync(join(FIX, dir, 'appendonly.aof.manifest')));
      const m = parseManifest(bytes);
      expect(m.base).not.toBeNull();
      expect(m.incr.length).toBe(1);
      expect(loadOrder(m).map((e) => e.type)).toEqual(['base', 'incr']);
      expect(txt(writeManifest(m))).toBe(txt(bytes));
    });
  }
});

describe('grammar', () => {
  it('quotes names that need it, as sdscatrepr does, and reads them back', () => {
    const m: Manifest = {
      base: { name: 'my aof.1.base.rdb', seq: 1, type: 'base' },
      history: [{ name: 'h"q.aof', seq: 1, type: 'history' }],
      incr: [
        { name: 'tab\there\x01.aof', seq: 2, type: 'incr' },
        { name: 'plain.3.incr.aof', seq: 3, type: 'incr' },
      ],
    };
    const text = txt(writeManifest(m));
    expect(text).toBe(
      'file "my aof.1.base.rdb" seq 1 type b\nfile "h\\"q.aof" seq 1 type h\nfile "tab\\there\\x01.aof" seq 2 type i\nfile plain.3.incr.aof seq 3 type i\n',
    );
    expect(parseManifest(writeManifest(m))).toEqual(m);
  });

  it('splits like sdssplitargs: quotes, escapes, single quotes', () => {
    const args = splitArgs(utf8(`a "b c" 'd\\'e' "\\x41\\n\\q" x"y"`));
    expect(args?.map(txt)).toEqual(['a', 'b c', "d'e", 'A\nq', 'xy']);
    expect(splitArgs(utf8('x"y"z'))).toBeNull(); // a closing quote must end the token
    expect(splitArgs(utf8('"abc'))).toBeNull();
    expect(splitArgs(utf8('"abc"def'))).toBeNull();
  });

  const accepted: Array<[string, string]> = [
    ['comment lines and CRLF line endings', '# hello\r\nfile a.1.base.rdb seq 1 type b\r\nfile a.1.incr.aof seq 1 type i\r\n'],
    [
      'unknown keys, upper-case keys, a base after incr lines',
      'FILE a.1.incr.aof SEQ 1 TYPE i extra 7\nfile a.2.base.rdb seq 2 type base\n',
    ],
    ['incr seq gaps', 'file a.1.incr.aof seq 1 type i\nfile a.5.incr.aof seq 5 type i\n'],
  ];
  for (const [name, text] of accepted) {
    it(`accepts ${name}`, () => {
      const m = parseManifest(utf8(text));
      expect(loadOrder(m).length).toBeGreaterThan(0);
      if (haveRedis)
        expect(
          checkAofAccepts(
            text,
            loadOrder(m).map((e) => e.name),
          ),
        ).toBe(true);
    });
  }

  const rejected: Array<[string, string]> = [
    ['an empty file', ''],
    ['a last line without a newline', 'file a.1.incr.aof seq 1 type i'],
    ['a blank line', 'file a.1.incr.aof seq 1 type i\n\n'],
    ['too few tokens', 'file a.1.incr.aof seq 1\n'],
    ['an odd token count', 'file a.1.incr.aof seq 1 type i x\n'],
    ['an unknown type', 'file a.1.incr.aof seq 1 type x\n'],
    ['seq 0', 'file a.1.incr.aof seq 0 type i\n'],
    ['two base lines', 'file a.1.base.rdb seq 1 type b\nfile a.2.base.rdb seq 2 type b\n'],
    ['incr seqs not increasing', 'file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n'],
    ['a path instead of a name', 'file ../a.1.incr.aof seq 1 type i\n'],
    ['an unterminated quote', 'file "a.1.incr.aof seq 1 type i\n'],
    ['a line over 1024 bytes', `file ${'a'.repeat(1100)} seq 1 type i\n`],
  ];
  for (const [name, text] of rejected) {
    it(`rejects ${name} with a one-line error and an offset`, () => {
      let err: unknown = null;
      try {
        parseManifest(utf8(text));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CorruptError);
      expect((err as CorruptError).format).toBe('manifest');
      expect((err as CorruptError).message).not.toMatch(/\n/);
      // (redis-check-aof takes an empty file for an empty RESP AOF, not a manifest; the server refuses it.)
      if (haveRedis && text !== '')
        expect(checkAofAccepts(text, ['a.1.incr.aof', 'a.2.incr.aof', 'a.1.base.rdb', 'a.2.base.rdb'])).toBe(false);
    });
  }

  it('a file of comments only is an empty manifest', () => {
    expect(parseManifest(utf8('# nothing\n'))).toEqual({ base: null, incr: [], history: [] });
  });
});
