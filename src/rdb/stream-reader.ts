/**
 * Reading one stream value (types 15, 19, 21, 26, 27; FORMATS.md §5.7, §6.5 and §13) resumably,
 * as parts (SPEC.md §2.1).
 *
 * Buffering model: a stream can hold millions of entries, pending entries and consumers, so it is
 * read as a sequence of small units (one node, the metadata, one group header, one PEL item, one
 * consumer, one consumer-PEL id, one NACK-zone id, one IDMP record); each unit reads all its bytes
 * before it changes the reader, so a NEED_MORE signal in the middle of a unit leaves the reader as
 * it was and the unit is simply read again later. What has been read is queued as parts, in file
 * order, batched by `batch` elements: the decoder either hands them over as they come (a stream
 * handed over in parts) or puts them back together at the end (assembleStream).
 *
 * Checks follow Redis's loader (rdb.c, RDB_TYPE_STREAM_LISTPACKS*): node keys ascending, no
 * duplicate group, consumer or PEL id, every consumer-PEL and NACK-zone id in the group PEL and
 * owned once. The group PEL is kept packed for that (pel-index.ts), not as objects.
 */
import { type Cursor, corrupt, readBytes, readI64LE } from '../bytes/cursor.js';
import { bytesKey } from '../model/bytes.js';
import type {
  KeyPart,
  PackedStreamNodes,
  StoredLayout,
  StreamEntry,
  StreamId,
  StreamIdmp,
  StreamIdmpProducer,
  StreamMeta,
  StreamPendingEntry,
} from '../model/record.js';
import { readLength, readLengthBig } from './length.js';
import { PelIndex } from './pel-index.js';
import { checkStreamNode, decodeStreamNode, readLenId, readRawId } from './stream.js';
import { readString } from './string.js';

/** The empty batch before a section's first element (never pushed to). */
const NONE: never[] = [];

/** Stream layout version: 1 (type 15), 2 (type 19), 3 (type 21), 4 (type 26, IDMP), 5 (type 27, NACK zone). */
export type StreamVersion = 1 | 2 | 3 | 4 | 5;

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

/** How a stream is read. */
export interface StreamReaderOptions {
  /** Largest string accepted. */
  maxString?: number;
  /** Put each node's listpack size and master id on the entries parts. */
  layout?: boolean;
  /** Keep entries, pending entries and consumers (false: validate only, for check/inspect). */
  keep?: boolean;
  /** Elements per batch (default: no limit, one batch per section). */
  batch?: number;
  /** Keep entries as their validated nodes (`stream-entries` parts' `packed`), not as objects. */
  packed?: boolean;
}

/** Resumable reader of one stream value. Call step() until it returns true; take() the parts. */
export class StreamReader {
  private phase: Phase = 'nodes-count';
  private left = 0;
  private lastMaster: string | null = null;
  /** Nodes stepped over by salvage (their listpack was damaged): the value is then dropped whole. */
  private skippedNodes = 0;
  private groupsLeft = 0;
  private consumersLeft = 0;
  private producersLeft = 0;
  private readonly keep: boolean;
  private readonly batch: number;
  private readonly layout: boolean;
  /** Stored node count (known after the first unit). */
  nodes = 0;
  /** Live entries read. */
  entriesRead = 0;
  /** Elements (entries, PEL items, consumer-PEL ids, NACK-zone ids) in parts not yet taken. */
  held = 0;
  private queue: KeyPart[] = [];
  private entries: StreamEntry[] = [];
  /** The batch's nodes as stored (option packed), else null. */
  private nodesAsStored: PackedStreamNodes | null = null;
  /** Live entries in the batch being filled. */
  private batchLive = 0;
  private readonly packed: boolean;
  private nodeLive: number[] = [];
  private nodeLayout: StoredLayout | null = null;
  private meta: StreamMeta | null = null;
  // batches being filled (created when a section has elements: most streams are small)
  private pel: StreamPendingEntry[] = NONE as StreamPendingEntry[];
  private cpel: StreamId[] = NONE as StreamId[];
  private delivery: Array<[number, number]> = NONE as Array<[number, number]>;
  private nacked: StreamId[] = NONE as StreamId[];
  /** The current group's PEL (null: none), one index reused from group to group. */
  private index: PelIndex | null = null;
  private spare: PelIndex | null = null;
  private groupNames: Set<string> | null = null;
  private consumerNames: Set<string> | null = null;
  private idmp: StreamIdmp | null = null;
  private producer: StreamIdmpProducer | null = null;

  constructor(
    private readonly version: StreamVersion,
    opts: StreamReaderOptions = {},
  ) {
    this.keep = opts.keep ?? true;
    this.batch = opts.batch && opts.batch > 0 ? opts.batch : Infinity;
    this.layout = opts.layout ?? false;
    this.packed = (opts.packed ?? false) && this.keep;
    this.maxString = opts.maxString;
  }

