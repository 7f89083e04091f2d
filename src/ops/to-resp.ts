/**
 * Dataset -> RESP commands that rebuild it on an empty server (`rdbkit convert RDB --to resp`),
 * usable as an AOF and with `redis-cli --pipe`. The layout follows Redis's own AOF rewrite
 * (aof.c rewriteAppendOnlyFileRio, FORMATS.md §9.7): FUNCTION LOAD per library first, SELECT
 * whenever the db changes, then per key its commands and a PEXPIREAT right after them.
 * Aggregates are split into commands of at most `batch` items (default 64, Redis's
 * AOF_REWRITE_ITEMS_PER_CMD) and about `maxBytes` bytes of arguments.
 *
 * Streams: see to-resp-stream.ts (per consumer XGROUP CREATECONSUMER and XCLAIM per pending id,
 * the same commands whole or in parts). A pending entry whose stream entry was deleted, or that no
 * consumer owns, cannot be rebuilt; for a stream read whole it is counted in `report.lostPending`.
 *
 * `restore` mode emits `RESTORE key ttl payload ABSTTL REPLACE` with a DUMP payload built by the
 * RDB value writers (type byte, value, 2-byte RDB version, CRC64), for the RDB version of the
 * target server (default 10 = Redis 7.0). Module values can only travel this way (their
 * payload is kept verbatim); in plain mode they are skipped and reported.
 */

import { type CommandArg, encodeCommand, writeCommand } from '../aof/writer.js';
import { crc64 } from '../bytes/crc64.js';
import { ByteWriter } from '../bytes/writer.js';
import { UsageError } from '../errors.js';
import { bytesKey, displayText, utf8 } from '../model/bytes.js';
import { type KeyEntry, type KeyPartRecord, type KeyStartRecord, PART_THRESHOLD, type RdbRecord } from '../model/record.js';
import { writeArrayValue } from '../rdb/array.js';
import { RdbType } from '../rdb/constants.js';
import { streamAsParts } from '../rdb/stream.js';
import { streamForLayout, streamLayoutFor, streamTypeOf, writeStreamValue } from '../rdb/stream-write.js';
import { writeString } from '../rdb/string.js';
import { type ValueTarget, writeHash, writeList, writeModule, writeSet, writeZset } from '../rdb/value-write.js';
import { filterRecords, type KeyFilter } from './filter.js';
import { type ByteSource, type ReadOptions, readRdb } from './read.js';
import { StreamResp } from './to-resp-stream.js';

/** Options. */
export interface ToRespOptions {
  /** Items per command for aggregates (default 64). */
  batch?: number;
  /** Soft cap on argument bytes per command (default 1 MiB; one item larger than it goes alone). */
  maxBytes?: number;
  /** Emit RESTORE with DUMP payloads instead of type commands. */
  restore?: boolean;
  /** RDB version of the DUMP payloads (default 10, Redis 7.0). */
  rdbVersion?: number;
  /**
   * Keys too big to hold (SPEC.md §2.1): a zset of more than this many members is added from its
   * highest score down, as it comes in parts (default PART_THRESHOLD). Keys handed over in parts
   * get type commands even in restore mode (a DUMP payload is one string).
   */
  partThreshold?: number;
}

/** What the conversion did. */
export interface ToRespReport {
  keys: number;
  commands: number;
  functions: number;
  /** Keys left out, with why (module values outside restore mode). */
  skipped: Array<{ db: number; key: string; what: string }>;
  /** Pending entries whose stream entry no longer exists (XCLAIM cannot recreate them). */
  lostPending: number;
  /** State of written keys that no command can rebuild (key metadata, NACK zones, IDMP counters). */
  unexpressed: Array<{ db: number; key: string; what: string }>;
}

/** A new empty report. */
export function newToRespReport(): ToRespReport {
  return { keys: 0, commands: 0, functions: 0, skipped: [], lostPending: 0, unexpressed: [] };
}

