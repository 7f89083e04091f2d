/**
 * Quicklist node planning for the writer (RDB types 14 and 18; FORMATS.md §5.2): how Redis,
 * pushing a list's elements one by one to the tail with the default `list-max-listpack-size
 * -2` (8 KiB nodes), splits them into nodes. The reader side lives in decoder.ts.
 *
 * Rules, as in quicklist.c `_quicklistNodeAllowInsert` of each era (fill -2 means an 8192-byte
 * node limit):
 *  - Redis 3.2–6.2 (type 14, ziplist nodes): append while node bytes + element length + the
 *    entry overhead estimate (prevlen 1|5 + length header 1|2|5) stays <= 8192.
 *  - Redis 7.0 (type 18 at RDB 10): append while node bytes + element length + 8 <= 8192;
 *    elements of 1 GiB or more get a PLAIN node of their own.
 *  - Redis 7.2+ (RDB >= 11): the same, but any element longer than 8192 bytes is PLAIN.
 * Element lengths are string lengths (Redis passes the sds length even for integers).
 */
import { listpackElementSize } from './listpack.js';
import { ziplistEntrySize } from './ziplist.js';

const NODE_LIMIT = 8192;

/** Whether an element of `len` bytes gets a PLAIN node of its own in a listpack era. */
export function quicklistPlain(era: 'listpack-7.0' | 'listpack-7.2', len: number): boolean {
  return era === 'listpack-7.0' ? len >= 1 << 30 : len > NODE_LIMIT;
}

/** Whether an element of `len` bytes may join a listpack node of `nodeBytes` (header and terminator included). */
export function quicklistFits(nodeBytes: number, len: number): boolean {
  return nodeBytes + len + 8 <= NODE_LIMIT;
}

/** One planned node: a PLAIN node holds exactly one element. */
export interface QuicklistNodePlan {
  plain: boolean;
  items: Uint8Array[];
}

/** Which insertion rule to follow. */
export type QuicklistEra = 'ziplist' | 'listpack-7.0' | 'listpack-7.2';

/** Split list elements into nodes as Redis would when pushing them in order. */
export function planQuicklist(elems: readonly Uint8Array[], era: QuicklistEra): QuicklistNodePlan[] {
  const nodes: QuicklistNodePlan[] = [];
  let cur: QuicklistNodePlan | null = null;
  let curBytes = 0; // actual blob size of `cur`
  let lastEntry = 0; // ziplist: size of the last entry (drives the next prevlen)
  for (const e of elems) {
    const sz = e.length;
    if (era !== 'ziplist') {
      if (quicklistPlain(era, sz)) {
        nodes.push({ plain: true, items: [e] });
        cur = null;
        continue;
      }
      if (!cur || !quicklistFits(curBytes, sz)) {
        cur = { plain: false, items: [] };
        nodes.push(cur);
        curBytes = 7; // listpack header + terminator
      }
      cur.items.push(e);
      curBytes += listpackElementSize(e);
    } else {
      const overhead = (sz < 254 ? 1 : 5) + (sz < 64 ? 1 : sz < 16384 ? 2 : 5);
      if (!cur || curBytes + sz + overhead > NODE_LIMIT) {
        cur = { plain: false, items: [] };
        nodes.push(cur);
        curBytes = 11; // ziplist header + terminator
        lastEntry = 0;
      }
      cur.items.push(e);
      lastEntry = ziplistEntrySize(e, lastEntry);
      curBytes += lastEntry;
    }
  }
  return nodes;
}
