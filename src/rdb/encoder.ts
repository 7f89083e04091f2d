/**
 * The streaming RDB encoder (FORMATS.md §1, §4, §5): records in, bytes out, for a chosen target
 * version — the writer symmetric to decoder.ts.
 *
 * Buffering model: `add(record)` appends the bytes of one record to a pending buffer (the header
 * is emitted before the first one; SELECTDB before a key whose db differs from the current one),
 * `take()` hands the pending bytes out (a file writer takes them past a threshold, ~1 MiB, so
 * records cost no allocation of their own); `write(record)` is both for one record. `end()`
 * returns EOF and the CRC64 trailer. The CRC is updated over every byte handed out, so memory
 * stays bounded by the threshold plus the largest single record.
 *
 * Encodings are chosen as a Redis of the target version saves them with default thresholds
 * (value-write.ts, quicklist.ts, stream-write.ts). Writing an older version converts encodings
 * (listpack → ziplist ≤ 9, quicklist-2 → quicklist ≤ 9, plain types < 7, set listpack →
 * intset/plain < 11, binary → string doubles < 8). What the target cannot express (hash-field
 * TTLs < 12, functions < 10, streams < 9, stream counters < 10, consumer active-times < 11,
 * modules < 8, module aux < 9, ms expiry precision < 3) is left out and recorded in
 * `report.dropped`; unless `lossy` is set, `end()` then throws a UsageError naming the keys.
 * Harmless omissions (IDLE/FREQ < 9, AUX < 7, RESIZEDB, slot info, empty aggregates) go to
 * `report.skipped`.
 */
import { Crc64 } from '../bytes/crc64.js';
import { ByteWriter } from '../bytes/writer.js';
import { UsageError } from '../errors.js';
import { ascii, bytesKey, concatBytes, displayText, tryUtf8 } from '../model/bytes.js';
import type { FunctionRecord, KeyEntry, KeyPartRecord, KeyStartRecord, ModuleAuxRecord, RdbRecord } from '../model/record.js';
import { writeArrayValue } from './array.js';
import { MAX_REDIS_RDB_VERSION, Opcode, RdbType } from './constants.js';
import { compareTemplateFields, writeHashTemplate } from './hash-template.js';
import { writeKeyMeta } from './key-meta.js';
import { writeLength } from './length.js';
import { encodeListpackView } from './listpack.js';
import { writeModuleItems } from './module.js';
import { StreamPartWriter } from './stream-part-write.js';
import { streamForLayout, streamLayoutFor, streamLosses, streamTypeOf, writeStreamValue } from './stream-write.js';
import { type WriteStringOptions, writeString } from './string.js';
import { hashTtlSupported, PartWriter, type ValueTarget, writeHash, writeList, writeModule, writeSet, writeZset } from './value-write.js';

/** Encoder options. */
export interface RdbEncodeOptions {
  /** Target RDB version: 1–15 (Redis magic), or 80 with family 'valkey' (VALKEY080). */
  version: number;
  /** Magic family; 'valkey' with version <= 11 still writes REDIS00NN as Valkey 7.2–8.x do. */
  family?: 'redis' | 'valkey';
  /** LZF-compress strings longer than 20 bytes when it saves >= 4 bytes (rdbcompression; default true). */
  compress?: boolean;
  /** Write the CRC64 trailer (default true); false writes 0 ("checksum disabled", as inside VCS). */
  checksum?: boolean;
  /** Drop what the target cannot express instead of refusing (default false). */
  lossy?: boolean;
  /** AUX fields written after the header (RDB >= 7); input AUX records with the same keys are not repeated. */
  aux?: Array<[string, string]>;
  /**
   * The records come from an RDB of exactly this version and family: a key carrying its stored
   * value bytes (`KeyEntry.raw`) is written with them as they are, not encoded again (default false).
   */
  verbatim?: boolean;
  /**
   * take() hands out a copy and keeps its one buffer (default false: it hands out the buffer
   * itself and starts a fresh one). For records of a dataset held in memory: a fresh buffer
   * lives while ~1 MiB of output is written, long enough to be promoted out of the young
   * generation, and promoted ArrayBuffers are freed only by full collections, so their bytes
   * piled up as external memory and started a full collection (marking the whole dataset)
   * every few hundred MB of output.
   */
  copyChunks?: boolean;
}

