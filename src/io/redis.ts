/**
 * Talking to a live Redis (the network rim of `rdbkit restore`): `redis://` / `rediss://` URLs,
 * and a pipelining connection over node:net / node:tls that writes RESP bytes it is given and
 * hands replies back in order.
 *
 * Buffering model: `send(commands)` encodes into the connection's output buffer and returns a
 * promise of that group's replies; the buffer is written to the socket once the caller yields
 * to the event loop (setImmediate) or once it holds 256 KiB, so thousands of small commands
 * leave in one write, as `redis-cli --pipe` does. Replies come through ReplyParser. How many
 * groups may be outstanding is the caller's window (ops/restore.ts); this class only counts.
 *
 * A connection lost (reset, closed, or silent for `timeoutMs` with replies outstanding) rejects
 * every outstanding group with a ConnectionLostError; nothing is retried here.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type CommandArg, writeCommand } from '../aof/writer.js';
import { ByteWriter } from '../bytes/writer.js';
import { UsageError } from '../errors.js';
import { type Reply, ReplyError, ReplyParser } from './redis-reply.js';

export { type Reply, ReplyError, replyText } from './redis-reply.js';

/** Where a server is and how to log in. */
export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** The db in the URL's path, when given. */
  db?: number;
}

/** TLS settings (rediss://). */
export interface RedisTlsOptions {
  /** PEM CA certificate(s) to trust instead of the system store. */
  ca?: Uint8Array;
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** Parse `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). */
export function parseRedisUrl(text: string): RedisEndpoint {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError('REDIS_BAD_URL', `not a Redis URL: ${text} (expected redis://[user:pass@]host:port[/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UsageError('REDIS_BAD_URL', `not a Redis URL: ${text} (the scheme must be redis:// or rediss://)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = u.port ? Number(u.port) : 6379;
  const ep: RedisEndpoint = { host, port, tls: u.protocol === 'rediss:' };
  if (u.username) ep.username = decodeURIComponent(u.username);
  if (u.password) ep.password = decodeURIComponent(u.password);
  const path = u.pathname.replace(/^\//, '');
  if (path) {
    if (!/^\d+$/.test(path)) throw new UsageError('REDIS_BAD_URL', `bad db number "${path}" in ${text}`);
    ep.db = Number(path);
  }
  return ep;
}

/** host:port as Redis prints it (IPv6 in brackets). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Socket errors in words (Node's messages carry the errno name: `connect ECONNREFUSED 127.0.0.1:1`). */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is redis-server listening there?)',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'the server closed the connection',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  EADDRNOTAVAIL: 'address not available',
};

/** A socket error as a user reads it: the words for a known errno, else Node's message. */
export function socketErrorText(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && SOCKET_ERRORS[code]) ?? e.message;
}

/** The connection to a server was lost with replies outstanding (or could not be made). */
export class ConnectionLostError extends Error {
  constructor(
    readonly address: string,
    detail: string,
    connecting = false,
  ) {
    super(connecting ? `cannot connect to ${address}: ${detail}` : `connection to ${address} lost: ${detail}`);
    this.name = 'ConnectionLostError';
  }
}

interface Waiting {
  count: number;
  replies: Reply[];
  resolve: (r: Reply[]) => void;
  reject: (e: Error) => void;
}

const FLUSH_AT = 256 << 10;

/** A pipelining connection (see the file comment). */
export class RedisConnection {
  /** The db the connection has SELECTed (tracked by the caller's SELECT commands). */
  db = 0;
  private readonly out = new ByteWriter(1 << 16);
  private readonly parser = new ReplyParser();
  private readonly waiting: Waiting[] = [];
  private head = 0;
  private flushScheduled = false;
  private lost: ConnectionLostError | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(socketErrorText(e)));
    socket.on('close', () => this.fail('closed by the server'));
    socket.on('timeout', () => {
      if (this.outstanding > 0) socket.destroy(new Error('no reply within the timeout'));
    });
  }

  /** Connect, and log in when the endpoint has a password. */
  static async open(ep: RedisEndpoint, opts: { tls?: RedisTlsOptions; timeoutMs?: number } = {}): Promise<RedisConnection> {
    const address = formatAddress(ep.host, ep.port);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = ep.tls
        ? tlsConnect({
            host: ep.host,
            port: ep.port,
            servername: /^[\d.]+$|:/.test(ep.host) ? undefined : ep.host,
            ca: opts.tls?.ca ? [Buffer.from(opts.tls.ca)] : undefined,
            rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true,
          })
        : netConnect({ host: ep.host, port: ep.port });
      const timer = setTimeout(() => s.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      s.once(ep.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(new ConnectionLostError(address, socketErrorText(e), true));
      });
    });
    socket.setTimeout(timeoutMs);
    const conn = new RedisConnection(socket, address);
    if (ep.password !== undefined) {
      const r = await conn.call(ep.username !== undefined ? ['AUTH', ep.username, ep.password] : ['AUTH', ep.password]);
      if (r instanceof ReplyError) {
        conn.close();
        throw new UsageError('REDIS_AUTH', `${address}: AUTH failed: ${r.message}`);
      }
    }
    return conn;
  }

  /** Groups of commands sent and not yet answered. */
  get outstanding(): number {
    return this.waiting.length - this.head;
  }

  /** Whether the connection is lost (then every send rejects). */
  get isLost(): boolean {
    return this.lost !== null;
  }

  /** Send commands; resolves with their replies in order (errors are ReplyError values). */
  send(commands: readonly (readonly CommandArg[])[]): Promise<Reply[]> {
    if (this.lost) return Promise.reject(this.lost);
    for (const c of commands) writeCommand(this.out, c);
    return this.expect(commands.length);
  }

  /** Send bytes holding `count` encoded commands. */
  sendEncoded(bytes: Uint8Array, count: number): Promise<Reply[]> {
    if (this.lost) return Promise.reject(this.lost);
    this.out.bytes(bytes);
    return this.expect(count);
  }

  /** Send one command and wait for its reply. */
  async call(args: readonly CommandArg[]): Promise<Reply> {
    const [r] = await this.send([args]);
    return r as Reply;
  }

  private expect(count: number): Promise<Reply[]> {
    const p = new Promise<Reply[]>((resolve, reject) => this.waiting.push({ count, replies: [], resolve, reject }));
    if (this.out.length >= FLUSH_AT) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.lost) return;
    const bytes = this.out.take();
    this.socket.write(bytes);
  }

  /** Bytes queued in the socket that the kernel has not taken yet (for back-pressure). */
  get writeBacklog(): number {
    return this.socket.writableLength + this.out.length;
  }

  private onData(chunk: Buffer): void {
    let replies: Reply[];
    try {
      replies = this.parser.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.socket.destroy(e as Error);
      return;
    }
    for (const r of replies) {
      const w = this.waiting[this.head];
      if (!w) {
        this.socket.destroy(new Error('a reply nobody asked for'));
        return;
      }
      w.replies.push(r);
      if (w.replies.length === w.count) {
        this.waiting[this.head++] = undefined as unknown as Waiting;
        w.resolve(w.replies);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  private fail(detail: string): void {
    if (this.lost) return;
    this.lost = new ConnectionLostError(this.address, detail);
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.reject(this.lost);
    this.waiting.length = 0;
    this.head = 0;
  }

  /** Close the connection (outstanding replies are rejected). */
  close(): void {
    this.fail('closed by rdbkit');
    this.socket.destroy();
  }
}
