/**
 * Dataset -> RESP commands that rebuild it on an empty server (`rdbkit convert RDB --to resp`),
 * usable as an AOF and with `redis-cli --pipe`. The layout follows Redis's own AOF rewrite
 * (aof.c rewriteAppendOnlyFileRio, FORMATS.md §9.7): FUNCTION LOAD per library first, SELECT
 * whenever the db changes, then per key its commands and a PEXPIREAT right after them.
 * Aggregates are split into commands of at most `batch` items (default 64, Redis's
 * AOF_REWRITE_ITEMS_PER_CMD) and about `maxBytes` bytes of arguments.
 *
 * Streams: XADD per entry (an empty stream: XADD MAXLEN 0 with a placeholder entry), XSETID with
 * ENTRIESADDED / MAXDELETEDID, XGROUP CREATE ... ENTRIESREAD per group, XCLAIM ... JUSTID FORCE
 * per pending entry (TIME and RETRYCOUNT keep the delivery data), XGROUP CREATECONSUMER for
 * consumers without pending entries. As with Redis's rewrite, a pending entry whose stream
 * entry was deleted cannot be rebuilt by XCLAIM (it is counted in `report.lostPending`), and
 * consumer seen-times become the load time.
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
import type { KeyEntry, RdbRecord, StreamId } from '../model/record.js';
import { writeArrayValue } from '../rdb/array.js';
import { RdbType } from '../rdb/constants.js';
import { IDMP_DEFAULT, streamForLayout, streamLayoutFor, streamTypeOf, writeStreamValue } from '../rdb/stream-write.js';
import { writeString } from '../rdb/string.js';
import { type ValueTarget, writeHash, writeList, writeModule, writeSet, writeZset } from '../rdb/value-write.js';

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

const id = (x: StreamId): string => `${x.ms}-${x.seq}`;

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
      yield* zsetCommands(k, e.value, b);
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
      if (s.entries.length === 0) yield ['XADD', k, 'MAXLEN', 0, '0-1', 'x', 'y'];
      for (const en of s.entries) yield ['XADD', k, id(en.id), ...en.fields.flat()];
      const setid: CommandArg[] = ['XSETID', k, id(s.lastId)];
      if (s.entriesAdded !== null) setid.push('ENTRIESADDED', s.entriesAdded);
      if (s.maxDeletedId !== null) setid.push('MAXDELETEDID', id(s.maxDeletedId));
      yield setid;
      const live = new Set(s.entries.map((x) => id(x.id)));
      for (const g of s.groups) {
        const create: CommandArg[] = ['XGROUP', 'CREATE', k, g.name, id(g.lastId)];
        if (g.entriesRead !== null) create.push('ENTRIESREAD', g.entriesRead);
        yield create;
        const withPel = new Set<string>();
        const nacked = new Set((g.nacked ?? []).map(id));
        for (const p of g.pending) {
          if (!p.consumer) {
            // a NACKed id is reported with its NACK zone below; others are invalid and lost
            if (!nacked.has(id(p.id))) report.lostPending++;
            continue;
          }
          if (!live.has(id(p.id))) {
            report.lostPending++;
            continue;
          }
          withPel.add(displayText(p.consumer));
          yield ['XCLAIM', k, g.name, p.consumer, 0, id(p.id), 'TIME', p.deliveryTime, 'RETRYCOUNT', p.deliveryCount, 'JUSTID', 'FORCE'];
        }
        for (const c of g.consumers) {
          if (c.pending.some((p) => live.has(id(p)))) continue;
          yield ['XGROUP', 'CREATECONSUMER', k, g.name, c.name];
        }
        if (g.nacked?.length)
          unexpressed(`NACK zone of group "${displayText(g.name)}" (${g.nacked.length} id(s); no command re-creates unowned PEL entries)`);
      }
      const m = s.idmp;
      if (m) {
        // Redis 8.6 commands (librdb's RESP output for an 8.6 target does the same)
        if (m.duration !== IDMP_DEFAULT.duration || m.maxEntries !== IDMP_DEFAULT.maxEntries || m.producers.length)
          yield ['XCFGSET', k, 'IDMP-DURATION', m.duration, 'IDMP-MAXSIZE', m.maxEntries];
        for (const p of m.producers) for (const r of p.entries) yield ['XIDMPRECORD', k, p.pid, r.iid, id(r.id)];
        if (m.iidsAdded || m.iidsDuplicates)
          unexpressed(`IDMP counters (${m.iidsAdded} iids added, ${m.iidsDuplicates} duplicates; no command sets them)`);
      }
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
  state = { db: -1 },
): Generator<CommandArg[]> {
  for (const r of records) {
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
  const state = { db: -1 };
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
