#!/usr/bin/env node
/**
 * Builds the benchmark data with a real redis-server 7.0 on 127.0.0.1:
 *   bench/data/big.rdb   about 0.94M keys of every Redis 7.0 type and encoding (~500 MB)
 *   bench/data/aof/      the multi-part AOF (appendonly yes, aof-use-rdb-preamble no, no rewrite) that
 *                        the same server wrote while the data was loaded: plain RESP writes, a few
 *                        hundred MB (DEBUG POPULATE is not logged, so it holds the other keys only)
 *   bench/data/meta.json what was built, how big, how long it took; its presence marks a finished build
 *
 * The commands are generated from a seeded PRNG as RESP and streamed into `redis-cli --pipe`; the
 * string bulk comes from DEBUG POPULATE. Contents, per database:
 *   db 0  strings: DEBUG POPULATE (raw, LZF-compressible), int-encoded, embstr, raw (random text,
 *         repetitive text, binary); lists: small (one listpack node), long (many quicklist nodes,
 *         some LZF-compressed with list-compress-depth 1), a few with plain nodes; streams with
 *         consumer groups, pending entries, consumers and deleted entries
 *   db 1  hashes (listpack and hashtable), zsets (listpack and skiplist, some with ±inf scores)
 *   db 2  sets (intset and hashtable)
 * About one key in ten has a far-future TTL (2100-01-01 + n ms). Redis 7.0 has no listpack sets.
 *
 * Two more dumps, each from its own server (made after the above, recorded in meta-extra.json):
 *   bench/data/populate.rdb  DEBUG POPULATE 5000000 key 100: 5M strings whose 100-byte values are
 *                            "value:N" padded with NUL bytes (every NUL is six bytes of JSON)
 *   bench/data/huge.rdb      five huge keys: a 2M-field hash, a 2M-member set, a 1M-member zset,
 *                            a 2M-element list and a 500k-entry stream with a consumer group whose
 *                            PEL holds 100k entries over two consumers
 *
 * Usage: node bench/make-data.mjs [--rebuild] [--scale X] [--seed N]   (or RDBKIT_BENCH_SCALE=X in the environment)
 * The data is reused when meta.json says a build with the same scale and seed finished; --rebuild
 * forces a new one. --scale multiplies every key count (default 1; 0.05 for a quick try).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRandom } from '../test/support/prng.mjs';
import { requireRedis, startRedis } from '../test/support/redis.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = join(here, 'data');
export const RDB_FILE = join(DATA_DIR, 'big.rdb');
export const AOF_DIR = join(DATA_DIR, 'aof');
export const META_FILE = join(DATA_DIR, 'meta.json');
/** DEBUG POPULATE strings: 100-byte values, NUL-padded (issue 11's JSON-escaping case). */
export const POPULATE_FILE = join(DATA_DIR, 'populate.rdb');
/** A few huge keys (a 2M-field hash, 2M-member set, 1M-member zset, 2M-element list, 500k-entry stream). */
export const HUGE_FILE = join(DATA_DIR, 'huge.rdb');
const EXTRA_META_FILE = join(DATA_DIR, 'meta-extra.json');

const T2100 = 4102444800000;
const STREAM_T0 = 1700000000000;

/**
 * Key counts at scale 1: about 0.94M keys, big.rdb about 500 MB, the AOF about 800 MB (issue 11's
 * "every encoding" dump: 0.9M keys with big collections and streams with groups).
 */
const PLAN = {
  populate: 100_000, // DEBUG POPULATE strings, 48-byte values (raw, zero padded: LZF compresses them)
  intStrings: 200_000,
  embStrings: 200_000,
  rawStrings: 165_000,
  smallLists: 60_000,
  bigLists: 185,
  plainLists: 5,
  streams: 2_500,
  smallHashes: 80_000,
  bigHashes: 990,
  smallZsets: 35_000,
  bigZsets: 990,
  intSets: 80_000,
  strSets: 30_000,
  bigSets: 62,
};

// ---------------------------------------------------------------------------------------------
// RESP output into redis-cli --pipe

