/**
 * The streaming RDB decoder (FORMATS.md §1–§5): synchronous, resumable, fed by chunks.
 *
 * Buffering model: `write(chunk)` appends to one contiguous buffer of unread bytes and parses
 * as many *units* as it can, returning the records completed in this call. A unit is a small
 * piece that is read whole or not at all: the header, one opcode record, a key's type and
 * name, one element of an aggregate, one quicklist node, one stream unit. When a unit runs
 * short the cursor rewinds to the unit's start and the decoder remembers how many bytes it
 * needs (`need`); further chunks are only queued until that many bytes are there, so one
 * huge value is joined once, not re-parsed per chunk. Aggregates keep their progress in a
 * frame (`ValueFrame`), and a key record is emitted only once its value is complete.
 *
 * CRC64 is updated over consumed bytes as they are dropped from the buffer (a byte-flow hook),
 * and verified after the EOF opcode for versions >= 5 (stored 0 = disabled).
 */

import { Crc64, hex64 } from '../bytes/crc64.js';
import { type Cursor, corrupt, NEED_MORE, readBytes, readI32LE, readI64LE, readU8, require } from '../bytes/cursor.js';
import { CorruptError, ParseError, TruncatedError } from '../errors.js';
import { concatBytes, findDuplicate, parseCanonicalInt, parseSmallCanonicalInt } from '../model/bytes.js';
import type { KeyEntry, KeyPartRecord, KeyStartRecord, PartedType, RdbRecord, Span, Value } from '../model/record.js';
import {
  EnterpriseOpcode,
  encodingOf,
  MAX_REDIS_RDB_VERSION,
  Opcode,
  QuicklistContainer,
  RdbType,
  StringEncoding,
  typeName,
} from './constants.js';
import { parseShebang, readPreGaFunction } from './function.js';
import { readHashTemplate } from './hash-template.js';
import { readKeyMeta } from './key-meta.js';
import { readLength, readLengthBig, readLengthOrEncoding } from './length.js';
import { decodeModuleId, readModuleItems } from './module.js';
import { DEFAULT_MAX_STRING, readString, type Scratch } from './string.js';
import { type KeyPrefix, newFrame, type ValueContext, type ValueFrame } from './values/frame.js';
import { valueReaderFor } from './values/readers.js';

/** Decoder options. */
export interface RdbDecoderOptions {
  /** Verify the CRC64 trailer (default true). */
  verifyChecksum?: boolean;
  /** Largest string accepted, guarding allocation against corrupt lengths (default 1 GiB). */
  maxStringLength?: number;
  /** Total input size when known: a unit reaching past it is reported as truncated at once. */
  totalSize?: number;
  /** Absolute offset of the first byte fed (when the RDB sits inside a larger file). */
  startOffset?: number;
  /** Keep empty aggregates instead of skipping them as Redis does (default false). */
  keepEmptyKeys?: boolean;
  /**
   * Treat bytes after the checksum as corruption (default false: Redis ignores them, and an AOF
   * preamble is followed by its RESP tail). Enforced by the reading drivers (ops/read.ts).
   */
  rejectTrailingData?: boolean;
  /**
   * Validate values without keeping them (check, inspect): key records carry an empty value of
   * their type. Set/zset/hash members are still compared for duplicates. Default false.
   */
  skipValues?: boolean;
  /**
   * Salvage: damage confined to one key's value whose outer lengths are intact (a bad
   * listpack/ziplist/intset/zipmap blob, a bad LZF block, a bad quicklist node or list/set element,
   * a bad stream node, duplicate members) is handed here and the key is skipped; reading goes on
   * after it. Without this option such damage throws like any other. Damage to the structure
   * still throws.
   */
  onDamagedValue?: (d: DamagedValue) => void;
  /** Attach each key's stored layout (blob sizes, quicklist node counts, stream node ids) for memory estimates. Default false. */
  layout?: boolean;
  /**
   * Keys too big to hold (SPEC.md §2.1): once a list, set, zset or hash being read holds this many
   * elements, it is handed over in parts (`key-start`, `key-part` batches of about this many
   * elements, `key-end`) instead of one key record. In skipValues mode nothing is emitted in parts:
   * each batch is checked and dropped, and the key record comes at the end as usual. Default 0:
   * never (every key is one record). With onDamagedValue, damage found in a key before its first
   * part skips it as usual; damage after its start was handed over throws (it cannot be taken back).
   */
  partThreshold?: number;
  /**
   * Attach to whole key records their value's bytes as stored (`KeyEntry.raw`: everything after
   * the key name), so that an encoder writing the input's own version copies them instead of
   * encoding the value again. Never for keys handed over in parts, nor hash templates (types
   * 29-32, which refer to templates by id). Default false.
   * - `true`: values are decoded as usual, and a key's bytes are kept while they are at most
   *   `rawMax` (a bigger one comes without `raw`).
   * - `'only'`: for the RDB encoder writing the input's version (RdbEncodeOptions.verbatim) and
   *   nothing else: a value is validated as in skipValues mode, not decoded, and comes with an
   *   empty value and its `raw` bytes. A value whose bytes pass `rawMax` is read again from its
   *   start and decoded as usual (whole, or in parts past partThreshold), without `raw`.
   */
  rawValues?: boolean | 'only';
  /** rawValues: the most bytes of one value kept as stored (default RAW_MAX). */
  rawMax?: number;
  /**
   * For a writer that walks blobs (the JSON export): listpack hashes, zsets and sets, intsets and
   * one-node listpack quicklists come as their validated blob (`KeyEntry.packed`) with an empty
   * `value`, and stream entries as their validated nodes (`StreamValue.packed`, the
   * `stream-entries` part's `packed`), not as element objects. Errors are those of a decoded
   * value. Default false.
   */
  packed?: boolean;
}