/** What a key's header needs (SELECTDB, expiry, IDLE/FREQ, metadata, name): KeyEntry has it all. */
export type KeyHead = Pick<KeyEntry, 'db' | 'key' | 'expireAt'> & Partial<Pick<KeyEntry, 'idle' | 'freq' | 'meta'>>;

/** One thing left out of the output. */
export interface EncodeLoss {
  key: string;
  what: string;
}

/** What the encoder did. */
export interface RdbEncodeReport {
  /** Data the target version cannot express, left out (refused at end() unless lossy). */
  dropped: EncodeLoss[];
  /** Harmless omissions: hints and metadata the target has no place for, empty aggregates. */
  skipped: EncodeLoss[];
  /** Keys written. */
  keys: number;
}

const EMPTY = new Uint8Array(0);
/**
 * The buffer each take() starts anew with: callers take at ~1 MiB, and a bigger record grows it. Not
 * 2 MiB: every output chunk is a buffer of this size held until written and collected (huge.rdb to
 * RDB peaked at 181-203 MB with 2 MiB, 168-175 MB with this).
 */
const TAKE_CAPACITY = (1 << 20) + (1 << 16);

const isQuicklistType = (t: number | null): boolean => t === RdbType.LIST_QUICKLIST || t === RdbType.LIST_QUICKLIST_2;

/** A key or record name for messages. */
function display(k: Uint8Array): string {
  return tryUtf8(k) ?? displayText(k);
}

/** Streaming RDB encoder. */
export class RdbEncoder {
  readonly report: RdbEncodeReport = { dropped: [], skipped: [], keys: 0 };
  private readonly version: number;
  private readonly family: 'redis' | 'valkey';
  private readonly lossy: boolean;
  private readonly checksum: boolean;
  private readonly aux: Array<[string, string]>;
  private readonly verbatim: boolean;
  private readonly copyChunks: boolean;
  private readonly target: ValueTarget;
  private readonly crc = new Crc64();
  private readonly w = new ByteWriter(1 << 16);
  private readonly vw = new ByteWriter(1 << 16);
  private started = false;
  private ended = false;
  private db = -1;
  /** Hash templates written so far (RDB 15+): id → fields. */
  private readonly templates = new Map<number, Uint8Array[]>();
  /** The key being written in parts (null: none, or it is being left out). */
  private parts: PartWriter | null = null;
  /** A stream handed over in parts being written. */
  private streamParts: StreamPartWriter | null = null;
  private partsName = '';

  constructor(opts: RdbEncodeOptions) {
    const family = opts.family ?? 'redis';
    const v = opts.version;
    const ok = Number.isInteger(v) && (family === 'valkey' ? (v >= 1 && v <= 11) || v === 80 : v >= 1 && v <= MAX_REDIS_RDB_VERSION);
    if (!ok) {
      throw new UsageError(
        'RDB_WRITE_VERSION',
        `cannot write RDB version ${v} (${family}): supported are 1–${MAX_REDIS_RDB_VERSION} for Redis, 1–11 and 80 for Valkey`,
      );
    }
    this.version = v;
    this.family = family;
    this.lossy = opts.lossy ?? false;
    this.checksum = opts.checksum ?? true;
    this.aux = opts.aux ?? [];
    this.verbatim = opts.verbatim ?? false;
    this.copyChunks = opts.copyChunks ?? false;
    const sopts: WriteStringOptions = { compress: opts.compress ?? true };
    this.target = { version: v, family, sopts };
  }

  // Keys are named (display()) only when something is reported about them: making the name of
  // every key cost 3% of a conversion of 5M small strings.
  private drop(key: Uint8Array | string, what: string): void {
    this.report.dropped.push({ key: typeof key === 'string' ? key : display(key), what });
  }

  private skip(key: Uint8Array | string, what: string): void {
    this.report.skipped.push({ key: typeof key === 'string' ? key : display(key), what });
  }

  /** Hand out a copy of what was written, feeding the CRC (one record: the buffer is kept). */
  private flush(): Uint8Array {
    if (this.w.length === 0) return EMPTY;
    const out = this.w.take();
    this.crc.update(out);
    return out;
  }

  /** Bytes added and not taken yet. */
  get pending(): number {
    return this.w.length;
  }