/** Buffers RESP commands and writes them to a stream in large chunks, honouring backpressure. */
class RespSink {
  constructor(stream, chunkSize = 4 << 20) {
    this.stream = stream;
    this.chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize * 2);
    this.pos = 0;
    this.commands = 0;
    this.bytes = 0;
  }

  ensure(n) {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  head(ch, n) {
    const s = `${ch}${n}\r\n`;
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** Append one command; args are strings (UTF-8), numbers or Buffers. */
  cmd(...args) {
    this.head('*', args.length);
    for (const a of args) {
      if (Buffer.isBuffer(a)) {
        this.head('$', a.length);
        this.ensure(a.length + 2);
        a.copy(this.buf, this.pos);
        this.pos += a.length;
      } else {
        const s = typeof a === 'string' ? a : String(a);
        const len = Buffer.byteLength(s);
        this.head('$', len);
        this.ensure(len + 2);
        this.pos += this.buf.write(s, this.pos, 'utf8');
      }
      this.buf[this.pos++] = 13;
      this.buf[this.pos++] = 10;
    }
    this.commands++;
  }

  /** Flush when the buffer is full enough; await this between keys. */
  async maybeFlush() {
    if (this.pos >= this.chunkSize) await this.flush();
  }

  async flush() {
    if (this.pos === 0) return;
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.bytes += out.length;
    this.pos = 0;
    if (!this.stream.write(out)) await once(this.stream, 'drain');
  }
}

// ---------------------------------------------------------------------------------------------
// Value material

/** Pools of random material; values are slices at random offsets (no copying, fast). */
function makePools(rnd) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const text = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < text.length; i++) text[i] = alphabet.charCodeAt(Math.floor(rnd.next() * 64));
  const binary = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < binary.length; i++) binary[i] = Math.floor(rnd.next() * 256);
  const words = [
    'alpha',
    'bravo',
    'charlie',
    'delta',
    'echo',
    'foxtrot',
    'golf',
    'hotel',
    'india',
    'juliet',
    'user',
    'session',
    'cart',
    'order',
    'status',
    'active',
    'pending',
    'name',
    'email',
    'created',
  ];
  return {
    /** Random base64-alphabet text of n bytes (LZF cannot shrink it). */
    text: (n) => {
      const o = rnd.int(0, text.length - n);
      return text.subarray(o, o + n);
    },
    /** Random bytes, not valid UTF-8 in general. */
    binary: (n) => {
      const o = rnd.int(0, binary.length - n);
      return binary.subarray(o, o + n);
    },
    /** Repetitive words, about n bytes (LZF shrinks it). */
    words: (n) => {
      let s = '';
      while (s.length < n) s += `${words[rnd.int(0, words.length - 1)]} `;
      return s.slice(0, n);
    },
    word: () => words[rnd.int(0, words.length - 1)],
  };
}

/** A short element for a list/set/hash/zset: text, an integer, or a word with a number. */
function element(rnd, pools, maxLen = 40) {
  const r = rnd.next();
  if (r < 0.25) return String(rnd.int(-1_000_000, 1_000_000_000));
  if (r < 0.5) return `${pools.word()}:${rnd.int(0, 99999)}`;
  return pools.text(rnd.int(4, maxLen));
}

function maybeExpire(sink, rnd, key) {
  if (rnd.chance(0.1)) sink.cmd('PEXPIREAT', key, T2100 + rnd.int(0, 1e9));
}

/** RPUSH/SADD/... in batches of `per` arguments so no single command gets huge. */
function variadic(sink, head, items, per = 512) {
  for (let i = 0; i < items.length; i += per) sink.cmd(...head, ...items.slice(i, i + per));
}

// ---------------------------------------------------------------------------------------------
// Generators, one per section

