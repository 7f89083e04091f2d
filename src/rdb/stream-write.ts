/**
 * Writing stream values (RDB types 15, 19, 21, 26, 27; FORMATS.md §5.7, §6.5, §13). The read side
 * is stream.ts.
 *
 * Buffering model: the whole value is written into the caller's ByteWriter. Entries are packed
 * into node listpacks the way `streamAppendItem` (Redis 7.0, t_stream.c) fills them with the
 * default `stream-node-max-bytes 4096` and `stream-node-max-entries 100`: a new node starts
 * when the tail node's bytes plus the new entry's field and value lengths reach 4096, or when
 * it already holds 100 entries. The first entry of a node provides the master fields; later
 * entries with exactly those field names carry the SAMEFIELDS flag and only their values.
 * The model keeps no tombstones, so every node has deleted = 0.
 */
import type { ByteWriter } from '../bytes/writer.js';
import { bytesEqual, compareBytes, displayText } from '../model/bytes.js';
import {
  compareStreamIds,
  type StreamConsumer,
  type StreamEntry,
  type StreamGroup,
  type StreamId,
  type StreamIdmp,
  type StreamValue,
} from '../model/record.js';
import { writeLength } from './length.js';
import { encodeListpack, type LpValue, listpackElementSize } from './listpack.js';
import { type WriteStringOptions, writeString } from './string.js';

const FLAG_SAMEFIELDS = 2;
const NODE_MAX_BYTES = 4096;
const NODE_MAX_ENTRIES = 100;
const U64_MAX = 0xffffffffffffffffn;
const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

/** Stream layout version: 1 (type 15), 2 (type 19), 3 (type 21), 4 (type 26, IDMP), 5 (type 27, NACK zones). */
export type StreamLayout = 1 | 2 | 3 | 4 | 5;

/** Redis's defaults for a stream never configured with XCFGSET (stream-idmp-duration / -maxsize). */
export const IDMP_DEFAULT = { duration: 100, maxEntries: 100 } as const;

/** The stream layout a Redis of RDB version `v` saves. */
export function streamLayoutFor(v: number): StreamLayout {
  return v >= 14 ? 5 : v >= 13 ? 4 : v >= 11 ? 3 : v >= 10 ? 2 : 1;
}

/** The RDB type id of a layout. */
export function streamTypeOf(layout: StreamLayout): number {
  return [0, 15, 19, 21, 26, 27][layout]!;
}

/** The value a lossy write to `layout` keeps: without NACK zones (and their unowned PEL ids) below 5, without IDMP below 4. */
export function streamForLayout(v: StreamValue, layout: StreamLayout): StreamValue {
  let out = v;
  if (layout < 5 && v.groups.some((g) => g.nacked?.length)) {
    out = {
      ...out,
      groups: v.groups.map((g) => {
        if (!g.nacked?.length) return g;
        const nacked = new Set(g.nacked.map((id) => `${id.ms}-${id.seq}`));
        const { nacked: _dropped, ...rest } = g;
        return { ...rest, pending: g.pending.filter((p) => !(p.consumer === null && nacked.has(`${p.id.ms}-${p.id.seq}`))) };
      }),
    };
  }
  if (layout < 4 && out.idmp) {
    const { idmp: _dropped, ...rest } = out;
    out = rest;
  }
  return out;
}

/** The 16-byte node key / raw id: ms and seq, both u64 big-endian. */
export function streamIdBytes(id: StreamId): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, id.ms, false);
  v.setBigUint64(8, id.seq, false);
  return out;
}

/** A node under construction. */
interface NodeBuild {
  master: StreamId;
  fields: Uint8Array[];
  items: LpValue[];
  count: number;
  bytes: number;
}

function sameFields(e: StreamEntry, master: Uint8Array[]): boolean {
  if (e.fields.length !== master.length) return false;
  for (let i = 0; i < master.length; i++) if (!bytesEqual(e.fields[i]![0], master[i]!)) return false;
  return true;
}

