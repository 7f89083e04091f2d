/**
 * `rdbkit restore INPUT… --to redis://…`: write a dataset into a live Redis or Redis Cluster.
 *
 * Inputs are RDBs (plain, gzip, VCS), AOFs (replayed through the engine, as convert does) and
 * rdbkit's JSONL/JSON exports, filtered like convert. Each key becomes a Unit (restore-plan.ts:
 * RESTORE with a DUMP payload, or type commands), routed by its hash slot to the primary serving
 * it (restore-target.ts) and sent on one of that primary's connections.
 *
 * Flow control: the reader is pulled only while the key's node has fewer than `window` ×
 * connections units (and `windowBytes`) outstanding, so memory holds a bounded window whatever
 * the input size, and a slow node slows the reader (back-pressure). Replies are judged per key:
 * OK → written; BUSYKEY (or RENAMENX 0) → skipped, the key exists; MOVED → the slot map is
 * updated and the key sent again; ASK → sent again with ASKING; TRYAGAIN/LOADING/CLUSTERDOWN →
 * retried after a pause, a few times; any other error → failed, with the server's message.
 *
 * A lost connection ends the run: no further key is read, what is outstanding elsewhere is
 * awaited, and the report says how many keys were written and how many had no reply.
 */
import { UsageError } from '../errors.js';
import { openAofSet, openAofSource } from '../io/aof-files.js';
import { openRdbInput } from '../io/input.js';
import { parseRedisUrl, type RedisEndpoint, type RedisTlsOptions, type Reply, ReplyError, replyText } from '../io/redis.js';
import { isAofKind, openInput } from '../io/sniff.js';
import { displayText } from '../model/bytes.js';
import type { FunctionRecord, RdbRecord } from '../model/record.js';
import { compileFilter, type KeyFilter, pickFilter } from './filter.js';
import { readRdbBatches } from './read.js';
import { engineRecords, replayAof } from './replay-aof.js';
import { isEmptyValue, PAYLOAD_VERSION_MAX, type PlanTarget, planKey, rdbVersionOfRedis, type Unit } from './restore-plan.js';
import { Target, type TargetNode } from './restore-target.js';
import { looksLikeJson, recordsFromJson } from './to-rdb.js';

/** Options of restore(). */
export interface RestoreOptions extends KeyFilter {
  /** redis://[user:pass@]host:port[/db] or rediss://… */
  to: string;
  /** Overwrite existing keys (RESTORE … REPLACE; DEL before type commands). */
  replace?: boolean;
  /** The target's Redis version ("7.2"), instead of asking INFO. */
  targetVersion?: string;
  /** Write with type commands only, never RESTORE. */
  commandsOnly?: boolean;
  /** Plan and route, count per node, write nothing. */
  dryRun?: boolean;
  /** Connections per primary (default 2). */
  connections?: number;
  /** Keys outstanding per connection (default 512). */
  window?: number;
  /** Bytes outstanding per node (default 32 MiB). */
  windowBytes?: number;
  /** How many failed / skipped keys the report names (default 10). */
  maxListed?: number;
  tls?: RedisTlsOptions;
  /** No reply for this long with replies outstanding: the connection counts as lost (default 30 s). */
  timeoutMs?: number;
  /** AOF inputs: skip unknown commands. */
  skipUnknown?: boolean;
  /** Keys expiring at or before this time (ms) are not written (default: now). */
  now?: number;
  /** Called about every `progressMs` (default 500) while writing. */
  onProgress?: (p: RestoreProgress) => void;
  progressMs?: number;
}

/** Counts so far. */
export interface RestoreProgress {
  keys: number;
  written: number;
  skipped: number;
  failed: number;
  elapsedMs: number;
}

/** Per-node counts. */
export interface NodeCounts {
  keys: number;
  bytes: number;
  written: number;
  skipped: number;
  failed: number;
}

/** A key named in the report. */
export interface KeyNote {
  db: number;
  key: string;
  node?: string;
  message: string;
}