async function strings(sink, rnd, pools, n) {
  sink.cmd('SELECT', 0);
  for (let i = 0; i < n.intStrings; i += 50) {
    const args = [];
    for (let j = i; j < Math.min(i + 50, n.intStrings); j++) {
      const r = rnd.next();
      const v =
        r < 0.6
          ? rnd.int(0, 9999)
          : r < 0.9
            ? rnd.int(-2_000_000_000, 2_000_000_000)
            : `${rnd.int(1, 9)}${rnd.int(100000000, 999999999)}${rnd.int(100000000, 999999999)}`;
      args.push(`int:${j}`, String(v));
    }
    sink.cmd('MSET', ...args);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.embStrings; i += 50) {
    const args = [];
    for (let j = i; j < Math.min(i + 50, n.embStrings); j++) args.push(`emb:${j}`, pools.text(rnd.int(1, 44)));
    sink.cmd('MSET', ...args);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.rawStrings; i++) {
    const len = rnd.int(45, 1500);
    const r = rnd.next();
    const v = r < 0.45 ? pools.text(len) : r < 0.9 ? pools.words(len) : pools.binary(len);
    sink.cmd('SET', `raw:${i}`, v);
    maybeExpire(sink, rnd, `raw:${i}`);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.intStrings; i += 10) maybeExpire(sink, rnd, `int:${i}`);
}

async function lists(sink, rnd, pools, n) {
  sink.cmd('SELECT', 0);
  for (let i = 0; i < n.smallLists; i++) {
    const items = Array.from({ length: rnd.int(3, 60) }, () => element(rnd, pools));
    sink.cmd('RPUSH', `list:${i}`, ...items);
    maybeExpire(sink, rnd, `list:${i}`);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.bigLists; i++) {
    // A third of the long lists get LZF-compressed inner nodes (the depth is read at creation).
    const compress = i % 3 === 0;
    if (compress) sink.cmd('CONFIG', 'SET', 'list-compress-depth', '1');
    const len = rnd.int(5000, 20000);
    const items = Array.from({ length: len }, () => (compress ? pools.words(rnd.int(5, 40)) : element(rnd, pools)));
    variadic(sink, ['RPUSH', `biglist:${i}`], items);
    if (compress) sink.cmd('CONFIG', 'SET', 'list-compress-depth', '0');
    await sink.maybeFlush();
  }
  // Plain quicklist nodes: elements at or above the packed threshold (lowered here) get a node each.
  sink.cmd('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000');
  for (let i = 0; i < n.plainLists; i++) {
    for (let j = 0; j < 50; j++) {
      sink.cmd('RPUSH', `plainlist:${i}`, element(rnd, pools));
      sink.cmd('RPUSH', `plainlist:${i}`, pools.text(rnd.int(1000, 4000)));
    }
  }
  sink.cmd('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', String(1 << 30));
  await sink.maybeFlush();
}

async function streams(sink, rnd, pools, n) {
  sink.cmd('SELECT', 0);
  for (let i = 0; i < n.streams; i++) {
    const key = `stream:${i}`;
    const len = rnd.int(50, 1000);
    const ids = [];
    let ms = STREAM_T0 + i * 1000;
    for (let j = 0; j < len; j++) {
      ms += rnd.int(0, 3);
      const id = `${ms}-${j}`;
      ids.push(id);
      const fields = rnd.chance(0.8)
        ? ['event', pools.word(), 'user', String(rnd.int(1, 1e6)), 'payload', pools.text(rnd.int(5, 60))]
        : ['kind', 'other', 'v', String(rnd.int(0, 1e9))];
      sink.cmd('XADD', key, id, ...fields);
    }
    sink.cmd('XGROUP', 'CREATE', key, 'g1', '0');
    sink.cmd('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', rnd.int(1, 40), 'STREAMS', key, '>');
    sink.cmd('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', rnd.int(1, 20), 'STREAMS', key, '>');
    sink.cmd('XACK', key, 'g1', ids[0], ids[1]);
    if (i % 2 === 0) {
      sink.cmd('XGROUP', 'CREATE', key, 'g2', '$');
      sink.cmd('XGROUP', 'CREATECONSUMER', key, 'g2', 'idle');
    }
    sink.cmd('XDEL', key, ids[rnd.int(2, len - 1)], ids[rnd.int(2, len - 1)]);
    maybeExpire(sink, rnd, key);
    await sink.maybeFlush();
  }
}

