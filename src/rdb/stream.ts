/**
 * Stream values (types 15, 19, 21, 26, 27; FORMATS.md §5.7, §6.5 and §13), read resumably.
 * Type 26 (RDB 13) appends the IDMP section after the last consumer group; type 27 (RDB 14)
 * also puts a NACK zone after each group's consumers (SPEC.md "RDB 13-15" names the sources).
 *
 * A stream can hold millions of entries and PEL items, so it is read as a sequence of small
 * units (one node, one group header, one PEL item, one consumer, one consumer-PEL id); each
 * unit reads all its bytes before it changes the frame, so a NEED_MORE signal in the middle
 * of a unit leaves the frame as it was and the unit is simply read again later.
 */
import { type Cursor, corrupt, readBytes, readI64LE, require } from '../bytes/cursor.js';
import { bytesKey } from '../model/bytes.js';
import type {
  StoredLayout,
  StreamConsumer,
  StreamEntry,
  StreamGroup,
  StreamId,
  StreamIdmpProducer,
  StreamPendingEntry,
  StreamValue,
} from '../model/record.js';
import { readLength, readLengthBig } from './length.js';
import { decodeListpackValues, type LpValue, lpValueBytes } from './listpack.js';
import { readString } from './string.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/** Stream layout version: 1 (type 15), 2 (type 19), 3 (type 21), 4 (type 26, IDMP), 5 (type 27, NACK zone). */
export type StreamVersion = 1 | 2 | 3 | 4 | 5;

function lpInt(v: LpValue | undefined, r: Cursor, at: number, what: string): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node: expected an integer for ${what}`, at);
}

function lpBytes(v: LpValue | undefined, r: Cursor, at: number): Uint8Array {
  if (v === undefined) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: entry runs past the end of the listpack', at);
  return lpValueBytes(v);
}

/** Decode one stream node listpack into its live entries (tombstones skipped). */
export function decodeStreamNode(master: StreamId, lp: Uint8Array, r: Cursor, lpAt: number, out: StreamEntry[]): void {
  const base = r.base + lpAt;
  const vals = decodeListpackValues(lp, base);
  let i = 0;
  const count = Number(lpInt(vals[i++], r, lpAt, 'the entry count'));
  const deleted = Number(lpInt(vals[i++], r, lpAt, 'the deleted count'));
  const numFields = Number(lpInt(vals[i++], r, lpAt, 'the master field count'));
  if (numFields < 0 || i + numFields > vals.length) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: bad master field count', lpAt);
  const masterFields: Uint8Array[] = [];
  for (let k = 0; k < numFields; k++) masterFields.push(lpBytes(vals[i++], r, lpAt));
  if (lpInt(vals[i++], r, lpAt, 'the master terminator') !== 0n)
    throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: master entry not terminated by 0', lpAt);
  const total = count + deleted;
  for (let e = 0; e < total; e++) {
    const first = i;
    const flags = Number(lpInt(vals[i++], r, lpAt, 'entry flags'));
    const msDelta = lpInt(vals[i++], r, lpAt, 'entry ms delta');
    const seqDelta = lpInt(vals[i++], r, lpAt, 'entry seq delta');
    const fields: Array<[Uint8Array, Uint8Array]> = [];
    if (flags & FLAG_SAMEFIELDS) {
      for (let k = 0; k < numFields; k++) fields.push([masterFields[k]!, lpBytes(vals[i++], r, lpAt)]);
    } else {
      const nf = Number(lpInt(vals[i++], r, lpAt, 'entry field count'));
      if (nf < 0 || i + nf * 2 > vals.length) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: bad entry field count', lpAt);
      for (let k = 0; k < nf; k++) {
        const f = lpBytes(vals[i++], r, lpAt);
        fields.push([f, lpBytes(vals[i++], r, lpAt)]);
      }
    }
    const lpCount = Number(lpInt(vals[i++], r, lpAt, 'entry lp-count'));
    if (lpCount !== i - first - 1)
      throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node: entry lp-count ${lpCount} does not match its ${i - first - 1} elements`, lpAt);
    if (!(flags & FLAG_DELETED)) {
      out.push({
        id: { ms: BigInt.asUintN(64, master.ms + msDelta), seq: BigInt.asUintN(64, master.seq + seqDelta) },
        fields,
      });
    }
  }
  if (i !== vals.length) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node: data after the last entry', lpAt);
}

function readRawId(r: Cursor): StreamId {
  require(r, 16, 'a stream id');
  const ms = r.view.getBigUint64(r.pos, false);
  const seq = r.view.getBigUint64(r.pos + 8, false);
  r.pos += 16;
  return { ms, seq };
}

function readLenId(r: Cursor): StreamId {
  const ms = readLengthBig(r);
  const seq = readLengthBig(r);
  return { ms, seq };
}

