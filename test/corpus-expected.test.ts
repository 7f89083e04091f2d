/**
 * The HDT3213/rdb corpus ships, beside each dump, the JSON its own parser must print (a
 * different tool, written independently). rdbkit's decoded values must agree with it key by
 * key: strings, lists, sets, sorted sets (scores), hashes with field TTLs, streams, expiries.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRdb, type KeyEntry } from '../src/index.js';
import { displayText } from '../src/model/bytes.js';
import { corpusPath, requireCorpus } from './support/corpus.js';

const DIR = corpusPath('hdt3213-rdb');
const present = requireCorpus('expected-output corpus tests', 'hdt3213-rdb');

type Obj = Record<string, unknown>;
const text = (b: Uint8Array): string => displayText(b);
const sorted = (a: string[]): string[] => [...a].sort();
const idText = (id: { ms: bigint; seq: bigint }): string => `${id.ms}-${id.seq}`;

function compare(e: KeyEntry, x: Obj): void {
  const where = `key ${text(e.key)}`;
  expect(e.db, where).toBe(x.db);
  expect(e.type, where).toBe(x.type);
  if (typeof x.expiration === 'string') expect(e.expireAt, where).toBe(Date.parse(x.expiration));
  switch (e.type) {
    case 'string':
      expect(text(e.value), where).toBe(x.value);
      break;
    case 'list':
      expect(e.value.map(text), where).toEqual(x.values);
      break;
    case 'set':
      expect(sorted(e.value.map(text)), where).toEqual(sorted(x.members as string[]));
      break;
    case 'zset': {
      const got = e.value.map(([m, s]) => `${text(m)} ${s}`).sort();
      const want = (x.entries as Array<{ member: string; score: number }>).map((p) => `${p.member} ${p.score}`).sort();
      expect(got, where).toEqual(want);
      break;
    }
    case 'hash': {
      const got: Obj = {};
      for (const h of e.value) got[text(h.field)] = text(h.value);
      expect(got, where).toEqual(x.hash);
      if (x.expire) {
        const exp: Obj = {};
        for (const h of e.value) exp[text(h.field)] = h.expireAt ?? 0;
        expect(exp, where).toEqual(x.expire);
      }
      break;
    }
    case 'stream': {
      const want: Array<{ id: string; fields: Obj }> = [];
      for (const node of x.entries as Array<{ msgs: Array<{ id: string; fields: Obj; deleted: boolean }> }>) {
        for (const m of node.msgs) if (!m.deleted) want.push({ id: m.id, fields: m.fields });
      }
      const got = e.value.entries.map((en) => {
        const fields: Obj = {};
        for (const [f, v] of en.fields) fields[text(f)] = text(v);
        return { id: idText(en.id), fields };
      });
      expect(got, where).toEqual(want);
      expect(e.value.length, where).toBe(x.len);
      expect(idText(e.value.lastId), where).toBe(x.lastId);
      if (x.firstId) expect(e.value.firstId && idText(e.value.firstId), where).toBe(x.firstId);
      if (x.maxDeletedId) expect(e.value.maxDeletedId && idText(e.value.maxDeletedId), where).toBe(x.maxDeletedId);
      if (x.addedEntriesCount !== undefined) expect(e.value.entriesAdded, where).toBe(x.addedEntriesCount);
      if (x.groups) {
        const groups = x.groups as Array<{ name: string; lastId: string; pending?: unknown[]; consumers?: Array<{ name: string }> }>;
        expect(e.value.groups.map((g) => text(g.name)).sort(), where).toEqual(groups.map((g) => g.name).sort());
        for (const g of groups) {
          const mine = e.value.groups.find((m) => text(m.name) === g.name)!;
          expect(idText(mine.lastId), where).toBe(g.lastId);
          if (g.pending) expect(mine.pending.length, where).toBe(g.pending.length);
          if (g.consumers) expect(mine.consumers.map((c) => text(c.name)).sort(), where).toEqual(g.consumers.map((c) => c.name).sort());
        }
      }
      break;
    }
    default:
      break;
  }
}

const cases = present
  ? readdirSync(DIR)
      .filter((f) => f.endsWith('.json') && existsSync(join(DIR, f.replace(/\.json$/, '.rdb'))))
      .sort()
  : [];

describe.skipIf(!present)('hdt3213 expected outputs', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(30));
  for (const c of cases) {
    it(c.replace(/\.json$/, '.rdb'), () => {
      const expected = (JSON.parse(readFileSync(join(DIR, c), 'utf8')) as Obj[]).filter(
        (o) => o.key !== undefined && o.type !== 'aux' && o.type !== 'functions',
      );
      const keys = decodeRdb(new Uint8Array(readFileSync(join(DIR, c.replace(/\.json$/, '.rdb'))))).filter(
        (r): r is KeyEntry => r.kind === 'key',
      );
      expect(keys.length).toBe(expected.length);
      for (const x of expected) {
        const e = keys.find((k) => text(k.key) === x.key && k.db === x.db);
        expect(e, `key ${String(x.key)} in db ${String(x.db)}`).toBeDefined();
        compare(e!, x);
      }
    });
  }
});
