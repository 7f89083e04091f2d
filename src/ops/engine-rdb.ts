/**
 * The engine's dataset written as an RDB straight from its own shapes (`convert AOF --to rdb`):
 * every type is encoded from the engine's byte strings and packed collections (engine/packed.ts,
 * packed-list.ts, zmap.ts, stream-entry.ts) without building the record model of each key, which
 * cost as much as the encoding itself (toValue: an object, a buffer and views per key). The bytes
 * are exactly those of encodeRecords(engineRecords(engine)) (test/engine-rdb.test.ts): the same
 * encoder writes the header, functions, key headers, EOF and CRC, and each value is encoded as
 * value-write.ts encodes the record it would have been, thresholds included.
 *
 * Applies to Redis RDB 10-12 (Redis 7.0-7.4, the encodings written here); any other target
 * (older or newer versions, Valkey, a VCS envelope) takes the record path whole. The few keys
 * this writer leaves to value-write.ts (a set that may be an intset of integers past 15 digits, a
 * stream id past 2^53, a NaN score, which is refused) are handed to the encoder as records.
 */

import { ByteWriter } from '../bytes/writer.js';
import type { Engine } from '../engine/engine.js';
import { slotEntry } from '../engine/engine.js';
import { type BStr, type EValue, streamHead, type XStream, type ZMap } from '../engine/keyspace.js';
import { PackedMap, PackedSet, PackedZMap, readScore } from '../engine/packed.js';
import { ChunkReader, type PackedList } from '../engine/packed-list.js';
import { entryRanges, idPartNumber } from '../engine/stream-entry.js';
import { keyBytes } from '../model/bytes.js';
import type { KeyEntry } from '../model/record.js';
import {
  HASH_MAX_LISTPACK_ENTRIES,
  MAX_LISTPACK_VALUE,
  SET_MAX_INTSET_ENTRIES,
  SET_MAX_LISTPACK_ENTRIES,
  ZSET_MAX_LISTPACK_ENTRIES,
} from '../model/redis-defaults.js';
import { QuicklistContainer, RdbType } from '../rdb/constants.js';
import { type KeyHead, RdbEncoder } from '../rdb/encoder.js';
import { encodeSafeIntset } from '../rdb/intset.js';
import { writeLength } from '../rdb/length.js';
import { quicklistFits, quicklistPlain } from '../rdb/quicklist.js';
import { CharBytes, charsSmallInt, ListpackSpan } from '../rdb/span-write.js';
import { StreamNodeWriter } from '../rdb/stream-span-write.js';
import { streamLayoutFor, streamTypeOf, writeStreamMeta } from '../rdb/stream-write.js';
import { writeString } from '../rdb/string.js';
import { zsetScoreInt, zsetScoreText } from '../rdb/value-write.js';
import { compileFilter } from './filter.js';
import { engineRecords } from './replay-aof.js';
import { encodeRecords, type ToRdbOptions, type ToRdbReport } from './to-rdb.js';

/** Options of writing the engine's dataset: those of a conversion to RDB, and the dump time. */
export interface EngineRdbOptions extends ToRdbOptions {
  /** Dump time (ms): keys expired by then are left out (default: the engine's clock). */
  at?: number;
  /** Called for each key of the dataset (filtered out or not), for a progress display. */
  onKey?: () => void;
}

const FLUSH_AT = 1 << 20;

/** Whether the direct writer handles this target (else the record path does, whole). */
export function engineRdbApplies(opts: EngineRdbOptions): boolean {
  const v = opts.version ?? 10;
  return (opts.family ?? 'redis') === 'redis' && v >= 10 && v <= 12 && !opts.vcs;
}

/** The engine's dataset as RDB chunks (~1 MiB each): functions, then keys db by db. `report` is filled as it goes. */
export function engineRdbChunks(engine: Engine, opts: EngineRdbOptions, report: Partial<ToRdbReport> = {}): AsyncGenerator<Uint8Array> {
  if (!engineRdbApplies(opts)) return encodeRecords(counted(engineRecords(engine, opts.at), opts.onKey), opts, report);
  return directChunks(engine, opts, report);
}

function* counted<R extends { kind: string }>(records: Iterable<R>, onKey: (() => void) | undefined): Generator<R> {
  for (const r of records) {
    yield r;
    if (onKey && r.kind === 'key') onKey();
  }
}

