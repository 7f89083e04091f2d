/**
 * The reference mini-engine: a keyspace of 16 databases and a command table with Redis 7.0's
 * semantics for every write command Redis 7.0 propagates to its AOF. It is pure and
 * synchronous: `apply(argv)` runs one command as the AOF loader's fake client would and returns
 * ok or an error object; `entries()` yields the dataset in the record model.
 *
 * Time. Keys expire by absolute ms. While `loading` (the default, and what AOF replay needs)
 * nothing expires during apply, exactly as Redis does while loading an AOF: the log carries
 * explicit DELs for keys that expired on the live server. Relative times in commands (EXPIRE,
 * SET EX, XCLAIM IDLE...) are resolved against the clock: `now` fixed by the caller (replay sets
 * it from the last `#TS:` annotation), else the wall clock. `entries()` drops keys whose expiry is
 * <= the dump time (option `at`, default: the same clock), as Redis does when it loads an RDB.
 *
 * Exactness: string results are the bytes Redis stores (INCRBYFLOAT / HINCRBYFLOAT use its
 * 80-bit long double arithmetic and "%.17Lf" printing, HyperLogLog strings follow
 * hyperloglog.c byte for byte, BITFIELD its overflow rules), and each aggregate tracks the
 * encoding Redis 7.0 would hold it in, so DEBUG DIGEST (src/engine/digest.ts) matches.
 * SORT ... STORE and the GEO STORE forms (logged verbatim) are replayed too; see sort.ts and
 * geo.ts for their two known inexact corners (ALPHA ties under BY, last-bit STOREDIST scores).
 * Not modelled: PFDEBUG, modules, Lua (scripts and FCALL are logged as their effects), live
 * approximate stream trimming (`~` trims whole listpack nodes; logged trims are exact), and
 * lex ranges over members of different scores in a skiplist (undefined in Redis itself).
 */
import { keyBytes, latin1 } from '../model/bytes.js';
import type { FunctionRecord, KeyEntry, Value } from '../model/record.js';
import { arityError, CommandError, lower } from './argv.js';
import { COMMANDS as TABLE } from './commands/index.js';
import type { CommandSpec, Ctx, Library } from './context.js';
import { type BStr, Db, encodingName, fromValue, type Slot, toValue } from './keyspace.js';
import { settlePacked } from './packed.js';

/** Result of one command: ok (with an optional reply value) or a Redis error line. */
export type ApplyResult = { ok: true; reply?: unknown } | { ok: false; error: string };

/** Engine options. */
export interface EngineOptions {
  /** Number of databases (Redis default 16). */
  databases?: number;
  /** Fixed clock in ms; default: the wall clock. Replay updates it from `#TS:` annotations. */
  now?: number;
  /** Loading mode: no expiry while applying (AOF replay semantics). Default true. */
  loading?: boolean;
  /** Decoder of DUMP payloads for RESTORE (ops/dump.ts decodeDumpPayload); without one RESTORE fails. */
  dumpDecoder?: (payload: Uint8Array) => Value;
  /** Decoder of FUNCTION DUMP payloads for FUNCTION RESTORE (ops/dump.ts decodeFunctionPayload); without one it fails. */
  functionDecoder?: (payload: Uint8Array) => Library[];
}

/** The reference engine. */
export class Engine {
  readonly dbs: Db[];
  readonly libraries = new Map<string, Library>();
  loading: boolean;
  /** Fixed clock (ms) or null for the wall clock. */
  fixedNow: number | null;
  /** The session's selected database (the AOF fake client's SELECT). */
  selected = 0;
  /** Decoder of DUMP payloads for RESTORE (the RDB codec's), installed by the caller. */
  dumpDecoder: ((payload: Uint8Array) => Value) | null = null;
  /** Decoder of FUNCTION DUMP payloads for FUNCTION RESTORE, installed by the caller. */
  functionDecoder: ((payload: Uint8Array) => Library[]) | null = null;
  /** The context handed to each command (run() refills it). */
  private readonly ctx: Ctx;
  /** The last command name run and its spec (undefined: not a command). */
  private lastName = '';
  private lastSpec: CommandSpec | undefined = undefined;
  /** Commands queued since MULTI, or null outside a transaction. */
  private queued: Uint8Array[][] | null = null;

  constructor(opts: EngineOptions = {}) {
    const n = opts.databases ?? 16;
    this.dbs = Array.from({ length: n }, () => new Db());
    this.loading = opts.loading ?? true;
    this.fixedNow = opts.now ?? null;
    this.dumpDecoder = opts.dumpDecoder ?? null;
    this.functionDecoder = opts.functionDecoder ?? null;
    this.ctx = { engine: this, db: this.dbs[0]!, dbIndex: 0, now: 0, loading: this.loading };
  }

  /** The clock in ms. */
  now(): number {
    return this.fixedNow ?? Date.now();
  }

