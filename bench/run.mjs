#!/usr/bin/env node
/**
 * `npm run bench`: issue 11's table in one run. rdbkit against Redis's own tools on the same files:
 *   - for each of big.rdb (~500 MB of every 7.0 encoding), populate.rdb (DEBUG POPULATE 5000000 key
 *     100: NUL-padded strings) and huge.rdb (five huge keys): `check`, `convert --to jsonl` and
 *     `convert --to rdb` against `redis-check-rdb` on the same file;
 *   - `check aof/` against `redis-check-aof` on its manifest;
 *   - `convert aof/ --to rdb` (replay through the engine, then the RDB writer) against redis-server
 *     loading the same AOF: time and peak RSS of both;
 *   - peak RSS of every rdbkit run.
 * Each row has the issue's target and must (a time ratio, and a peak RSS in MB or as a ratio to the
 * server's); the result is PASS (target met), must (only the must met) or MISS.
 *
 * Steps: build the data if missing (bench/make-data.mjs), `npm run build`, warm the page cache, then
 * run every row N times under `/usr/bin/time -f %M` (runs are the outer loop, so a row and its
 * baseline see the same load) and report median wall and CPU (user+sys) seconds, both ratios, the
 * largest peak RSS, and the 1-minute load average at each row's runs. Rows whose CLI support is not
 * there are listed as "not in CLI".
 *
 * redis-server's load of the AOF runs on a copy of the AOF directory (Redis would otherwise own and
 * may rewrite bench/data/aof), timed from spawn to its "DB loaded from append only file" log line;
 * its peak RSS is VmHWM from /proc/<pid>/status and its CPU time utime+stime from /proc/<pid>/stat,
 * both read at that moment. Every `--to rdb` output of the last run is checked with redis-check-rdb
 * and loaded into a server whose DEBUG DIGEST must equal that of a server loading the input (the
 * RDB, or the AOF directory).
 *
 * Restore (issue 13, with --only redis-pipe,restore): `rdbkit restore big.rdb --to redis://…` against
 * `rdbkit convert big.rdb --to resp | redis-cli --pipe` into the same redis-server (FLUSHALL before
 * every run, not timed); its ratio is time over the pipe's, and the DEBUG DIGESTs must be equal.
 *
 * Output: a table on stdout and bench/results.json (gitignored). Usage: see USAGE below.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
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

const USAGE = `usage: node bench/run.mjs [--runs N] [--no-build] [--rebuild] [--scale X] [--seed N] [--only a,b]
  --runs N     runs of every row (default 3; runs are the outer loop); the median is reported
  --no-build   bench the existing dist/ instead of running npm run build first
  --rebuild    rebuild bench/data even when it exists (see bench/make-data.mjs)
  --scale X    data size factor for make-data (default 1: big.rdb ~500 MB, populate.rdb 5M keys,
               huge.rdb ~190 MB, aof/ ~800 MB); also RDBKIT_BENCH_SCALE=X in the environment
  --only a,b   rows to run (default: all but redis-pipe and restore): redis-check-rdb, check, jsonl,
               to-rdb, and the same with -populate and -huge, redis-check-aof, check-aof,
               redis-load-aof, aof-to-rdb, redis-pipe, restore; baselines are added automatically
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

/** "<=1.3x, <=200 MB" from a target or must level. */
function levelText(level) {
  if (!level) return '';
  const parts = [];
  if (level.ratio !== undefined) parts.push(`<=${level.ratio}x`);
  if (level.rssMB !== undefined) parts.push(`<=${level.rssMB} MB`);
  if (level.rssRatio !== undefined) parts.push(`RSS <=${level.rssRatio}x`);
  return parts.join(', ');
}