async function hashes(sink, rnd, pools, n) {
  sink.cmd('SELECT', 1);
  for (let i = 0; i < n.smallHashes; i++) {
    const args = [];
    const count = rnd.int(2, 50);
    for (let j = 0; j < count; j++) args.push(`f${j}:${pools.word()}`, element(rnd, pools, 60));
    sink.cmd('HSET', `hash:${i}`, ...args);
    maybeExpire(sink, rnd, `hash:${i}`);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.bigHashes; i++) {
    // Hashtable: over 128 fields, or (one in four) few fields but a value over 64 bytes.
    const count = i % 4 === 0 ? rnd.int(5, 100) : rnd.int(200, 2000);
    const args = [];
    for (let j = 0; j < count; j++) args.push(`field:${j}`, j === 0 ? pools.text(rnd.int(65, 300)) : element(rnd, pools, 60));
    variadic(sink, ['HSET', `bighash:${i}`], args, 512);
    await sink.maybeFlush();
  }
}

async function zsets(sink, rnd, pools, n) {
  sink.cmd('SELECT', 1);
  const score = () => {
    const r = rnd.next();
    if (r < 0.4) return String(rnd.int(-1000, 100000));
    return (rnd.next() * 1e6 - 1e5).toPrecision(rnd.int(3, 17));
  };
  for (let i = 0; i < n.smallZsets; i++) {
    const args = [];
    const count = rnd.int(2, 100);
    for (let j = 0; j < count; j++) args.push(score(), `${pools.word()}:${j}:${pools.text(rnd.int(1, 20))}`);
    if (i % 50 === 0) args.push('+inf', 'top', '-inf', 'bottom');
    sink.cmd('ZADD', `zset:${i}`, ...args);
    maybeExpire(sink, rnd, `zset:${i}`);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.bigZsets; i++) {
    const count = rnd.int(200, 3000);
    const args = [];
    for (let j = 0; j < count; j++) args.push(score(), `member:${j}:${pools.text(rnd.int(1, 30))}`);
    if (i % 10 === 0) args.push('+inf', 'top', '-inf', 'bottom');
    variadic(sink, ['ZADD', `bigzset:${i}`], args, 512);
    await sink.maybeFlush();
  }
}

async function sets(sink, rnd, pools, n) {
  sink.cmd('SELECT', 2);
  for (let i = 0; i < n.intSets; i++) {
    const members = Array.from({ length: rnd.int(2, 100) }, () => String(rnd.chance(0.9) ? rnd.int(0, 1e6) : rnd.int(-2e9, 2e9)));
    sink.cmd('SADD', `intset:${i}`, ...members);
    maybeExpire(sink, rnd, `intset:${i}`);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.strSets; i++) {
    const members = Array.from({ length: rnd.int(2, 100) }, () => element(rnd, pools));
    sink.cmd('SADD', `set:${i}`, ...members);
    await sink.maybeFlush();
  }
  for (let i = 0; i < n.bigSets; i++) {
    const count = rnd.int(5000, 40000);
    // Half the big sets are all integers (over 512 of them: hashtable, not intset).
    const members = Array.from({ length: count }, (_, j) =>
      i % 2 === 0 ? String(j * 7 + rnd.int(0, 6)) : `m:${j}:${pools.text(rnd.int(1, 20))}`,
    );
    variadic(sink, ['SADD', `bigset:${i}`], members);
    await sink.maybeFlush();
  }
}

// ---------------------------------------------------------------------------------------------