type Phase =
  | 'nodes-count'
  | 'nodes'
  | 'meta'
  | 'groups-count'
  | 'group'
  | 'pel'
  | 'consumers-count'
  | 'consumer'
  | 'cpel'
  | 'nack-count'
  | 'nack'
  | 'idmp-config'
  | 'idmp-producer'
  | 'idmp-entry'
  | 'idmp-stats'
  | 'done';

/** Resumable reader of one stream value. Call step() until it returns true. */
export class StreamReader {
  private phase: Phase = 'nodes-count';
  private left = 0;
  private lastMaster: string | null = null;
  private groupsLeft = 0;
  private consumersLeft = 0;
  private group: StreamGroup | null = null;
  private consumer: StreamConsumer | null = null;
  private pelIndex = new Map<string, StreamPendingEntry>();
  private producersLeft = 0;
  private producer: StreamIdmpProducer | null = null;
  readonly value: StreamValue = {
    entries: [],
    length: 0,
    lastId: { ms: 0n, seq: 0n },
    firstId: null,
    maxDeletedId: null,
    entriesAdded: null,
    groups: [],
  };

  /** Where entries go when they are not kept (skipValues): emptied after each node. */
  private readonly dropped: StreamEntry[] = [];

  constructor(
    private readonly version: StreamVersion,
    private readonly maxString?: number,
    /** When given, collects each node's listpack size and master id. */
    private readonly layout: StoredLayout | null = null,
    /** Keep entries and PELs in `value` (false: validate only, for check/inspect). */
    private readonly keep = true,
  ) {}

