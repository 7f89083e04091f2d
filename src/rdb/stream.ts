/**
 * Stream values (types 15, 19, 21, 26, 27; FORMATS.md §5.7, §6.5 and §13), read resumably.
 * Type 26 (RDB 13) appends the IDMP section after the last consumer group; type 27 (RDB 14)
 * also puts a NACK zone after each group's consumers (SPEC.md "RDB 13-15" names the sources).
 *
 * This file decodes stream nodes and the ids of the sections after them, and puts a stream read
 * in parts back together; stream-reader.ts reads a stream value unit by unit.
 */
import { type Cursor, corrupt, cursorOf, require } from '../bytes/cursor.js';
import type {
  KeyPart,
  PackedStreamNodes,
  StreamConsumer,
  StreamEntry,
  StreamGroup,
  StreamId,
  StreamPendingEntry,
  StreamValue,
} from '../model/record.js';
import { readLengthBig } from './length.js';
import { decodeListpackValues, type LpValue, lpValueBytes, readListpackValuesInto } from './listpack.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

function lpInt(v: LpValue | undefined, r: Cursor, at: number, what: string): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node: expected an integer for ${what}`, at);
}

/** As Number(lpInt(v)), without a BigInt on the way (counts, flags: small integers). */
function lpNum(v: LpValue | undefined, r: Cursor, at: number, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node: expected an integer for ${what}`, at);
}

/** An element that must be there (a field or value of a node read only to be validated). */
function lpPresent(v: LpValue | undefined, r: Cursor, at: number): void {
  if (v === undefined) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: entry runs past the end of the listpack', at);
}

function lpBytes(v: LpValue | undefined, r: Cursor, at: number): Uint8Array {
  if (v === undefined) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: entry runs past the end of the listpack', at);
  return lpValueBytes(v);
}

/** Decode one stream node listpack into its live entries (tombstones skipped). */
export function decodeStreamNode(master: StreamId, lp: Uint8Array, r: Cursor, lpAt: number, out: StreamEntry[]): void {
  readStreamNode(master, lp, r, lpAt, out);
}

/** The live entries of nodes kept as stored (StreamValue.packed, validated when read), decoded. */
export function decodeStoredNodes(p: PackedStreamNodes): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const { master, blob } of p.nodes) {
    const dv = new DataView(master.buffer, master.byteOffset, 16);
    readStreamNode({ ms: dv.getBigUint64(0, false), seq: dv.getBigUint64(8, false) }, blob, cursorOf(blob, 'rdb'), 0, out);
  }
  return out;
}

/** A string element of a node read only to be validated (checkStreamNode): no view is made. */
const UNREAD = new Uint8Array(0);
/** The elements of the node checkStreamNode reads, one array for every node. */
const checked: Array<LpValue | undefined> = [];

/**
 * Validate one stream node listpack as decodeStreamNode reads it, without building its entries
 * (check, inspect); returns its live entry count.
 */
export function checkStreamNode(lp: Uint8Array, r: Cursor, lpAt: number): number {
  return readStreamNode(null, lp, r, lpAt, null);
}