  /** Whether a MULTI is open. */
  get inMulti(): boolean {
    return this.queued !== null;
  }

  /** Run one command; never throws for command errors. `lowerName`: argv[0] lower-cased, when the caller has it. */
  apply(argv: Uint8Array[], lowerName?: string): ApplyResult {
    if (argv.length === 0) return { ok: false, error: 'ERR empty command' };
    const name = lowerName ?? lower(argv[0]!);
    if (this.queued !== null && name !== 'exec' && name !== 'discard' && name !== 'multi') {
      const spec = TABLE[name];
      if (!spec) return { ok: false, error: `ERR unknown command '${name}'` };
      this.queued.push(argv);
      return { ok: true, reply: 'QUEUED' };
    }
    if (name === 'multi') {
      if (this.queued !== null) return { ok: false, error: 'ERR MULTI calls can not be nested' };
      this.queued = [];
      return { ok: true };
    }
    if (name === 'discard') {
      if (this.queued === null) return { ok: false, error: 'ERR DISCARD without MULTI' };
      this.queued = null;
      return { ok: true };
    }
    if (name === 'exec') {
      if (this.queued === null) return { ok: false, error: 'ERR EXEC without MULTI' };
      const q = this.queued;
      this.queued = null;
      return { ok: true, reply: q.map((a) => this.run(lower(a[0]!), a)) };
    }
    return this.run(name, argv);
  }

  private run(name: string, argv: Uint8Array[]): ApplyResult {
    // an AOF runs one command many times in a row: the table (a dictionary) is asked once per run
    let spec = this.lastSpec;
    if (name !== this.lastName) {
      spec = TABLE[name];
      this.lastName = name;
      this.lastSpec = spec;
    }
    if (!spec) return { ok: false, error: `ERR unknown command '${name}'` };
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      return { ok: false, error: arityError(name).message };
    }
    if (spec.sub) {
      const sub = lower(argv[1]!);
      const ar = spec.sub[sub];
      if (ar === undefined) return { ok: false, error: `ERR unknown subcommand '${latin1(argv[1]!)}'. Try ${name.toUpperCase()} HELP.` };
      if ((ar > 0 && argv.length !== ar) || argv.length < -ar) return { ok: false, error: arityError(`${name}|${sub}`).message };
    }
    // one context object, refilled for each command (handlers use it only while they run)
    const ctx = this.ctx;
    ctx.db = this.dbs[this.selected]!;
    ctx.dbIndex = this.selected;
    ctx.now = this.now();
    ctx.loading = this.loading;
    try {
      return { ok: true, reply: spec.run(ctx, argv) };
    } catch (e) {
      if (e instanceof CommandError) return { ok: false, error: e.message };
      throw e;
    } finally {
      settlePacked();
    }
  }

  /** Keys of every db in the record model, dropping those expired at `at` (default: the clock). */
  *entries(opts: { at?: number; includeExpired?: boolean } = {}): Iterable<KeyEntry> {
    const at = opts.at ?? this.now();
    for (let db = 0; db < this.dbs.length; db++) {
      for (const [key, slot] of this.dbs[db]!.slots) {
        if (!opts.includeExpired && slot.expireAt !== null && slot.expireAt <= at) continue;
        yield slotEntry(db, keyBytes(key), slot);
      }
    }
  }

  /**
   * The slots of every db as [db, key name as a BStr, slot], dropping those expired at `at`
   * (default: the clock), in the order entries() yields them: for writers that encode the
   * engine's own shapes (ops/engine-rdb.ts) instead of the record model.
   */
  *slotsForDump(at = this.now()): Generator<[number, BStr, Slot]> {
    for (let db = 0; db < this.dbs.length; db++) {
      for (const [key, slot] of this.dbs[db]!.slots) {
        if (slot.expireAt !== null && slot.expireAt <= at) continue;
        yield [db, key, slot];
      }
    }
  }

  /** Put a key read from an RDB (preamble, base) into its db, as Redis's loader does. */
  load(entry: KeyEntry): void {
    const db = this.dbs[entry.db];
    if (!db) throw new RangeError(`db ${entry.db} is out of range (${this.dbs.length} databases)`);
    db.set(entry.key, fromValue(entry)).expireAt = entry.expireAt;
    settlePacked();
  }

  /** Function libraries in the record model. */
  functions(): FunctionRecord[] {
    return [...this.libraries.values()].map((l) => ({ kind: 'function', code: l.code, name: l.name, engine: l.engine }));
  }
}

/** A slot as a record-model KeyEntry. */
export function slotEntry(db: number, key: Uint8Array, slot: Slot): KeyEntry {
  return {
    kind: 'key',
    db,
    key,
    encoding: encodingName(slot.value),
    rdbType: null,
    expireAt: slot.expireAt,
    ...toValue(slot.value),
  } as KeyEntry;
}
