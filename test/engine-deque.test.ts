/**
 * The engine's list storage (src/engine/deque.ts) against a plain array doing the same
 * operations: random sequences of pushes and pops at both ends, sets, replaces, with the ring
 * buffer wrapping and growing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../src/engine/deque.js';

type Op =
  | { op: 'pushFront' | 'pushBack'; v: number }
  | { op: 'popFront' | 'popBack' }
  | { op: 'set'; i: number; v: number }
  | { op: 'replace'; items: number[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('pushFront' as const, 'pushBack' as const), v: fc.integer() }),
  fc.record({ op: fc.constantFrom('popFront' as const, 'popBack' as const) }),
  fc.record({ op: fc.constant('set' as const), i: fc.nat(), v: fc.integer() }),
  fc.record({ op: fc.constant('replace' as const), items: fc.array(fc.integer(), { maxLength: 20 }) }),
);

describe('Deque', () => {
  it('behaves like an array under random operations', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 10 }), fc.array(opArb, { maxLength: 300 }), (init, ops) => {
        const d = Deque.from(init);
        const a = init.slice();
        for (const o of ops) {
          switch (o.op) {
            case 'pushFront':
              d.pushFront(o.v);
              a.unshift(o.v);
              break;
            case 'pushBack':
              d.pushBack(o.v);
              a.push(o.v);
              break;
            case 'popFront':
              expect(d.popFront()).toBe(a.shift());
              break;
            case 'popBack':
              expect(d.popBack()).toBe(a.pop());
              break;
            case 'set':
              if (a.length) {
                const i = o.i % a.length;
                d.set(i, o.v);
                a[i] = o.v;
              }
              break;
            case 'replace':
              d.replace(o.items);
              a.splice(0, a.length, ...o.items);
              break;
          }
          expect(d.length).toBe(a.length);
        }
        expect(d.toArray()).toEqual(a);
        for (let i = 0; i < a.length; i++) expect(d.at(i)).toBe(a[i]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps order across wrap-around and growth (LPUSH-built lists)', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 1000; i++) d.pushFront(i);
    for (let i = 0; i < 500; i++) d.popBack();
    for (let i = 0; i < 1000; i++) d.pushBack(-i);
    const a = d.toArray();
    expect(a.length).toBe(1500);
    expect(a[0]).toBe(999);
    expect(a[499]).toBe(500);
    expect(a[500]).toBe(-0);
    expect(a[1499]).toBe(-999);
  });
});