/**
 * Pack entries (ascending ids) into node listpacks as Redis 7.0 would, or, given `counts` (the
 * input's nodes: entries in each, none empty), into nodes of those sizes.
 */
export function planStreamNodes(
  entries: readonly StreamEntry[],
  counts?: readonly number[],
): Array<{ key: Uint8Array; listpack: Uint8Array }> {
  const nodes: NodeBuild[] = [];
  let cur: NodeBuild | null = null;
  let node = -1;
  for (const e of entries) {
    let totelelen = 0;
    for (const [f, v] of e.fields) totelelen += f.length + v.length;
    if (counts) {
      if (cur && cur.count >= counts[node]!) cur = null;
      if (!cur) node++;
    } else if (cur && (cur.bytes + totelelen >= NODE_MAX_BYTES || cur.count >= NODE_MAX_ENTRIES)) cur = null;
    if (!cur) {
      const fields = e.fields.map(([f]) => f);
      // master entry: count, deleted, numFields, fields..., 0 (count patched at the end)
      const items: LpValue[] = [1, 0, fields.length, ...fields, 0];
      let bytes = 7;
      for (const it of items) bytes += listpackElementSize(it);
      cur = { master: e.id, fields, items, count: 0, bytes };
      nodes.push(cur);
    }
    const msDelta = BigInt.asIntN(64, e.id.ms - cur.master.ms);
    const seqDelta = BigInt.asIntN(64, e.id.seq - cur.master.seq);
    const add: LpValue[] = [];
    if (sameFields(e, cur.fields)) {
      add.push(FLAG_SAMEFIELDS, msDelta, seqDelta);
      for (const [, v] of e.fields) add.push(v);
      add.push(e.fields.length + 3);
    } else {
      add.push(0, msDelta, seqDelta, e.fields.length);
      for (const [f, v] of e.fields) add.push(f, v);
      add.push(2 * e.fields.length + 4);
    }
    for (const it of add) {
      cur.items.push(it);
      cur.bytes += listpackElementSize(it);
    }
    // the master count grows from 1 as Redis increments it in place
    if (cur.count > 0) {
      cur.bytes += listpackElementSize(cur.count + 1) - listpackElementSize(cur.count);
      cur.items[0] = cur.count + 1;
    }
    cur.count++;
  }
  return nodes.map((n) => ({ key: streamIdBytes(n.master), listpack: encodeListpack(n.items) }));
}

/**
 * The consumer-group `entries_read` a Redis loader derives for a stream read from a type-15 file
 * (streamEstimateDistanceFromFirstEverEntry), given the stream's derived counters.
 */
export function estimateEntriesRead(
  s: { length: number; entriesAdded: number; lastId: StreamId; firstId: StreamId; maxDeletedId: StreamId },
  id: StreamId,
): number {
  if (!s.entriesAdded) return 0;
  if (!s.length && compareStreamIds(id, s.lastId) < 1) return s.entriesAdded;
  const cmpLast = compareStreamIds(id, s.lastId);
  if (cmpLast === 0) return s.entriesAdded;
  if (cmpLast > 0) return -1;
  const cmpFirst = compareStreamIds(id, s.firstId);
  const noGaps = (s.maxDeletedId.ms === 0n && s.maxDeletedId.seq === 0n) || compareStreamIds(s.maxDeletedId, s.firstId) < 0;
  if (noGaps) {
    if (cmpFirst < 0) return s.entriesAdded - s.length;
    if (cmpFirst === 0) return s.entriesAdded - s.length + 1;
  }
  return -1;
}

/** The v2 counters a loader derives when the file (or model) lacks them. */
export function derivedStreamMeta(v: StreamValue): { firstId: StreamId; maxDeletedId: StreamId; entriesAdded: number } {
  return {
    firstId: v.entries.length > 0 ? v.entries[0]!.id : MAX_ID,
    maxDeletedId: ZERO_ID,
    entriesAdded: v.length,
  };
}