/** A key skipped in salvage mode: where it is and what was wrong inside it. */
export interface DamagedValue {
  key: Uint8Array;
  db: number;
  /** The RDB type id. */
  type: number;
  /** The key's record, prefix opcodes included. */
  span: Span;
  error: ParseError;
}

/**
 * rawValues: the most bytes of one value kept as stored (RdbDecoderOptions.rawValues). A value
 * re-read past it (rawValues 'only') comes in one batch of up to this many bytes' elements.
 */
export const RAW_MAX = 1 << 18;

/** The part kind of each type id that can be handed over in parts. */
const PARTED: Record<number, PartedType> = {
  [RdbType.LIST]: 'list',
  [RdbType.LIST_QUICKLIST]: 'list',
  [RdbType.LIST_QUICKLIST_2]: 'list',
  [RdbType.SET]: 'set',
  [RdbType.ZSET]: 'zset',
  [RdbType.ZSET_2]: 'zset',
  [RdbType.HASH]: 'hash',
  [RdbType.HASH_METADATA_PRE_GA]: 'hash',
  [RdbType.HASH_METADATA]: 'hash',
  [RdbType.STREAM_LISTPACKS]: 'stream',
  [RdbType.STREAM_LISTPACKS_2]: 'stream',
  [RdbType.STREAM_LISTPACKS_3]: 'stream',
  [RdbType.STREAM_LISTPACKS_4]: 'stream',
  [RdbType.STREAM_LISTPACKS_5]: 'stream',
};

const isQuicklist = (t: number): boolean => t === RdbType.LIST_QUICKLIST || t === RdbType.LIST_QUICKLIST_2;

type Phase = 'magic' | 'body' | 'value' | 'checksum' | 'done';

const EMPTY = new Uint8Array(0);

/** Streaming RDB decoder. */
export class RdbDecoder {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private lim = 0;
  private base: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Absolute offset the next unit needs to be buffered up to (0 = unknown). */
  private needAbs = 0;
  private crc = new Crc64();
  private crcUpTo = 0;
  private phase: Phase = 'magic';
  private frame: ValueFrame | null = null;
  private prefix: KeyPrefix | null = null;
  private db = 0;
  private readonly opts: Required<
    Omit<RdbDecoderOptions, 'totalSize' | 'startOffset' | 'rejectTrailingData' | 'onDamagedValue' | 'rawValues' | 'rawMax' | 'packed'>
  > & {
    totalSize: number;
  };
  private readonly onDamagedValue: ((d: DamagedValue) => void) | undefined;
  private readonly rawMode: 'off' | 'keep' | 'only';
  private readonly rawMax: number;
  /** Salvage: the first damage found inside the current value (the key is skipped when it ends). */
  private damage: ParseError | null = null;
  /** Records completed by the call that threw (salvage keeps them). */
  private completed: RdbRecord[] = [];
  /** Element counts of the quicklist nodes in the current batch (a part never splits a node). */
  private partNodes: number[] = [];
  private cursor: Cursor;
  /**
   * rawValues: where the current value's bytes begin in `buf` (-1: none being captured), and its
   * bytes already dropped from `buf` by join() (copied out, only while the key is whole).
   */
  private rawFrom = -1;
  private rawPieces: Uint8Array[] = [];
  /** rawValues: bytes in rawPieces (the value begins at base + rawFrom - rawBytes). */
  private rawBytes = 0;
  /** Where discarded LZF strings are inflated (skipValues). */
  private scratch: Scratch | undefined;
  /** What the per-type value readers (values/) need from this decoder. */
  private valueContext: ValueContext;
  /** 'redis' or 'valkey', known after the header. */
  family: 'redis' | 'valkey' = 'redis';
  /** RDB version, known after the header (0 before). */
  version = 0;
  /** Keys skipped because their aggregate was empty (Redis skips them too). */
  emptyKeysSkipped = 0;

  constructor(options: RdbDecoderOptions = {}) {
    this.opts = {
      verifyChecksum: options.verifyChecksum ?? true,
      maxStringLength: options.maxStringLength ?? DEFAULT_MAX_STRING,
      keepEmptyKeys: options.keepEmptyKeys ?? false,
      skipValues: options.skipValues ?? false,
      layout: options.layout ?? false,
      partThreshold: options.partThreshold ?? 0,
      totalSize: options.totalSize ?? Infinity,
    };
    this.base = options.startOffset ?? 0;
    this.onDamagedValue = options.onDamagedValue;
    this.rawMode = options.rawValues === 'only' ? 'only' : options.rawValues ? 'keep' : 'off';
    this.rawMax = options.rawMax ?? RAW_MAX;
    if (this.opts.skipValues || this.rawMode === 'only') this.scratch = { buf: new Uint8Array(4096) };
    this.valueContext = {
      family: 'redis',
      max: this.opts.maxStringLength,
      // with rawValues 'only', set per key (readKeyStart): values read only to be validated
      scratch: this.opts.skipValues ? this.scratch : undefined,
      templates: new Map(),
      layout: null,
      partBatch: this.opts.partThreshold,
      packed: (options.packed ?? false) && !this.opts.skipValues && this.rawMode === 'off',
    };
    this.cursor = { buf: EMPTY, view: new DataView(EMPTY.buffer), pos: 0, end: 0, base: this.base, final: false, format: 'rdb' };
  }

  /** True once EOF (and the checksum, when present) has been read. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** Absolute number of bytes consumed by complete units. */
  get consumed(): number {
    return this.base + this.pos;
  }

