/**
 * List values (FORMATS.md §5.2): type 1 (one string per element), 10 (one ziplist) and the
 * quicklists 14 (ziplist nodes) and 18 (PLAIN or PACKED listpack nodes). Counted forms read one
 * element or one node per unit.
 */
import { type Cursor, corrupt } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { QuicklistContainer, RdbType } from '../constants.js';
import { readLength } from '../length.js';
import { appendListpack, validateListpack } from '../listpack.js';
import { readDiscardedString, readString } from '../string.js';
import { decodeZiplist, validateZiplist } from '../ziplist.js';
import { readBlob, type ValueContext, type ValueFrame } from './frame.js';

/** Type 1: a count, then one element per unit. */
export function readLinkedList(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    f.left = readLength(r);
    return f.left === 0 ? { type: 'list', value: [] } : undefined;
  }
  if (ctx.scratch) readDiscardedString(r, ctx.max, ctx.scratch);
  else f.items.push(readString(r, ctx.max));
  f.listElements++;
  return --f.left === 0 ? { type: 'list', value: f.items as Uint8Array[] } : undefined;
}

/** Type 10: one ziplist. */
export function readZiplistList(r: Cursor, _f: ValueFrame, ctx: ValueContext): Value {
  const { blob, at } = readBlob(r, ctx);
  return { type: 'list', value: decodeZiplist(blob, r.base + at) };
}

/** Types 14 and 18: a node count, then one node per unit. */
export function readQuicklist(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  if (f.left < 0) {
    f.left = readLength(r);
    return f.left === 0 ? { type: 'list', value: [] } : undefined;
  }
  let container: number = QuicklistContainer.PACKED;
  if (f.type === RdbType.LIST_QUICKLIST_2) {
    const cAt = r.pos;
    container = readLength(r);
    if (container !== QuicklistContainer.PACKED && container !== QuicklistContainer.PLAIN) {
      throw corrupt(r, 'RDB_BAD_QUICKLIST', `quicklist node container ${container} is neither PLAIN (1) nor PACKED (2)`, cAt);
    }
  }
  const { blob, at } = readBlob(r, ctx);
  if (blob.length === 0) throw corrupt(r, 'RDB_BAD_QUICKLIST', 'empty quicklist node', at);
  const before = f.listElements;
  if (container === QuicklistContainer.PLAIN) {
    if (f.packed !== null) unpackNodes(f);
    if (!ctx.scratch) f.items.push(blob);
    f.listElements++;
  } else if (ctx.scratch) {
    f.listElements += f.type === RdbType.LIST_QUICKLIST ? validateZiplist(blob, r.base + at) : validateListpack(blob, r.base + at);
  } else if (ctx.packed && f.type === RdbType.LIST_QUICKLIST_2 && keepsPacked(f, blob)) {
    // the list's nodes are kept as their listpacks (no view per element)
    const n = validateListpack(blob, r.base + at);
    const p = f.packed;
    if (n && p === null) f.packed = { format: 'listpack', blob, count: n };
    else if (n) {
      (p!.nodes ??= [p!.blob]).push(blob);
      p!.count += n;
    }
    f.listElements += n;
  } else if (f.type === RdbType.LIST_QUICKLIST) {
    const els = decodeZiplist(blob, r.base + at);
    for (const e of els) f.items.push(e);
    f.listElements += els.length;
  } else {
    // a node's elements go straight into the list (no array per node), after those of the nodes kept packed
    if (f.packed !== null) unpackNodes(f);
    f.listElements += appendListpack(blob, r.base + at, f.items as Uint8Array[]);
  }
  if (ctx.layout) (ctx.layout.counts ??= []).push(f.listElements - before);
  return --f.left === 0 ? { type: 'list', value: f.items as Uint8Array[] } : undefined;
}

/**
 * Whether a quicklist node joins the nodes kept packed: no element of the batch being held was
 * taken out as such (a PLAIN node), and its header gives its count (65535: unknown). The decoder
 * counts the packed elements as held ones: batches end where they would without packing.
 */
function keepsPacked(f: ValueFrame, blob: Uint8Array): boolean {
  return f.items.length === 0 && blob.length >= 7 && (blob[4]! | (blob[5]! << 8)) !== 65535;
}

/** The elements of the nodes kept packed into the list's items (a node that is not kept follows). */
function unpackNodes(f: ValueFrame): void {
  const p = f.packed!;
  f.packed = null;
  for (const node of p.nodes ?? [p.blob]) appendListpack(node, 0, f.items as Uint8Array[]);
}