  /** Read one unit. Returns true when the whole value has been read. */
  step(r: Cursor): boolean {
    const at = r.pos;
    switch (this.phase) {
      case 'nodes-count':
        this.left = readLength(r);
        this.phase = this.left ? 'nodes' : 'meta';
        return false;
      case 'nodes': {
        const key = readString(r, this.maxString);
        if (key.length !== 16) throw corrupt(r, 'RDB_BAD_STREAM_NODE', `stream node key must be 16 bytes, found ${key.length}`, at);
        const lpAt = r.pos;
        const lp = readString(r, this.maxString);
        if (lp.length === 0) throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'empty stream node listpack', lpAt);
        const k = bytesKey(key);
        if (this.lastMaster !== null && k <= this.lastMaster)
          throw corrupt(r, 'RDB_BAD_STREAM_NODE', 'stream node keys out of order or duplicated', at);
        const dv = new DataView(key.buffer, key.byteOffset, 16);
        const master = { ms: dv.getBigUint64(0, false), seq: dv.getBigUint64(8, false) };
        // listpack offsets: a raw string's payload starts where its length header ended
        const payloadAt = r.pos - lp.length;
        decodeStreamNode(master, lp, r, Math.max(payloadAt, lpAt), this.keep ? this.value.entries : this.dropped);
        this.dropped.length = 0;
        if (this.layout) {
          this.layout.blobs.push(lp.length);
          (this.layout.nodeIds ??= []).push(master);
        }
        this.lastMaster = k;
        if (--this.left === 0) this.phase = 'meta';
        return false;
      }
      case 'meta': {
        const length = readLength(r);
        const lastId = readLenId(r);
        let firstId: StreamId | null = null;
        let maxDeletedId: StreamId | null = null;
        let entriesAdded: number | null = null;
        if (this.version >= 2) {
          firstId = readLenId(r);
          maxDeletedId = readLenId(r);
          entriesAdded = readLength(r);
        }
        const v = this.value;
        v.length = length;
        v.lastId = lastId;
        v.firstId = firstId;
        v.maxDeletedId = maxDeletedId;
        v.entriesAdded = entriesAdded;
        if (length > 0 && this.lastMaster === null) throw corrupt(r, 'RDB_BAD_STREAM', `stream length ${length} but no nodes`, at);
        this.phase = 'groups-count';
        return false;
      }
      case 'groups-count':
        this.groupsLeft = readLength(r);
        if (this.groupsLeft) {
          this.phase = 'group';
          return false;
        }
        return this.afterGroups();
      case 'group': {
        const name = readString(r, this.maxString);
        const lastId = readLenId(r);
        let entriesRead: number | null = null;
        if (this.version >= 2) {
          const er = readLengthBig(r);
          entriesRead = er === 0xffffffffffffffffn ? null : Number(er);
        }
        const pelCount = readLength(r);
        const k = bytesKey(name);
        if (this.value.groups.some((g) => bytesKey(g.name) === k)) throw corrupt(r, 'RDB_BAD_STREAM', 'duplicate consumer group name', at);
        this.group = { name, lastId, entriesRead, pending: [], consumers: [] };
        this.value.groups.push(this.group);
        this.pelIndex = new Map();
        this.left = pelCount;
        this.phase = pelCount ? 'pel' : 'consumers-count';
        return false;
      }
      case 'pel': {
        const id = readRawId(r);
        const deliveryTime = readI64LE(r);
        const deliveryCount = readLength(r);
        const k = `${id.ms}-${id.seq}`;
        if (this.pelIndex.has(k)) throw corrupt(r, 'RDB_BAD_STREAM', `duplicate PEL id ${k}`, at);
        const p: StreamPendingEntry = { id, deliveryTime, deliveryCount, consumer: null };
        this.pelIndex.set(k, p);
        if (this.keep) this.group!.pending.push(p);
        if (--this.left === 0) this.phase = 'consumers-count';
        return false;
      }
      case 'consumers-count':
        this.consumersLeft = readLength(r);
        return this.afterConsumer();
      case 'consumer': {
        const name = readString(r, this.maxString);
        const seenTime = readI64LE(r);
        const activeTime = this.version >= 3 ? readI64LE(r) : null;
        const pelCount = readLength(r);
        const k = bytesKey(name);
        if (this.group!.consumers.some((c) => bytesKey(c.name) === k)) throw corrupt(r, 'RDB_BAD_STREAM', 'duplicate consumer name', at);
        this.consumer = { name, seenTime, activeTime, pending: [] };
        this.group!.consumers.push(this.consumer);
        this.consumersLeft--;
        this.left = pelCount;
        if (pelCount) {
          this.phase = 'cpel';
          return false;
        }
        return this.afterConsumer();
      }
      case 'cpel': {
        const raw = readBytes(r, 16, 'a consumer PEL id');
        const dv = new DataView(raw.buffer, raw.byteOffset, 16);
        const id = { ms: dv.getBigUint64(0, false), seq: dv.getBigUint64(8, false) };
        const p = this.pelIndex.get(`${id.ms}-${id.seq}`);
        if (!p) throw corrupt(r, 'RDB_BAD_STREAM', `consumer PEL id ${id.ms}-${id.seq} is not in the group PEL`, at);
        if (p.consumer !== null) throw corrupt(r, 'RDB_BAD_STREAM', `PEL id ${id.ms}-${id.seq} owned twice`, at);
        p.consumer = this.consumer!.name;
        if (this.keep) this.consumer!.pending.push(id);
        if (--this.left === 0) return this.afterConsumer();
        return false;
      }
      case 'nack-count': {
        const n = readLength(r);
        this.group!.nacked = [];
        if (n === 0) return this.afterGroup();
        this.left = n;
        this.phase = 'nack';
        return false;
      }
      case 'nack': {
        const id = readRawId(r);
        const k = `${id.ms}-${id.seq}`;
        const p = this.pelIndex.get(k);
        // Redis's loader: a NACKed id must be in the group PEL and owned by no consumer
        if (!p) throw corrupt(r, 'RDB_BAD_STREAM', `NACK zone id ${k} is not in the group PEL`, at);
        if (p.consumer !== null) throw corrupt(r, 'RDB_BAD_STREAM', `NACK zone id ${k} is owned by a consumer`, at);
        this.group!.nacked!.push(id);
        if (--this.left === 0) return this.afterGroup();
        return false;
      }
      case 'idmp-config': {
        const duration = readLength(r);
        const maxEntries = readLength(r);
        const producers = readLength(r);
        this.value.idmp = { duration, maxEntries, producers: [], iidsAdded: 0, iidsDuplicates: 0 };
        this.producersLeft = producers;
        this.phase = producers ? 'idmp-producer' : 'idmp-stats';
        return false;
      }
      case 'idmp-producer': {
        const pid = readString(r, this.maxString);
        const n = readLength(r);
        this.producer = { pid, entries: [] };
        this.value.idmp!.producers.push(this.producer);
        this.left = n;
        if (n) this.phase = 'idmp-entry';
        else this.afterProducer();
        return false;
      }
      case 'idmp-entry': {
        const iid = readString(r, this.maxString);
        const id = readLenId(r);
        this.producer!.entries.push({ iid, id });
        if (--this.left === 0) this.afterProducer();
        return false;
      }
      case 'idmp-stats': {
        const added = readLength(r);
        const duplicates = readLength(r);
        this.value.idmp!.iidsAdded = added;
        this.value.idmp!.iidsDuplicates = duplicates;
        this.phase = 'done';
        return true;
      }
      case 'done':
        return true;
    }
  }

  private afterConsumer(): boolean {
    if (this.consumersLeft > 0) {
      this.phase = 'consumer';
      return false;
    }
    if (this.version >= 5) {
      this.phase = 'nack-count';
      return false;
    }
    return this.afterGroup();
  }

  private afterGroup(): boolean {
    this.groupsLeft--;
    if (this.groupsLeft > 0) {
      this.phase = 'group';
      return false;
    }
    return this.afterGroups();
  }

  private afterGroups(): boolean {
    this.phase = this.version >= 4 ? 'idmp-config' : 'done';
    return this.phase === 'done';
  }

  private afterProducer(): void {
    this.phase = --this.producersLeft > 0 ? 'idmp-producer' : 'idmp-stats';
  }
}