/** The node walk of both: entries go to `out` (null: only validated and counted), with ids from `master`. */
function readStreamNode(master: StreamId | null, lp: Uint8Array, r: Cursor, lpAt: number, out: StreamEntry[] | null): number {
  const base = r.base + lpAt;
  let vals: ReadonlyArray<LpValue | undefined> = checked;
  let n: number;
  if (out) {
    vals = decodeListpackValues(lp, base);
    n = vals.length;
  } else n = readListpackValuesInto(lp, base, UNREAD, checked);
  // every read is checked, so one past the last (undefined) stops a walk that runs past the end
  let i = 0;
  const count = lpNum(vals[i++], r, lpAt, 'the entry count');
  const deleted = lpNum(vals[i++], r, lpAt, 'the deleted count');
  const numFields = lpNum(vals[i++], r, lpAt, 'the master field count');
  if (numFields < 0 || i + numFields > n) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: bad master field count', lpAt);
  const masterFields: Uint8Array[] = [];
  for (let k = 0; k < numFields; k++) {
    if (out) masterFields.push(lpBytes(vals[i++], r, lpAt));
    else lpPresent(vals[i++], r, lpAt);
  }
  if (lpNum(vals[i++], r, lpAt, 'the master terminator') !== 0)
    throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: master entry not terminated by 0', lpAt);
  const total = count + deleted;
  let live = 0;
  for (let e = 0; e < total; e++) {
    const first = i;
    const flags = lpNum(vals[i++], r, lpAt, 'entry flags');
    let entry: StreamEntry | null = null;
    if (!out) {
      lpNum(vals[i++], r, lpAt, 'entry ms delta');
      lpNum(vals[i++], r, lpAt, 'entry seq delta');
      if (flags & FLAG_SAMEFIELDS) for (let k = 0; k < numFields; k++) lpPresent(vals[i++], r, lpAt);
      else {
        const nf = lpNum(vals[i++], r, lpAt, 'entry field count');
        if (nf < 0 || i + nf * 2 > n) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: bad entry field count', lpAt);
        i += nf * 2;
      }
    } else {
      const msDelta = lpInt(vals[i++], r, lpAt, 'entry ms delta');
      const seqDelta = lpInt(vals[i++], r, lpAt, 'entry seq delta');
      const fields: Array<[Uint8Array, Uint8Array]> = [];
      if (flags & FLAG_SAMEFIELDS) {
        for (let k = 0; k < numFields; k++) fields.push([masterFields[k]!, lpBytes(vals[i++], r, lpAt)]);
      } else {
        const nf = lpNum(vals[i++], r, lpAt, 'entry field count');
        if (nf < 0 || i + nf * 2 > n) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: bad entry field count', lpAt);
        for (let k = 0; k < nf; k++) {
          const f = lpBytes(vals[i++], r, lpAt);
          fields.push([f, lpBytes(vals[i++], r, lpAt)]);
        }
      }
      entry = { id: { ms: BigInt.asUintN(64, master!.ms + msDelta), seq: BigInt.asUintN(64, master!.seq + seqDelta) }, fields };
    }
    const lpCount = lpNum(vals[i++], r, lpAt, 'entry lp-count');
    if (lpCount !== i - first - 1)
      throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node: entry lp-count ${lpCount} does not match its ${i - first - 1} elements`, lpAt);
    if (!(flags & FLAG_DELETED)) {
      live++;
      if (entry) out!.push(entry);
    }
  }
  if (i !== n) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: data after the last entry', lpAt);
  return live;
}

/** A stream id stored raw: ms and seq, both u64 big-endian (PEL and NACK zone ids). */
export function readRawId(r: Cursor): StreamId {
  require(r, 16, 'a stream id');
  const ms = r.view.getBigUint64(r.pos, false);
  const seq = r.view.getBigUint64(r.pos + 8, false);
  r.pos += 16;
  return { ms, seq };
}

/** A stream id stored as two lengths (last id, group ids, IDMP ids). */
export function readLenId(r: Cursor): StreamId {
  const ms = readLengthBig(r);
  const seq = readLengthBig(r);
  return { ms, seq };
}

/** An empty stream value, to be filled. */
export function emptyStream(): StreamValue {
  return { entries: [], length: 0, lastId: { ms: 0n, seq: 0n }, firstId: null, maxDeletedId: null, entriesAdded: null, groups: [] };
}

/**
 * Put the parts of a stream (in their order, SPEC.md §2.1) back together as one value; each
 * pending entry's owner is the consumer whose PEL lists it. The value takes over the parts'
 * arrays and pending entries (they are not copied).
 */
export function assembleStream(parts: Iterable<KeyPart>, into: StreamValue = emptyStream()): StreamValue {
  const v = into;
  let g: StreamGroup | null = null;
  let c: StreamConsumer | null = null;
  let byId: Map<string, StreamPendingEntry> | null = null;
  const idKey = (id: StreamId): string => `${id.ms}-${id.seq}`;
  for (const p of parts) {
    switch (p.part) {
      case 'stream-entries':
        if (v.entries.length === 0) v.entries = p.items;
        else for (const e of p.items) v.entries.push(e);
        if (p.packed && !v.packed) v.packed = p.packed;
        else if (p.packed) {
          for (const n of p.packed.nodes) v.packed!.nodes.push(n);
          v.packed!.live += p.packed.live;
        }
        break;
      case 'stream-meta': {
        const m = p.meta;
        v.length = m.length;
        v.lastId = m.lastId;
        v.firstId = m.firstId;
        v.maxDeletedId = m.maxDeletedId;
        v.entriesAdded = m.entriesAdded;
        break;
      }
      case 'stream-group':
        g = { name: p.name, lastId: p.lastId, entriesRead: p.entriesRead, pending: [], consumers: [] };
        v.groups.push(g);
        byId = null;
        break;
      case 'stream-pel':
        for (const x of p.items) g!.pending.push(x);
        break;
      case 'stream-consumer':
        c = { name: p.name, seenTime: p.seenTime, activeTime: p.activeTime, pending: [] };
        g!.consumers.push(c);
        break;
      case 'stream-consumer-pel':
        if (!byId) {
          byId = new Map();
          for (const x of g!.pending) byId.set(idKey(x.id), x);
        }
        for (const id of p.items) {
          c!.pending.push(id);
          const e = byId.get(idKey(id));
          if (e) e.consumer = c!.name;
        }
        break;
      case 'stream-nack-zone':
        g!.nacked = [];
        break;
      case 'stream-nacked':
        for (const id of p.items) g!.nacked!.push(id);
        break;
      case 'stream-idmp':
        v.idmp = p.idmp;
        break;
      case 'stream-consumers':
        break;
      default:
        throw new Error(`a ${p.part} part is not a stream part`);
    }
  }
  return v;
}

/**
 * A whole stream value as the parts a decoder hands over (the inverse of assembleStream), so a
 * writer of parts writes a whole stream the same way; one batch per section.
 */
export function* streamAsParts(v: StreamValue): Generator<KeyPart> {
  yield { part: 'stream-entries', items: v.entries, nodes: v.entries.length ? [v.entries.length] : [] };
  const { entries: _e, groups, idmp, ...meta } = v;
  yield { part: 'stream-meta', meta: { ...meta, groups: groups.length } };
  const idKey = (id: StreamId): string => `${id.ms}-${id.seq}`;
  for (const g of groups) {
    yield { part: 'stream-group', name: g.name, lastId: g.lastId, entriesRead: g.entriesRead, pending: g.pending.length };
    if (g.pending.length) yield { part: 'stream-pel', items: g.pending.map((p) => ({ ...p, consumer: null })) };
    yield { part: 'stream-consumers', count: g.consumers.length };
    const byId = new Map(g.pending.map((p) => [idKey(p.id), p]));
    for (const c of g.consumers) {
      yield { part: 'stream-consumer', name: c.name, seenTime: c.seenTime, activeTime: c.activeTime, pending: c.pending.length };
      if (!c.pending.length) continue;
      const delivery = c.pending.map((id): [number, number] => {
        const p = byId.get(idKey(id));
        return p ? [p.deliveryTime, p.deliveryCount] : [0, 0];
      });
      yield { part: 'stream-consumer-pel', items: c.pending, delivery };
    }
    if (g.nacked) {
      yield { part: 'stream-nack-zone', count: g.nacked.length };
      if (g.nacked.length) yield { part: 'stream-nacked', items: g.nacked };
    }
  }
  if (idmp) yield { part: 'stream-idmp', idmp };
}