  /** Bytes still needed before the next unit can be parsed (0 when unknown or none). */
  get need(): number {
    const have = this.base + this.lim + this.pendingBytes;
    return this.needAbs > have ? this.needAbs - have : 0;
  }

  /** Bytes buffered after the RDB's end (for an AOF preamble: the start of the RESP tail). */
  rest(): Uint8Array {
    this.join();
    return this.buf.subarray(this.pos, this.lim);
  }

  /** Feed a chunk; returns the records completed by it. */
  write(chunk: Uint8Array): RdbRecord[] {
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.phase === 'done') return [];
    if (this.needAbs > this.base + this.lim + this.pendingBytes) {
      if (this.needAbs > this.opts.totalSize) this.truncatedAtNeed();
      return [];
    }
    this.join(true);
    return this.run(false);
  }

  /** Signal the end of input; returns the last records or throws TruncatedError. */
  end(): RdbRecord[] {
    this.join();
    const out = this.phase === 'done' ? [] : this.run(true);
    if (this.phase !== 'done') {
      throw new TruncatedError('rdb', 'RDB_UNEXPECTED_EOF', this.base + this.pos, 'unexpected end of file', this.context());
    }
    return out;
  }

  private truncatedAtNeed(): never {
    this.join();
    throw new TruncatedError(
      'rdb',
      'RDB_UNEXPECTED_EOF',
      this.base + this.pos,
      `unexpected end of file: the record needs ${this.needAbs - this.base - this.pos} bytes, the file has ${this.opts.totalSize - this.base - this.pos} left`,
      this.context(),
    );
  }

  /**
   * Merge queued chunks with the unread tail into one buffer (zero-copy when possible). `more`:
   * more input may follow (write()), so a value kept only as stored bytes that has grown past
   * RAW_MAX may be read again from its start (rawValues 'only').
   */
  private join(more = false): void {
    if (this.pending.length === 0) return;
    this.updateCrc();
    if (this.rawFrom >= 0 && !this.keepRaw(more)) return this.rewindValue();
    const tail = this.lim - this.pos;
    let next: Uint8Array;
    if (tail === 0 && this.pending.length === 1) {
      next = this.pending[0]!;
    } else {
      next = new Uint8Array(tail + this.pendingBytes);
      next.set(this.buf.subarray(this.pos, this.lim), 0);
      let o = tail;
      for (const c of this.pending) {
        next.set(c, o);
        o += c.length;
      }
    }
    this.base += this.pos;
    this.buf = next;
    this.pos = 0;
    this.crcUpTo = 0;
    this.lim = next.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * Before join() drops the consumed bytes: keep those of the value being captured (rawValues).
   * False when the value is to be read again from its start instead (rewindValue).
   */
  private keepRaw(more: boolean): boolean {
    const skipping = this.valueContext.scratch !== undefined;
    const n = this.pos - this.rawFrom;
    // a key handed over in parts is written from its parts, and in 'keep' mode a big one from its value
    if (!this.frame || (this.frame.parted && !skipping) || (this.rawBytes + n > this.rawMax && this.rawMode === 'keep')) {
      this.rawFrom = -1;
      this.rawPieces = [];
      this.rawBytes = 0;
      return true;
    }
    // 'only': past rawMax the value is decoded after all (at the end of input it is kept whole)
    if (this.rawBytes + n > this.rawMax && more) return false;
    if (n > 0) {
      this.rawPieces.push(this.buf.slice(this.rawFrom, this.pos));
      this.rawBytes += n;
    }
    this.rawFrom = 0; // the unread tail starts the joined buffer
    return true;
  }

  /**
   * rawValues 'only': a value too big to keep as stored bytes is read again from its first byte,
   * decoded. The buffer becomes its bytes so far plus everything queued; the CRC has covered them
   * up to the current position already.
   */
  private rewindValue(): void {
    const f = this.frame!;
    const pieces = this.rawPieces;
    pieces.push(this.buf.subarray(this.rawFrom, this.lim), ...this.pending);
    const hashedTo = this.base + this.pos;
    // the value's first byte: the captured bytes end where the buffer's part of it begins
    const valueStart = this.base + this.rawFrom - this.rawBytes;
    const next = concatBytes(pieces);
    this.base = valueStart;
    this.buf = next;
    this.pos = 0;
    this.lim = next.length;
    this.crcUpTo = hashedTo - valueStart;
    this.pending = [];
    this.pendingBytes = 0;
    this.rawFrom = -1;
    this.rawPieces = [];
    this.rawBytes = 0;
    this.valueContext.scratch = undefined;
    this.frame = newFrame(f.type, f.key, f.db, f.prefix);
    if (this.opts.layout) this.frame.layout = { blobs: [] };
    this.damage = null;
    this.partNodes = [];
  }

  /** The captured bytes of the value ending at `end` in `buf` (rawValues). */
  private takeRaw(end: number): Uint8Array {
    const last = this.buf.subarray(this.rawFrom, end);
    const pieces = this.rawPieces;
    this.rawFrom = -1;
    if (pieces.length === 0) return last;
    this.rawPieces = [];
    pieces.push(last);
    return concatBytes(pieces);
  }

  private updateCrc(upTo = this.pos): void {
    if (upTo > this.crcUpTo) {
      // nothing to compute when verification is off (or done by the caller over the same bytes)
      if (this.opts.verifyChecksum && (this.version >= 5 || this.phase === 'magic')) this.crc.update(this.buf, this.crcUpTo, upTo);
      this.crcUpTo = upTo;
    }
  }

  private run(final: boolean): RdbRecord[] {
    const r = this.cursor;
    r.buf = this.buf;
    r.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    r.pos = this.pos;
    r.end = this.lim;
    r.base = this.base;
    r.final = final;
    const out: RdbRecord[] = [];
    this.completed = out;
    this.needAbs = 0;
    while (this.phase !== 'done') {
      const mark = r.pos;
      try {
        this.unit(r, out);
        this.pos = r.pos;
      } catch (e) {
        r.pos = mark;
        if (e === NEED_MORE) {
          this.needAbs = this.base + NEED_MORE.upTo;
          if (this.needAbs > this.opts.totalSize) this.truncatedAtNeed();
          break;
        }
        if (e instanceof ParseError) throw e.withContext(this.context());
        throw e;
      }
    }
    return out;
  }

  /** The records completed by the last write()/end() before it threw (salvage: they are intact). */
  takeCompleted(): RdbRecord[] {
    const out = this.completed;
    this.completed = [];
    return out;
  }

  /** What is being read, for error messages. */
  private context(): string {
    if (this.phase === 'magic') return 'the file header';
    if (this.phase === 'checksum') return 'the CRC64 checksum';
    const f = this.frame;
    if (f) return `value of key "${displayKey(f.key)}" (${typeName(f.type, this.family)}) in db ${f.db}`;
    return 'the next record';
  }

  private unit(r: Cursor, out: RdbRecord[]): void {
    switch (this.phase) {
      case 'magic':
        return this.readMagic(r, out);
      case 'body':
        return this.readBody(r, out);
      case 'value':
        return this.readValueUnit(r, out);
      case 'checksum':
        return this.readChecksum(r, out);
      case 'done':
        return;
    }
  }

  private readMagic(r: Cursor, out: RdbRecord[]): void {
    const start = r.pos;
    // bytes that cannot begin a magic are not an RDB, however few there are (not a truncated one)
    const have = r.buf.subarray(r.pos, Math.min(r.end, r.pos + 9));
    if (!isMagicPrefix(have, 'REDIS') && !isMagicPrefix(have, 'VALKEY'))
      throw new CorruptError(
        'rdb',
        'RDB_BAD_MAGIC',
        r.base + start,
        `not an RDB file: header is ${JSON.stringify(printable(have))}, expected REDISnnnn or VALKEYnnn`,
      );
    const m = readBytes(r, 9, 'the file header');
    const text = String.fromCharCode(...m);
    let family: 'redis' | 'valkey';
    let version: number;
    // Redis and Valkey read the version field with C's atoi: leading blanks, a sign, then digits up to
    // the first other byte ("001\xcf" is version 1). rdbkit reads what they read, and says so on the header.
    const redis = text.startsWith('REDIS');
    const field = redis ? text.slice(5) : text.slice(6);
    const parsed = redis || text.startsWith('VALKEY') ? cAtoi(field) : null;
    if (parsed !== null && redis) {
      family = 'redis';
      version = parsed;
      if (version < 1 || version > MAX_REDIS_RDB_VERSION) {
        throw new CorruptError(
          'rdb',
          'RDB_UNSUPPORTED_VERSION',
          r.base + start,
          `unsupported RDB version ${version} (this reader knows 1-${MAX_REDIS_RDB_VERSION} and VALKEY080)`,
        );
      }
    } else if (parsed !== null) {
      family = 'valkey';
      version = parsed;
      if (version !== 80)
        throw new CorruptError(
          'rdb',
          'RDB_UNSUPPORTED_VERSION',
          r.base + start,
          `unsupported Valkey RDB version ${version} (this reader knows VALKEY080)`,
        );
    } else {
      throw new CorruptError(
        'rdb',
        'RDB_BAD_MAGIC',
        r.base + start,
        `not an RDB file: header is ${JSON.stringify(printable(m))}, expected REDISnnnn or VALKEYnnn`,
      );
    }
    this.family = family;
    this.valueContext.family = family;
    this.version = version;
    this.phase = 'body';
    const canonical = redis ? /^\d{4}$/.test(field) : /^\d{3}$/.test(field);
    out.push({
      kind: 'header',
      family,
      version,
      ...(canonical ? {} : { versionField: printable(m.subarray(redis ? 5 : 6)) }),
      span: { start: r.base + start, end: r.base + r.pos },
    });
  }

  private span(r: Cursor, start: number): Span {
    return { start: r.base + start, end: r.base + r.pos };
  }

  private readBody(r: Cursor, out: RdbRecord[]): void {
    const start = r.pos;
    const op = readU8(r);
    switch (op) {
      case Opcode.EOF: {
        this.updateCrc(r.pos);
        this.phase = this.version >= 5 ? 'checksum' : 'done';
        if (this.version < 5) out.push({ kind: 'eof', checksum: null, verified: false, span: this.span(r, start) });
        this.eofStart = r.base + start;
        return;
      }
      case Opcode.SELECTDB: {
        const db = readLength(r);
        this.db = db;
        out.push({ kind: 'selectdb', db, span: this.span(r, start) });
        return;
      }
      case Opcode.RESIZEDB: {
        const dbSize = readLength(r);
        const expiresSize = readLength(r);
        out.push({ kind: 'resizedb', db: this.db, dbSize, expiresSize, span: this.span(r, start) });
        return;
      }
      case Opcode.AUX: {
        const key = readString(r, this.opts.maxStringLength);
        const value = readString(r, this.opts.maxStringLength);
        out.push({ kind: 'aux', key, value, span: this.span(r, start) });
        return;
      }
      case Opcode.EXPIRETIME_MS: {
        const ms = readI64LE(r);
        this.prefixAt(start).expireAt = ms;
        return;
      }
      case Opcode.EXPIRETIME: {
        const s = readI32LE(r);
        this.prefixAt(start).expireAt = s * 1000;
        return;
      }
      case Opcode.IDLE: {
        const idle = readLength(r);
        this.prefixAt(start).idle = idle;
        return;
      }
      case Opcode.FREQ: {
        const freq = readU8(r);
        this.prefixAt(start).freq = freq;
        return;
      }
      case Opcode.FUNCTION2: {
        const code = readString(r, this.opts.maxStringLength);
        const { name, engine } = parseShebang(code);
        out.push({ kind: 'function', code, name, engine, span: this.span(r, start) });
        return;
      }
      case Opcode.FUNCTION_PRE_GA: {
        const f = readPreGaFunction(r, this.opts.maxStringLength);
        out.push({ kind: 'function', code: f.code, name: f.name, engine: f.engine, span: this.span(r, start) });
        return;
      }
      case Opcode.MODULE_AUX: {
        const idAt = r.pos;
        const moduleId = readLengthBig(r);
        const whenOp = readLength(r);
        if (whenOp !== 2) throw corrupt(r, 'RDB_BAD_MODULE_AUX', `module aux 'when' opcode must be 2, found ${whenOp}`);
        const when = readLength(r);
        const items = readModuleItems(r, this.opts.maxStringLength);
        const { name, encver } = decodeModuleId(moduleId);
        out.push({ kind: 'module-aux', moduleId, name, encver, when, items, payload: r.buf.slice(idAt, r.pos), span: this.span(r, start) });
        return;
      }
      case Opcode.SLOT_INFO: {
        const slot = readLength(r);
        const keys = readLength(r);
        const expires = readLength(r);
        out.push({ kind: 'slot-info', slot, keys, expires, span: this.span(r, start) });
        return;
      }
      case Opcode.HASH_TEMPLATE: {
        if (this.family === 'valkey') return this.readKeyStart(r, op, start);
        const t = readHashTemplate(r, this.opts.maxStringLength);
        if (this.valueContext.templates.has(t.id))
          throw corrupt(r, 'RDB_BAD_HASH_TEMPLATE', `hash template ${t.id} is defined twice`, start);
        this.valueContext.templates.set(t.id, t.fields);
        out.push({ kind: 'hash-template', id: t.id, fields: t.fields, span: this.span(r, start) });
        return;
      }
      case Opcode.SLOT_IMPORT: {
        if (this.family !== 'valkey') {
          if (this.version < 13)
            throw corrupt(
              r,
              'RDB_UNSUPPORTED_OPCODE',
              `opcode 243 is KEY_META from RDB 13 on (Redis 8.6); a REDIS file of version ${this.version} cannot hold it`,
              start,
            );
          const meta = readKeyMeta(r, this.opts.maxStringLength);
          const p = this.prefixAt(start);
          if (p.meta) throw corrupt(r, 'RDB_BAD_KEY_META', 'two key metadata records before one key', start);
          if (meta.length) p.meta = meta;
          return;
        }
        const job = readString(r, this.opts.maxStringLength);
        const n = readLength(r);
        const ranges: Array<[number, number]> = [];
        for (let i = 0; i < n; i++) ranges.push([readLength(r), readLength(r)]);
        out.push({ kind: 'slot-import', job, ranges, span: this.span(r, start) });
        return;
      }
      case EnterpriseOpcode.RAM_LRU:
        if (this.family === 'redis') {
          readLength(r);
          return;
        }
        return this.readKeyStart(r, op, start);
      default:
        return this.readKeyStart(r, op, start);
    }
  }

  private eofStart = 0;

  private prefixAt(start: number): KeyPrefix {
    this.prefix ??= { start: this.base + start, expireAt: null };
    return this.prefix;
  }

  private readKeyStart(r: Cursor, type: number, start: number): void {
    if (!isKnownType(type, this.family)) {
      throw corrupt(r, 'RDB_UNKNOWN_TYPE', `unknown value type or opcode ${type} (0x${type.toString(16)})`, start);
    }
    if (type === RdbType.MODULE_PRE_GA) {
      throw corrupt(r, 'RDB_UNSUPPORTED_TYPE', 'module values of type 6 (Redis 4.0 release candidates) cannot be read', start);
    }
    if (type === RdbType.GCRA) {
      throw corrupt(
        r,
        'RDB_UNSUPPORTED_TYPE',
        'values of type 33 (GCRA, only in Redis builds with it enabled) cannot be read: their layout is not published',
        start,
      );
    }
    const key = readString(r, this.opts.maxStringLength);
    const prefix = this.prefix ?? { start: this.base + start, expireAt: null };
    this.prefix = null;
    this.frame = newFrame(type, key, this.db, prefix);
    this.damage = null;
    const raw = this.rawMode !== 'off' && (type < RdbType.HASH_TMPL_LP || type > RdbType.HASH_TMPL_ARRAY_REF);
    this.rawPieces = [];
    this.rawBytes = 0;
    this.rawFrom = raw ? r.pos : -1;
    if (this.rawMode === 'only') this.valueContext.scratch = raw ? this.scratch : undefined;
    // the stored layout is for encoding a value again: not for one copied as stored
    if (this.opts.layout && !(raw && this.rawMode === 'only')) this.frame.layout = { blobs: [] };
    this.phase = 'value';
  }

  /** Read one unit of the current value; emit the key when complete. */
  private readValueUnit(r: Cursor, out: RdbRecord[]): void {
    const f = this.frame!;
    const read = valueReaderFor(f.type);
    if (!read) throw corrupt(r, 'RDB_UNKNOWN_TYPE', `unknown value type ${f.type}`);
    this.valueContext.layout = f.layout;
    const threshold = this.opts.partThreshold;
    if (!this.onDamagedValue && threshold === 0) {
      const v = read(r, f, this.valueContext);
      if (v) this.finish(r, out, v);
      return;
    }
    const held = f.listElements;
    const left = f.left;
    const mark = r.pos;
    let v: Value | undefined;
    let complete: boolean;
    try {
      v = read(r, f, this.valueContext);
      complete = v !== undefined;
    } catch (e) {
      if (!this.onDamagedValue || !(e instanceof CorruptError)) throw e;
      // a key already handed over in parts cannot be taken back: its damage is the input's
      if (f.parted) throw e;
      // the unit's bytes are all there (a short unit signals NEED_MORE, not corruption): step over it
      r.pos = mark;
      const after = skipDamagedUnit(r, f, this.opts.maxStringLength);
      if (after === null) throw e;
      this.damage ??= e.withContext(this.context());
      complete = after;
    }
    if (threshold !== 0 && !this.damage) {
      if (f.stream) {
        if (!this.valueContext.scratch) this.streamParts(r, out, f, complete);
      } else {
        // a quicklist unit past the count is one node: remember its size so parts end on node bounds
        if (left >= 0 && isQuicklist(f.type) && !this.valueContext.scratch) this.partNodes.push(f.listElements - held);
        // quicklist nodes kept packed count as held elements: batches end where they would without
        const holding = f.items.length + (f.packed === null ? 0 : f.packed.count);
        if (!complete && holding >= threshold && PARTED[f.type] !== undefined) return this.handOverSalvaged(r, out, f);
      }
    }
    if (this.damage) {
      // the key is skipped: hold none of it
      f.items.length = 0;
      f.packed = null;
    }
    if (!complete) return;
    if (this.damage) return this.skipDamaged(r, f, this.damage);
    if (!this.onDamagedValue) return this.finish(r, out, v!);
    try {
      this.finish(r, out, v!);
    } catch (e) {
      // duplicate members: the value was read whole, only its content is bad
      if (!(e instanceof CorruptError) || f.parted) throw e;
      this.skipDamaged(r, f, e.withContext(`value of key "${displayKey(f.key)}" (${typeName(f.type, this.family)}) in db ${f.db}`));
    }
  }

  /** handOver, where duplicates in the first batch (nothing handed over yet) skip the key in salvage mode. */
  private handOverSalvaged(r: Cursor, out: RdbRecord[], f: ValueFrame): void {
    if (!this.onDamagedValue || f.parted) return this.handOver(r, out, f);
    try {
      this.handOver(r, out, f);
    } catch (e) {
      if (!(e instanceof CorruptError)) throw e;
      this.damage = e.withContext(`value of key "${displayKey(f.key)}" (${typeName(f.type, this.family)}) in db ${f.db}`);
    }
  }

  private skipDamaged(r: Cursor, f: ValueFrame, error: ParseError): void {
    this.frame = null;
    this.phase = 'body';
    this.damage = null;
    this.partNodes = [];
    this.onDamagedValue!({ key: f.key, db: f.db, type: f.type, span: { start: f.prefix.start, end: r.base + r.pos }, error });
  }

  /** Hand the batch held in the frame over as a part (the key's start first), or drop it in skipValues mode. */
  private handOver(r: Cursor, out: RdbRecord[], f: ValueFrame): void {
    const part = PARTED[f.type]!;
    const items = f.items;
    if (part !== 'list' && !(part === 'hash' && f.type === RdbType.HASH)) checkDuplicates({ type: part, value: items } as Value, f);
    if (!f.parted) {
      f.parted = true;
      if (!this.valueContext.scratch) out.push(this.keyStart(r, f, part));
    }
    f.flushed += items.length + (f.packed === null ? 0 : f.packed.count);
    f.items = [];
    if (this.valueContext.scratch) return;
    out.push(this.keyPart(f, part, items));
  }

  /**
   * A stream: once the elements read reach the threshold (and more of the stream follows), its
   * start and every part read so far are handed over; then each part as it is read.
   */
  private streamParts(r: Cursor, out: RdbRecord[], f: ValueFrame, complete: boolean): void {
    const s = f.stream!;
    if (!f.parted) {
      if (complete || s.held < this.opts.partThreshold) return;
      f.parted = true;
      out.push(this.keyStart(r, f, 'stream'));
    }
    for (const p of s.take()) out.push({ kind: 'key-part', db: f.db, key: f.key, ...p } as KeyPartRecord);
  }

  private keyStart(r: Cursor, f: ValueFrame, type: PartedType): KeyStartRecord {
    const quicklist = isQuicklist(f.type);
    const stream = type === 'stream';
    const start: KeyStartRecord = {
      kind: 'key-start',
      type,
      db: f.db,
      key: f.key,
      encoding: encodingOf(f.type),
      rdbType: f.type,
      expireAt: f.prefix.expireAt,
      // counted forms: what is held plus what is left; a quicklist counts nodes, not elements
      count: quicklist || stream ? null : f.items.length + f.left,
      span: { start: f.prefix.start, end: r.base + r.pos },
    };
    if (quicklist) start.nodes = this.partNodes.length + f.left;
    if (stream) start.nodes = f.stream!.nodes;
    if (f.prefix.idle !== undefined) start.idle = f.prefix.idle;
    if (f.prefix.freq !== undefined) start.freq = f.prefix.freq;
    if (f.prefix.meta) start.meta = f.prefix.meta;
    return start;
  }

  /** A part of the items held, or of the quicklist nodes kept packed (then handed over with it: the frame holds none after). */
  private keyPart(f: ValueFrame, part: PartedType, items: unknown[]): KeyPartRecord {
    const rec = { kind: 'key-part', db: f.db, key: f.key, part, items } as KeyPartRecord;
    if (part === 'list' && isQuicklist(f.type)) {
      const list = rec as Extract<KeyPartRecord, { part: 'list' }>;
      if (f.packed !== null) {
        list.packed = f.packed.nodes ?? [f.packed.blob];
        f.packed = null;
      }
      list.nodes = this.partNodes;
      this.partNodes = [];
      // the layout of these nodes goes with them (it is not kept for the whole key)
      if (f.layout) {
        list.layout = f.layout;
        f.layout = { blobs: [] };
        this.valueContext.layout = f.layout;
      }
    }
    return rec;
  }

  /** The last batch of a key handed over in parts, and its end. */
  private finishParts(r: Cursor, out: RdbRecord[], v: Value, f: ValueFrame): void {
    const part = PARTED[f.type]!;
    if (part === 'stream') {
      for (const p of f.stream!.take()) out.push({ kind: 'key-part', db: f.db, key: f.key, ...p } as KeyPartRecord);
      out.push({
        kind: 'key-end',
        type: part,
        db: f.db,
        key: f.key,
        count: f.stream!.entriesRead,
        span: { start: f.prefix.start, end: r.base + r.pos },
      });
      return;
    }
    const items = v.value as unknown[];
    if (part !== 'list' && !(part === 'hash' && f.type === RdbType.HASH)) checkDuplicates(v, f);
    const packed = f.packed === null ? 0 : f.packed.count;
    if (items.length || packed) out.push(this.keyPart(f, part, items));
    this.partNodes = [];
    out.push({
      kind: 'key-end',
      type: part,
      db: f.db,
      key: f.key,
      count: f.flushed + items.length + packed,
      span: { start: f.prefix.start, end: r.base + r.pos },
    });
  }

  private finish(r: Cursor, out: RdbRecord[], value: Value): void {
    let v = value;
    const f = this.frame!;
    this.frame = null;
    this.phase = 'body';
    const raw = this.rawFrom >= 0 ? this.takeRaw(r.pos) : undefined;
    const skipping = this.valueContext.scratch !== undefined;
    if (f.parted && !skipping) return this.finishParts(r, out, v, f);
    this.partNodes = [];
    const empty =
      v.type === 'stream' || v.type === 'string' || v.type === 'module'
        ? false
        : v.type === 'array'
          ? v.value.elements.length === 0
          : v.type === 'list' &&
              skipping &&
              (f.type === RdbType.LIST || f.type === RdbType.LIST_QUICKLIST || f.type === RdbType.LIST_QUICKLIST_2)
            ? f.listElements === 0
            : v.value.length === 0 && f.flushed === 0 && f.packed === null;
    if (empty && !this.opts.keepEmptyKeys) {
      this.emptyKeysSkipped++;
      return;
    }
    // a packed value's duplicates were looked for in its blob (values/)
    if (f.packed === null && (v.type === 'set' || v.type === 'zset' || (v.type === 'hash' && f.type !== RdbType.HASH))) {
      checkDuplicates(v, f);
    }
    const encoding = v.type === 'string' ? stringEncoding(v.value, f.intEncoded) : encodingOf(f.type);
    if (skipping) v = emptyValue(v);
    const entry = {
      kind: 'key',
      type: v.type,
      db: f.db,
      key: f.key,
      encoding,
      rdbType: f.type,
      expireAt: f.prefix.expireAt,
      value: v.value,
      span: { start: f.prefix.start, end: r.base + r.pos },
    } as KeyEntry;
    if (f.prefix.idle !== undefined) entry.idle = f.prefix.idle;
    if (f.prefix.freq !== undefined) entry.freq = f.prefix.freq;
    if (f.prefix.meta) entry.meta = f.prefix.meta;
    if (f.template) entry.template = f.template;
    if (f.layout) entry.layout = f.layout;
    if (raw) entry.raw = raw;
    if (f.packed) entry.packed = f.packed;
    out.push(entry);
  }

  private readChecksum(r: Cursor, out: RdbRecord[]): void {
    const start = r.pos;
    const stored = readBytes(r, 8, 'the CRC64 checksum');
    const dv = new DataView(stored.buffer, stored.byteOffset, 8);
    const value = dv.getBigUint64(0, true);
    let verified = false;
    if (value !== 0n && this.opts.verifyChecksum) {
      const computed = this.crc.value();
      if (computed !== value) {
        throw new CorruptError(
          'rdb',
          'RDB_BAD_CHECKSUM',
          r.base + start,
          `CRC64 mismatch: stored ${hex64(value)}, computed ${hex64(computed)}`,
        );
      }
      verified = true;
    }
    this.phase = 'done';
    out.push({ kind: 'eof', checksum: hex64(value), verified, span: { start: this.eofStart, end: r.base + r.pos } });
  }
}