/** The stream counters that will be written for layout >= 2 (explicit when known, else derived as a loader would). */
export function effectiveStreamMeta(v: StreamValue): { firstId: StreamId; maxDeletedId: StreamId; entriesAdded: number } {
  const d = derivedStreamMeta(v);
  return {
    firstId: v.firstId ?? d.firstId,
    maxDeletedId: v.maxDeletedId ?? d.maxDeletedId,
    entriesAdded: v.entriesAdded ?? d.entriesAdded,
  };
}

/**
 * A group's entries_read for layout >= 2 (-1 = unknown). The reader gives null both when the file
 * has no such field (type 15: then `firstId` is null too, and a loader estimates it, as here) and
 * when it stores 2^64-1 "unknown" (then it is written back as unknown).
 */
export function effectiveEntriesRead(v: StreamValue, g: StreamGroup): number {
  if (g.entriesRead !== null) return g.entriesRead;
  if (v.firstId !== null) return -1;
  const m = effectiveStreamMeta(v);
  return estimateEntriesRead({ length: v.length, lastId: v.lastId, ...m }, g.lastId);
}

/** A stream id as two lengths (last id, group ids, IDMP ids). */
export function writeId(w: ByteWriter, id: StreamId): void {
  writeLength(w, id.ms);
  writeLength(w, id.seq);
}

const byName = <T extends { name: Uint8Array }>(a: T, b: T): number => compareBytes(a.name, b.name);
const byId = <T extends { id: StreamId }>(a: T, b: T): number => compareStreamIds(a.id, b.id);

/** Whether `counts` (stored nodes' live entries) can lay out `n` entries: they add up, none is 0. */
export function nodeCountsFit(counts: readonly number[] | undefined, n: number): counts is readonly number[] {
  if (!counts || counts.length === 0) return false;
  let sum = 0;
  for (const c of counts) {
    if (c <= 0) return false;
    sum += c;
  }
  return sum === n;
}

/**
 * Write a stream value (after the type byte and key) in the given layout. Groups, PELs and
 * consumers in rax order. Nodes follow `counts` (the input's, see nodeCountsFit) when given, as a
 * stream written in parts does; else they are packed as Redis 7.0 fills them.
 */
export function writeStreamValue(
  w: ByteWriter,
  v: StreamValue,
  layout: StreamLayout,
  sopts: WriteStringOptions,
  counts?: readonly number[],
): void {
  const nodes = planStreamNodes(v.entries, nodeCountsFit(counts, v.entries.length) ? counts : undefined);
  writeLength(w, nodes.length);
  for (const n of nodes) {
    writeString(w, n.key, sopts);
    writeString(w, n.listpack, sopts);
  }
  writeStreamMeta(w, v, layout, sopts);
}

/**
 * What follows a stream's nodes: length, last id, the v2 counters (layout >= 2), the groups with
 * their PELs and consumers, the NACK zones (5) and IDMP section (4+). `v.entries` is read only
 * for the counters a loader derives when `v` lacks them.
 */
export function writeStreamMeta(w: ByteWriter, v: StreamValue, layout: StreamLayout, sopts: WriteStringOptions): void {
  writeLength(w, v.length);
  writeId(w, v.lastId);
  if (layout >= 2) {
    const m = effectiveStreamMeta(v);
    writeId(w, m.firstId);
    writeId(w, m.maxDeletedId);
    writeLength(w, m.entriesAdded);
  }
  const groups = [...v.groups].sort(byName);
  writeLength(w, groups.length);
  for (const g of groups) {
    writeString(w, g.name, sopts);
    writeId(w, g.lastId);
    if (layout >= 2) {
      const er = effectiveEntriesRead(v, g);
      writeLength(w, er < 0 ? U64_MAX : BigInt(er));
    }
    const pel = [...g.pending].sort(byId);
    writeLength(w, pel.length);
    for (const p of pel) {
      w.bytes(streamIdBytes(p.id));
      w.i64le(p.deliveryTime);
      writeLength(w, p.deliveryCount);
    }
    const consumers: StreamConsumer[] = [...g.consumers].sort(byName);
    writeLength(w, consumers.length);
    for (const c of consumers) {
      writeString(w, c.name, sopts);
      w.i64le(c.seenTime);
      if (layout >= 3) w.i64le(c.activeTime ?? c.seenTime);
      const ids = [...c.pending].sort(compareStreamIds);
      writeLength(w, ids.length);
      for (const id of ids) w.bytes(streamIdBytes(id));
    }
    if (layout >= 5) {
      // the NACK zone keeps the order it was read in (Redis saves it in NACK order, not id order)
      const nacked = g.nacked ?? [];
      writeLength(w, nacked.length);
      for (const id of nacked) w.bytes(streamIdBytes(id));
    }
  }
  if (layout >= 4) writeStreamIdmp(w, v.idmp ?? { ...IDMP_DEFAULT, producers: [], iidsAdded: 0, iidsDuplicates: 0 }, sopts);
}

