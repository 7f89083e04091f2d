/**
 * Real-Redis test harness: find redis-server, start throwaway servers on 127.0.0.1, and talk to them
 * with a minimal RESP2 client of our own over node:net (no dependency).
 *
 * Usable from vitest tests and from plain Node scripts (fixtures/generate.mjs).
 * Policy when redis-server is missing: fail with a clear message when CI=true, else skip with a
 * visible notice (see requireRedis).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Path of the redis-server binary: $REDIS_SERVER, /usr/bin/redis-server, or the first on PATH; null if none. */
export function redisServerPath() {
  const candidates = [];
  if (process.env.REDIS_SERVER) candidates.push(process.env.REDIS_SERVER);
  candidates.push('/usr/bin/redis-server');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'redis-server'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** Whether a redis-server binary is installed. */
export function redisAvailable() {
  return redisServerPath() !== null;
}

/**
 * The missing-server policy. Returns true when redis-server is available. Otherwise throws when
 * process.env.CI === 'true', else prints a visible notice and returns false (callers use
 * `describe.skipIf(!requireRedis('...'))`). `what` names what is being skipped.
 * @param {string} [what]
 */
export function requireRedis(what = 'tests that need a real server') {
  if (redisAvailable()) return true;
  const msg = `redis-server not found (looked at $REDIS_SERVER, /usr/bin/redis-server, PATH)`;
  if (process.env.CI === 'true') {
    throw new Error(
      `[rdbkit tests] ${msg}: CI=true requires it for ${what}. Install redis-server (apt-get install redis-server redis-tools).`,
    );
  }
  console.warn(`[rdbkit tests] redis-server not found: skipping ${what}`);
  return false;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a redis-server on 127.0.0.1 with a free port, `--dir` a fresh temp dir (or `dir`),
 * `--save ""`, `--appendonly no` and `--enable-debug-command yes`; `args` come last and override.
 * `runAs` starts it as that user (through setpriv, which execs: the pid is the server's).
 * Resolves once PING answers, with a connected client.
 * @param {{ args?: string[], dir?: string, startTimeoutMs?: number, runAs?: string }} [options]
 */
export async function startRedis(options = {}) {
  const bin = redisServerPath();
  if (!bin) throw new Error('[rdbkit tests] redis-server not found');
  const ownDir = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'rdbkit-redis-'));
  let lastError;
  // A port found free may be taken before the server binds it: retry a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const argv = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'yes',
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'warning',
      ...(options.args ?? []),
    ];
    const proc = options.runAs
      ? spawn('setpriv', [`--reuid=${options.runAs}`, `--regid=${options.runAs}`, '--init-groups', bin, ...argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => {
      output = (output + d).slice(-4000);
    });
    proc.stderr.on('data', (d) => {
      output = (output + d).slice(-4000);
    });
    let exited = false;
    const exitPromise = new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );
    try {
      const client = await waitForPing(port, () => exited, options.startTimeoutMs ?? 10000, proc.pid);
      return makeHandle({ port, dir, ownDir, proc, client, exitPromise, isExited: () => exited });
    } catch (err) {
      if (!exited) proc.kill('SIGKILL');
      await exitPromise;
      lastError = new Error(`redis-server did not start on port ${port}: ${err.message}\n${output}`);
      if (!/Address already in use|bind/i.test(output)) break;
    }
  }
  if (ownDir) rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function waitForPing(port, isExited, timeoutMs, pid) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isExited()) throw new Error('process exited');
    try {
      const client = await connectRedis(port);
      try {
        const pong = await client.call('PING');
        // Parallel test files race for free ports: make sure the server answering is the one
        // started here (another file's server may hold the port ours failed to bind).
        if (pong === 'PONG' && serverPid(await client.call('INFO', 'server')) === pid) return client;
      } catch (e) {
        // LOADING: the server is reading its dataset; wait.
        if (!/LOADING/.test(String(e?.message))) {
          client.close();
          throw e;
        }
      }
      client.close();
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for PING');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** process_id from an INFO reply. */
function serverPid(info) {
  const text = typeof info === 'string' ? info : Buffer.from(info).toString('latin1');
  const m = /process_id:(\d+)/.exec(text);
  return m ? Number(m[1]) : -1;
}

function makeHandle({ port, dir, ownDir, proc, client, exitPromise, isExited }) {
  let stopped = false;
  return {
    port,
    dir,
    client,
    pid: proc.pid,
    /** A second, independent connection. */
    connect: () => connectRedis(port),
    /**
     * SHUTDOWN NOSAVE, then SIGKILL if it has not exited within 5 s. Removes the temp dir
     * unless `keepDir` (a dir given to startRedis is never removed).
     * @param {{ keepDir?: boolean }} [opts]
     */
    async stop(opts = {}) {
      if (stopped) return;
      stopped = true;
      if (!isExited()) {
        // The server closes the connection instead of replying to a successful SHUTDOWN.
        await client.call('SHUTDOWN', 'NOSAVE').catch(() => {});
        const timer = setTimeout(() => {
          if (!isExited()) proc.kill('SIGKILL');
        }, 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      client.close();
      if (ownDir && !opts.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// RESP2 client

const CRLF = Buffer.from('\r\n');

/** Encode one command as a RESP2 array of bulk strings. Args: strings (UTF-8), Uint8Array, numbers. */
export function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b =
      typeof a === 'string'
        ? Buffer.from(a, 'utf8')
        : a instanceof Uint8Array
          ? Buffer.from(a.buffer, a.byteOffset, a.byteLength)
          : Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}

/** Thrown-as-data marker: a reply that is a RESP error. */
export class RedisReplyError extends Error {}

/**
 * Incremental RESP2 reply parser. feed(chunk) returns the complete replies found; partial input is
 * kept. Bulk strings → Uint8Array (own copy), simple strings → string, integers → number (bigint
 * beyond 2^53), errors → RedisReplyError instances (as values), nil → null.
 */
export class RespParser {
  constructor() {
    /** @type {Buffer} */
    this.buf = Buffer.alloc(0);
    /** Chunks received while waiting for `need` bytes (joined once, not per chunk). */
    this.pending = [];
    this.pendingLength = 0;
    /** Bytes the buffered reply needs before it can be complete (0 when unknown). */
    this.need = 0;
    this.needAbs = 0;
  }

  /** @param {Buffer} chunk */
  feed(chunk) {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.buf.length + this.pendingLength < this.need) return [];
    this.buf = Buffer.concat([this.buf, ...this.pending]);
    this.pending = [];
    this.pendingLength = 0;
    const out = [];
    let pos = 0;
    for (;;) {
      this.needAbs = 0;
      const r = this.parse(pos);
      if (r === null) break;
      out.push(r.value);
      pos = r.pos;
    }
    this.buf = this.buf.subarray(pos);
    this.need = this.needAbs > pos ? this.needAbs - pos : 0;
    return out;
  }

  /** Parse one value at pos, or null when incomplete (then `needAbs` may say how far the buffer must reach). */
  parse(pos) {
    const buf = this.buf;
    if (pos >= buf.length) return null;
    const eol = buf.indexOf(CRLF, pos);
    if (eol < 0) return null;
    const type = buf[pos];
    const line = buf.toString('latin1', pos + 1, eol);
    const next = eol + 2;
    switch (type) {
      case 0x2b:
        return { value: line, pos: next }; // +
      case 0x2d:
        return { value: new RedisReplyError(buf.toString('utf8', pos + 1, eol)), pos: next }; // -
      case 0x3a: {
        // :
        const n = BigInt(line);
        return { value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, pos: next };
      }
      case 0x24: {
        // $
        const len = Number(line);
        if (len < 0) return { value: null, pos: next };
        if (buf.length < next + len + 2) {
          this.needAbs = next + len + 2;
          return null;
        }
        return { value: new Uint8Array(buf.subarray(next, next + len)), pos: next + len + 2 };
      }
      case 0x2a: {
        // *
        const n = Number(line);
        if (n < 0) return { value: null, pos: next };
        const items = new Array(n);
        let p = next;
        for (let i = 0; i < n; i++) {
          const r = this.parse(p);
          if (r === null) return null;
          items[i] = r.value;
          p = r.pos;
        }
        return { value: items, pos: p };
      }
      default:
        throw new Error(`RESP protocol error: unexpected byte 0x${type.toString(16)} at ${pos}`);
    }
  }
}

/**
 * Connect to 127.0.0.1:port. The client's call(...args) resolves with the reply (errors reject with
 * an Error carrying the server's message); pipeline(commands) sends many commands and resolves with
 * all replies in order.
 * @param {number} port
 */
export function connectRedis(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host });
    socket.setNoDelay(true);
    const parser = new RespParser();
    /** @type {Array<{ resolve: (v: any) => void, reject: (e: Error) => void }>} */
    const waiting = [];
    let closedError = null;
    socket.on('data', (chunk) => {
      let replies;
      try {
        replies = parser.feed(chunk);
      } catch (e) {
        socket.destroy(e);
        return;
      }
      for (const r of replies) {
        const w = waiting.shift();
        if (w) w.resolve(r);
      }
    });
    const fail = (err) => {
      closedError = err ?? new Error('connection closed');
      while (waiting.length) waiting.shift().reject(closedError);
    };
    socket.on('error', (e) => fail(e));
    socket.on('close', () => fail(closedError ?? new Error('connection closed')));
    socket.once('connect', () => {
      /** Send raw bytes; one waiter per expected reply. */
      const send = (buf, count) => {
        if (closedError) return Array.from({ length: count }, () => Promise.reject(closedError));
        const promises = [];
        for (let i = 0; i < count; i++) promises.push(new Promise((res, rej) => waiting.push({ resolve: res, reject: rej })));
        socket.write(buf);
        return promises;
      };
      const client = {
        /** Send one command; resolves with its reply, rejects with the server's error message. */
        async call(...args) {
          const [p] = send(encodeCommand(args), 1);
          const r = await p;
          if (r instanceof RedisReplyError) throw new Error(r.message);
          return r;
        },
        /**
         * Send commands in batches of `batch` without waiting between them. Resolves with the
         * replies in order. By default throws on the first error reply (naming the command);
         * with `{ errors: 'return' }` error replies are returned as Error values.
         * @param {Array<Array<string|Uint8Array|number>>} commands
         * @param {{ batch?: number, errors?: 'throw' | 'return' }} [opts]
         */
        async pipeline(commands, opts = {}) {
          const batch = opts.batch ?? 1000;
          const replies = [];
          for (let i = 0; i < commands.length; i += batch) {
            const slice = commands.slice(i, i + batch);
            const buf = Buffer.concat(slice.map(encodeCommand));
            const got = await Promise.all(send(buf, slice.length));
            for (let j = 0; j < got.length; j++) {
              const r = got[j];
              if (r instanceof RedisReplyError && opts.errors !== 'return') {
                const cmd = slice[j]
                  .slice(0, 3)
                  .map((a) => (typeof a === 'string' ? a : '<bytes>'))
                  .join(' ');
                throw new Error(`${r.message} (command #${i + j}: ${cmd} ...)`);
              }
              replies.push(r);
            }
          }
          return replies;
        },
        /** Close the connection. */
        close() {
          closedError = closedError ?? new Error('connection closed by client');
          socket.destroy();
        },
      };
      resolve(client);
    });
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Redis Cluster

/** Path of redis-cli next to redis-server (or on PATH); null if none. */
export function redisCliPath() {
  const server = redisServerPath();
  const candidates = [];
  if (server) candidates.push(join(server, '..', 'redis-cli'));
  candidates.push('/usr/bin/redis-cli');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'redis-cli'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * Start a Redis Cluster of `primaries` servers (default 3) on 127.0.0.1, each with its own temp
 * dir and port, `--cluster-enabled yes`, joined with `redis-cli --cluster create ...
 * --cluster-replicas 0 --cluster-yes`. Resolves once every node reports cluster_state:ok and
 * agrees on the slot map. `stop()` stops every node (a node already killed is fine).
 * @param {{ primaries?: number, args?: string[] }} [options]
 */
export async function startCluster(options = {}) {
  const n = options.primaries ?? 3;
  const cli = redisCliPath();
  if (!cli) throw new Error('[rdbkit tests] redis-cli not found (needed to create a cluster)');
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < n; i++) {
      nodes.push(
        await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
            ...(options.args ?? []),
          ],
        }),
      );
    }
    const out = await new Promise((resolve, reject) => {
      const p = spawn(
        cli,
        ['--cluster', 'create', ...nodes.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`redis-cli --cluster create failed (${code}):\n${text}`))));
    });
    const deadline = Date.now() + 20000;
    for (;;) {
      let ready = true;
      for (const s of nodes) {
        const info = Buffer.from(await s.client.call('CLUSTER', 'INFO')).toString('latin1');
        const slots = await s.client.call('CLUSTER', 'SLOTS');
        if (!/cluster_state:ok/.test(info) || slots.length !== n) ready = false;
      }
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`cluster did not become ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
