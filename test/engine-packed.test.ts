/**
 * The engine's packed shapes against the JS collections they stand in for: PackedMap,
 * PackedSet and PackedZMap (src/engine/packed.ts) beside a Map/Set doing the same random
 * operations (same answers, same iteration order, deletions included; appends wait in a tail
 * until a random settlePacked or a read of the whole), PackedList
 * (src/engine/packed-list.ts) beside an array, and packed stream
 * entries (src/engine/stream-entry.ts): IDs above 2^53, fields over 127 bytes (multi-char
 * lengths), and string order equal to ID order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackedMap, PackedSet, PackedZMap, settlePacked } from '../src/engine/packed.js';
import { PackedList } from '../src/engine/packed-list.js';
import { entryFromRecord, entryHasKey, entryId, entryRecords, idChars, streamLowerBound } from '../src/engine/stream-entry.js';
import { keyBytes } from '../src/model/bytes.js';
import { compareStreamIds, type StreamId } from '../src/model/record.js';

/** Byte strings up to the packing limit, from a small alphabet so keys repeat. */
const bstrArb = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'ab', '\u0000', '\u00ff\u0080'),
  fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00ff'), maxLength: 64 }),
);

type Op = { op: 'set' | 'delete' | 'get' | 'settle'; k: string; v: string; score: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom('set' as const, 'set' as const, 'delete' as const, 'get' as const, 'settle' as const),
  k: bstrArb,
  v: bstrArb,
  score: fc.oneof(fc.double(), fc.constantFrom(0, -0, Infinity, -Infinity)),
});

describe('PackedMap', () => {
  it('behaves like a Map under random operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const p = new PackedMap();
        const m = new Map<string, string>();
        for (const o of ops) {
          if (o.op === 'set') {
            if (o.score > 0) expect(p.put(o.k, o.v)).toBe(!m.has(o.k));
            else p.set(o.k, o.v);
            m.set(o.k, o.v);
          } else if (o.op === 'delete') expect(p.delete(o.k)).toBe(m.delete(o.k));
          else if (o.op === 'settle') settlePacked();
          else {
            expect(p.get(o.k)).toBe(m.get(o.k));
            expect(p.has(o.k)).toBe(m.has(o.k));
          }
          expect(p.size).toBe(m.size);
        }
        expect([...p]).toEqual([...m]);
        expect([...p.keys()]).toEqual([...m.keys()]);
        expect([...p.values()]).toEqual([...m.values()]);
        expect([...p.clone()]).toEqual([...m]);
        expect([...new Map(p)]).toEqual([...m]);
        expect(p.toRecord()).toEqual([...m].map(([f, v]) => ({ field: keyBytes(f), value: keyBytes(v) })));
      }),
    );
  });
});

describe('PackedSet', () => {
  it('behaves like a Set under random operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const p = new PackedSet();
        const s = new Set<string>();
        for (const o of ops) {
          if (o.op === 'set') {
            if (o.score > 0 && !s.has(o.k)) p.push(o.k);
            else p.add(o.k);
            s.add(o.k);
          } else if (o.op === 'delete') expect(p.delete(o.k)).toBe(s.delete(o.k));
          else if (o.op === 'settle') settlePacked();
          else expect(p.has(o.k)).toBe(s.has(o.k));
          expect(p.size).toBe(s.size);
        }
        expect([...p]).toEqual([...s]);
        expect([...p.clone()]).toEqual([...s]);
        expect(p.toRecord()).toEqual([...s].map(keyBytes));
      }),
    );
  });

  it('answers right when collections take turns with the shared membership filter', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), opArb), { maxLength: 300 }), (ops) => {
        const ps = [new PackedSet(), new PackedSet(), new PackedSet()];
        const ms = [new PackedMap(), new PackedMap(), new PackedMap()];
        const ss = [new Set<string>(), new Set<string>(), new Set<string>()];
        for (const [i, o] of ops) {
          if (o.op === 'set') {
            expect(ms[i]!.put(o.k, o.k)).toBe(!ss[i]!.has(o.k));
            ps[i]!.add(o.k);
            ss[i]!.add(o.k);
          } else if (o.op === 'delete') {
            expect(ps[i]!.delete(o.k)).toBe(ss[i]!.has(o.k));
            expect(ms[i]!.delete(o.k)).toBe(ss[i]!.delete(o.k));
          } else if (o.op === 'settle') settlePacked();
          else expect(ps[i]!.has(o.k)).toBe(ss[i]!.has(o.k));
        }
        for (let i = 0; i < 3; i++) {
          expect([...ps[i]!]).toEqual([...ss[i]!]);
          expect([...ms[i]!.keys()]).toEqual([...ss[i]!]);
        }
      }),
    );
  });
});