async function* directChunks(engine: Engine, opts: EngineRdbOptions, report: Partial<ToRdbReport>): AsyncGenerator<Uint8Array> {
  const version = opts.version ?? 10;
  const enc = new RdbEncoder({
    version,
    family: 'redis',
    lossy: opts.lossy,
    compress: opts.compress,
    checksum: opts.checksum,
    copyChunks: true,
  });
  Object.assign(report, { version, family: 'redis' });
  const keep = compileFilter(opts);
  const w = new ValueWriter(enc, version);
  let bytes = 0;
  try {
    for (const f of engine.functions()) enc.add(f);
    const head = { kind: 'key', db: 0, key: new Uint8Array(0), type: 'string', expireAt: null } as unknown as KeyEntry;
    const onKey = opts.onKey;
    for (const [db, k, slot] of engine.slotsForDump(opts.at)) {
      onKey?.();
      head.db = db;
      head.key = w.key(k);
      head.expireAt = slot.expireAt;
      (head as { type: string }).type = slot.value.type;
      if (!keep(head)) continue;
      if (!w.write(head, slot.value)) enc.add(slotEntry(db, keyBytes(k), slot));
      if (enc.pending >= FLUSH_AT) {
        const out = enc.take();
        bytes += out.length;
        yield out;
      }
    }
    const out = enc.take();
    bytes += out.length;
    if (out.length) yield out;
    const last = enc.end();
    bytes += last.length;
    yield last;
  } finally {
    Object.assign(report, enc.report);
  }
  report.bytes = bytes;
}

/** Elements of one value as ranges of byte strings (reused between keys: no object per element). */
class Elements {
  strs: string[] = [];
  from: number[] = [];
  to: number[] = [];
  n = 0;

  reset(): void {
    this.n = 0;
  }

  push(s: string, from: number, to: number): void {
    const i = this.n++;
    this.strs[i] = s;
    this.from[i] = from;
    this.to[i] = to;
  }

  /** Every packed element of a PackedMap / PackedSet string (a one-char length, then the bytes). */
  pushPacked(s: string): void {
    let pos = 0;
    while (pos < s.length) {
      const l = s.charCodeAt(pos);
      this.push(s, pos + 1, pos + 1 + l);
      pos += l + 1;
    }
  }

  /** Whether every element is at most `max` bytes. */
  within(max: number): boolean {
    for (let i = 0; i < this.n; i++) if (this.to[i]! - this.from[i]! > max) return false;
    return true;
  }

  /** Drop the strings held (the last key's) so they can be collected. */
  clear(): void {
    this.strs.fill('', 0, this.n);
    this.n = 0;
  }
}

/** Writes one key's value from the engine's shapes (see the file comment). */
class ValueWriter {
  private readonly lp = new ListpackSpan();
  private readonly keyChars = new CharBytes();
  private readonly valueChars = new CharBytes();
  private readonly els = new Elements();
  private ints = new Float64Array(SET_MAX_INTSET_ENTRIES);
  private readonly nodes: StreamNodeWriter;
  private readonly ranges: number[] = [];
  /** A zset's members, scores and order (reused: the zset being written). */
  private readonly members: string[] = [];
  private scores = new Float64Array(ZSET_MAX_LISTPACK_ENTRIES);
  private readonly order: number[] = [];
  /** A list's quicklist nodes (their count goes first). */
  private readonly listNodes = new ByteWriter(1 << 12);

  constructor(
    private readonly enc: RdbEncoder,
    private readonly version: number,
  ) {
    this.nodes = new StreamNodeWriter(enc.stringOptions);
  }

  /** A key name's bytes (a view, valid until the next key). */
  key(k: BStr): Uint8Array {
    return this.keyChars.view(k);
  }

  /** Write the key, or return false when the record path should (the value is left unwritten). */
  write(head: KeyHead, v: EValue): boolean {
    switch (v.type) {
      case 'string':
        this.enc.addStringKey(head, this.valueChars.view(v.value));
        return true;
      case 'hash':
        return this.hash(head, v.value);
      case 'set':
        return this.set(head, v.value);
      case 'zset':
        return this.zset(head, v.value);
      case 'stream':
        return this.stream(head, v.value);
      case 'list':
        return this.list(head, v.value);
    }
  }

  /** The collected elements as one listpack, written as an RDB string. */
  private listpack(vw: ByteWriter): void {
    const { lp, els } = this;
    lp.begin();
    for (let i = 0; i < els.n; i++) lp.chars(els.strs[i]!, els.from[i]!, els.to[i]!);
    writeString(vw, lp.finish(), this.enc.stringOptions);
  }

