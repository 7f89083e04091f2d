/**
 * The key-prefix tree stays bounded however many distinct prefixes the keys have, keeps the
 * totals of every node it keeps exact, and folds the rest into "(other)".
 */
import { describe, expect, it } from 'vitest';
import { OTHER, type PrefixNode, PrefixTree } from '../src/ops/report-prefix.js';

function count(n: PrefixNode): number {
  return 1 + (n.children ?? []).reduce((s, c) => s + count(c), 0);
}

function childSums(n: PrefixNode): void {
  if (!n.children) return;
  const keys = n.children.reduce((s, c) => s + c.keys, 0);
  const bytes = n.children.reduce((s, c) => s + c.bytes, 0);
  expect(keys).toBeLessThanOrEqual(n.keys);
  expect(bytes).toBeLessThanOrEqual(n.bytes);
  for (const c of n.children) childSums(c);
}

describe('PrefixTree', () => {
  it('is exact below its limit: a node per prefix of up to depth segments', () => {
    const t = new PrefixTree(':', 2, 100);
    t.add('user:1:name', 10);
    t.add('user:2:name', 20);
    t.add('session:x', 5);
    t.add('plain', 1);
    expect(t.toJSON()).toEqual({
      name: '',
      keys: 4,
      bytes: 36,
      children: [
        {
          name: 'user',
          keys: 2,
          bytes: 30,
          children: [
            { name: '2', keys: 1, bytes: 20 },
            { name: '1', keys: 1, bytes: 10 },
          ],
        },
        { name: 'session', keys: 1, bytes: 5 },
      ],
    });
  });

  it('stays bounded with 200,000 distinct prefixes; big branches survive, the rest folds into (other)', () => {
    const t = new PrefixTree(':', 3, 50, 2000);
    let bytes = 0;
    for (let i = 0; i < 200_000; i++) {
      const b = i % 1000 === 0 ? 5000 : 10;
      t.add(`user:${i}:profile`, b);
      bytes += b;
    }
    for (let i = 0; i < 100; i++) {
      t.add(`big:${i}`, 100_000);
      bytes += 100_000;
    }
    const j = t.toJSON();
    expect(j.keys).toBe(200_100);
    expect(j.bytes).toBe(bytes);
    expect(count(j)).toBeLessThanOrEqual(50 + 10);
    const user = j.children!.find((c) => c.name === 'user')!;
    expect(user.keys).toBe(200_000);
    expect(user.children!.some((c) => c.name === OTHER && c.other)).toBe(true);
    const big = j.children!.find((c) => c.name === 'big')!;
    expect(big.bytes).toBe(10_000_000);
    childSums(j);
  });

  it('merges trees node by node', () => {
    const a = new PrefixTree(':', 2, 100);
    const b = new PrefixTree(':', 2, 100);
    const whole = new PrefixTree(':', 2, 100);
    const keys = ['a:1:x', 'a:2:y', 'b:1', 'c', 'a:1:z'];
    keys.forEach((k, i) => {
      (i % 2 ? a : b).add(k, i + 1);
      whole.add(k, i + 1);
    });
    const m = new PrefixTree(':', 2, 100);
    m.addTree(a.toJSON());
    m.addTree(b.toJSON());
    expect(m.toJSON()).toEqual(whole.toJSON());
  });
});