/** A score as text that strtod reads back to the same double ("-0", "inf", shortest digits). */
export function scoreArg(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

function* batched(
  head: CommandArg[],
  items: CommandArg[][],
  opts: Required<Pick<ToRespOptions, 'batch' | 'maxBytes'>>,
): Generator<CommandArg[]> {
  let cur: CommandArg[] = [];
  let n = 0,
    bytes = 0;
  for (const it of items) {
    let sz = 0;
    for (const a of it) sz += a instanceof Uint8Array ? a.length : String(a).length;
    if (n > 0 && (n >= opts.batch || bytes + sz > opts.maxBytes)) {
      yield [...head, ...cur];
      cur = [];
      n = 0;
      bytes = 0;
    }
    cur.push(...it);
    n++;
    bytes += sz;
  }
  if (n > 0) yield [...head, ...cur];
}

/**
 * ZADD batches for a zset. A listpack cannot hold -0 (it stores 0), and ZADD starts a new zset as
 * a listpack, so a -0 score survives only if it is added once the zset is a skiplist. Members
 * scored -0 therefore go last; when the others alone would not make Redis 7.0 convert (> 128
 * members or a member > 64 bytes), a 65-byte placeholder forces the conversion and is removed.
 */
function* zsetCommands(
  k: Uint8Array,
  members: ReadonlyArray<readonly [Uint8Array, number]>,
  b: Required<Pick<ToRespOptions, 'batch' | 'maxBytes'>>,
): Generator<CommandArg[]> {
  const negZero = members.filter(([, s]) => Object.is(s, -0));
  const skiplist = members.length > 128 || members.some(([m]) => m.length > 64);
  if (!negZero.length || !skiplist) {
    yield* batched(
      ['ZADD', k],
      members.map(([m, s]) => [scoreArg(s), m]),
      b,
    );
    return;
  }
  const rest = members.filter(([, s]) => !Object.is(s, -0));
  const convertsAlone = rest.length > 128 || rest.some(([m]) => m.length > 64);
  let placeholder: Uint8Array | null = null;
  if (!convertsAlone) {
    const taken = new Set(members.map(([m]) => bytesKey(m)));
    let n = 0;
    do placeholder = utf8(`rdbkit:placeholder:${n++}:`.padEnd(65, '#'));
    while (taken.has(bytesKey(placeholder)));
    yield ['ZADD', k, 0, placeholder];
  }
  yield* batched(
    ['ZADD', k],
    rest.map(([m, s]) => [scoreArg(s), m]),
    b,
  );
  yield* batched(
    ['ZADD', k],
    negZero.map(([m]) => ['-0', m]),
    b,
  );
  if (placeholder) yield ['ZREM', k, placeholder];
}

/** Scratch writer for dumpPayload (synchronous use only; one copy per payload leaves it). */
let payloadWriter = new ByteWriter(1 << 16);

/**
 * The DUMP payload of one key's value (what DUMP returns on a server writing `version`).
 * `compress: false` skips LZF on strings (a server takes both; restore saves the CPU).
 */
export function dumpPayload(e: KeyEntry, version = 10, compress = true): Uint8Array {
  const t: ValueTarget = { version, family: 'redis', sopts: { compress } };
  const vw = payloadWriter;
  vw.length = 0;
  let type: number;
  switch (e.type) {
    case 'string':
      writeString(vw, e.value, t.sopts);
      type = RdbType.STRING;
      break;
    case 'list':
      type = writeList(vw, t, e.value);
      break;
    case 'set':
      type = writeSet(vw, t, e.value);
      break;
    case 'zset':
      type = writeZset(vw, t, e.value);
      break;
    case 'hash':
      type = writeHash(vw, t, e.value);
      break;
    case 'stream': {
      const layout = streamLayoutFor(version);
      writeStreamValue(vw, streamForLayout(e.value, layout), layout, t.sopts);
      type = streamTypeOf(layout);
      break;
    }
    case 'module':
      type = writeModule(vw, e.value);
      break;
    case 'array':
      if (version < 14)
        throw new UsageError(
          'DUMP_ARRAY_VERSION',
          `key "${displayText(e.key)}": an array needs a DUMP payload of RDB 14 or later (Redis 8.8)`,
        );
      writeArrayValue(vw, e.value.insertIndex, e.value.elements);
      type = RdbType.ARRAY;
      break;
  }
  const value = vw.finish();
  const out = new Uint8Array(1 + value.length + 10);
  out[0] = type;
  out.set(value, 1);
  const dv = new DataView(out.buffer);
  dv.setUint16(1 + value.length, version, true);
  dv.setBigUint64(out.length - 8, crc64(out.subarray(0, out.length - 8)), true);
  if (value.length > 16 << 20) payloadWriter = new ByteWriter(1 << 16); // do not pin a huge value's buffer
  return out;
}

/** The commands that rebuild one key (without SELECT). */
export function* keyCommands(e: KeyEntry, opts: ToRespOptions = {}, report: ToRespReport = newToRespReport()): Generator<CommandArg[]> {
  const b = { batch: opts.batch ?? 64, maxBytes: opts.maxBytes ?? 1 << 20 };
  const k = e.key;
  const unexpressed = (what: string): void => {
    report.unexpressed.push({ db: e.db, key: displayText(k), what });
  };
  if (opts.restore) {
    yield ['RESTORE', k, e.expireAt ?? 0, dumpPayload(e, opts.rdbVersion ?? 10), 'ABSTTL', 'REPLACE'];
    return;
  }
  switch (e.type) {
    case 'string':
      yield ['SET', k, e.value];
      break;
    case 'list':
      yield* batched(
        ['RPUSH', k],
        e.value.map((x) => [x]),
        b,
      );
      break;
    case 'set':
      yield* batched(
        ['SADD', k],
        e.value.map((x) => [x]),
        b,
      );
      break;
    case 'zset':
      // a large zset is added as it comes in parts: from its highest score down
      yield* zsetCommands(k, e.value.length > (opts.partThreshold ?? PART_THRESHOLD) ? [...e.value].reverse() : e.value, b);
      break;
    case 'hash':
      yield* batched(
        ['HSET', k],
        e.value.map((f) => [f.field, f.value]),
        b,
      );
      for (const f of e.value) if (f.expireAt !== undefined) yield ['HPEXPIREAT', k, f.expireAt, 'FIELDS', 1, f.field];
      break;
    case 'stream': {
      const s = e.value;
      // pending entries that cannot come back: owned by no consumer (and not NACKed), or deleted
      const live = new Set(s.entries.map((x) => `${x.id.ms}-${x.id.seq}`));
      for (const g of s.groups) {
        const nacked = new Set((g.nacked ?? []).map((x) => `${x.ms}-${x.seq}`));
        for (const p of g.pending) {
          const pid = `${p.id.ms}-${p.id.seq}`;
          if (p.consumer ? !live.has(pid) : !nacked.has(pid)) report.lostPending++;
        }
      }
      const w = new StreamResp(k, unexpressed);
      for (const p of streamAsParts(s)) yield* w.part(p);
      break;
    }
    case 'module':
      report.skipped.push({ db: e.db, key: displayText(k), what: `module value ${e.value.name} (use --restore)` });
      return;
    case 'array':
      report.skipped.push({
        db: e.db,
        key: displayText(k),
        what: 'array value (no array-building command is known here; use --restore with --rdb-version 14 or later)',
      });
      return;
  }
  if (e.meta?.length) unexpressed(`key metadata (${e.meta.map((c) => c.name).join(', ')}; only the owning module can set it)`);
  if (e.expireAt !== null) yield ['PEXPIREAT', k, e.expireAt];
}

/**
 * Commands rebuilding a dataset, from records in any order that keeps each db's keys together
 * (an RDB's order, or the engine's). Only function and key records matter; others are ignored.
 */
export function* datasetCommands(
  records: Iterable<RdbRecord>,
  opts: ToRespOptions = {},
  report: ToRespReport = newToRespReport(),
  state: { db: number; parts?: PartsToResp | null } = { db: -1 },
): Generator<CommandArg[]> {
  for (const r of records) {
    if (r.kind === 'key-start' || r.kind === 'key-part' || r.kind === 'key-end') {
      if (r.kind === 'key-start') {
        if (r.db !== state.db) {
          state.db = r.db;
          report.commands++;
          yield ['SELECT', r.db];
        }
        report.keys++;
        state.parts = new PartsToResp(r, opts, report);
        continue;
      }
      const p = state.parts;
      if (!p) throw new UsageError('RESP_PARTS', 'a key part without its start');
      for (const c of r.kind === 'key-part' ? p.part(r) : p.end()) {
        report.commands++;
        yield c;
      }
      if (r.kind === 'key-end') state.parts = null;
      continue;
    }
    if (r.kind === 'function') {
      report.functions++;
      report.commands++;
      yield ['FUNCTION', 'LOAD', 'REPLACE', r.code];
      continue;
    }
    if (r.kind !== 'key') continue;
    if ((r.type === 'list' || r.type === 'set' || r.type === 'zset' || r.type === 'hash') && r.value.length === 0) continue;
    if (r.type === 'module' && !opts.restore) {
      report.skipped.push({ db: r.db, key: displayText(r.key), what: `module value ${r.value.name} (use --restore)` });
      continue;
    }
    if (r.type === 'array' && !opts.restore) {
      report.skipped.push({
        db: r.db,
        key: displayText(r.key),
        what: 'array value (no array-building command is known here; use --restore with --rdb-version 14 or later)',
      });
      continue;
    }
    if (r.type === 'zset' && r.value.some(([, s]) => Number.isNaN(s)))
      throw new UsageError('RESP_NAN_SCORE', `key "${displayText(r.key)}": a sorted set score is NaN`);
    if (r.db !== state.db) {
      state.db = r.db;
      report.commands++;
      yield ['SELECT', r.db];
    }
    report.keys++;
    for (const c of keyCommands(r, opts, report)) {
      report.commands++;
      yield c;
    }
  }
}

/** RESP chunks of about 64 KiB from an async record stream (files: memory stays bounded). */
export async function* datasetRespChunks(
  records: AsyncIterable<RdbRecord> | Iterable<RdbRecord>,
  opts: ToRespOptions = {},
  report: ToRespReport = newToRespReport(),
): AsyncGenerator<Uint8Array> {
  const w = new ByteWriter(1 << 16);
  const state: { db: number; parts?: PartsToResp | null } = { db: -1 };
  for await (const r of records) {
    for (const c of datasetCommands([r], opts, report, state)) writeCommand(w, c);
    if (w.length >= 1 << 16) yield w.take();
  }
  if (w.length) yield w.take();
}

/** The same, RESP-encoded: one Uint8Array per command. */
export function* datasetResp(
  records: Iterable<RdbRecord>,
  opts: ToRespOptions = {},
  report: ToRespReport = newToRespReport(),
): Generator<Uint8Array> {
  for (const c of datasetCommands(records, opts, report)) yield encodeCommand(c);
}

/** `convert RDB --to resp`: read (keys too big to hold in parts), filter, and write RESP chunks. */
export function rdbToRespChunks(
  source: ByteSource,
  decoder: ReadOptions,
  filter: KeyFilter,
  opts: ToRespOptions = {},
  report: ToRespReport = newToRespReport(),
): AsyncGenerator<Uint8Array> {
  const partThreshold = opts.partThreshold ?? PART_THRESHOLD;
  return datasetRespChunks(filterRecords(readRdb(source, { partThreshold, ...decoder }), filter), { ...opts, partThreshold }, report);
}

/**
 * The commands of a key handed over in parts: the same commands its whole key gives, batched the
 * same way across parts (RPUSH / SADD / ZADD / HSET), then HPEXPIREAT per field with a TTL, the
 * ZADD of members scored -0 (kept until the end, as zsetCommands puts them last), PEXPIREAT.
 */
class PartsToResp {
  private readonly head: CommandArg[];
  private readonly b: Required<Pick<ToRespOptions, 'batch' | 'maxBytes'>>;
  private cur: CommandArg[] = [];
  private n = 0;
  private bytes = 0;
  private readonly ttl: Array<[Uint8Array, number]> = [];
  private readonly negZero: Uint8Array[] = [];
  /** zset: whether the members other than -0 ones make a skiplist by themselves. */
  private restSkiplist = false;
  private rest = 0;

  /** A stream's commands. */
  private readonly stream: StreamResp | null = null;

  constructor(
    private readonly s: KeyStartRecord,
    opts: ToRespOptions,
    report: ToRespReport,
  ) {
    this.b = { batch: opts.batch ?? 64, maxBytes: opts.maxBytes ?? 1 << 20 };
    const verb = { list: 'RPUSH', set: 'SADD', zset: 'ZADD', hash: 'HSET', stream: 'XADD' }[s.type];
    this.head = [verb, s.key];
    if (s.type === 'stream')
      this.stream = new StreamResp(s.key, (what) => report.unexpressed.push({ db: s.db, key: displayText(s.key), what }));
  }

  private *add(item: CommandArg[]): Generator<CommandArg[]> {
    let sz = 0;
    for (const a of item) sz += a instanceof Uint8Array ? a.length : String(a).length;
    if (this.n > 0 && (this.n >= this.b.batch || this.bytes + sz > this.b.maxBytes)) yield* this.flush();
    this.cur.push(...item);
    this.n++;
    this.bytes += sz;
  }

  private *flush(): Generator<CommandArg[]> {
    if (this.n === 0) return;
    yield [...this.head, ...this.cur];
    this.cur = [];
    this.n = 0;
    this.bytes = 0;
  }

  *part(p: KeyPartRecord): Generator<CommandArg[]> {
    if (this.stream) return yield* this.stream.part(p);
    switch (p.part) {
      case 'list':
      case 'set':
        for (const x of p.items) yield* this.add([x]);
        return;
      case 'zset':
        for (const [m, sc] of p.items) {
          if (Number.isNaN(sc)) throw new UsageError('RESP_NAN_SCORE', `key "${displayText(this.s.key)}": a sorted set score is NaN`);
          if (Object.is(sc, -0)) {
            this.negZero.push(m);
            continue;
          }
          this.rest++;
          if (m.length > 64) this.restSkiplist = true;
          yield* this.add([scoreArg(sc), m]);
        }
        return;
      case 'hash':
        for (const f of p.items) {
          if (f.expireAt !== undefined) this.ttl.push([f.field, f.expireAt]);
          yield* this.add([f.field, f.value]);
        }
        return;
      default:
        throw new UsageError('RESP_PARTS', `key "${displayText(this.s.key)}": a ${p.part} part has no RESP form here`);
    }
  }

  *end(): Generator<CommandArg[]> {
    yield* this.flush();
    const k = this.s.key;
    for (const [f, at] of this.ttl) yield ['HPEXPIREAT', k, at, 'FIELDS', 1, f];
    if (this.negZero.length) {
      // as zsetCommands: -0 survives only once the zset is a skiplist (a placeholder forces it)
      const placeholder = this.rest > 128 || this.restSkiplist ? null : utf8('rdbkit:placeholder:0:'.padEnd(65, '#'));
      if (placeholder) yield ['ZADD', k, 0, placeholder];
      for (let i = 0; i < this.negZero.length; i += this.b.batch)
        yield ['ZADD', k, ...this.negZero.slice(i, i + this.b.batch).flatMap((m) => ['-0', m])];
      if (placeholder) yield ['ZREM', k, placeholder];
    }
    if (this.s.expireAt !== null) yield ['PEXPIREAT', k, this.s.expireAt];
  }
}
