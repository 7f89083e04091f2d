/**
 * Allocation arithmetic of a 64-bit Redis 7.0 on jemalloc 5 (SPEC.md "Memory model"): size
 * classes (`zmalloc_size`), sds headers, dict tables under incremental rehashing, and the node
 * count of a radix tree (rax) fed keys in ascending order. Pure numbers, no values kept.
 */

/**
 * jemalloc's usable size for a request of `n` bytes (4 KiB pages): 8, then multiples of 16 up to
 * 128, then four classes per doubling (160, 192, 224, 256, 320, ...), the same rule above the
 * small/large boundary (16 KiB, 20 KiB, ...).
 */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  const lg = Math.floor(Math.log2(n - 1)); // 2^lg < n <= 2^(lg+1)
  const step = 2 ** (lg - 2);
  return Math.ceil(n / step) * step;
}

/** sds header bytes for a string of `len` bytes as `sdsnewlen` picks it (type 5 below 32, 8, 16, 32, 64). */
export function sdsHeader(len: number): number {
  if (len === 0) return 3; // sdsnewlen never makes an empty type-5 string
  if (len < 32) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 2 ** 32) return 9;
  return 17;
}

/** `sdsZmallocSize` of a freshly made sds of `len` bytes: header, bytes, NUL, rounded to a class. */
export function sdsAlloc(len: number): number {
  return jemallocSize(sdsHeader(len) + len + 1);
}

/** Smallest power of two >= n, at least 4 (`_dictNextExp` with DICT_HT_INITIAL_SIZE 4). */
export function dictSize(n: number): number {
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

/** Expected non-empty buckets when `n` keys hash into `size` buckets. */
function expectedBuckets(n: number, size: number): number {
  return size * (1 - (1 - 1 / size) ** n);
}

/**
 * A dict's bucket tables followed through the calls Redis makes while loading a value: explicit
 * `dictExpand`s and `dictAdd`s that grow the table (`_dictExpandIfNeeded`) and move one bucket of
 * an ongoing rehash each (`_dictRehashStep`). Which keys share a bucket depends on siphash with a
 * per-process random seed, so when a rehash is still under way at the end the progress is the
 * expected one (one bucket per add, average load per bucket): Redis's own figure is random there.
 */
export class DictTables {
  /** Size of table 0 (0 before the first add or expand). */
  size0 = 0;
  /** Size of table 1 while rehashing, else 0. */
  size1 = 0;
  /** Keys still in table 0 while rehashing (all keys otherwise). */
  private left = 0;
  private used = 0;
  /** Keys moved per rehash step (average bucket load of table 0 when the rehash started). */
  private perStep = 1;

  /** Bucket slots of both tables (`dictSlots`). */
  get slots(): number {
    return this.size0 + this.size1;
  }

  /** `dictExpand(d, n)`: ignored while rehashing or when it would not change the size. */
  expand(n: number): void {
    if (this.size1 !== 0 || this.used > n) return;
    const size = dictSize(n);
    if (this.size0 === 0) {
      this.size0 = size;
      return;
    }
    if (size === this.size0) return;
    if (this.used === 0) {
      // an empty table 0 is dropped at the first rehash step
      this.size0 = size;
      return;
    }
    this.size1 = size;
    this.left = this.used;
    this.perStep = Math.max(1, this.used / expectedBuckets(this.used, this.size0));
  }

  /** `dictAdd` of a new key. */
  add(): void {
    if (this.size1 !== 0) {
      this.left -= this.perStep;
      if (this.left <= 0) {
        this.size0 = this.size1;
        this.size1 = 0;
      }
    } else if (this.size0 === 0) {
      this.size0 = 4;
    } else if (this.used >= this.size0) {
      // the add that grows the table makes no rehash step (dictAddRaw steps before it expands)
      this.expand(this.used + 1);
    }
    this.used++;
  }

  /** `count` adds in a row (fast path when no rehash or growth is near). */
  addMany(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.size1 === 0 && this.size0 !== 0 && this.used + (count - i) <= this.size0) {
        this.used += count - i;
        return;
      }
      this.add();
    }
  }
}

/**
 * Node count of a rax (rax.c) fed fixed-length keys in strictly ascending order, as stream
 * loading inserts node ids and PEL ids. Only the path of the last key can change on such an
 * insert, so only that path is kept: memory stays O(key length).
 */
export class RaxCounter {
  /** `rax->numnodes` (an empty rax has its head node). */
  nodes = 1;
  /** `rax->numele`. */
  elements = 0;
  private last: Uint8Array | null = null;
  /** Nodes on the last key's path: the depth of their first char, chars covered, compressed or not. */
  private path: Array<{ depth: number; size: number; compr: boolean }> = [];

  /** Insert a key greater than every key inserted before. */
  insert(key: Uint8Array): void {
    const len = key.length;
    this.elements++;
    const last = this.last;
    this.last = key;
    if (last === null) {
      // the empty head becomes a compressed node (or a one-child node) ending in a new leaf
      this.path = len > 0 ? [{ depth: 0, size: len, compr: len > 1 }] : [];
      if (len > 0) this.nodes++;
      return;
    }
    let p = 0;
    while (p < len && last[p] === key[p]) p++;
    if (p >= len) return; // same key again: nothing changes
    let idx = 0;
    while (idx < this.path.length && this.path[idx]!.depth + this.path[idx]!.size <= p) idx++;
    const node = this.path[idx]!;
    const path = this.path.slice(0, idx);
    if (node.compr) {
      // raxInsert "ALGO 1": trim (or replace) the compressed node, a split node, a postfix node
      const j = p - node.depth;
      if (j > 0) {
        path.push({ depth: node.depth, size: j, compr: j > 1 });
        this.nodes++;
      }
      if (node.size - j - 1 > 0) this.nodes++;
      path.push({ depth: p, size: 1, compr: false });
    } else {
      path.push(node);
    }
    // a new child for key[p], then the rest of the key as one compressed node (or one char) and a leaf
    this.nodes++;
    const rest = len - p - 1;
    if (rest > 0) {
      path.push({ depth: p + 1, size: rest, compr: rest > 1 });
      this.nodes++;
    }
    this.path = path;
  }
}