/** A stream's IDMP section (RDB 13+): its configuration, each producer's recent ids, the counters. */
export function writeStreamIdmp(w: ByteWriter, m: StreamIdmp, sopts: WriteStringOptions): void {
  writeLength(w, m.duration);
  writeLength(w, m.maxEntries);
  writeLength(w, m.producers.length);
  for (const p of m.producers) {
    writeString(w, p.pid, sopts);
    writeLength(w, p.entries.length);
    for (const e of p.entries) {
      writeString(w, e.iid, sopts);
      writeId(w, e.id);
    }
  }
  writeLength(w, m.iidsAdded);
  writeLength(w, m.iidsDuplicates);
}

/**
 * What a type-15 (layout 1) or type-19 (layout 2) write would lose: v2 counters that differ from
 * what a loader derives, and consumer active-times that differ from seen-times. Empty when lossless.
 */
export function streamLosses(v: StreamValue, layout: StreamLayout): string[] {
  const out: string[] = [];
  if (layout < 2) {
    const d = derivedStreamMeta(v);
    const m = effectiveStreamMeta(v);
    const lost: string[] = [];
    if (compareStreamIds(m.firstId, d.firstId) !== 0) lost.push('first-id');
    if (compareStreamIds(m.maxDeletedId, d.maxDeletedId) !== 0) lost.push('max-deleted-id');
    if (m.entriesAdded !== d.entriesAdded) lost.push('entries-added');
    const base = { length: v.length, lastId: v.lastId, ...d };
    const groups = v.groups.filter((g) => g.entriesRead !== null && g.entriesRead !== estimateEntriesRead(base, g.lastId));
    if (groups.length > 0) lost.push(`entries-read of ${groups.length} group(s)`);
    if (lost.length > 0) out.push(`stream ${lost.join(', ')} (RDB < 10 has no such fields)`);
  }
  if (layout < 3) {
    let n = 0;
    for (const g of v.groups) for (const c of g.consumers) if (c.activeTime !== null && c.activeTime !== c.seenTime) n++;
    if (n > 0) out.push(`active-time of ${n} stream consumer(s) (RDB < 11 has no such field)`);
  }
  if (layout < 4 && v.idmp) {
    const m = v.idmp;
    const ids = m.producers.reduce((n, p) => n + p.entries.length, 0);
    const lost: string[] = [];
    if (m.producers.length) lost.push(`${m.producers.length} producer(s) with ${ids} iid record(s)`);
    if (m.duration !== IDMP_DEFAULT.duration || m.maxEntries !== IDMP_DEFAULT.maxEntries)
      lost.push(`duration ${m.duration} s / max entries ${m.maxEntries}`);
    if (m.iidsAdded || m.iidsDuplicates) lost.push(`counters (${m.iidsAdded} iids added, ${m.iidsDuplicates} duplicates)`);
    if (lost.length) out.push(`stream IDMP state: ${lost.join(', ')} (RDB < 13 has no IDMP section)`);
  }
  if (layout < 5) {
    for (const g of v.groups) {
      if (g.nacked?.length)
        out.push(
          `NACK zone of group "${displayText(g.name)}": ${g.nacked.length} id(s) and their unowned PEL entries (RDB < 14 has no NACK zone)`,
        );
    }
  }
  return out;
}