/** Step over an RDB string without decoding it (its LZF payload is not inflated). */
function skipString(r: Cursor, maxLen: number): void {
  const l = readLengthOrEncoding(r);
  if (!l.encoded) {
    if (l.value > maxLen) throw NOT_SKIPPABLE;
    require(r, l.value);
    r.pos += l.value;
    return;
  }
  const fixed = l.value === StringEncoding.INT8 ? 1 : l.value === StringEncoding.INT16 ? 2 : l.value === StringEncoding.INT32 ? 4 : -1;
  if (fixed > 0) {
    require(r, fixed);
    r.pos += fixed;
    return;
  }
  if (l.value !== StringEncoding.LZF) throw NOT_SKIPPABLE;
  const clen = readLength(r);
  readLength(r);
  if (clen > maxLen) throw NOT_SKIPPABLE;
  require(r, clen);
  r.pos += clen;
}

const NOT_SKIPPABLE = new Error('not skippable');

/**
 * Salvage: step over one unit of a value whose content is damaged, from the frame's state at
 * the unit's start. Returns whether the value is then complete, or null when the unit's extent
 * cannot be known (the structure itself is damaged).
 */
function skipDamagedUnit(r: Cursor, f: ValueFrame, maxLen: number): boolean | null {
  try {
    switch (f.type) {
      case RdbType.STRING:
      case RdbType.HASH_ZIPMAP:
      case RdbType.LIST_ZIPLIST:
      case RdbType.SET_INTSET:
      case RdbType.ZSET_ZIPLIST:
      case RdbType.HASH_ZIPLIST:
      case RdbType.HASH_LISTPACK:
      case RdbType.ZSET_LISTPACK:
      case RdbType.SET_LISTPACK:
      case RdbType.HASH_LISTPACK_EX_PRE_GA:
        skipString(r, maxLen);
        return true;
      case RdbType.HASH_LISTPACK_EX:
        require(r, 8);
        r.pos += 8;
        skipString(r, maxLen);
        return true;
      case RdbType.LIST_QUICKLIST:
      case RdbType.LIST_QUICKLIST_2:
        if (f.left <= 0) return null;
        if (f.type === RdbType.LIST_QUICKLIST_2) {
          const container = readLength(r);
          if (container !== QuicklistContainer.PACKED && container !== QuicklistContainer.PLAIN) return null;
        }
        skipString(r, maxLen);
        return --f.left === 0;
      case RdbType.LIST:
      case RdbType.SET:
        if (f.left <= 0) return null;
        skipString(r, maxLen);
        return --f.left === 0;
      case RdbType.STREAM_LISTPACKS:
      case RdbType.STREAM_LISTPACKS_2:
      case RdbType.STREAM_LISTPACKS_3:
      case RdbType.STREAM_LISTPACKS_4:
      case RdbType.STREAM_LISTPACKS_5:
        // a node: its master id and its listpack, two strings; the metadata and groups after it are read as usual
        if (!f.stream?.atNode) return null;
        skipString(r, maxLen);
        skipString(r, maxLen);
        f.stream.nodeSkipped();
        return false;
      default:
        return null;
    }
  } catch (e) {
    if (e === NOT_SKIPPABLE || e instanceof ParseError) return null;
    throw e;
  }
}