/** What restore() did. */
export interface RestoreReport {
  target: { address: string; cluster: boolean; redisVersion: string; rdbVersion: number; versionFrom: 'info' | 'option'; nodes: string[] };
  dryRun: boolean;
  /** Keys read that passed the filters. */
  keys: number;
  written: number;
  /** Keys that exist on the target (not overwritten without --replace). */
  skipped: number;
  failed: number;
  /** Keys already expired (not written, as Redis drops them when loading). */
  expired: number;
  /** Empty aggregates (nothing to write). */
  empty: number;
  /** Keys sent and never answered (a connection was lost). */
  unanswered: number;
  viaRestore: number;
  viaCommands: number;
  /** Keys written by type commands that cannot carry all of their state (named in `notes`, first N). */
  lossy: number;
  functions: { written: number; skipped: number; failed: number };
  redirects: { moved: number; ask: number; retries: number };
  nodes: Record<string, NodeCounts>;
  /** The first `maxListed` failed keys, with the server's error. */
  failures: KeyNote[];
  /** The first `maxListed` skipped keys. */
  skips: KeyNote[];
  notes: string[];
  /** Why the run stopped early (a lost connection), else null. */
  aborted: string | null;
  elapsedMs: number;
}

/** An input: a file path (RDB, AOF file or directory, JSONL/JSON export) or records. */
export type RestoreInput = string | AsyncIterable<RdbRecord> | Iterable<RdbRecord>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records in batches (an iterable's records go 1024 at a time: one await per batch, not per key). */
async function* inBatches(records: AsyncIterable<RdbRecord> | Iterable<RdbRecord>): AsyncGenerator<RdbRecord[]> {
  let batch: RdbRecord[] = [];
  for await (const r of records) {
    batch.push(r);
    if (batch.length >= 1024) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Batches of records of one input path (or `-`, stdin), whatever its kind. */
async function* inputBatches(path: string, opts: RestoreOptions, notes: string[]): AsyncGenerator<RdbRecord[]> {
  const opened = await openInput(path);
  if (isAofKind(opened.kind)) {
    const set = opened.source === null ? await openAofSet(path) : await openAofSource(opened.source);
    const { engine, report } = await replayAof(set, { skipUnknown: opts.skipUnknown });
    if (report.failedCount) notes.push(`${set.input}: ${report.failedCount} command(s) failed during replay`);
    for (const p of report.problems) {
      if (p.kind === 'corrupt') throw new UsageError('RESTORE_AOF_CORRUPT', `${p.file}: ${p.what} at offset ${p.offset} (repair it first)`);
      notes.push(`${p.file}: ${p.kind} at offset ${p.offset}: ${p.what} (replayed up to there)`);
    }
    yield* inBatches(engineRecords(engine, opts.now));
    return;
  }
  const src = opened.source!;
  if (looksLikeJson(src.head)) {
    yield* inBatches(recordsFromJson(src.chunks()));
    return;
  }
  // a large file's CRC64 is computed in a worker thread, beside the decoder
  const input = await openRdbInput(src, { crcWorker: true });
  try {
    yield* readRdbBatches(input.source, input.decoderOptions);
  } finally {
    input.close();
  }
}

function redirectOf(e: ReplyError): { kind: 'MOVED' | 'ASK'; slot: number; address: string } | null {
  const m = /^(MOVED|ASK) (\d+) (\S+)/.exec(e.message);
  return m ? { kind: m[1] as 'MOVED' | 'ASK', slot: Number(m[2]), address: m[3]! } : null;
}

const RETRYABLE = /^(TRYAGAIN|LOADING|CLUSTERDOWN)/;

/** Write records into the server at `opts.to` (see the file comment). */
export async function restore(inputs: RestoreInput[], opts: RestoreOptions): Promise<RestoreReport> {
  const seed: RedisEndpoint = parseRedisUrl(opts.to);
  if (inputs.length === 0) throw new UsageError('RESTORE_NO_INPUT', 'no input given');
  const t0 = Date.now();
  const now = opts.now ?? t0;
  const maxListed = opts.maxListed ?? 10;
  const window = Math.max(1, opts.window ?? 512);
  const windowBytes = opts.windowBytes ?? 32 << 20;
  const target = await Target.open(seed, { connections: opts.connections, tls: opts.tls, timeoutMs: opts.timeoutMs });
  const rdbVersion = opts.targetVersion !== undefined ? rdbVersionOfRedis(opts.targetVersion) : rdbVersionOfRedis(target.info.redisVersion);
  const report: RestoreReport = {
    target: {
      address: `${seed.host}:${seed.port}`,
      cluster: target.cluster,
      redisVersion: opts.targetVersion ?? target.info.redisVersion,
      rdbVersion,
      versionFrom: opts.targetVersion !== undefined ? 'option' : 'info',
      nodes: [...target.nodes.keys()],
    },
    dryRun: opts.dryRun ?? false,
    keys: 0,
    written: 0,
    skipped: 0,
    failed: 0,
    expired: 0,
    empty: 0,
    unanswered: 0,
    viaRestore: 0,
    viaCommands: 0,
    lossy: 0,
    functions: { written: 0, skipped: 0, failed: 0 },
    redirects: { moved: 0, ask: 0, retries: 0 },
    nodes: {},
    failures: [],
    skips: [],
    notes: [],
    aborted: null,
    elapsedMs: 0,
  };
  if (rdbVersion > PAYLOAD_VERSION_MAX && !opts.commandsOnly)
    report.notes.push(`target writes RDB ${rdbVersion}; DUMP payloads are written as RDB ${PAYLOAD_VERSION_MAX}, which it accepts`);
  const plan: PlanTarget = {
    rdbVersion,
    replace: opts.replace ?? false,
    cluster: target.cluster,
    maxBulk: target.info.maxBulk,
    commandsOnly: opts.commandsOnly,
  };
  const counts = (address: string): NodeCounts => (report.nodes[address] ??= { keys: 0, bytes: 0, written: 0, skipped: 0, failed: 0 });
  for (const a of target.nodes.keys()) counts(a);
  const keep = compileFilter(pickFilter(opts));
  const limit = window * Math.max(1, opts.connections ?? 2);

  const fail = (u: { db: number; key: Uint8Array }, node: string | undefined, message: string) => {
    report.failed++;
    if (node) counts(node).failed++;
    if (report.failures.length < maxListed) report.failures.push({ db: u.db, key: displayText(u.key), node, message });
  };
  const skip = (u: Unit, node: string, message: string) => {
    report.skipped++;
    counts(node).skipped++;
    if (report.skips.length < maxListed) report.skips.push({ db: u.db, key: displayText(u.key), node, message });
  };
  const abort = (e: unknown) => {
    if (!report.aborted) report.aborted = e instanceof Error ? e.message : String(e);
  };

  // Units in flight; `idle` resolves when none are.
  let active = 0;
  let idle: (() => void) | null = null;
  const dbArg = (db: number): number | null => (target.cluster ? null : db);

  async function writeUnit(u: Unit, first: TargetNode): Promise<void> {
    let node = first;
    let asking = false;
    for (let attempt = 0; ; attempt++) {
      let replies: Reply[];
      try {
        replies = await node.send(u.stage1, dbArg(u.db), asking);
      } catch (e) {
        report.unanswered++;
        abort(e);
        return;
      }
      const err = replies.find((r): r is ReplyError => r instanceof ReplyError);
      if (err) {
        const to = redirectOf(err);
        if (to && attempt < 16) {
          if (to.kind === 'MOVED') {
            report.redirects.moved++;
            node = await target.moved(to.slot, to.address);
            asking = false;
          } else {
            report.redirects.ask++;
            node = await target.nodeAt(to.address);
            asking = true;
          }
          counts(node.address);
          continue;
        }
        if (RETRYABLE.test(err.message) && attempt < 8) {
          report.redirects.retries++;
          await sleep(50 << Math.min(attempt, 5));
          continue;
        }
        if (u.way === 'restore' && err.message.startsWith('BUSYKEY')) skip(u, node.address, 'exists');
        else fail(u, node.address, err.message);
        if (u.scratch) await node.send([['DEL', u.scratch]], dbArg(u.db), asking).catch(abort);
        return;
      }
      if (!u.scratch) {
        report.written++;
        counts(node.address).written++;
        return;
      }
      let r: Reply | undefined;
      for (let again = 0; ; again++) {
        try {
          [r] = await node.send([['RENAMENX', u.scratch, u.key]], dbArg(u.db), asking);
        } catch (e) {
          report.unanswered++;
          abort(e);
          return;
        }
        // TRYAGAIN: a slot being imported holds the scratch key but not (yet) the key
        if (!(r instanceof ReplyError && RETRYABLE.test(r.message) && again < 8)) break;
        report.redirects.retries++;
        await sleep(50 << Math.min(again, 5));
      }
      if (r === 1) {
        report.written++;
        counts(node.address).written++;
      } else {
        if (r === 0) skip(u, node.address, 'exists');
        else fail(u, node.address, r instanceof ReplyError ? r.message : `RENAMENX replied ${replyText(r as Reply)}`);
        await node.send([['DEL', u.scratch]], dbArg(u.db), asking).catch(abort);
      }
      return;
    }
  }

  async function writeFunction(f: FunctionRecord): Promise<void> {
    const cmd = opts.replace ? ['FUNCTION', 'LOAD', 'REPLACE', f.code] : ['FUNCTION', 'LOAD', f.code];
    let ok = true;
    for (const node of new Set(target.slots)) {
      if (!node) continue;
      const [r] = await node.send([cmd], null, false);
      if (r instanceof ReplyError) {
        ok = false;
        if (/already exists/.test(r.message)) report.functions.skipped++;
        else {
          report.functions.failed++;
          report.notes.push(`${node.address}: FUNCTION LOAD failed: ${r.message}`);
        }
        break;
      }
    }
    if (ok) report.functions.written++;
  }

  const timer = opts.onProgress
    ? setInterval(
        () =>
          opts.onProgress?.({
            keys: report.keys,
            written: report.written,
            skipped: report.skipped,
            failed: report.failed,
            elapsedMs: Date.now() - t0,
          }),
        opts.progressMs ?? 500,
      )
    : null;
  const dbNoted = new Set<number>();
  const dbChecked = new Map<number, string>();
  try {
    reading: for (const input of inputs) {
      const batches = typeof input === 'string' ? inputBatches(input, opts, report.notes) : inBatches(input);
      for await (const batch of batches)
        for (const r of batch) {
          if (report.aborted) break reading;
          if (r.kind === 'function') {
            if (!report.dryRun && (opts.type === undefined || opts.type.length === 0)) {
              try {
                await writeFunction(r);
              } catch (e) {
                abort(e);
              }
            }
            continue;
          }
          if (r.kind !== 'key' || !keep(r)) continue;
          report.keys++;
          if (r.expireAt !== null && r.expireAt <= now) {
            report.expired++;
            continue;
          }
          if (isEmptyValue(r)) {
            report.empty++;
            continue;
          }
          const db = target.cluster ? 0 : (seed.db ?? r.db);
          if (db !== r.db && !dbNoted.has(r.db)) {
            dbNoted.add(r.db);
            report.notes.push(`keys of db ${r.db} are written to db ${db}${target.cluster ? ' (a cluster has only db 0)' : ''}`);
          }
          const u = planKey(r, plan, db);
          if (typeof u === 'string') {
            fail({ db: r.db, key: r.key }, undefined, u);
            continue;
          }
          if (u.way === 'restore') report.viaRestore++;
          else report.viaCommands++;
          if (u.losses.length) {
            report.lossy++;
            if (report.lossy <= maxListed)
              report.notes.push(`db ${r.db} "${displayText(r.key)}" by type commands loses: ${u.losses.join('; ')}`);
          }
          const node = target.nodeFor(u.slot);
          if (!node) {
            fail(u, undefined, `no node serves slot ${u.slot}`);
            continue;
          }
          const c = counts(node.address);
          c.keys++;
          c.bytes += u.bytes;
          if (report.dryRun) continue;
          if (!(await checkDb(u, node))) continue;
          await node.room(limit, windowBytes);
          node.outstanding++;
          node.outstandingBytes += u.bytes;
          active++;
          writeUnit(u, node)
            .catch(abort)
            .finally(() => {
              node.settled(u.bytes);
              if (--active === 0 && idle) idle();
            });
        }
    }
  } catch (e) {
    // a bad input: let what was sent finish, then report the error
    if (active > 0) await new Promise<void>((r) => (idle = r));
    target.close();
    if (timer) clearInterval(timer);
    throw e;
  }
  if (active > 0) await new Promise<void>((r) => (idle = r));
  if (timer) clearInterval(timer);
  target.close();
  report.target.nodes = [...target.nodes.keys()];
  report.elapsedMs = Date.now() - t0;
  return report;

  /** Standalone: SELECT each db once up front, so a db the server lacks fails its keys instead of writing elsewhere. */
  async function checkDb(u: Unit, node: TargetNode): Promise<boolean> {
    if (target.cluster) return true;
    const db = u.db;
    let verdict = dbChecked.get(db);
    if (verdict === undefined) {
      // a probe on its own connection: the pool's connections keep their tracked db
      const conn = node.conns[0]!;
      const was = conn.db;
      const sent = conn.send([['SELECT', db]]);
      conn.db = db;
      const [r] = await sent.catch((e) => {
        abort(e);
        return [null];
      });
      verdict = r instanceof ReplyError ? r.message : r === null ? 'connection lost' : '';
      // a refused SELECT leaves the connection on its previous db
      if (r instanceof ReplyError && conn.db === db) conn.db = was;
      dbChecked.set(db, verdict);
    }
    if (verdict) {
      fail(u, node.address, verdict);
      return false;
    }
    return true;
  }
}
