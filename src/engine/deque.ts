/**
 * A double-ended queue over a growable ring buffer (capacity a power of two), the engine's
 * list storage: push and pop at either end in O(1) amortized (a plain array makes LPUSH and
 * LPOP O(n), so a list built by LPUSH costs O(n^2)), indexed access in O(1). Operations in the
 * middle (LINSERT, LREM, LTRIM) rebuild it from an array, O(n) as in Redis's quicklist.
 */

const MIN_CAPACITY = 4;

/** A double-ended queue of T. */
export class Deque<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(capacity = MIN_CAPACITY) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.buf = new Array(c);
  }

  /** A deque holding `items` in order (the array is copied). */
  static from<T>(items: readonly T[]): Deque<T> {
    const d = new Deque<T>(items.length);
    for (let i = 0; i < items.length; i++) d.buf[i] = items[i];
    d.size = items.length;
    return d;
  }

  get length(): number {
    return this.size;
  }

  /** The element at index i (0 = head); i must be in [0, length). */
  at(i: number): T {
    return this.buf[(this.head + i) & (this.buf.length - 1)] as T;
  }

  /** Replace the element at index i (in [0, length)). */
  set(i: number, v: T): void {
    this.buf[(this.head + i) & (this.buf.length - 1)] = v;
  }

  pushFront(v: T): void {
    if (this.size === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = v;
    this.size++;
  }

  pushBack(v: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = v;
    this.size++;
  }

  /** Remove and return the head (undefined when empty). */
  popFront(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size--;
    return v;
  }

  /** Remove and return the tail (undefined when empty). */
  popBack(): T | undefined {
    if (this.size === 0) return undefined;
    const i = (this.head + this.size - 1) & (this.buf.length - 1);
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.size--;
    return v;
  }

  /** The elements head to tail as a new array. */
  toArray(): T[] {
    const out: T[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.at(i);
    return out;
  }

  /** Replace the whole content with `items` (copied). */
  replace(items: readonly T[]): void {
    const d = Deque.from(items);
    this.buf = d.buf;
    this.head = 0;
    this.size = d.size;
  }

  private grow(): void {
    const next: Array<T | undefined> = new Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.buf = next;
    this.head = 0;
  }
}