  /** Hand out the bytes added so far, feeding the CRC (the buffer itself unless copyChunks). */
  take(): Uint8Array {
    if (this.w.length === 0) return EMPTY;
    const out = this.copyChunks ? this.w.take() : this.w.detach(TAKE_CAPACITY);
    this.crc.update(out);
    return out;
  }

  private header(): void {
    if (this.started) return;
    this.started = true;
    const magic = this.version >= 80 ? `VALKEY${String(this.version).padStart(3, '0')}` : `REDIS${String(this.version).padStart(4, '0')}`;
    this.w.bytes(ascii(magic));
    if (this.version >= 7) for (const [k, v] of this.aux) this.writeAux(ascii(k), ascii(v));
  }

  private writeAux(k: Uint8Array, v: Uint8Array): void {
    this.w.u8(Opcode.AUX);
    writeString(this.w, k, this.target.sopts);
    writeString(this.w, v, this.target.sopts);
  }

  /** Bytes for one record (the header is emitted on the first call). May be empty. */
  write(record: RdbRecord): Uint8Array {
    this.add(record);
    return this.flush();
  }

  private begin(): void {
    if (this.ended) throw new UsageError('RDB_WRITE_ENDED', 'write() after end()');
    this.header();
  }

  /** The options strings are written with (for a value written into valueWriter()). */
  get stringOptions(): WriteStringOptions {
    return this.target.sopts;
  }

  /**
   * The value buffer, emptied: a caller that encodes a value itself (ops/engine-rdb.ts, from the
   * engine's own shapes) writes it here, then calls addWrittenKey.
   */
  valueWriter(): ByteWriter {
    this.vw.length = 0;
    return this.vw;
  }

  /** Add a key whose value (of RDB type `type`) the caller wrote into valueWriter(). */
  addWrittenKey(head: KeyHead, type: number): void {
    this.begin();
    this.keyHeader(head, head.key, type);
    this.w.append(this.vw);
    this.report.keys++;
  }

  /** Add a string key (as add() of a string KeyEntry with that head and value). */
  addStringKey(head: KeyHead, value: Uint8Array): void {
    this.begin();
    this.keyHeader(head, head.key, RdbType.STRING);
    writeString(this.w, value, this.target.sopts);
    this.report.keys++;
  }

  /** Add one record's bytes to the pending output (the header before the first); `take()` hands them out. */
  add(record: RdbRecord): void {
    this.begin();
    switch (record.kind) {
      case 'key':
        this.writeKey(record);
        break;
      case 'key-start':
        this.startParts(record);
        break;
      case 'key-part':
        this.writePart(record);
        break;
      case 'key-end':
        if (this.parts || this.streamParts) this.report.keys++;
        this.streamParts?.end(this.w);
        this.parts = null;
        this.streamParts = null;
        break;
      case 'aux': {
        const k = displayText(record.key);
        if (this.version < 7) this.skip(k, 'AUX field (RDB < 7)');
        else if (!this.aux.some(([a]) => a === k)) this.writeAux(record.key, record.value);
        break;
      }
      case 'function':
        this.writeFunction(record);
        break;
      case 'module-aux':
        this.writeModuleAux(record);
        break;
      case 'slot-info':
        if (this.family === 'redis' && this.version >= 12) {
          this.w.u8(Opcode.SLOT_INFO);
          writeLength(this.w, record.slot);
          writeLength(this.w, record.keys);
          writeLength(this.w, record.expires);
        } else this.skip(`slot ${record.slot}`, 'SLOT_INFO (Redis RDB 12 only)');
        break;
      case 'slot-import':
        if (this.version >= 80) {
          this.w.u8(Opcode.SLOT_IMPORT);
          writeString(this.w, record.job, this.target.sopts);
          writeLength(this.w, record.ranges.length);
          for (const [a, b] of record.ranges) {
            writeLength(this.w, a);
            writeLength(this.w, b);
          }
        } else this.skip(display(record.job), 'SLOT_IMPORT (Valkey RDB 80 only)');
        break;
      case 'hash-template':
        if (this.family === 'redis' && this.version >= 15) {
          writeHashTemplate(this.w, record.id, record.fields, this.target.sopts);
          this.templates.set(record.id, record.fields);
        } else this.skip(`hash template ${record.id}`, 'hash template registry (RDB < 15; its hashes are written as ordinary hashes)');
        break;
      // header, selectdb, resizedb and eof are the encoder's own business
      default:
        break;
    }
  }

