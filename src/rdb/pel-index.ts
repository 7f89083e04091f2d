/**
 * One consumer group's PEL as the stream reader (stream.ts) needs it after the PEL itself has
 * been handed over: its ids, delivery times and counts, and which ids a consumer owns, packed in
 * typed arrays (about 33 bytes per pending entry instead of an object and a map entry each), so
 * a group with millions of pending entries can be checked without holding them as objects.
 *
 * Redis saves a PEL from its radix tree, so its ids come in ascending order; lookups then are a
 * binary search. Ids out of order (a file not written by Redis) are sorted at the first lookup.
 */
import type { StreamId } from '../model/record.js';

const NO_IDS = new Uint32Array(0);
const NO_NUMBERS = new Float64Array(0);
const NO_FLAGS = new Uint8Array(0);

/** The packed PEL of one group. */
export class PelIndex {
  /** Four words per id: ms high, ms low, seq high, seq low. */
  // allocated at the first add (most streams in a dump have no PEL at all)
  private ids = NO_IDS;
  private times = NO_NUMBERS;
  private counts = NO_NUMBERS;
  private owned = NO_FLAGS;
  /** Sorted position → insertion index (only once sorted out of order). */
  private order: Uint32Array | null = null;
  private ascending = true;
  /** Entries added. */
  size = 0;

  /** Empty it for the next group (its arrays are kept). */
  reset(): this {
    this.owned.fill(0, 0, this.size);
    this.size = 0;
    this.order = null;
    this.ascending = true;
    return this;
  }

  /** Add an id; false when it repeats the previous one (a duplicate PEL id). */
  add(id: StreamId, time: number, count: number): boolean {
    const n = this.size;
    if (n === this.times.length) this.grow();
    const w = n * 4;
    const msHi = Number(id.ms >> 32n);
    const msLo = Number(id.ms & 0xffffffffn);
    const seqHi = Number(id.seq >> 32n);
    const seqLo = Number(id.seq & 0xffffffffn);
    if (n > 0) {
      const c = this.compareAt(n - 1, msHi, msLo, seqHi, seqLo);
      if (c === 0) return false;
      if (c > 0) this.ascending = false;
    }
    this.ids[w] = msHi;
    this.ids[w + 1] = msLo;
    this.ids[w + 2] = seqHi;
    this.ids[w + 3] = seqLo;
    this.times[n] = time;
    this.counts[n] = count;
    this.size = n + 1;
    return true;
  }

  /** Once the PEL is complete: sort ids added out of order; true when two of them are equal. */
  sortOutOfOrder(): boolean {
    return !this.ascending && this.order === null && this.sort();
  }

  /** The insertion index of an id, or -1 when the PEL does not hold it. */
  find(id: StreamId): number {
    const msHi = Number(id.ms >> 32n);
    const msLo = Number(id.ms & 0xffffffffn);
    const seqHi = Number(id.seq >> 32n);
    const seqLo = Number(id.seq & 0xffffffffn);
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.order ? this.order[mid]! : mid;
      const c = this.compareAt(at, msHi, msLo, seqHi, seqLo);
      if (c === 0) return at;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Whether a consumer owns the entry at insertion index `i`. */
  isOwned(i: number): boolean {
    return this.owned[i] === 1;
  }

  /** A consumer owns the entry at insertion index `i`. */
  own(i: number): void {
    this.owned[i] = 1;
  }

  /** Delivery time and count of the entry at insertion index `i`. */
  delivery(i: number): [number, number] {
    return [this.times[i]!, this.counts[i]!];
  }

  /** Insertion indexes of the entries no consumer owns, in insertion order. */
  unowned(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.owned[i] === 0) out.push(i);
    return out;
  }

  /** The id at insertion index `i`. */
  idAt(i: number): StreamId {
    const w = i * 4;
    const ids = this.ids;
    return {
      ms: (BigInt(ids[w]!) << 32n) | BigInt(ids[w + 1]!),
      seq: (BigInt(ids[w + 2]!) << 32n) | BigInt(ids[w + 3]!),
    };
  }

  /** Compare the id at insertion index `i` with the given one: <0, 0, >0. */
  private compareAt(i: number, msHi: number, msLo: number, seqHi: number, seqLo: number): number {
    const w = i * 4;
    const ids = this.ids;
    if (ids[w] !== msHi) return ids[w]! - msHi;
    if (ids[w + 1] !== msLo) return ids[w + 1]! - msLo;
    if (ids[w + 2] !== seqHi) return ids[w + 2]! - seqHi;
    return ids[w + 3]! - seqLo;
  }

  private grow(): void {
    const cap = Math.max(8, this.times.length * 2);
    const ids = new Uint32Array(cap * 4);
    ids.set(this.ids);
    this.ids = ids;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const counts = new Float64Array(cap);
    counts.set(this.counts);
    this.counts = counts;
    const owned = new Uint8Array(cap);
    owned.set(this.owned);
    this.owned = owned;
  }

  /** Sort positions by id; true when two ids are equal. */
  private sort(): boolean {
    const idx = Array.from({ length: this.size }, (_, i) => i);
    const ids = this.ids;
    idx.sort((x, y) => {
      const a = x * 4;
      return this.compareAt(y, ids[a]!, ids[a + 1]!, ids[a + 2]!, ids[a + 3]!) * -1;
    });
    this.order = Uint32Array.from(idx);
    for (let k = 1; k < idx.length; k++) {
      const a = idx[k - 1]! * 4;
      if (this.compareAt(idx[k]!, ids[a]!, ids[a + 1]!, ids[a + 2]!, ids[a + 3]!) === 0) return true;
    }
    return false;
  }
}
