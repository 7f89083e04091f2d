#!/usr/bin/env node
/**
 * `npm run bench`: times rdbkit against Redis's own checkers on the same large files in the same run.
 *
 * Steps: build the data if missing (bench/make-data.mjs), `npm run build`, warm the page cache, then
 * run every measurement N times under `/usr/bin/time -f %M` and report the median wall time, the
 * ratio to the baseline (redis-check-rdb for RDB rows, redis-check-aof for AOF rows), the largest
 * peak RSS of the runs, and PASS/MISS against the design targets (issue 2: check <= 1.5x and
 * convert --to jsonl <= 2.5x redis-check-rdb, peak RSS <= 200 MB). Rows the issues give no time
 * target (convert --to rdb, the AOF check) are judged on RSS only. Rows whose CLI support is not
 * there yet are listed as "not in CLI" instead of failing the bench.
 *
 * AOF -> RDB (issue 5): `rdbkit convert aof/ --to rdb` (replay through the engine, then the RDB
 * writer) against redis-server's own load of the same AOF in the same run: a server started on
 * a copy of the AOF directory (Redis would otherwise own and may rewrite bench/data/aof), timed
 * from spawn to its "DB loaded from append only file" log line; its peak RSS is VmHWM from
 * /proc/<pid>/status and its CPU time utime+stime from /proc/<pid>/stat, both read at that moment.
 * The written RDB is checked with redis-check-rdb, and once loaded into a server whose DEBUG
 * DIGEST must equal the digest of the server that loaded the AOF.
 *
 * Restore (issue 13): `rdbkit restore big.rdb --to redis://…` against `rdbkit convert big.rdb --to
 * resp | redis-cli --pipe` into the same redis-server (one started for both rows, FLUSHALL before
 * every run, not timed). Both end when the server has answered every command. The row's ratio is
 * time over the pipe's (<= 1.0 means restore's throughput is at least the pipe's, the target); the
 * DEBUG DIGEST after the last run of each must be equal (both wrote the same dataset).
 *
 * Output: a table on stdout and bench/results.json (gitignored).
 *
 * Usage: node bench/run.mjs [--runs N] [--no-build] [--rebuild] [--scale X] [--seed N] [--only a,b]
 *   --only   names of rows to run (redis-check-rdb, check, jsonl, to-rdb, redis-check-aof, check-aof,
 *            redis-load-aof, aof-to-rdb, redis-pipe, restore);
 *            baselines are always run when a row needs them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRedis, freePort, redisServerPath, startRedis } from '../test/support/redis.mjs';
import {
  AOF_DIR,
  aofManifest,
  DATA_DIR,
  HUGE_FILE,
  makeData,
  makeExtraData,
  POPULATE_FILE,
  parseDataArgs,
  RDB_FILE,
} from './make-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const RESULTS_FILE = join(here, 'results.json');
const TIME_BIN = '/usr/bin/time';
const RDBKIT = join(root, 'bin', 'rdbkit.js');
const REDIS_CHECK_RDB = existsSync('/usr/bin/redis-check-rdb') ? '/usr/bin/redis-check-rdb' : 'redis-check-rdb';
const REDIS_CHECK_AOF = existsSync('/usr/bin/redis-check-aof') ? '/usr/bin/redis-check-aof' : 'redis-check-aof';
const REDIS_CLI = existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';
/** A small AOF directory used to ask whether `rdbkit check` reads AOFs yet. */
const AOF_PROBE = join(root, 'fixtures', 'aof', 'resp-base');

const RSS_TARGET_MB = 200;

const USAGE = `usage: node bench/run.mjs [--runs N] [--no-build] [--rebuild] [--scale X] [--seed N] [--only a,b]
  --runs N     runs per measurement (default 3); the median is reported
  --no-build   bench the existing dist/ instead of running npm run build first
  --rebuild    rebuild bench/data even when it exists (see bench/make-data.mjs)
  --scale X    data size factor for make-data (default 1, about 490 MB of RDB)
  --only a,b   rows to run: redis-check-rdb, check, jsonl, to-rdb, check-populate, jsonl-populate,
               to-rdb-populate, check-huge, jsonl-huge, to-rdb-huge, redis-check-aof, check-aof,
               redis-load-aof, aof-to-rdb, redis-pipe, restore
`;