const NO_BYTES = new Uint8Array(0);
/** The empty value of a type (skipValues mode); strings keep their bytes only for the encoding name. */
function emptyValue(v: Value): Value {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: NO_BYTES };
    case 'list':
    case 'set':
    case 'zset':
    case 'hash':
      return { type: v.type, value: [] } as Value;
    case 'array':
      return { type: 'array', value: { insertIndex: v.value.insertIndex, elements: [] } };
    default:
      return v;
  }
}

function isKnownType(t: number, family: 'redis' | 'valkey'): boolean {
  if (t <= 7 || (t >= 9 && t <= 21)) return true;
  if (family === 'valkey') return t === 22;
  return t >= 22 && t <= 33;
}

/** OBJECT ENCODING of a string as Redis gives it after load. */
export function stringEncoding(v: Uint8Array, intEncoded: boolean): string {
  if (intEncoded) return 'int';
  if (v.length <= 20 && (v.length <= 15 ? parseSmallCanonicalInt(v) !== null : parseCanonicalInt(v) !== null)) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

function checkDuplicates(v: Value, f: ValueFrame): void {
  if (f.type === RdbType.SET_INTSET) return; // decodeIntset already requires strictly ascending values
  const names: Uint8Array[] =
    v.type === 'set' ? v.value : v.type === 'zset' ? v.value.map((p) => p[0]) : v.type === 'hash' ? v.value.map((h) => h.field) : [];
  const dup = findDuplicate(names);
  if (dup)
    throw new CorruptError(
      'rdb',
      'RDB_DUPLICATE_MEMBER',
      f.prefix.start,
      `duplicate ${v.type === 'hash' ? 'field' : 'member'} "${displayKey(dup)}"`,
    );
}

/** Whether `have` (the first bytes, maybe fewer than the magic) agrees with `magic` as far as it goes. */
function isMagicPrefix(have: Uint8Array, magic: string): boolean {
  for (let i = 0; i < have.length && i < magic.length; i++) if (have[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/**
 * C's atoi over a header's version field (the field is NUL-terminated after byte 9 in Redis): leading
 * isspace bytes, an optional sign, then decimal digits up to the first other byte; null when no digit
 * follows (atoi's 0, which no version accepts).
 */
function cAtoi(field: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(field);
  if (!m) return null;
  return m[1] === '-' ? -Number(m[2]) : Number(m[2]);
}

function printable(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}

/** A key for messages: printable, escaped, cut at 64 chars. */
export function displayKey(k: Uint8Array): string {
  const s = printable(k.length > 64 ? k.subarray(0, 64) : k);
  return k.length > 64 ? `${s}…` : s;
}

/** Decode a whole RDB held in memory (tests, small files). */
export function decodeRdb(bytes: Uint8Array, options: RdbDecoderOptions = {}): RdbRecord[] {
  const d = new RdbDecoder({ totalSize: bytes.length, ...options });
  const out = d.write(bytes);
  for (const rec of d.end()) out.push(rec);
  return out;
}