  private writeFunction(f: FunctionRecord): void {
    if (this.version < 10) {
      this.drop(`function library ${f.name ?? display(f.code.subarray(0, 40))}`, 'function library (RDB < 10 has no functions)');
      return;
    }
    this.w.u8(Opcode.FUNCTION2);
    writeString(this.w, f.code, this.target.sopts);
  }

  private writeModuleAux(m: ModuleAuxRecord): void {
    if (this.version < 9) {
      this.drop(`module aux ${m.name}`, 'module aux data (RDB < 9)');
      return;
    }
    this.w.u8(Opcode.MODULE_AUX);
    if (m.payload.length > 0) this.w.bytes(m.payload);
    else {
      writeLength(this.w, m.moduleId);
      writeLength(this.w, 2);
      writeLength(this.w, m.when);
      writeModuleItems(this.w, m.items);
    }
  }

  /** A key handed over in parts: everything up to its count, at once. */
  private startParts(s: KeyStartRecord): void {
    const name = display(s.key);
    this.parts = null;
    this.streamParts = null;
    if (s.type === 'stream') return this.startStreamParts(s, name);
    const type = PartWriter.typeFor(this.target, s);
    if (typeof type === 'string') {
      this.drop(name, `${type} (this target cannot take it in parts)`);
      return;
    }
    if (s.count === 0) {
      this.skip(name, `empty ${s.type}`);
      return;
    }
    this.keyHeader(s, name, type);
    this.parts = new PartWriter(this.target, type);
    this.partsName = name;
    this.parts.begin(this.w, s);
  }

  /** A stream in parts: written with its own layout version, which the target must have. */
  private startStreamParts(s: KeyStartRecord, name: string): void {
    const v = this.version;
    if (v < 9) return this.drop(name, 'stream key (RDB < 9 has no streams)');
    const layout = streamLayoutFor(this.family === 'redis' ? v : Math.min(v, 12));
    const type = streamTypeOf(layout);
    if (s.rdbType !== type || s.nodes === undefined)
      return this.drop(
        name,
        `a stream in parts of type ${s.rdbType} (this target writes type ${type}; a stream in parts keeps its own layout: write RDB ${s.rdbType === null ? 'of its version' : 'of the input version'})`,
      );
    this.keyHeader(s, name, type);
    this.streamParts = new StreamPartWriter(layout, this.target.sopts, s.key);
    this.partsName = name;
    this.streamParts.begin(this.w, s.nodes);
  }

  private writePart(p: KeyPartRecord): void {
    if (this.streamParts) return this.streamParts.part(this.w, p);
    const pw = this.parts;
    if (!pw) return;
    switch (p.part) {
      case 'list':
        pw.list(this.w, p.items, p.nodes);
        break;
      case 'set':
        pw.set(this.w, p.items);
        break;
      case 'zset':
        if (p.items.some(([, s]) => Number.isNaN(s)))
          throw new UsageError('RDB_WRITE_NAN_SCORE', `key "${this.partsName}": a sorted set score is NaN`);
        pw.zset(this.w, p.items);
        break;
      case 'hash': {
        const ttl = p.items.filter((f) => f.expireAt !== undefined).length;
        if (ttl) this.drop(this.partsName, `TTLs of ${ttl} hash field(s) (a hash written in parts has none)`);
        pw.hash(this.w, p.items);
        break;
      }
      default:
        throw new UsageError('RDB_WRITE_PARTS', `key "${this.partsName}": a ${p.part} part has no RDB form here`);
    }
  }