function printTable(rows) {
  const head = [
    'measurement',
    'median s',
    'runs (s)',
    'cpu s',
    'ratio',
    'cpu ratio',
    'target',
    'must',
    'peak RSS MB',
    'RSS ratio',
    'load',
    'result',
  ];
  const body = rows.map((r) => [
    r.label,
    fmt(r.medianSeconds),
    r.seconds ? r.seconds.map((s) => fmt(s, 1)).join(' ') : '-',
    fmt(r.medianCpuSeconds),
    r.baseline ? (Number.isFinite(r.ratio) ? `${fmt(r.ratio)}x` : '-') : 'baseline',
    r.baseline ? (Number.isFinite(r.cpuRatio) ? `${fmt(r.cpuRatio)}x` : '-') : '',
    r.targetText ?? levelText(r.target),
    r.targetText ? '' : levelText(r.must),
    fmt(r.peakRssMB, 1),
    r.baseline && Number.isFinite(r.rssRatio) ? `${fmt(r.rssRatio)}x` : '',
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
  const aofRdbOut = join(tmp, 'aof-convert', 'dump.rdb');
  mkdirSync(dirname(aofRdbOut), { recursive: true });
  const node = process.execPath;
  const rdb = relative(process.cwd(), RDB_FILE) || RDB_FILE;
  const target = restoreTarget();

  /**
   * Rows: name, label, command, baseline name, and the issue 11 targets: `target` and `must`, each
   * a time ratio to the baseline (`ratio`) and a peak RSS bound in MB (`rssMB`) or as a ratio to the
   * baseline's (`rssRatio`); `available` says whether the CLI has the verb.
   */
  const STREAMING = ([target, must]) => ({ target: { ratio: target, rssMB: 150 }, must: { ratio: must, rssMB: 200 } });
  const rdbRows = (tag, file) => {
    const label = basename(file);
    const out = join(DATA_DIR, `tmp-convert${tag}.rdb`);
    return [
      { name: `redis-check-rdb${tag}`, label: `redis-check-rdb ${label}`, cmd: REDIS_CHECK_RDB, args: [file] },
      {
        name: `check${tag}`,
        label: `rdbkit check ${label}`,
        cmd: node,
        args: [RDBKIT, 'check', file],
        baseline: `redis-check-rdb${tag}`,
        ...STREAMING([1.0, 1.3]),
      },
      {
        name: `jsonl${tag}`,
        label: `rdbkit convert ${label} --to jsonl > /dev/null`,
        cmd: node,
        args: [RDBKIT, 'convert', file, '--to', 'jsonl'],
        baseline: `redis-check-rdb${tag}`,
        ...STREAMING([1.5, 2.5]),
      },
      {
        name: `to-rdb${tag}`,
        label: `rdbkit convert ${label} --to rdb -o tmp`,
        cmd: node,
        args: [RDBKIT, 'convert', file, '--to', 'rdb', '-o', out, '--force'],
        baseline: `redis-check-rdb${tag}`,
        ...STREAMING([2.5, 4]),
        available: cliHasConvertToRdb,
        cleanup: () => rmSync(out, { force: true }),
        validate: out,
        // the output must hold the input's data: a server loading either prints the same DEBUG DIGEST
        digestOfInput: file,
      },
    ];
  };
  const plan = [
    ...rdbRows('', RDB_FILE),
    ...rdbRows('-populate', POPULATE_FILE),
    ...rdbRows('-huge', HUGE_FILE),
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
      ...STREAMING([0.8, 1.0]),
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
      // The engine holds the dataset in memory, as the server does: its RSS is judged against the server's.
      baseline: 'redis-load-aof',
      target: { ratio: 1.0, rssRatio: 1.0 },
      must: { ratio: 1.5, rssRatio: 1.5 },
      available: () => cliConvertsAof(tmp),
      validate: aofRdbOut,
      digestOf: 'redis-load-aof',
      cleanup: () => rmSync(aofRdbOut, { force: true }),
    },
    // Issue 13's rows: only with --only redis-pipe,restore (not part of issue 11's table).
    {
      name: 'redis-pipe',
      optIn: true,
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
    },
    {
      name: 'restore',
      optIn: true,
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
      target: { ratio: 1.0 },
      must: { ratio: 1.0 },
      targetText: '<=1.0x (throughput >= pipe), digest = pipe',
      serverDigestOf: 'redis-pipe',
      available: () => redisServerPath() !== null && cliHasRestore(),
    },
  ];
  const wanted = new Set(plan.filter((p) => (opts.only ? opts.only.has(p.name) : !p.optIn)).map((p) => p.name));
  for (const p of plan) if (wanted.has(p.name) && p.baseline) wanted.add(p.baseline);

  log(`warming the page cache (${rdb}, populate.rdb, huge.rdb, ${relative(process.cwd(), AOF_DIR) || AOF_DIR}/) ...`);
  for (const f of [RDB_FILE, POPULATE_FILE, HUGE_FILE]) await warm(f);
  if (manifest) for (const f of meta.aofFiles ?? []) if (existsSync(join(AOF_DIR, f))) await warm(join(AOF_DIR, f));

  const loadAtStart = loadavg();
  if (loadAtStart[0] > 0.5)
    log(
      `note: load average is ${loadAtStart[0].toFixed(2)} on ${cpus().length} CPUs; other processes skew wall times (the cpu column is less affected)`,
    );
  const rows = [];
  const byName = new Map();
  const active = [];
  for (const p of plan) {
    if (!wanted.has(p.name)) continue;
    const row = {
      name: p.name,
      label: p.label,
      command: p.command ?? [p.cmd === node ? 'node' : p.cmd, ...p.args].map(show).join(' '),
      baseline: p.baseline ?? null,
      target: p.target ?? null,
      must: p.must ?? null,
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
    row.loadAverages = [];
    row.rssKB = 0;
    active.push([p, row]);
  }

  // Runs are the outer loop, so a row and its baseline run minutes apart at most and see the same load.
  for (let i = 0; i < opts.runs; i++) {
    for (const [p, row] of active) {
      if (row.status === 'ERROR') continue;
      row.loadAverages.push(Number(loadavg()[0].toFixed(2)));
      const r = p.run ? await p.run(i) : await timed(p.cmd, p.args, tmp);
      if (r.digest) row.digest = r.digest;
      if (r.keys !== undefined) row.keysInServer = r.keys;
      if (r.serverCpuSeconds !== undefined) (row.serverCpuSeconds ??= []).push(Number(r.serverCpuSeconds.toFixed(2)));
      if (r.code !== 0) {
        row.status = 'ERROR';
        row.error = `exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' | ')}`;
        log(`${p.label}: ${row.error}`);
        p.cleanup?.();
        continue;
      }
      row.seconds.push(Number(r.seconds.toFixed(3)));
      row.cpuSeconds.push(Number(r.cpuSeconds.toFixed(2)));
      row.rssKB = Math.max(row.rssKB, r.rssKB);
      log(
        `${p.label}: run ${i + 1}/${opts.runs} ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s cpu, peak RSS ${(r.rssKB / 1024).toFixed(1)} MB, load ${row.loadAverages.at(-1)}`,
      );
      if (r.serverCpuSeconds !== undefined) log(`  redis-server cpu during the run: ${r.serverCpuSeconds.toFixed(2)} s`);
      if (p.validate && i === opts.runs - 1) {
        const v = spawnSync(REDIS_CHECK_RDB, [p.validate], { encoding: 'utf8' });
        row.outputAcceptedByRedisCheckRdb = v.status === 0;
        log(
          `  redis-check-rdb on the output: ${v.status === 0 ? 'OK' : `FAILED: ${(v.stdout ?? '').trim().split('\n').slice(-2).join(' | ')}`}`,
        );
        const ref = p.digestOf ? byName.get(p.digestOf)?.digest : p.digestOfInput ? await digestOfRdb(p.digestOfInput) : undefined;
        if (ref) {
          const of = p.digestOf ? 'the server that loaded the AOF' : `a server loading ${basename(p.digestOfInput)}`;
          row.digest = await digestOfRdb(p.validate);
          row.digestMatches = row.digest === ref;
          log(`  DEBUG DIGEST of a server loading the output: ${row.digest} ${row.digestMatches ? `= ${of}` : `!= ${ref} (${of})`}`);
        }
      }
      p.cleanup?.();
    }
  }
  for (const [p, row] of active) {
    if (row.status === 'ERROR') continue;
    if (p.serverDigestOf && row.digest) {
      const ref = byName.get(p.serverDigestOf)?.digest;
      if (ref) row.digestMatches = row.digest === ref;
      log(
        `  DEBUG DIGEST after ${p.name}: ${row.digest} ${row.digestMatches ? `= after ${p.serverDigestOf}` : `!= ${ref} (${p.serverDigestOf})`}`,
      );
    }
    row.medianSeconds = Number(median(row.seconds).toFixed(3));
    row.medianCpuSeconds = Number(median(row.cpuSeconds).toFixed(2));
    row.peakRssMB = Number((row.rssKB / 1024).toFixed(1));
    row.loadAverage = Number(median(row.loadAverages).toFixed(2));
    delete row.rssKB;
  }

  // Ratios and verdicts: PASS meets the target, "must" meets only the must, MISS neither.
  for (const row of rows) {
    if (!row.baseline || row.status) continue;
    const base = byName.get(row.baseline);
    row.ratio = base?.medianSeconds ? Number((row.medianSeconds / base.medianSeconds).toFixed(2)) : NaN;
    // CPU time (user+sys) moves less than wall time on a shared machine: both are printed
    row.cpuRatio = base?.medianCpuSeconds ? Number((row.medianCpuSeconds / base.medianCpuSeconds).toFixed(2)) : NaN;
    if (base?.peakRssMB) row.rssRatio = Number((row.peakRssMB / base.peakRssMB).toFixed(2));
    // Time is judged on the CPU ratio: on a shared machine wall time is mostly waiting (a process at
    // nice 19 waits longest), while user+sys is the work each side did. Both ratios are printed.
    const misses = (level) => {
      const m = [];
      if (level?.ratio !== undefined && !(row.cpuRatio <= level.ratio)) m.push('time');
      if (level?.rssMB !== undefined && !(row.peakRssMB <= level.rssMB)) m.push('rss');
      if (level?.rssRatio !== undefined && !(row.rssRatio <= level.rssRatio)) m.push('rss');
      return m;
    };
    const mustMiss = misses(row.must);
    if (row.outputAcceptedByRedisCheckRdb === false) row.status = 'FAIL redis-check-rdb';
    else if (row.digestMatches === false) row.status = 'FAIL digest';
    else if (!misses(row.target).length) row.status = 'PASS';
    else if (!mustMiss.length) row.status = 'must';
    else row.status = `MISS ${mustMiss.join(',')}`;
  }
  for (const row of rows) row.status ??= 'baseline';

  await target.stop();
  rmSync(tmp, { recursive: true, force: true });

  const cpu = cpus();
  const loadAtEnd = loadavg();
  const results = {
    date: new Date().toISOString(),
    rdbkit: gitRevision(),
    node: process.version,
    redis: redisVersion(),
    cpu: `${cpu[0]?.model ?? 'unknown'} x${cpu.length}`,
    memoryGB: Number((totalmem() / 2 ** 30).toFixed(1)),
    runs: opts.runs,
    loadAverage: { atStart: loadAtStart.map((x) => Number(x.toFixed(2))), atEnd: loadAtEnd.map((x) => Number(x.toFixed(2))) },
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

  const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
  process.stdout.write(
    `\nrdbkit bench ${results.date} (rdbkit ${results.rdbkit}), ${results.cpu}, ${results.memoryGB} GB, node ${results.node}, redis ${results.redis}; median of ${opts.runs}\n` +
      `load average (1/5/15 min) at start ${results.loadAverage.atStart.join(' ')}, at end ${results.loadAverage.atEnd.join(' ')}\n` +
      `data (scale ${meta.scale}): big.rdb ${mb(results.data.rdbBytes)} (${meta.keys} keys), populate.rdb ${mb(extra.populateBytes)}, ` +
      `huge.rdb ${mb(extra.hugeBytes)}, aof/ ${mb(meta.aofBytes)}\n\n`,
  );
  printTable(rows);
  for (const r of rows) {
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
