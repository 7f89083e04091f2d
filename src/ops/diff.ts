/**
 * `diff`: which keys differ between two datasets (RDB, AOF replayed by the engine, or a JSON
 * export), at the level of a key: added, removed, or changed in type, value or TTL.
 *
 * Memory: side A is reduced to one small record per key (its type, its expiry and a digest of
 * its value, see diff-digest.ts), never held whole; side B is streamed against that index, each
 * of its keys checked and dropped from it. What remains in the index at the end was removed. So
 * memory is (key bytes + ~60 bytes) per key of A, whatever the values weigh; a key handed over in
 * parts (SPEC.md §2.1) is digested part by part, to the digest its whole record has.
 */
import { bytesKey, keyBytes } from '../model/bytes.js';
import type { KeyEntry, RdbRecord } from '../model/record.js';
import { ValueDigest } from './diff-digest.js';
import { compileFilter, type KeyFilter } from './filter.js';

/** A key as one side has it. */
export interface DiffSide {
  type: KeyEntry['type'];
  expireAt: number | null;
}

/** One difference. `what` lists what changed, for a key on both sides. */
export interface DiffChange {
  kind: 'added' | 'removed' | 'changed';
  db: number;
  key: Uint8Array;
  /** For 'changed': the aspects that differ (value is not reported when the type differs). */
  what: Array<'type' | 'value' | 'ttl'>;
  a: DiffSide | null;
  b: DiffSide | null;
}

/** The totals. */
export interface DiffReport {
  equal: boolean;
  keysA: number;
  keysB: number;
  added: number;
  removed: number;
  changed: number;
}

/** Options. */
export interface DiffOptions {
  /** Only keys passing this filter are compared (on both sides). */
  filter?: KeyFilter;
  /** Keys expiring at or before this time (ms) are left out on both sides, as a loading Redis drops them. */
  at?: number;
  /** Called for each difference as it is found (B's order, then removed keys in A's order). */
  onChange?: (c: DiffChange) => void;
}

type Batches = AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>;

interface Indexed {
  type: KeyEntry['type'];
  expireAt: number | null;
  digest: Uint8Array;
}

/** Compare dataset `a` with dataset `b` (batches of records from any reader). */
export async function diffDatasets(a: Batches, b: Batches, opts: DiffOptions = {}): Promise<DiffReport> {
  const keep = compileFilter(opts.filter ?? {});
  const at = opts.at;
  const live = (r: KeyHead): boolean => keep(r as KeyEntry) && (at === undefined || r.expireAt === null || r.expireAt > at);
  const index = new Map<string, Indexed>();
  const rep: DiffReport = { equal: true, keysA: 0, keysB: 0, added: 0, removed: 0, changed: 0 };
  for await (const k of keys(a, live)) {
    rep.keysA++;
    index.set(`${k.db}:${bytesKey(k.key)}`, { type: k.type, expireAt: k.expireAt, digest: k.digest });
  }
  const emit = (c: DiffChange): void => {
    rep[c.kind]++;
    rep.equal = false;
    opts.onChange?.(c);
  };
  for await (const r of keys(b, live)) {
    {
      rep.keysB++;
      const id = `${r.db}:${bytesKey(r.key)}`;
      const old = index.get(id);
      const side: DiffSide = { type: r.type, expireAt: r.expireAt };
      if (!old) {
        emit({ kind: 'added', db: r.db, key: r.key, what: [], a: null, b: side });
        continue;
      }
      index.delete(id);
      const what: DiffChange['what'] = [];
      if (old.type !== r.type) what.push('type');
      else if (!sameDigest(old.digest, r.digest)) what.push('value');
      if (old.expireAt !== r.expireAt) what.push('ttl');
      if (what.length) emit({ kind: 'changed', db: r.db, key: r.key, what, a: { type: old.type, expireAt: old.expireAt }, b: side });
    }
  }
  for (const [id, old] of index) {
    const colon = id.indexOf(':');
    emit({
      kind: 'removed',
      db: Number(id.slice(0, colon)),
      key: keyBytes(id.slice(colon + 1)),
      what: [],
      a: { type: old.type, expireAt: old.expireAt },
      b: null,
    });
  }
  return rep;
}

/** What diff needs of a key record or a key's start. */
type KeyHead = Pick<KeyEntry, 'db' | 'key' | 'type' | 'expireAt'>;

/** The live keys of a dataset with their value digests, whole keys and keys in parts alike. */
async function* keys(batches: Batches, live: (k: KeyHead) => boolean): AsyncGenerator<KeyHead & { digest: Uint8Array }> {
  let parted: { head: KeyHead; d: ValueDigest } | null = null;
  for await (const batch of batches) {
    for (const r of batch) {
      if (r.kind === 'key-start') {
        parted = live(r) ? { head: r, d: new ValueDigest(r.type) } : null;
      } else if (r.kind === 'key-part') {
        parted?.d.part(r);
      } else if (r.kind === 'key-end') {
        if (parted) yield { ...parted.head, digest: parted.d.finish() };
        parted = null;
      } else if (r.kind === 'key' && live(r)) {
        const d = new ValueDigest(r.type);
        d.whole(r);
        yield { db: r.db, key: r.key, type: r.type, expireAt: r.expireAt, digest: d.finish() };
      }
    }
  }
}

function sameDigest(x: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