  /** The collected elements as RDB strings, each. */
  private plain(vw: ByteWriter): void {
    const els = this.els;
    const sopts = this.enc.stringOptions;
    for (let i = 0; i < els.n; i++) writeString(vw, this.valueChars.view(els.strs[i]!, els.from[i]!, els.to[i]!), sopts);
  }

  /** As writeHash of the fields in iteration order (no field TTLs in the engine). */
  private hash(head: KeyHead, m: Map<BStr, BStr> | PackedMap): boolean {
    const n = m.size;
    if (n === 0) return false;
    const els = this.els;
    els.reset();
    if (m instanceof PackedMap) els.pushPacked(m.packed());
    else
      for (const [f, x] of m) {
        els.push(f, 0, f.length);
        els.push(x, 0, x.length);
      }
    const vw = this.enc.valueWriter();
    let type: number;
    if (n <= HASH_MAX_LISTPACK_ENTRIES && els.within(MAX_LISTPACK_VALUE)) {
      this.listpack(vw);
      type = RdbType.HASH_LISTPACK;
    } else {
      writeLength(vw, n);
      this.plain(vw);
      type = RdbType.HASH;
    }
    els.clear();
    this.enc.addWrittenKey(head, type);
    return true;
  }

  /** As writeSet of the members in iteration order; a set of integers past 15 digits goes the record way. */
  private set(head: KeyHead, m: Set<BStr> | PackedSet): boolean {
    const n = m.size;
    if (n === 0) return false;
    const els = this.els;
    els.reset();
    if (m instanceof PackedSet) els.pushPacked(m.packed());
    else for (const x of m) els.push(x, 0, x.length);
    const vw = this.enc.valueWriter();
    let type = -1;
    if (n <= SET_MAX_INTSET_ENTRIES) {
      const ints = this.ints.length >= n ? this.ints.subarray(0, n) : (this.ints = new Float64Array(n));
      let i = 0;
      for (; i < n; i++) {
        const x = charsSmallInt(els.strs[i]!, els.from[i]!, els.to[i]!);
        if (x === null) break;
        ints[i] = x;
      }
      if (i === n) {
        writeString(vw, encodeSafeIntset(ints), this.enc.stringOptions);
        type = RdbType.SET_INTSET;
      } else if (els.to[i]! - els.from[i]! > 15) {
        els.clear();
        return false; // maybe an intset of long integers: value-write.ts decides
      }
    }
    if (type < 0) {
      if (this.version >= 11 && n <= SET_MAX_LISTPACK_ENTRIES && els.within(MAX_LISTPACK_VALUE)) {
        this.listpack(vw);
        type = RdbType.SET_LISTPACK;
      } else {
        writeLength(vw, n);
        this.plain(vw);
        type = RdbType.SET;
      }
    }
    els.clear();
    this.enc.addWrittenKey(head, type);
    return true;
  }