  private readonly maxString: number | undefined;

  /** The parts read since the last call, in file order. */
  take(): KeyPart[] {
    const q = this.queue;
    this.queue = [];
    this.held = 0;
    return q;
  }

  /** Read one unit. Returns true when the whole value has been read. */
  step(r: Cursor): boolean {
    const at = r.pos;
    switch (this.phase) {
      case 'nodes-count':
        this.nodes = this.left = readLength(r);
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
        // listpack offsets: a raw string's payload starts where its length header ended
        const payloadAt = r.pos - lp.length;
        let live: number;
        let master: StreamId | null = null;
        if (this.keep && (!this.packed || this.layout)) {
          const dv = new DataView(key.buffer, key.byteOffset, 16);
          master = { ms: dv.getBigUint64(0, false), seq: dv.getBigUint64(8, false) };
        }
        if (this.keep && !this.packed) {
          const before = this.entries.length;
          decodeStreamNode(master!, lp, r, Math.max(payloadAt, lpAt), this.entries);
          live = this.entries.length - before;
        } else live = checkStreamNode(lp, r, Math.max(payloadAt, lpAt));
        this.lastMaster = k;
        this.entriesRead += live;
        if (this.packed) {
          this.nodesAsStored ??= { nodes: [], live: 0 };
          this.nodesAsStored.nodes.push({ master: key, blob: lp });
          this.nodesAsStored.live += live;
        }
        if (this.keep) {
          this.held += live;
          this.batchLive += live;
          this.nodeLive.push(live);
          if (this.layout) {
            this.nodeLayout ??= { blobs: [], nodeIds: [] };
            this.nodeLayout.blobs.push(lp.length);
            this.nodeLayout.nodeIds!.push(master!);
          }
        }
        if (--this.left === 0) {
          this.flushEntries();
          this.phase = 'meta';
        } else if (this.batchLive >= this.batch) this.flushEntries();
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
        if (length > 0 && this.lastMaster === null && this.skippedNodes === 0)
          throw corrupt(r, 'RDB_BAD_STREAM', `stream length ${length} but no nodes`, at);
        this.meta = { length, lastId, firstId, maxDeletedId, entriesAdded, groups: 0 };
        this.phase = 'groups-count';
        return false;
      }
      case 'groups-count':
        this.groupsLeft = readLength(r);
        this.meta!.groups = this.groupsLeft;
        this.queue.push({ part: 'stream-meta', meta: this.meta! });
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
        this.groupNames ??= new Set();
        if (this.groupNames.has(k)) throw corrupt(r, 'RDB_BAD_STREAM', 'duplicate consumer group name', at);
        this.groupNames.add(k);
        if (this.keep) this.queue.push({ part: 'stream-group', name, lastId, entriesRead, pending: pelCount });
        this.index = pelCount ? (this.spare ??= new PelIndex()).reset() : null;
        this.consumerNames?.clear();
        this.left = pelCount;
        if (pelCount && this.keep) this.pel = [];
        this.phase = pelCount ? 'pel' : 'consumers-count';
        return false;
      }
      case 'pel': {
        const id = readRawId(r);
        const deliveryTime = readI64LE(r);
        const deliveryCount = readLength(r);
        if (!this.index!.add(id, deliveryTime, deliveryCount))
          throw corrupt(r, 'RDB_BAD_STREAM', `duplicate PEL id ${id.ms}-${id.seq}`, at);
        if (--this.left === 0 && this.index!.sortOutOfOrder())
          throw corrupt(r, 'RDB_BAD_STREAM', 'duplicate PEL id (in a PEL out of order)', at);
        if (this.keep) {
          this.pel.push({ id, deliveryTime, deliveryCount, consumer: null });
          this.held++;
          if (this.left === 0 || this.pel.length >= this.batch) this.flushPel();
        }
        if (this.left === 0) this.phase = 'consumers-count';
        return false;
      }
      case 'consumers-count':
        this.consumersLeft = readLength(r);
        if (this.keep) this.queue.push({ part: 'stream-consumers', count: this.consumersLeft });
        return this.afterConsumer();
      case 'consumer': {
        const name = readString(r, this.maxString);
        const seenTime = readI64LE(r);
        const activeTime = this.version >= 3 ? readI64LE(r) : null;
        const pelCount = readLength(r);
        const k = bytesKey(name);
        this.consumerNames ??= new Set();
        if (this.consumerNames.has(k)) throw corrupt(r, 'RDB_BAD_STREAM', 'duplicate consumer name', at);
        this.consumerNames.add(k);
        if (this.keep) this.queue.push({ part: 'stream-consumer', name, seenTime, activeTime, pending: pelCount });
        this.consumersLeft--;
        this.left = pelCount;
        if (pelCount) {
          if (this.keep) {
            this.cpel = [];
            this.delivery = [];
          }
          this.phase = 'cpel';
          return false;
        }
        return this.afterConsumer();
      }
      case 'cpel': {
        const raw = readBytes(r, 16, 'a consumer PEL id');
        const dv = new DataView(raw.buffer, raw.byteOffset, 16);
        const id = { ms: dv.getBigUint64(0, false), seq: dv.getBigUint64(8, false) };
        const pel = this.index;
        const i = pel ? pel.find(id) : -1;
        if (i === -1) throw corrupt(r, 'RDB_BAD_STREAM', `consumer PEL id ${id.ms}-${id.seq} is not in the group PEL`, at);
        if (pel!.isOwned(i)) throw corrupt(r, 'RDB_BAD_STREAM', `PEL id ${id.ms}-${id.seq} owned twice`, at);
        pel!.own(i);
        if (this.keep) {
          this.cpel.push(id);
          this.delivery.push(pel!.delivery(i));
          this.held++;
          if (this.left === 1 || this.cpel.length >= this.batch) this.flushConsumerPel();
        }
        if (--this.left === 0) return this.afterConsumer();
        return false;
      }
      case 'nack-count': {
        const n = readLength(r);
        if (this.keep) this.queue.push({ part: 'stream-nack-zone', count: n });
        if (n === 0) return this.afterGroup();
        if (this.keep) this.nacked = [];
        this.left = n;
        this.phase = 'nack';
        return false;
      }
      case 'nack': {
        const id = readRawId(r);
        const k = `${id.ms}-${id.seq}`;
        const i = this.index ? this.index.find(id) : -1;
        // Redis's loader: a NACKed id must be in the group PEL and owned by no consumer
        if (i === -1) throw corrupt(r, 'RDB_BAD_STREAM', `NACK zone id ${k} is not in the group PEL`, at);
        if (this.index!.isOwned(i)) throw corrupt(r, 'RDB_BAD_STREAM', `NACK zone id ${k} is owned by a consumer`, at);
        if (this.keep) {
          this.nacked.push(id);
          this.held++;
          if (this.left === 1 || this.nacked.length >= this.batch) this.flushNacked();
        }
        if (--this.left === 0) return this.afterGroup();
        return false;
      }
      case 'idmp-config': {
        const duration = readLength(r);
        const maxEntries = readLength(r);
        const producers = readLength(r);
        this.idmp = { duration, maxEntries, producers: [], iidsAdded: 0, iidsDuplicates: 0 };
        this.producersLeft = producers;
        this.phase = producers ? 'idmp-producer' : 'idmp-stats';
        return false;
      }
      case 'idmp-producer': {
        const pid = readString(r, this.maxString);
        const n = readLength(r);
        this.producer = { pid, entries: [] };
        this.idmp!.producers.push(this.producer);
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
        this.idmp!.iidsAdded = added;
        this.idmp!.iidsDuplicates = duplicates;
        this.queue.push({ part: 'stream-idmp', idmp: this.idmp! });
        this.phase = 'done';
        return true;
      }
      case 'done':
        return true;
    }
  }

  private flushEntries(): void {
    if (!this.keep || this.nodeLive.length === 0) return;
    const part: KeyPart = { part: 'stream-entries', items: this.entries, nodes: this.nodeLive };
    if (this.nodeLayout) part.layout = this.nodeLayout;
    if (this.nodesAsStored) part.packed = this.nodesAsStored;
    this.queue.push(part);
    this.entries = [];
    this.nodeLive = [];
    this.nodeLayout = null;
    this.nodesAsStored = null;
    this.batchLive = 0;
  }

  private flushPel(): void {
    this.queue.push({ part: 'stream-pel', items: this.pel });
    if (this.left) this.pel = [];
  }

  private flushConsumerPel(): void {
    this.queue.push({ part: 'stream-consumer-pel', items: this.cpel, delivery: this.delivery });
    if (this.left > 1) {
      this.cpel = [];
      this.delivery = [];
    }
  }

  private flushNacked(): void {
    this.queue.push({ part: 'stream-nacked', items: this.nacked });
    if (this.left > 1) this.nacked = [];
  }

  /** Whether the next unit is a node (a master-id string and a listpack string). */
  get atNode(): boolean {
    return this.phase === 'nodes';
  }

  /**
   * Salvage: the caller stepped over the current node's two strings (their lengths were intact,
   * the listpack inside was not); reading goes on with the next node or the metadata.
   */
  nodeSkipped(): void {
    this.skippedNodes++;
    if (--this.left === 0) {
      this.flushEntries();
      this.phase = 'meta';
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
    this.index = null;
    this.spare = null;
    this.consumerNames = null;
    this.phase = this.version >= 4 ? 'idmp-config' : 'done';
    return this.phase === 'done';
  }

  private afterProducer(): void {
    this.phase = --this.producersLeft > 0 ? 'idmp-producer' : 'idmp-stats';
  }
}
