/**
 * The server side of `rdbkit restore`: a standalone server or a Redis Cluster, discovered from one
 * URL. INFO tells the version (→ the RDB version of DUMP payloads) and whether cluster mode is on;
 * in a cluster, CLUSTER SLOTS maps the 16384 slots to primaries (R `cluster.c`
 * clusterReplyMultiBulkSlots: per range `start end [ip port id …] [replica …]…`). Each primary
 * gets its own connections; a MOVED reply updates one slot at once and asks for a full refresh.
 */
import type { CommandArg } from '../aof/writer.js';
import { UsageError } from '../errors.js';
import {
  formatAddress,
  RedisConnection,
  type RedisEndpoint,
  type RedisTlsOptions,
  type Reply,
  ReplyError,
  replyText,
} from '../io/redis.js';
import { SLOTS } from './restore-slot.js';

/** Connection settings shared by every node. */
export interface TargetOptions {
  /** Connections per primary (default 2). */
  connections?: number;
  tls?: RedisTlsOptions;
  timeoutMs?: number;
}

/** One primary and its connections. */
export class TargetNode {
  /** Key groups sent and not yet answered, over all connections. */
  outstanding = 0;
  outstandingBytes = 0;
  private rr = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly address: string,
    readonly conns: RedisConnection[],
  ) {}

  /** The connection with the fewest outstanding groups (ties: round robin). */
  pick(): RedisConnection {
    let best = this.conns[this.rr++ % this.conns.length]!;
    for (const c of this.conns) if (c.outstanding < best.outstanding) best = c;
    return best;
  }

  /**
   * Resolves once there is room: fewer than `limit` groups and `maxBytes` bytes outstanding. A
   * producer that had to wait is woken only when the node has drained to half of both, so it
   * refills half a window in one burst (one socket write) instead of one key per reply.
   */
  async room(limit: number, maxBytes: number): Promise<void> {
    if (this.outstanding < limit && (this.outstanding === 0 || this.outstandingBytes < maxBytes)) return;
    this.lowGroups = limit >> 1;
    this.lowBytes = maxBytes >> 1;
    await new Promise<void>((r) => this.waiters.push(r));
  }

  private lowGroups = 0;
  private lowBytes = 0;

  /** Account a finished group and wake a waiting producer at the low-water mark. */
  settled(bytes: number): void {
    this.outstanding--;
    this.outstandingBytes -= bytes;
    const w = this.waiters;
    if (w.length && this.outstanding <= this.lowGroups && this.outstandingBytes <= this.lowBytes) {
      this.waiters = [];
      for (const f of w) f();
    }
  }

  /**
   * Send commands, prefixed by SELECT when the connection is on another db (standalone) and by
   * ASKING after an ASK redirect; resolves with the commands' own replies.
   */
  async send(commands: CommandArg[][], db: number | null, asking: boolean): Promise<Reply[]> {
    const conn = this.pick();
    const select = db !== null && conn.db !== db;
    if (select) conn.db = db;
    if (!select && !asking) return conn.send(commands);
    const all: CommandArg[][] = select ? [['SELECT', db]] : [];
    // ASKING holds for the next command only: one before each
    for (const c of commands) {
      if (asking) all.push(['ASKING']);
      all.push(c);
    }
    const replies = await conn.send(all);
    const own = replies.slice(select ? 1 : 0);
    return asking ? own.filter((_, i) => i % 2 === 1) : own;
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}

/** What INFO says about the server. */
export interface ServerInfo {
  redisVersion: string;
  cluster: boolean;
  /** proto-max-bulk-len when CONFIG GET answers, else Redis's default 512 MiB. */
  maxBulk: number;
}

/** Parse an INFO reply's `field:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** The target: standalone (one node) or a cluster (slot → node). */
export class Target {
  readonly nodes = new Map<string, TargetNode>();
  /** Cluster: the primary serving each slot (undefined while unknown). */
  readonly slots: Array<TargetNode | undefined> = new Array(SLOTS);
  private refreshing: Promise<void> | null = null;
  private opening = new Map<string, Promise<TargetNode>>();