  /**
   * As writeZset: members ordered by (score, member bytes), sorting an index array rather than
   * an object per member; a listpack while small, else a skiplist saved from the highest score.
   */
  private zset(head: KeyHead, z: ZMap): boolean {
    const n = z.size;
    if (n === 0) return false;
    const members = this.members;
    if (this.scores.length < n) this.scores = new Float64Array(Math.max(n, 2 * this.scores.length));
    const scores = this.scores;
    let i = 0;
    if (z instanceof PackedZMap) {
      const s = z.packed();
      let pos = 0;
      while (pos < s.length) {
        const l = s.charCodeAt(pos);
        members[i] = s.slice(pos + 1, pos + 1 + l);
        scores[i++] = readScore(s, pos + 1 + l);
        pos += l + 9;
      }
    } else
      for (const [m, sc] of z.scores) {
        members[i] = m;
        scores[i++] = sc;
      }
    let small = n <= ZSET_MAX_LISTPACK_ENTRIES;
    for (let j = 0; j < n; j++) {
      const sc = scores[j]!;
      if (Number.isNaN(sc)) return false; // refused by the record path
      if (members[j]!.length > MAX_LISTPACK_VALUE || Object.is(sc, -0)) small = false;
    }
    const order = this.order;
    order.length = n;
    for (let j = 0; j < n; j++) order[j] = j;
    /** (score, member bytes) order of members a and b: the one sortedZset (value-write.ts) gives. */
    const before = (a: number, b: number): number => {
      const x = scores[a]!;
      const y = scores[b]!;
      if (x < y) return -1;
      if (x > y) return 1;
      const p = members[a]!;
      const q = members[b]!;
      return p < q ? -1 : p > q ? 1 : 0;
    };
    if (n <= 16)
      for (let j = 1; j < n; j++) {
        const k = order[j]!;
        let at = j;
        while (at > 0 && before(order[at - 1]!, k) > 0) {
          order[at] = order[at - 1]!;
          at--;
        }
        order[at] = k;
      }
    else order.sort(before);
    const vw = this.enc.valueWriter();
    const sopts = this.enc.stringOptions;
    let type: number;
    if (small) {
      // zzlInsertAt: integral scores within +-2^62 as integer entries, others as text
      const lp = this.lp;
      lp.begin();
      for (let j = 0; j < n; j++) {
        const k = order[j]!;
        const m = members[k]!;
        const s = scores[k]!;
        lp.chars(m, 0, m.length);
        const int = zsetScoreInt(s);
        if (int !== null) lp.int(int);
        else {
          const t = zsetScoreText(s, this.version);
          lp.chars(t, 0, t.length);
        }
      }
      writeString(vw, lp.finish(), sopts);
      type = RdbType.ZSET_LISTPACK;
    } else {
      writeLength(vw, n);
      for (let j = n - 1; j >= 0; j--) {
        const k = order[j]!;
        writeString(vw, this.valueChars.view(members[k]!), sopts);
        vw.f64le(scores[k]!);
      }
      type = RdbType.ZSET_2;
    }
    this.enc.addWrittenKey(head, type);
    return true;
  }

  /**
   * As writeStreamValue of the stream's record: nodes filled from the packed entries
   * (engine/stream-entry.ts: a 16-char id, then LEB128-length-prefixed fields and values), then
   * the counters and groups. An id past 2^53 goes the record way.
   */
  private stream(head: KeyHead, s: XStream): boolean {
    const nodes = this.nodes;
    const r = this.ranges;
    nodes.begin();
    for (const e of s.entries) {
      const ms = idPartNumber(e, 0);
      const seq = idPartNumber(e, 8);
      if (ms < 0 || seq < 0) return false;
      nodes.entry(e, ms, seq, r, entryRanges(e, r) >> 2);
    }
    const vw = this.enc.valueWriter();
    nodes.finish(vw);
    const layout = streamLayoutFor(this.version);
    writeStreamMeta(vw, { entries: [], ...streamHead(s) }, layout, this.enc.stringOptions);
    this.enc.addWrittenKey(head, streamTypeOf(layout));
    return true;
  }

  /**
   * As writeList without input nodes (RDB 10-12: quicklist 2): elements pushed to the tail one by
   * one as planQuicklist does, 8 KiB listpack nodes, an element too large for one a PLAIN node
   * (7.0: 1 GiB and more; 7.2 and later, RDB 11: over 8 KiB).
   */
  private list(head: KeyHead, l: PackedList): boolean {
    if (l.length === 0) return false;
    const out = this.listNodes;
    out.length = 0;
    const lp = this.lp;
    const sopts = this.enc.stringOptions;
    const era = this.version >= 11 ? 'listpack-7.2' : 'listpack-7.0';
    let nodes = 0;
    let open = false;
    /** Write the open listpack node. */
    const close = (): void => {
      writeLength(out, QuicklistContainer.PACKED);
      writeString(out, lp.finish(), sopts);
      nodes++;
      open = false;
    };
    for (let c = 0; c < l.chunkCount; c++) {
      const s = l.chunk(c);
      const rd = new ChunkReader(s);
      for (let n = s.charCodeAt(0); n > 0; n--) {
        rd.next();
        const { start, pos } = rd;
        const len = pos - start;
        if (quicklistPlain(era, len)) {
          if (open) close();
          writeLength(out, QuicklistContainer.PLAIN);
          writeString(out, this.valueChars.view(s, start, pos), sopts);
          nodes++;
          continue;
        }
        // the node's bytes are its listpack's: header and elements (lp.bytes) and the terminator
        if (open && !quicklistFits(lp.bytes + 1, len)) close();
        if (!open) {
          lp.begin();
          open = true;
        }
        lp.chars(s, start, pos);
      }
    }
    if (open) close();
    const vw = this.enc.valueWriter();
    writeLength(vw, nodes);
    vw.append(out);
    this.enc.addWrittenKey(head, RdbType.LIST_QUICKLIST_2);
    return true;
  }
}