describe('PackedZMap', () => {
  it('behaves like a Map of nodes under random operations, scores bit-exact', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const p = new PackedZMap();
        const m = new Map<string, { member: string; score: number }>();
        for (const o of ops) {
          if (o.op === 'set') {
            if (o.v.length % 2) p.setScore(o.k, o.score);
            else p.set(o.k, { member: o.k, score: o.score });
            m.set(o.k, { member: o.k, score: o.score });
          } else if (o.op === 'delete') expect(p.delete(o.k)).toBe(m.delete(o.k));
          else if (o.op === 'settle') settlePacked();
          else {
            expect(p.get(o.k)).toEqual(m.get(o.k));
            expect(p.score(o.k)).toEqual(m.get(o.k)?.score);
            expect(p.has(o.k)).toBe(m.has(o.k));
          }
          expect(p.size).toBe(m.size);
        }
        // toEqual tells -0 from 0 and compares NaN as equal: the scores round-trip bit-exact.
        expect([...p]).toEqual([...m]);
        expect([...p.values()]).toEqual([...m.values()]);
        expect([...p.clone().keys()]).toEqual([...m.keys()]);
      }),
    );
  });
});

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const idArb: fc.Arbitrary<StreamId> = fc.record({
  ms: fc.oneof(u64, fc.bigInt({ min: 0n, max: 2n ** 53n + 5n }), fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n)),
  seq: fc.oneof(u64, fc.bigInt({ min: 0n, max: 1000n })),
});
const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 120, maxLength: 20000 }));

describe('packed stream entries', () => {
  it('round-trip IDs and fields, long fields included', () => {
    fc.assert(
      fc.property(idArb, fc.array(fc.tuple(bytesArb, bytesArb), { minLength: 1, maxLength: 5 }), (id, fields) => {
        const e = entryFromRecord({ id, fields });
        expect(entryId(e)).toEqual(id);
        expect(entryHasKey(e, idChars(id))).toBe(true);
        expect(entryRecords([e, e])).toEqual([
          { id, fields },
          { id, fields },
        ]);
      }),
      { numRuns: 200 },
    );
  });

  it('sort by ID as strings, so the lower bound search finds IDs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(idArb, { selector: (i) => `${i.ms}-${i.seq}`, maxLength: 40 }), idArb, (ids, probe) => {
        ids.sort(compareStreamIds);
        const entries = ids.map((id) => entryFromRecord({ id, fields: [[new Uint8Array([1]), new Uint8Array(0)]] }));
        const expected = ids.findIndex((id) => compareStreamIds(id, probe) >= 0);
        expect(streamLowerBound(entries, probe)).toBe(expected < 0 ? ids.length : expected);
        for (let i = 0; i < ids.length; i++) expect(streamLowerBound(entries, ids[i]!)).toBe(i);
      }),
    );
  });
});

type ListOp =
  | { op: 'pushFront' | 'pushBack'; v: string; times: number }
  | { op: 'popFront' | 'popBack'; times: number }
  | { op: 'set'; i: number; v: string }
  | { op: 'replace' | 'pushBackAll'; items: string[] };

/** Elements from empty to past one chunk (4 KiB), with multi-char LEB128 lengths. */
const elementArb = fc.oneof(
  { weight: 8, arbitrary: bstrArb },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 9000 }).map((n) => 'x\u00ff'.repeat(n).slice(0, n)) },
);

const listOpArb: fc.Arbitrary<ListOp> = fc.oneof(
  fc.record({ op: fc.constantFrom('pushFront' as const, 'pushBack' as const), v: elementArb, times: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ op: fc.constantFrom('popFront' as const, 'popBack' as const), times: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ op: fc.constant('set' as const), i: fc.nat(), v: elementArb }),
  fc.record({ op: fc.constantFrom('replace' as const, 'pushBackAll' as const), items: fc.array(elementArb, { maxLength: 300 }) }),
);

describe('PackedList', () => {
  it('behaves like an array under random operations, across chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(elementArb, { maxLength: 300 }), fc.array(listOpArb, { maxLength: 60 }), (init, ops) => {
        const l = PackedList.from(init);
        const a = init.slice();
        for (const o of ops) {
          for (let t = 0; t < ('times' in o ? o.times : 1); t++) {
            if (o.op === 'pushFront') {
              l.pushFront(o.v);
              a.unshift(o.v);
            } else if (o.op === 'pushBack') {
              l.pushBack(o.v);
              a.push(o.v);
            } else if (o.op === 'popFront') expect(l.popFront()).toBe(a.shift());
            else if (o.op === 'popBack') expect(l.popBack()).toBe(a.pop());
            else if (o.op === 'set') {
              if (a.length) {
                const i = o.i % a.length;
                l.set(i, o.v);
                a[i] = o.v;
              }
            } else if (o.op === 'replace') {
              l.replace(o.items);
              a.splice(0, a.length, ...o.items);
            } else if (o.op === 'pushBackAll') {
              l.pushBackAll(o.items);
              a.push(...o.items);
            }
          }
          expect(l.length).toBe(a.length);
        }
        expect(l.toArray()).toEqual(a);
        expect(l.clone().toArray()).toEqual(a);
        expect(l.toRecord()).toEqual(a.map(keyBytes));
        for (let i = 0; i < a.length; i++) expect(l.at(i)).toBe(a[i]);
      }),
      { numRuns: 150 },
    );
  });

  it('pushBackBytes packs the same chunks as pushBackAll of the same elements', () => {
    const chunks = (l: PackedList): string[] => (l as unknown as { chunks: { toArray(): string[] } }).chunks.toArray();
    fc.assert(
      fc.property(
        fc.array(elementArb, { maxLength: 300 }),
        fc.array(fc.array(elementArb, { maxLength: 200 }), { maxLength: 6 }),
        (init, pushes) => {
          const l = PackedList.from(init);
          const m = PackedList.from(init);
          for (const items of pushes) {
            l.pushBackAll(items);
            m.pushBackBytes([keyBytes('rpush'), keyBytes('key'), ...items.map(keyBytes)], 2);
            expect(chunks(m)).toEqual(chunks(l));
            expect(m.length).toBe(l.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