  private writeKey(e: KeyEntry): void {
    const name = e.key;
    const v = this.version;
    const w = this.w;
    if (this.verbatim && e.raw && e.rdbType !== null) {
      // the input's own bytes, in the input's own version: nothing to choose or convert
      this.keyHeader(e, name, e.rdbType);
      w.bytes(e.raw);
      this.report.keys++;
      return;
    }
    if (e.type === 'string') {
      // the type is known before the value: written in place, without the value buffer's copy
      this.keyHeader(e, name, RdbType.STRING);
      writeString(w, e.value, this.target.sopts);
      this.report.keys++;
      return;
    }
    const vw = this.vw;
    vw.length = 0;
    // Empty aggregates: Redis never saves them and skips them on load.
    if ((e.type === 'list' || e.type === 'set' || e.type === 'zset' || e.type === 'hash') && e.value.length === 0) {
      this.skip(name, `empty ${e.type}`);
      return;
    }
    let type: number;
    switch (e.type) {
      case 'list':
        // a quicklist keeps the input's nodes when known, as one written in parts does
        type = writeList(vw, this.target, e.value, e.layout?.counts && isQuicklistType(e.rdbType) ? e.layout.counts : undefined);
        break;
      case 'set':
        type = writeSet(vw, this.target, e.value);
        break;
      case 'zset': {
        if (e.value.some(([, s]) => Number.isNaN(s)))
          throw new UsageError('RDB_WRITE_NAN_SCORE', `key "${display(name)}": a sorted set score is NaN`);
        type = writeZset(vw, this.target, e.value);
        break;
      }
      case 'hash': {
        let fields = e.value;
        if (fields.some((f) => f.expireAt !== undefined)) {
          if (!hashTtlSupported(this.target)) {
            const n = fields.filter((f) => f.expireAt !== undefined).length;
            this.drop(name, `TTLs of ${n} hash field(s) (${this.family} RDB ${v} has no hash-field expiry)`);
            fields = fields.map((f) => ({ field: f.field, value: f.value }));
          } else {
            for (const f of fields) {
              if (f.expireAt !== undefined && (f.expireAt < 0 || f.expireAt > 0xffffffffffff)) {
                throw new UsageError('RDB_WRITE_HASH_TTL', `key "${display(name)}": hash field expiry ${f.expireAt} is outside 0..2^48-1`);
              }
            }
          }
        }
        const tmpl = fields === e.value ? this.templateWrite(vw, e) : null;
        if (tmpl !== null) type = tmpl;
        else {
          if (e.template) this.skip(name, `hash template encoding (written as an ordinary hash by RDB ${v})`);
          type = writeHash(vw, this.target, fields);
        }
        break;
      }
      case 'stream': {
        if (v < 9) {
          this.drop(name, 'stream key (RDB < 9 has no streams)');
          return;
        }
        const layout = streamLayoutFor(this.family === 'redis' ? v : Math.min(v, 12));
        for (const what of streamLosses(e.value, layout)) this.drop(name, what);
        // nodes as the input had them when known (decoder option layout), as a stream written in parts
        writeStreamValue(vw, streamForLayout(e.value, layout), layout, this.target.sopts, e.layout?.counts);
        type = streamTypeOf(layout);
        break;
      }
      case 'array':
        if (this.family !== 'redis' || v < 14) {
          this.drop(name, `array key (${this.family} RDB ${v} has no arrays; Redis 8.8 / RDB 14 added them)`);
          return;
        }
        if (e.value.elements.length === 0) {
          this.skip(name, 'empty array');
          return;
        }
        writeArrayValue(vw, e.value.insertIndex, e.value.elements);
        type = RdbType.ARRAY;
        break;
      case 'module':
        if (v < 8) {
          this.drop(name, `module value ${e.value.name} (RDB < 8)`);
          return;
        }
        type = writeModule(vw, e.value);
        break;
    }
    this.keyHeader(e, name, type);
    w.append(vw);
    this.report.keys++;
  }

  /** SELECTDB when the db changes, the expiry, IDLE/FREQ, the type byte and the key name. */
  private keyHeader(e: KeyHead, name: Uint8Array | string, type: number): void {
    const w = this.w;
    const v = this.version;
    if (e.db !== this.db) {
      w.u8(Opcode.SELECTDB);
      writeLength(w, e.db);
      this.db = e.db;
    }
    if (e.expireAt !== null) {
      if (v >= 3) w.u8(Opcode.EXPIRETIME_MS).i64le(e.expireAt);
      else {
        const secs = Math.ceil(e.expireAt / 1000);
        if (secs > 0x7fffffff || secs < -0x80000000)
          this.drop(name, 'expiry (beyond the 32-bit seconds of RDB < 3; the key is written without one)');
        else {
          if (e.expireAt % 1000 !== 0) this.drop(name, 'milliseconds of the expiry (RDB < 3 stores seconds; rounded up)');
          w.u8(Opcode.EXPIRETIME).i32le(secs);
        }
      }
    }
    if (e.idle !== undefined || e.freq !== undefined) {
      if (v >= 9) {
        if (e.idle !== undefined) {
          w.u8(Opcode.IDLE);
          writeLength(w, e.idle);
        }
        if (e.freq !== undefined) w.u8(Opcode.FREQ).u8(e.freq);
      } else this.skip(name, 'IDLE/FREQ (RDB < 9)');
    }
    if (e.meta?.length) {
      if (this.family === 'redis' && v >= 13) writeKeyMeta(w, e.meta);
      else for (const c of e.meta) this.drop(name, `key metadata class ${c.name} (RDB < 13 has no key metadata)`);
    }
    w.u8(type);
    writeString(w, e.key, this.target.sopts);
  }