  private constructor(
    readonly seed: RedisEndpoint,
    readonly info: ServerInfo,
    private readonly opts: TargetOptions,
    private readonly first: RedisConnection,
  ) {}

  get cluster(): boolean {
    return this.info.cluster;
  }

  /** Connect to the URL's server, read INFO, and in cluster mode the slot map. */
  static async open(seed: RedisEndpoint, opts: TargetOptions = {}): Promise<Target> {
    const conn = await RedisConnection.open(seed, opts);
    try {
      const infoReply = await conn.call(['INFO']);
      if (infoReply instanceof ReplyError) throw new UsageError('RESTORE_INFO', `${conn.address}: INFO failed: ${infoReply.message}`);
      const info = parseInfo(replyText(infoReply));
      let maxBulk = 512 << 20;
      const cfg = await conn.call(['CONFIG', 'GET', 'proto-max-bulk-len']);
      if (Array.isArray(cfg) && cfg.length === 2) maxBulk = Number(replyText(cfg[1]!)) || maxBulk;
      const t = new Target(
        seed,
        { redisVersion: info.get('redis_version') ?? '0.0.0', cluster: info.get('cluster_enabled') === '1', maxBulk },
        opts,
        conn,
      );
      if (t.cluster) {
        if (seed.db !== undefined && seed.db !== 0) throw new UsageError('RESTORE_CLUSTER_DB', 'a Redis Cluster has only db 0');
        await t.refresh();
      } else {
        const node = await t.openNode(conn.address, seed.host, seed.port, conn);
        for (let s = 0; s < SLOTS; s++) t.slots[s] = node;
      }
      return t;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  /** The node for a slot (standalone: the one node). */
  nodeFor(slot: number): TargetNode | undefined {
    return this.slots[slot];
  }

  /** The node at host:port, connecting when new. */
  nodeAt(address: string): Promise<TargetNode> {
    const have = this.nodes.get(address);
    if (have) return Promise.resolve(have);
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1') || this.seed.host;
    return this.openNode(address, host, Number(address.slice(i + 1)));
  }

  private openNode(address: string, host: string, port: number, first?: RedisConnection): Promise<TargetNode> {
    const pending = this.opening.get(address);
    if (pending) return pending;
    const p = (async () => {
      const n = Math.max(1, this.opts.connections ?? 2);
      const ep: RedisEndpoint = { ...this.seed, host, port };
      const conns = first ? [first] : [];
      while (conns.length < n) conns.push(await RedisConnection.open(ep, this.opts));
      const node = new TargetNode(address, conns);
      this.nodes.set(address, node);
      return node;
    })();
    this.opening.set(address, p);
    return p;
  }

  /** A MOVED reply: the slot is served by `address` now; the whole map is refreshed in the background. */
  async moved(slot: number, address: string): Promise<TargetNode> {
    const node = await this.nodeAt(address);
    this.slots[slot] = node;
    // best effort: a failed refresh leaves the map as MOVED replies correct it
    if (!this.refreshing)
      this.refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => (this.refreshing = null));
    return node;
  }

  /** Read CLUSTER SLOTS and (re)build the slot map, connecting to new primaries. */
  async refresh(): Promise<void> {
    const reply = await this.first.call(['CLUSTER', 'SLOTS']);
    if (!Array.isArray(reply)) throw new UsageError('RESTORE_CLUSTER', `CLUSTER SLOTS failed: ${replyText(reply as Reply)}`);
    for (const range of reply) {
      if (!Array.isArray(range) || range.length < 3) continue;
      const [start, end, primary] = range as [number, number, Reply[]];
      let host = replyText(primary[0] ?? '');
      if (host === '' || host === '?') host = this.seed.host;
      const port = Number(primary[1]);
      const node = await this.nodeAt(formatAddress(host, port));
      for (let s = start; s <= end; s++) this.slots[s] = node;
    }
  }

  /** Close every connection. */
  close(): void {
    this.first.close();
    for (const n of this.nodes.values()) n.close();
  }
}