function fmtMB(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function dirSize(dir) {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total;
}

/** Reads meta.json when the data it describes is all there; else null. */
export function readMeta() {
  if (!existsSync(META_FILE) || !existsSync(RDB_FILE) || !existsSync(AOF_DIR)) return null;
  try {
    return JSON.parse(readFileSync(META_FILE, 'utf8'));
  } catch {
    return null;
  }
}

/** Path of the AOF manifest in bench/data/aof (the argument redis-check-aof takes). */
export function aofManifest() {
  const m = readdirSync(AOF_DIR).find((f) => f.endsWith('.manifest'));
  return m ? join(AOF_DIR, m) : null;
}

/**
 * Build the data unless a finished build with the same scale and seed exists.
 * @param {{ rebuild?: boolean, scale?: number, seed?: number, log?: (s: string) => void }} [opts]
 */
export async function makeData(opts = {}) {
  const scale = opts.scale ?? 1;
  const seed = opts.seed ?? 20240601;
  const log = opts.log ?? ((s) => process.stderr.write(`${s}\n`));
  const meta = readMeta();
  if (!opts.rebuild && meta && meta.scale === scale && meta.seed === seed) {
    log(
      `bench data present (${meta.keys} keys, RDB ${fmtMB(meta.rdbBytes)}, AOF ${fmtMB(meta.aofBytes)}; built in ${meta.buildSeconds} s); --rebuild to make it again`,
    );
    return meta;
  }
  if (!requireRedis('building the bench data')) throw new Error('redis-server is needed to build the bench data');
  const redisCli = existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';

  const n = Object.fromEntries(Object.entries(PLAN).map(([k, v]) => [k, Math.max(1, Math.round(v * scale))]));
  rmSync(META_FILE, { force: true });
  rmSync(RDB_FILE, { force: true });
  rmSync(AOF_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });

  const t0 = process.hrtime.bigint();
  const server = await startRedis({
    dir: DATA_DIR,
    startTimeoutMs: 30000,
    args: [
      '--dbfilename',
      'big.rdb',
      '--appendonly',
      'yes',
      '--appenddirname',
      'aof',
      '--appendfilename',
      'big.aof',
      '--aof-use-rdb-preamble',
      'no',
      '--appendfsync',
      'no',
      '--aof-timestamp-enabled',
      'no',
      // No automatic rewrite: the AOF must stay the log of the plain writes.
      '--auto-aof-rewrite-percentage',
      '0',
      '--rdbcompression',
      'yes',
      '--rdbchecksum',
      'yes',
    ],
  });
  try {
    const c = server.client;
    const version = String(
      Buffer.from(await c.call('INFO', 'server'))
        .toString()
        .match(/redis_version:(\S+)/)?.[1],
    );
    log(`building bench data with redis ${version} on port ${server.port} (scale ${scale}, seed ${seed})...`);

    const t1 = process.hrtime.bigint();
    await c.call('SELECT', 0);
    await c.call('DEBUG', 'POPULATE', n.populate, 'pop', 48);
    log(`  DEBUG POPULATE ${n.populate} strings: ${(Number(process.hrtime.bigint() - t1) / 1e9).toFixed(1)} s`);

    const pipe = spawn(redisCli, ['-h', '127.0.0.1', '-p', String(server.port), '--pipe', '--pipe-timeout', '600'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let pipeOut = '';
    pipe.stdout.on('data', (d) => {
      pipeOut += d;
    });
    const exited = once(pipe, 'exit');
    const sink = new RespSink(pipe.stdin);
    const rnd = makeRandom(seed);
    const pools = makePools(rnd);
    for (const [name, gen] of [
      ['strings', strings],
      ['lists', lists],
      ['streams', streams],
      ['hashes', hashes],
      ['zsets', zsets],
      ['sets', sets],
    ]) {
      const ts = process.hrtime.bigint();
      await gen(sink, rnd, pools, n);
      log(
        `  ${name}: generated (${sink.commands} commands, ${fmtMB(sink.bytes + sink.pos)} RESP so far) ${(Number(process.hrtime.bigint() - ts) / 1e9).toFixed(1)} s`,
      );
    }
    await sink.flush();
    pipe.stdin.end();
    const [code] = await exited;
    const m = pipeOut.match(/errors:\s*(\d+),\s*replies:\s*(\d+)/);
    if (code !== 0 || !m || m[1] !== '0') throw new Error(`redis-cli --pipe failed (exit ${code}): ${pipeOut.trim()}`);
    log(`  redis-cli --pipe: ${m[2]} replies, 0 errors`);

    const info = Buffer.from(await c.call('INFO', 'keyspace')).toString();
    const dbs = {};
    for (const [, db, keys, expires] of info.matchAll(/db(\d+):keys=(\d+),expires=(\d+)/g))
      dbs[db] = { keys: Number(keys), expires: Number(expires) };
    const keys = Object.values(dbs).reduce((a, d) => a + d.keys, 0);

    const ts = process.hrtime.bigint();
    await c.call('SAVE');
    log(`  SAVE: ${(Number(process.hrtime.bigint() - ts) / 1e9).toFixed(1)} s`);
    await server.stop(); // SHUTDOWN NOSAVE: flushes and fsyncs the AOF, keeps the dir (ours)

    const rdbBytes = statSync(RDB_FILE).size;
    const aofBytes = dirSize(AOF_DIR);
    const buildSeconds = Number((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1));
    const out = {
      scale,
      seed,
      redisVersion: version,
      keys,
      dbs,
      plan: n,
      rdbFile: 'big.rdb',
      rdbBytes,
      aofDir: 'aof',
      aofFiles: readdirSync(AOF_DIR),
      aofBytes,
      respBytesSent: sink.bytes,
      commandsSent: sink.commands,
      buildSeconds,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(META_FILE, `${JSON.stringify(out, null, 2)}\n`);
    log(`built bench data in ${buildSeconds} s: ${keys} keys, ${RDB_FILE} ${fmtMB(rdbBytes)}, ${AOF_DIR}/ ${fmtMB(aofBytes)}`);
    return out;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The two extra dumps (issue 11): DEBUG POPULATE strings, and a few huge keys.

/** Key counts of the extra dumps at scale 1. */
const EXTRA_PLAN = {
  populate: 5_000_000,
  hugeHash: 2_000_000,
  hugeSet: 2_000_000,
  hugeZset: 1_000_000,
  hugeList: 2_000_000,
  hugeStream: 500_000,
  hugeStreamPending: 100_000,
};

/** Start a server writing `dbfilename` into DATA_DIR (no AOF), run `fill(client, port)`, SAVE, stop. */
async function buildDump(dbfilename, fill, log) {
  rmSync(join(DATA_DIR, dbfilename), { force: true });
  const server = await startRedis({
    dir: DATA_DIR,
    startTimeoutMs: 30000,
    args: ['--dbfilename', dbfilename, '--appendonly', 'no', '--rdbcompression', 'yes', '--rdbchecksum', 'yes'],
  });
  try {
    await fill(server.client, server.port);
    const ts = process.hrtime.bigint();
    await server.client.call('SAVE');
    log(`  SAVE ${dbfilename}: ${(Number(process.hrtime.bigint() - ts) / 1e9).toFixed(1)} s`);
  } finally {
    await server.stop();
  }
  return statSync(join(DATA_DIR, dbfilename)).size;
}

/** Stream RESP from `gen(sink)` into `redis-cli --pipe` against a server on `port`. */
async function pipeInto(port, gen) {
  const redisCli = existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';
  const pipe = spawn(redisCli, ['-h', '127.0.0.1', '-p', String(port), '--pipe', '--pipe-timeout', '600'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let pipeOut = '';
  pipe.stdout.on('data', (d) => {
    pipeOut += d;
  });
  const exited = once(pipe, 'exit');
  const sink = new RespSink(pipe.stdin);
  await gen(sink);
  await sink.flush();
  pipe.stdin.end();
  const [code] = await exited;
  const m = pipeOut.match(/errors:\s*(\d+),\s*replies:\s*(\d+)/);
  if (code !== 0 || !m || m[1] !== '0') throw new Error(`redis-cli --pipe failed (exit ${code}): ${pipeOut.trim()}`);
}

/** The huge keys, as RESP (variadic commands of 1000 elements). */
async function hugeKeys(sink, rnd, pools, n) {
  const batch = async (count, make, head) => {
    for (let i = 0; i < count; i += 1000) {
      const args = [];
      for (let j = i; j < Math.min(i + 1000, count); j++) args.push(...make(j));
      sink.cmd(...head, ...args);
      await sink.maybeFlush();
    }
  };
  await batch(n.hugeHash, (j) => [`field:${j}`, element(rnd, pools, 60)], ['HSET', 'huge:hash']);
  await batch(n.hugeSet, (j) => [`member:${j}:${pools.text(rnd.int(1, 16))}`], ['SADD', 'huge:set']);
  await batch(n.hugeZset, (j) => [String(rnd.int(-1e6, 1e6) + (j % 3 ? 0.5 : 0)), `m:${j}:${pools.text(rnd.int(1, 12))}`], [
    'ZADD',
    'huge:zset',
  ]);
  await batch(n.hugeList, () => [element(rnd, pools, 40)], ['RPUSH', 'huge:list']);
  for (let j = 0; j < n.hugeStream; j++) {
    sink.cmd(
      'XADD',
      'huge:stream',
      `${STREAM_T0 + j}-1`,
      'event',
      pools.word(),
      'user',
      String(rnd.int(1, 1e6)),
      'payload',
      pools.text(rnd.int(5, 40)),
    );
    if (j % 1000 === 999) await sink.maybeFlush();
  }
  sink.cmd('XGROUP', 'CREATE', 'huge:stream', 'g1', '0');
  const half = Math.floor(n.hugeStreamPending / 2);
  sink.cmd('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', half, 'STREAMS', 'huge:stream', '>');
  sink.cmd('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', n.hugeStreamPending - half, 'STREAMS', 'huge:stream', '>');
  sink.cmd('PEXPIREAT', 'huge:hash', T2100);
}

/** Build populate.rdb and huge.rdb unless meta-extra.json says they were built with this scale and seed. */
export async function makeExtraData(opts = {}) {
  const scale = opts.scale ?? 1;
  const seed = opts.seed ?? 20240601;
  const log = opts.log ?? ((s) => process.stderr.write(`${s}\n`));
  let meta = null;
  try {
    meta = JSON.parse(readFileSync(EXTRA_META_FILE, 'utf8'));
  } catch {
    /* not built */
  }
  if (!opts.rebuild && meta && meta.scale === scale && meta.seed === seed && existsSync(POPULATE_FILE) && existsSync(HUGE_FILE)) {
    log(`extra bench data present (populate.rdb ${fmtMB(meta.populateBytes)}, huge.rdb ${fmtMB(meta.hugeBytes)})`);
    return meta;
  }
  if (!requireRedis('building the bench data')) throw new Error('redis-server is needed to build the bench data');
  rmSync(EXTRA_META_FILE, { force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  const n = Object.fromEntries(Object.entries(EXTRA_PLAN).map(([k, v]) => [k, Math.max(2, Math.round(v * scale))]));
  const t0 = process.hrtime.bigint();
  const populateBytes = await buildDump(
    'populate.rdb',
    async (c) => {
      const ts = process.hrtime.bigint();
      await c.call('DEBUG', 'POPULATE', n.populate, 'key', 100);
      log(`  DEBUG POPULATE ${n.populate} key 100: ${(Number(process.hrtime.bigint() - ts) / 1e9).toFixed(1)} s`);
    },
    log,
  );
  const hugeBytes = await buildDump(
    'huge.rdb',
    async (_c, port) => {
      const ts = process.hrtime.bigint();
      const rnd = makeRandom(seed + 1);
      await pipeInto(port, (sink) => hugeKeys(sink, rnd, makePools(rnd), n));
      log(`  huge keys: ${(Number(process.hrtime.bigint() - ts) / 1e9).toFixed(1)} s`);
    },
    log,
  );
  const out = {
    scale,
    seed,
    plan: n,
    populateBytes,
    hugeBytes,
    buildSeconds: Number((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)),
    builtAt: new Date().toISOString(),
  };
  writeFileSync(EXTRA_META_FILE, `${JSON.stringify(out, null, 2)}\n`);
  log(`built extra bench data in ${out.buildSeconds} s: populate.rdb ${fmtMB(populateBytes)}, huge.rdb ${fmtMB(hugeBytes)}`);
  return out;
}

/** Parse --rebuild / --scale X / --seed N from argv. */
export function parseDataArgs(argv) {
  const opts = {};
  // RDBKIT_BENCH_SCALE=0.05 npm run bench: a small run (every key count times the factor)
  if (process.env.RDBKIT_BENCH_SCALE) opts.scale = Number(process.env.RDBKIT_BENCH_SCALE);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rebuild') opts.rebuild = true;
    else if (argv[i] === '--scale') opts.scale = Number(argv[++i]);
    else if (argv[i] === '--seed') opts.seed = Number(argv[++i]);
  }
  if (opts.scale !== undefined && !(opts.scale > 0)) throw new Error('--scale needs a positive number');
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const args = parseDataArgs(process.argv.slice(2));
    await makeData(args);
    await makeExtraData(args);
  } catch (e) {
    process.stderr.write(`make-data: ${e.message}\n`);
    process.exit(1);
  }
}
