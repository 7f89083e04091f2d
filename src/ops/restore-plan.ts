/**
 * What `rdbkit restore` sends for one key (pure: no I/O). Two ways:
 *
 *  - RESTORE with a DUMP payload (FORMATS.md "DUMP / RESTORE payload", R `cluster.c`
 *    restoreCommand): `RESTORE key <abs ms | 0> <payload> ABSTTL [IDLETIME s | FREQ n] [REPLACE]`.
 *    The payload is written for the target's RDB version (at most the newest this writer knows),
 *    which the target accepts since Redis takes any payload version up to its own RDB_VERSION.
 *    ABSTTL, IDLETIME and FREQ exist from Redis 5.0 (RDB 9), so older targets get commands.
 *  - type commands, as `convert --to resp` writes them (ops/to-resp.ts keyCommands), for targets
 *    older than 5.0, values the payload version cannot hold (hash-field TTLs below RDB 12), and
 *    payloads larger than the server takes as one argument. Without --replace they build the value
 *    under a scratch name in the same slot and move it with RENAMENX once every command succeeded,
 *    so an existing key is never merged into; with --replace a DEL comes first.
 *
 * A key is a Unit: its slot, its first stage of commands, and for the scratch way the RENAMENX
 * that follows. The writer (ops/restore.ts) may send a unit again after a MOVED/ASK redirect;
 * every stage starts from a clean state (DEL of the scratch name, or RESTORE's atomicity), so a
 * repeat writes the same thing.
 */
import type { CommandArg } from '../aof/writer.js';
import { UsageError } from '../errors.js';
import { displayText, utf8 } from '../model/bytes.js';
import type { KeyEntry } from '../model/record.js';
import { hashTtlSupported } from '../rdb/value-write.js';
import { keySlot, scratchKey } from './restore-slot.js';
import { dumpPayload, keyCommands, newToRespReport } from './to-resp.js';

/** The newest RDB version whose DUMP payloads this writer produces. */
export const PAYLOAD_VERSION_MAX = 15;

/** Redis releases and the RDB version each writes (FORMATS.md §3), newest first. */
const RDB_OF_RELEASE: ReadonlyArray<readonly [number, number, number]> = [
  [8, 9, 15],
  [8, 8, 14],
  [8, 6, 13],
  [7, 4, 12],
  [7, 2, 11],
  [7, 0, 10],
  [5, 0, 9],
  [4, 0, 8],
  [3, 2, 7],
  [2, 6, 6],
  [2, 4, 2],
  [0, 0, 1],
];

/** The RDB version a Redis release writes ("7.2.4" → 11); throws on text that is not a version. */
export function rdbVersionOfRedis(version: string): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) throw new UsageError('RESTORE_BAD_VERSION', `not a Redis version: "${version}" (expected e.g. 7.2 or 6.2.14)`);
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  for (const [ma, mi, rdb] of RDB_OF_RELEASE) if (major > ma || (major === ma && minor >= mi)) return rdb;
  return 1;
}

/** How a key is written. */
export type UnitWay = 'restore' | 'commands';

/** One key's work (see the file comment). */
export interface Unit {
  db: number;
  key: Uint8Array;
  slot: number;
  way: UnitWay;
  /** Commands sent first (and again after a redirect). */
  stage1: CommandArg[][];
  /** The scratch name moved into place after stage 1 succeeded (commands without --replace). */
  scratch: Uint8Array | null;
  /** Approximate bytes of the commands (for the in-flight byte bound and dry-run counts). */
  bytes: number;
  /** What the type commands cannot rebuild (stream PEL entries of deleted entries, key metadata...). */
  losses: string[];
}

/** What the planner needs to know about the target. */
export interface PlanTarget {
  /** RDB version of the target server. */
  rdbVersion: number;
  replace: boolean;
  /** Cluster: scratch names must share the key's slot. */
  cluster: boolean;
  /** Largest argument the server accepts (proto-max-bulk-len, default 512 MiB). */
  maxBulk: number;
  /** Force type commands for every key. */
  commandsOnly?: boolean;
}

const SCRATCH_MARKER = utf8(':rdbkit-restore-scratch');

function argBytes(cmds: CommandArg[][]): number {
  let n = 0;
  for (const c of cmds) for (const a of c) n += a instanceof Uint8Array ? a.length : String(a).length;
  return n;
}

function canRestore(e: KeyEntry, t: PlanTarget): boolean {
  if (t.commandsOnly || t.rdbVersion < 9) return false;
  const v = Math.min(t.rdbVersion, PAYLOAD_VERSION_MAX);
  if (e.type === 'hash' && e.value.some((f) => f.expireAt !== undefined))
    return hashTtlSupported({ version: v, family: 'redis', sopts: {} });
  if (e.type === 'array') return v >= 14;
  return true;
}

/** Whether a key has nothing to write (Redis never keeps an empty aggregate). */
export function isEmptyValue(e: KeyEntry): boolean {
  return (e.type === 'list' || e.type === 'set' || e.type === 'zset' || e.type === 'hash') && e.value.length === 0;
}

/**
 * Plan one key. Returns a reason string instead when it cannot be written at all (a module
 * value for a target that takes no RESTORE, a NaN score).
 */
export function planKey(e: KeyEntry, t: PlanTarget, db: number): Unit | string {
  const slot = keySlot(e.key);
  if (canRestore(e, t)) {
    // no LZF: the server takes uncompressed strings, and compressing is most of the CPU a key costs
    const payload = dumpPayload(e, Math.min(t.rdbVersion, PAYLOAD_VERSION_MAX), false);
    if (payload.length <= t.maxBulk) {
      const cmd: CommandArg[] = ['RESTORE', e.key, e.expireAt ?? 0, payload, 'ABSTTL'];
      if (e.idle !== undefined) cmd.push('IDLETIME', e.idle);
      else if (e.freq !== undefined) cmd.push('FREQ', e.freq);
      if (t.replace) cmd.push('REPLACE');
      return { db, key: e.key, slot, way: 'restore', stage1: [cmd], scratch: null, bytes: payload.length + e.key.length, losses: [] };
    }
  }
  if (e.type === 'module') return `module value ${e.value.name} needs RESTORE (target RDB ${t.rdbVersion})`;
  if (e.type === 'zset' && e.value.some(([, s]) => Number.isNaN(s))) return 'a sorted set score is NaN';
  const rep = newToRespReport();
  const scratch = t.replace ? null : t.cluster ? scratchKey(e.key, SCRATCH_MARKER) : concat(SCRATCH_MARKER, e.key);
  if (!t.replace && !scratch) return `no scratch name shares the slot of "${displayText(e.key)}" (use --replace to write it directly)`;
  const name = scratch ?? e.key;
  const stage1: CommandArg[][] = [['DEL', name], ...keyCommands({ ...e, key: name }, {}, rep)];
  if (rep.skipped.length) return rep.skipped[0]!.what;
  const losses = rep.unexpressed.map((u) => u.what);
  if (rep.lostPending) losses.push(`${rep.lostPending} pending stream entries of deleted entries (no command rebuilds them)`);
  return { db, key: e.key, slot, way: 'commands', stage1, scratch, bytes: argBytes(stage1), losses };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