  /**
   * A hash in a template encoding, as Redis 15 saves it: the reference forms (30, 32) when the key
   * names a template written earlier with exactly its fields, the self-contained forms (29, 31)
   * when it came from one. Returns the type written, or null to write an ordinary hash.
   */
  private templateWrite(vw: ByteWriter, e: KeyEntry & { type: 'hash' }): number | null {
    const t = e.template;
    if (!t || this.family !== 'redis' || this.version < 15) return null;
    const asArray = e.encoding === 'template-array';
    const byField = new Map(e.value.map((h) => [bytesKey(h.field), h.value]));
    if (t.lead === undefined) {
      const fields = t.id === null ? undefined : this.templates.get(t.id);
      if (!fields || fields.length !== e.value.length) return null;
      const values: Uint8Array[] = [];
      for (const f of fields) {
        const x = byField.get(bytesKey(f));
        if (!x) return null;
        values.push(x);
      }
      if (asArray) {
        writeLength(vw, t.id!);
        for (const x of values) writeString(vw, x, this.target.sopts);
        return RdbType.HASH_TMPL_ARRAY_REF;
      }
      writeString(vw, encodeListpackView([t.id!, ...values]), this.target.sopts);
      return RdbType.HASH_TMPL_LP_REF;
    }
    const sorted = [...e.value].sort((a, b) => compareTemplateFields(a.field, b.field));
    writeLength(vw, t.lead);
    if (asArray) {
      writeLength(vw, sorted.length);
      for (const h of sorted) writeString(vw, h.field, this.target.sopts);
      for (const h of sorted) writeString(vw, h.value, this.target.sopts);
      return RdbType.HASH_TMPL_ARRAY;
    }
    writeString(vw, encodeListpackView(sorted.map((h) => h.field)), this.target.sopts);
    writeString(vw, encodeListpackView([t.id ?? 0, ...sorted.map((h) => h.value)]), this.target.sopts);
    return RdbType.HASH_TMPL_LP;
  }

  /**
   * EOF and the CRC64 trailer (v >= 5). Throws a UsageError naming the keys when something
   * was dropped and `lossy` is not set (the bytes handed out so far must then be discarded).
   */
  end(): Uint8Array {
    if (this.ended) return EMPTY;
    this.header();
    if (this.report.dropped.length > 0 && !this.lossy) {
      this.ended = true;
      const d = this.report.dropped;
      const list = d
        .slice(0, 10)
        .map((x) => `"${x.key}": ${x.what}`)
        .join('; ');
      throw new UsageError(
        'RDB_WRITE_LOSSY',
        `RDB version ${this.version} cannot express ${d.length} item(s): ${list}${d.length > 10 ? `; and ${d.length - 10} more` : ''}. Pass a newer --rdb-version (the version option) to keep them, or --lossy (the lossy option) to drop them.`,
      );
    }
    this.ended = true;
    this.w.u8(Opcode.EOF);
    const body = this.flush();
    if (this.version < 5) return body;
    const out = new Uint8Array(body.length + 8);
    out.set(body);
    if (this.checksum) out.set(this.crc.bytes(), body.length);
    return out;
  }
}

/** Encode one whole dataset into a single buffer (tests, small files). */
export function encodeRdb(records: Iterable<RdbRecord>, opts: RdbEncodeOptions): Uint8Array {
  const enc = new RdbEncoder(opts);
  const parts: Uint8Array[] = [];
  for (const r of records) {
    const b = enc.write(r);
    if (b.length) parts.push(b);
  }
  parts.push(enc.end());
  return concatBytes(parts);
}