/** A path inside the repository as a relative path (for the report); other args unchanged. */
const show = (a) => (a.startsWith(`${root}/`) ? a.slice(root.length + 1) : a);

function parseArgs(argv) {
  const opts = { runs: 3, build: true, only: null, data: parseDataArgs(argv) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--no-build') opts.build = false;
    else if (a === '--only') opts.only = new Set(argv[++i].split(','));
    else if (a === '--scale' || a === '--seed') i++;
    else if (a === '--rebuild') {
      /* parseDataArgs */
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs needs a positive integer');
  return opts;
}

const log = (s) => process.stderr.write(`${s}\n`);

/** Make sure GNU time is there (for %M); install it with apt-get when missing and allowed. */
function ensureTime() {
  if (existsSync(TIME_BIN)) return;
  log(`${TIME_BIN} not found: installing the "time" package with apt-get`);
  const r = spawnSync('sh', ['-c', 'apt-get install -y time || (apt-get update && apt-get install -y time)'], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(TIME_BIN)) throw new Error(`${TIME_BIN} is needed for peak RSS (apt-get install time)`);
}

/** Read a file once so every command starts from the page cache. */
async function warm(file) {
  for await (const _ of createReadStream(file, { highWaterMark: 1 << 22 })) {
    /* discard */
  }
}

/**
 * Run one command under /usr/bin/time. stdout goes to /dev/null; stderr is kept (last lines).
 * @returns {Promise<{ seconds: number, rssKB: number, cpuSeconds: number, code: number | null, stderr: string }>}
 */
function timed(cmd, args, tmp) {
  const timeFile = join(tmp, 'time.out');
  rmSync(timeFile, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME_BIN, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let rssKB = NaN;
      let cpuSeconds = NaN;
      try {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const [m, u, s] = lines[lines.length - 1].split(' ').map(Number);
        rssKB = m;
        cpuSeconds = u + s;
      } catch {
        /* no time output: the command could not run */
      }
      resolve({ seconds, rssKB, cpuSeconds, code, stderr: stderr.trim() });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Clock ticks per second of /proc/<pid>/stat times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** utime + stime of a live process in seconds (from /proc/<pid>/stat), NaN when unreadable. */
function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15: utime, stime
  } catch {
    return NaN;
  }
}

/** Peak RSS (VmHWM) of a live process in KB, NaN when unreadable. */
function procPeakRssKB(pid) {
  try {
    return Number(/VmHWM:\s*(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/**
 * redis-server loading the bench AOF: copy the AOF directory into `work` (so the server never
 * touches bench/data/aof), start a server on it, and time spawn -> "DB loaded from append only
 * file". With `digest`, also ask the loaded server for DEBUG DIGEST. The server is shut down
 * (SHUTDOWN NOSAVE, SIGKILL after 10 s) and the copy removed before this returns.
 * @returns {Promise<{ seconds: number, rssKB: number, cpuSeconds: number, code: number | null, stderr: string, digest?: string }>}
 */
async function redisLoadAof(work, manifest, digest) {
  const dir = join(work, 'redis-load');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(AOF_DIR, join(dir, 'aof'), { recursive: true });
  const appendfilename = basename(manifest).replace(/\.manifest$/, '');
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--appendonly',
    'yes',
    '--appenddirname',
    'aof',
    '--appendfilename',
    appendfilename,
    '--auto-aof-rewrite-percentage',
    '0',
    '--appendfsync',
    'no',
    '--enable-debug-command',
    'yes',
    '--logfile',
    '',
    '--loglevel',
    'notice',
  ];
  const t0 = process.hrtime.bigint();
  const proc = spawn(redisServerPath() ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  let out = '';
  const result = await new Promise((resolve) => {
    const onData = (d) => {
      out = (out + d).slice(-8000);
      if (/DB loaded from append only file/.test(out)) {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        resolve({ seconds, rssKB: procPeakRssKB(proc.pid), cpuSeconds: procCpuSeconds(proc.pid), code: 0, stderr: '' });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => {
      out = (out + d).slice(-8000);
    });
    exited.then((code) => resolve({ seconds: NaN, rssKB: NaN, cpuSeconds: NaN, code: code ?? 1, stderr: out.trim() }));
  });
  try {
    if (result.code === 0 && digest) {
      const client = await connectRedis(port);
      try {
        result.digest = Buffer.from(await client.call('DEBUG', 'DIGEST')).toString();
      } finally {
        client.close();
      }
    }
  } finally {
    if (proc.exitCode === null) {
      const client = await connectRedis(port).catch(() => null);
      await client?.call('SHUTDOWN', 'NOSAVE').catch(() => {});
      client?.close();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** DEBUG DIGEST of a server that loads the RDB file `rdb` (started on its directory, nothing saved). */
async function digestOfRdb(rdb) {
  const server = await startRedis({ dir: dirname(rdb), args: ['--dbfilename', basename(rdb)], startTimeoutMs: 300000 });
  try {
    return Buffer.from(await server.client.call('DEBUG', 'DIGEST')).toString();
  } finally {
    await server.stop();
  }
}

/** Whether the built CLI offers `convert --to rdb` (issue 3). */
function cliHasConvertToRdb() {
  const r = spawnSync(process.execPath, [RDBKIT, 'convert', '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const m = /--to\b[^\n]*choices:([^\]]*)\]/.exec(r.stdout ?? '');
  return m ? /"rdb"/.test(m[1]) : false;
}

/** Whether the built CLI converts an AOF directory to RDB (issue 5): it must convert a real one. */
function cliConvertsAof(tmp) {
  if (!existsSync(AOF_PROBE)) return false;
  const out = join(tmp, 'probe.rdb');
  const r = spawnSync(process.execPath, [RDBKIT, 'convert', AOF_PROBE, '--to', 'rdb', '-o', out, '--force'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  rmSync(out, { force: true });
  return r.status === 0;
}

/** Whether the built CLI's `check` reads AOF directories (issue 4): it must accept a real one. */
function cliChecksAof() {
  if (!existsSync(AOF_PROBE)) return false;
  const r = spawnSync(process.execPath, [RDBKIT, 'check', AOF_PROBE], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return r.status === 0;
}

/** Whether the built CLI offers `restore` (issue 13). */
function cliHasRestore() {
  const r = spawnSync(process.execPath, [RDBKIT, 'restore', '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return r.status === 0 && /--to\b/.test(r.stdout ?? '');
}

/**
 * The server both restore rows write into: started on first use (nothing saved, no memory cap),
 * emptied before each run; `stop()` at the end of the bench.
 */
function restoreTarget() {
  let server = null;
  return {
    async run(cmd, args, tmp, digest) {
      server ??= await startRedis({ startTimeoutMs: 60000 });
      await server.client.call('FLUSHALL');
      const cpu0 = procCpuSeconds(server.pid);
      const r = await timed(cmd(server.port), args(server.port), tmp);
      r.serverCpuSeconds = procCpuSeconds(server.pid) - cpu0;
      if (r.code === 0) {
        r.keys = await server.client.call('DBSIZE');
        if (digest) r.digest = Buffer.from(await server.client.call('DEBUG', 'DIGEST')).toString();
      }
      return r;
    },
    async stop() {
      await server?.stop();
    },
  };
}

function gitRevision() {
  const r = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout.trim()}${dirty.stdout?.trim() ? ' + uncommitted src changes' : ''}` : null;
}

function redisVersion() {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(r.stdout ?? '')?.[1] ?? null;
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function printTable(rows) {
  const head = ['measurement', 'median s', 'runs (s)', 'cpu s', 'ratio', 'cpu ratio', 'target', 'peak RSS MB', 'load', 'result'];
  const body = rows.map((r) => [
    r.label,
    fmt(r.medianSeconds),
    r.seconds ? r.seconds.map((s) => fmt(s, 1)).join(' ') : '-',
    fmt(r.medianCpuSeconds),
    r.baseline ? (Number.isFinite(r.ratio) ? `${fmt(r.ratio)}x` : '-') : 'baseline',
    r.baseline ? (Number.isFinite(r.cpuRatio) ? `${fmt(r.cpuRatio)}x` : '-') : '',
    r.targetText ?? (r.baseline ? `${r.ratioTarget ? `<=${r.ratioTarget}x, ` : ''}<=${RSS_TARGET_MB} MB` : ''),
    fmt(r.peakRssMB, 1),
    fmt(r.loadAverage, 1),
    r.status,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const b of body) process.stdout.write(`${line(b)}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureTime();
  const meta = await makeData({ ...opts.data, log });
  const extra = await makeExtraData({ ...opts.data, log });
  if (opts.build) {
    log('npm run build ...');
    const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error('npm run build failed (use --no-build to bench the existing dist/)');
  }
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build');

  const manifest = aofManifest();
  const tmp = mkdtempSync(join(tmpdir(), 'rdbkit-bench-'));
  const toRdbOut = join(DATA_DIR, 'tmp-convert.rdb');
  const aofRdbOut = join(tmp, 'aof-convert', 'dump.rdb');
  mkdirSync(dirname(aofRdbOut), { recursive: true });
  const node = process.execPath;
  const rdb = relative(process.cwd(), RDB_FILE) || RDB_FILE;
  const target = restoreTarget();

  /** Rows: name, label, command, baseline name, ratio target, whether the CLI has it. */
  const plan = [
    { name: 'redis-check-rdb', label: `redis-check-rdb big.rdb`, cmd: REDIS_CHECK_RDB, args: [RDB_FILE] },
    {
      name: 'check',
      label: 'rdbkit check big.rdb',
      cmd: node,
      args: [RDBKIT, 'check', RDB_FILE],
      baseline: 'redis-check-rdb',
      ratioTarget: 1.3,
    },
    {
      name: 'jsonl',
      label: 'rdbkit convert big.rdb --to jsonl > /dev/null',
      cmd: node,
      args: [RDBKIT, 'convert', RDB_FILE, '--to', 'jsonl'],
      baseline: 'redis-check-rdb',
      ratioTarget: 2.5,
    },
    {
      name: 'to-rdb',
      label: 'rdbkit convert big.rdb --to rdb -o tmp',
      cmd: node,
      args: [RDBKIT, 'convert', RDB_FILE, '--to', 'rdb', '-o', toRdbOut, '--force'],
      baseline: 'redis-check-rdb',
      ratioTarget: 4,
      available: cliHasConvertToRdb,
      cleanup: () => rmSync(toRdbOut, { force: true }),
      validate: toRdbOut,
    },
    // issue 11: the NUL-padded DEBUG POPULATE strings and the huge-key dump, each against redis-check-rdb
    ...[
      ['populate', POPULATE_FILE],
      ['huge', HUGE_FILE],
    ].flatMap(([tag, file]) => {
      const out = join(DATA_DIR, `tmp-convert-${tag}.rdb`);
      const label = basename(file);
      return [
        { name: `redis-check-rdb-${tag}`, label: `redis-check-rdb ${label}`, cmd: REDIS_CHECK_RDB, args: [file] },
        {
          name: `check-${tag}`,
          label: `rdbkit check ${label}`,
          cmd: node,
          args: [RDBKIT, 'check', file],
          baseline: `redis-check-rdb-${tag}`,
          ratioTarget: 1.3,
        },
        {
          name: `jsonl-${tag}`,
          label: `rdbkit convert ${label} --to jsonl > /dev/null`,
          cmd: node,
          args: [RDBKIT, 'convert', file, '--to', 'jsonl'],
          baseline: `redis-check-rdb-${tag}`,
          ratioTarget: 2.5,
        },
        {
          name: `to-rdb-${tag}`,
          label: `rdbkit convert ${label} --to rdb -o tmp`,
          cmd: node,
          args: [RDBKIT, 'convert', file, '--to', 'rdb', '-o', out, '--force'],
          baseline: `redis-check-rdb-${tag}`,
          ratioTarget: 4,
          cleanup: () => rmSync(out, { force: true }),
          validate: out,
        },
      ];
    }),
    {
      name: 'redis-check-aof',
      label: 'redis-check-aof aof/big.aof.manifest',
      cmd: REDIS_CHECK_AOF,
      args: [manifest ?? join(AOF_DIR, 'missing.manifest')],
    },
    {
      name: 'check-aof',
      label: 'rdbkit check aof/',
      cmd: node,
      args: [RDBKIT, 'check', AOF_DIR],
      baseline: 'redis-check-aof',
      available: cliChecksAof,
    },
    {
      name: 'redis-load-aof',
      label: 'redis-server loading aof/ (to "DB loaded")',
      command: `redis-server --appendonly yes --appenddirname aof (on a copy of ${show(AOF_DIR)}), spawn -> "DB loaded from append only file"`,
      // The first run also reads DEBUG DIGEST, the reference for the aof-to-rdb output.
      run: (i) => redisLoadAof(tmp, manifest ?? join(AOF_DIR, 'missing.manifest'), i === 0),
      available: () => manifest !== null && redisServerPath() !== null,
    },
    {
      name: 'aof-to-rdb',
      label: 'rdbkit convert aof/ --to rdb -o tmp',
      cmd: node,
      args: [RDBKIT, 'convert', AOF_DIR, '--to', 'rdb', '-o', aofRdbOut, '--force'],
      // The engine holds the dataset in memory (as the server does): no 200 MB cap, no time target.
      baseline: 'redis-load-aof',
      rssTarget: null,
      targetText: 'digest = server',
      available: () => cliConvertsAof(tmp),
      validate: aofRdbOut,
      digestOf: 'redis-load-aof',
      cleanup: () => rmSync(aofRdbOut, { force: true }),
    },
    {
      name: 'redis-pipe',
      label: 'rdbkit convert big.rdb --to resp | redis-cli --pipe',
      command: `sh -c "node bin/rdbkit.js convert ${show(RDB_FILE)} --to resp | redis-cli -p PORT --pipe" (into a fresh redis-server)`,
      run: (i) =>
        target.run(
          () => 'sh',
          (port) => ['-c', `"${node}" "${RDBKIT}" convert "${RDB_FILE}" --to resp | ${REDIS_CLI} -p ${port} --pipe`],
          tmp,
          i === opts.runs - 1,
        ),
      available: () => redisServerPath() !== null,
      rssTarget: null,
    },
    {
      name: 'restore',
      label: 'rdbkit restore big.rdb --to redis://',
      command: `node bin/rdbkit.js restore ${show(RDB_FILE)} --to redis://127.0.0.1:PORT -q (into the same redis-server)`,
      run: (i) =>
        target.run(
          () => node,
          (port) => [RDBKIT, 'restore', RDB_FILE, '--to', `redis://127.0.0.1:${port}`, '-q'],
          tmp,
          i === opts.runs - 1,
        ),
      baseline: 'redis-pipe',
      ratioTarget: 1.0,
      targetText: '<=1.0x (throughput >= pipe), digest = pipe',
      serverDigestOf: 'redis-pipe',
      available: () => redisServerPath() !== null && cliHasRestore(),
    },
  ];
  const wanted = new Set(plan.filter((p) => !opts.only || opts.only.has(p.name)).map((p) => p.name));
  for (const p of plan) if (wanted.has(p.name) && p.baseline) wanted.add(p.baseline);

  log(`warming the page cache (${rdb}, ${relative(process.cwd(), AOF_DIR) || AOF_DIR}/) ...`);
  await warm(RDB_FILE);
  if (manifest) for (const f of meta.aofFiles ?? []) if (existsSync(join(AOF_DIR, f))) await warm(join(AOF_DIR, f));

  const loadAtStart = loadavg()[0];
  if (loadAtStart > 0.5)
    log(
      `note: load average is ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs; other processes skew wall times (the cpu column is less affected)`,
    );
  const rows = [];
  const byName = new Map();
  for (const p of plan) {
    if (!wanted.has(p.name)) continue;
    const row = {
      name: p.name,
      label: p.label,
      command: p.command ?? [p.cmd === node ? 'node' : p.cmd, ...p.args].map(show).join(' '),
      baseline: p.baseline ?? null,
      ratioTarget: p.ratioTarget ?? null,
      rssTargetMB: p.rssTarget === undefined ? RSS_TARGET_MB : p.rssTarget,
    };
    if (p.targetText) row.targetText = p.targetText;
    rows.push(row);
    byName.set(p.name, row);
    if (p.available && !p.available()) {
      row.status = 'not in CLI';
      log(`${p.label}: not offered by this build of the CLI, skipped`);
      continue;
    }
    row.seconds = [];
    row.cpuSeconds = [];
    row.loadAverage = Number(loadavg()[0].toFixed(2));
    let rss = 0;
    for (let i = 0; i < opts.runs; i++) {
      const r = p.run ? await p.run(i) : await timed(p.cmd, p.args, tmp);
      if (r.digest) row.digest = r.digest;
      if (r.keys !== undefined) row.keysInServer = r.keys;
      if (r.serverCpuSeconds !== undefined) (row.serverCpuSeconds ??= []).push(Number(r.serverCpuSeconds.toFixed(2)));
      if (r.code !== 0) {
        row.status = 'ERROR';
        row.error = `exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' | ')}`;
        log(`${p.label}: ${row.error}`);
        break;
      }
      row.seconds.push(Number(r.seconds.toFixed(3)));
      row.cpuSeconds.push(Number(r.cpuSeconds.toFixed(2)));
      rss = Math.max(rss, r.rssKB);
      log(
        `${p.label}: run ${i + 1}/${opts.runs} ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s cpu, peak RSS ${(r.rssKB / 1024).toFixed(1)} MB`,
      );
      if (r.serverCpuSeconds !== undefined) log(`  redis-server cpu during the run: ${r.serverCpuSeconds.toFixed(2)} s`);
      if (p.validate && i === opts.runs - 1) {
        const v = spawnSync(REDIS_CHECK_RDB, [p.validate], { encoding: 'utf8' });
        row.outputAcceptedByRedisCheckRdb = v.status === 0;
        log(
          `  redis-check-rdb on the output: ${v.status === 0 ? 'OK' : `FAILED: ${(v.stdout ?? '').trim().split('\n').slice(-2).join(' | ')}`}`,
        );
        const ref = p.digestOf ? byName.get(p.digestOf)?.digest : undefined;
        if (ref) {
          row.digest = await digestOfRdb(p.validate);
          row.digestMatches = row.digest === ref;
          log(
            `  DEBUG DIGEST of a server loading the output: ${row.digest} ${row.digestMatches ? '= the server that loaded the AOF' : `!= ${ref} (the server that loaded the AOF)`}`,
          );
        }
      }
      p.cleanup?.();
    }
    if (row.status === 'ERROR') {
      p.cleanup?.();
      continue;
    }
    if (p.serverDigestOf && row.digest) {
      const ref = byName.get(p.serverDigestOf)?.digest;
      if (ref) row.digestMatches = row.digest === ref;
      log(
        `  DEBUG DIGEST after ${p.name}: ${row.digest} ${row.digestMatches ? `= after ${p.serverDigestOf}` : `!= ${ref} (${p.serverDigestOf})`}`,
      );
    }
    row.medianSeconds = Number(median(row.seconds).toFixed(3));
    row.medianCpuSeconds = Number(median(row.cpuSeconds).toFixed(2));
    row.peakRssMB = Number((rss / 1024).toFixed(1));
  }

  // Ratios and verdicts.
  for (const row of rows) {
    if (!row.baseline || row.status) continue;
    const base = byName.get(row.baseline);
    row.ratio = base?.medianSeconds ? Number((row.medianSeconds / base.medianSeconds).toFixed(2)) : NaN;
    // CPU time (user+sys) moves less than wall time on a shared machine: both are printed
    row.cpuRatio = base?.medianCpuSeconds ? Number((row.medianCpuSeconds / base.medianCpuSeconds).toFixed(2)) : NaN;
    const timeOk = row.ratioTarget === null || row.ratio <= row.ratioTarget;
    const rssOk = row.rssTargetMB === null || row.peakRssMB <= row.rssTargetMB;
    if (base?.peakRssMB) row.rssRatio = Number((row.peakRssMB / base.peakRssMB).toFixed(2));
    if (row.outputAcceptedByRedisCheckRdb === false) row.status = 'FAIL redis-check-rdb';
    else if (row.digestMatches === false) row.status = 'FAIL digest';
    else row.status = timeOk && rssOk ? 'PASS' : `MISS${timeOk ? '' : ' time'}${rssOk ? '' : `${timeOk ? '' : ','} rss`}`;
  }
  for (const row of rows) row.status ??= 'baseline';

  await target.stop();
  rmSync(tmp, { recursive: true, force: true });

  const cpu = cpus();
  const results = {
    date: new Date().toISOString(),
    rdbkit: gitRevision(),
    node: process.version,
    redis: redisVersion(),
    cpu: `${cpu[0]?.model ?? 'unknown'} x${cpu.length}`,
    runs: opts.runs,
    loadAverage: { atStart: Number(loadAtStart.toFixed(2)), atEnd: Number(loadavg()[0].toFixed(2)) },
    targets: { checkRatio: 1.5, jsonlRatio: 2.5, peakRssMB: RSS_TARGET_MB },
    data: {
      rdbFile: relative(root, RDB_FILE),
      rdbBytes: statSync(RDB_FILE).size,
      populateBytes: extra.populateBytes,
      hugeBytes: extra.hugeBytes,
      keys: meta.keys,
      aofDir: relative(root, AOF_DIR),
      aofBytes: meta.aofBytes,
      scale: meta.scale,
      seed: meta.seed,
      buildSeconds: meta.buildSeconds,
    },
    results: rows,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

  process.stdout.write(
    `\nrdbkit bench — ${results.data.rdbFile}: ${(results.data.rdbBytes / 1048576).toFixed(0)} MB, ${meta.keys} keys; ` +
      `${results.data.aofDir}/: ${(meta.aofBytes / 1048576).toFixed(0)} MB; node ${results.node}, redis ${results.redis}, ${results.cpu}; median of ${opts.runs}\n\n`,
  );
  printTable(rows);
  for (const r of rows) {
    if (r.rssRatio !== undefined && r.rssTargetMB === null)
      process.stdout.write(`${r.label}: peak RSS ${r.rssRatio}x the baseline's (${fmt(byName.get(r.baseline)?.peakRssMB, 1)} MB)\n`);
    if (r.digest && r.digestMatches !== undefined)
      process.stdout.write(
        `${r.label}: DEBUG DIGEST of the output ${r.digestMatches ? 'equals' : 'DIFFERS from'} the server's (${r.digest})\n`,
      );
  }
  const pipe = byName.get('redis-pipe');
  const rest = byName.get('restore');
  if (pipe?.medianSeconds && rest?.medianSeconds)
    process.stdout.write(
      `restore throughput: ${fmt(pipe.medianSeconds / rest.medianSeconds)}x redis-cli --pipe's (${rest.keysInServer} keys in db 0: ${fmt(rest.keysInServer / rest.medianSeconds, 0)} vs ${fmt(pipe.keysInServer / pipe.medianSeconds, 0)} keys/s; target >= 1.0x); ` +
        `cpu client + server: ${fmt(rest.medianCpuSeconds)} + ${fmt(median(rest.serverCpuSeconds ?? [NaN]))} s vs ${fmt(pipe.medianCpuSeconds)} + ${fmt(median(pipe.serverCpuSeconds ?? [NaN]))} s\n`,
    );
  process.stdout.write(`\nresults written to ${relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`);
  if (rows.some((r) => r.status === 'ERROR' || r.status.startsWith('FAIL'))) process.exitCode = 1;
}

main().catch((e) => {
  log(`bench: ${e.message}`);
  process.exit(1);
});
