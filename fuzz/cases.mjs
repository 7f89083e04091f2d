/**
 * Mutation fuzzing of rdbkit's readers and AOF tools: the case generator and the targets, shared
 * by `npm run fuzz` (fuzz/run.mjs: 100,000+ cases in a worker with a time and memory limit) and
 * the seeded subset in `npm test` (test/fuzz.test.ts). Runs the built library (dist/).
 *
 * A case is a deterministic function of (seed, index): a seed input (the checked-in fixtures,
 * which real Redis wrote) and one mutation: truncation at every offset of the small ones, bit
 * flips, byte changes, splices of two inputs, hostile lengths (2^32, 2^64-1) written over a
 * length field, and gzip/VCS containers around a mutant. Each target must end in a result or a
 * ParseError/UsageError; anything else (RangeError, TypeError, a hang, memory blow-up) is a finding.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { DatasetDigest } from '../dist/engine/digest.js';
import { concatBytes } from '../dist/model/bytes.js';
import { CorruptError, ParseError, UsageError } from '../dist/errors.js';
import { applyRepair, applySalvage, applyUnflush, openAofSet } from '../dist/io/aof-files.js';
import { vcsChunks } from '../dist/io/input.js';
import { scanAofBytes } from '../dist/ops/aof-scan.js';
import { planRepair, planSalvage } from '../dist/ops/aof-repair.js';
import { planUnflush } from '../dist/ops/aof-unflush.js';
import { scanAofSet } from '../dist/ops/aof-scan.js';
import { checkRdb } from '../dist/ops/check.js';
import { exportRdb } from '../dist/ops/export.js';
import { inspectRdb } from '../dist/ops/inspect.js';
import { salvageRdbBatches } from '../dist/ops/read.js';
import { replayAof } from '../dist/ops/replay-aof.js';
import { encodeRecords } from '../dist/ops/to-rdb.js';
import { decodeRdb } from '../dist/rdb/decoder.js';
import { VcsEncoder } from '../dist/rdb/vcs.js';

const ROOT = join(import.meta.dirname, '..');

/** The seed inputs: every checked-in RDB fixture, and the RESP files of the AOF fixtures. */
export function seeds() {
  const rdb = [];
  for (const n of readdirSync(join(ROOT, 'fixtures', 'rdb')).sort())
    if (n.endsWith('.rdb')) rdb.push({ name: n, bytes: new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'rdb', n))) });
  const aof = [];
  for (const d of readdirSync(join(ROOT, 'fixtures', 'aof')).sort()) {
    const dir = join(ROOT, 'fixtures', 'aof', d);
    if (!statSync(dir).isDirectory()) continue;
    for (const n of readdirSync(dir).sort())
      if (n.endsWith('.aof') && statSync(join(dir, n)).size <= 64 << 10) aof.push({ name: `${d}/${n}`, bytes: new Uint8Array(readFileSync(join(dir, n))) });
  }
  // an old-style AOF with an RDB preamble: a small RDB then a RESP tail
  const small = aof.find((a) => a.name === 'small/appendonly.aof.1.incr.aof');
  const base = new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'aof', 'small', 'appendonly.aof.1.base.rdb')));
  if (small) aof.push({ name: 'preamble.aof', bytes: concatBytes([base, small.bytes]) });
  return { rdb, aof };
}

/** xorshift32: a small deterministic generator per case. */
function rng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n) => next() % Math.max(1, n), chance: (p) => next() / 0x100000000 < p };
}

const SMALL = 4096;

/**
 * How the cases are laid out: first truncation at every offset of each small seed (RDB then AOF),
 * then random mutations (three in four RDB, one in four AOF).
 */
export function plan(s) {
  const trunc = [];
  for (const [kind, list] of [
    ['rdb', s.rdb],
    ['aof', s.aof],
  ])
    for (let i = 0; i < list.length; i++) if (list[i].bytes.length <= SMALL) trunc.push({ kind, seed: i, n: list[i].bytes.length });
  let total = 0;
  for (const t of trunc) total += t.n;
  return { trunc, truncCases: total };
}

const HOSTILE_RDB = [
  // 32-bit length 2^32 - 1 and 64-bit length 2^64 - 1 (RDB_32BITLEN 0x80, RDB_64BITLEN 0x81)
  [0x80, 0xff, 0xff, 0xff, 0xff],
  [0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  // 2^32 as a 64-bit length
  [0x81, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
  // LZF string with huge lengths
  [0xc3, 0x80, 0xff, 0xff, 0xff, 0xff, 0x80, 0xff, 0xff, 0xff, 0xff],
];
const HOSTILE_AOF = ['4294967296', '18446744073709551615', '-1', '9223372036854775807', '-9223372036854775808', '0'];

/** Build case `index` of a run seeded `seed`: { kind, name, bytes, what }. */
export function makeCase(s, p, seed, index) {
  if (index < p.truncCases) {
    let i = index;
    for (const t of p.trunc) {
      if (i < t.n) {
        const src = (t.kind === 'rdb' ? s.rdb : s.aof)[t.seed];
        return { kind: t.kind, name: src.name, bytes: src.bytes.subarray(0, i), what: `truncate at ${i}` };
      }
      i -= t.n;
    }
  }
  const r = rng((seed * 2654435761) ^ (index * 40503) ^ 0x5bd1e995);
  const kind = r.below(4) === 0 ? 'aof' : 'rdb';
  const list = kind === 'rdb' ? s.rdb : s.aof;
  const src = list[r.below(list.length)];
  let b = src.bytes.slice();
  const steps = [];
  const n = 1 + r.below(3);
  for (let k = 0; k < n; k++) {
    const m = r.below(6);
    if (m === 0 && b.length) {
      const at = r.below(b.length);
      const bit = r.below(8);
      b[at] ^= 1 << bit;
      steps.push(`flip bit ${bit} at ${at}`);
    } else if (m === 1 && b.length) {
      const at = r.below(b.length);
      const v = r.below(256);
      b[at] = v;
      steps.push(`byte ${at}=${v}`);
    } else if (m === 2) {
      const other = list[r.below(list.length)].bytes;
      const a = r.below(b.length + 1);
      const oa = r.below(other.length + 1);
      const ol = r.below(Math.min(512, other.length - oa) + 1);
      const cut = r.below(Math.min(512, b.length - a) + 1);
      b = concatBytes([b.subarray(0, a), other.subarray(oa, oa + ol), b.subarray(a + cut)]);
      steps.push(`splice at ${a} (-${cut}, +${ol})`);
    } else if (m === 3) {
      if (kind === 'rdb') {
        const h = HOSTILE_RDB[r.below(HOSTILE_RDB.length)];
        const at = r.below(b.length + 1);
        b = concatBytes([b.subarray(0, at), Uint8Array.from(h), b.subarray(Math.min(b.length, at + h.length))]);
        steps.push(`hostile length ${h.map((x) => x.toString(16)).join('')} at ${at}`);
      } else {
        // replace one number of a `*N` or `$N` line
        const starts = [];
        for (let i = 0; i < b.length - 1; i++) if ((b[i] === 0x2a || b[i] === 0x24) && (i === 0 || b[i - 1] === 0x0a)) starts.push(i);
        if (starts.length) {
          const at = starts[r.below(starts.length)];
          let e = at + 1;
          while (e < b.length && b[e] !== 0x0d) e++;
          const h = HOSTILE_AOF[r.below(HOSTILE_AOF.length)];
          b = concatBytes([b.subarray(0, at + 1), new TextEncoder().encode(h), b.subarray(e)]);
          steps.push(`count ${h} at ${at}`);
        }
      }
    } else if (m === 4 && b.length) {
      const at = r.below(b.length);
      b = b.subarray(0, at).slice();
      steps.push(`truncate at ${at}`);
    } else if (b.length) {
      const a = r.below(b.length);
      const l = r.below(Math.min(64, b.length - a) + 1);
      b = concatBytes([b.subarray(0, a), b.subarray(a, a + l), b.subarray(a)]);
      steps.push(`duplicate ${l} bytes at ${a}`);
    }
  }
  let what = steps.join(', ');
  if (kind === 'rdb') {
    const w = r.below(10);
    if (w === 0) {
      b = new Uint8Array(gzipSync(b));
      what += ', gzip';
      if (r.chance(0.5) && b.length > 20) {
        b = b.subarray(0, r.below(b.length));
        what += ' cut';
      }
    } else if (w === 1) {
      const enc = new VcsEncoder();
      b = concatBytes([...enc.write(b), ...enc.end()]);
      what += ', vcs';
      if (r.chance(0.5) && b.length > 20) {
        const at = r.below(b.length);
        b[at] ^= 0x10;
        what += ` flip ${at}`;
      }
    }
  }
  return { kind, name: src.name, bytes: b, what };
}

/** Whether an error is an expected, typed refusal. */
export function expectedError(e) {
  return e instanceof ParseError || e instanceof UsageError;
}

async function* oneChunk(b) {
  yield b;
}

/** The RDB bytes inside a container (what the CLI's openRdbInput does), or throws a ParseError. */
async function* unwrap(b) {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    let out;
    try {
      out = gunzipSync(b);
    } catch (e) {
      throw new CorruptError('gzip', 'GZIP_BAD_DATA', 0, `gzip: ${e.message}`);
    }
    yield new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return;
  }
  if (b.length >= 4 && b[0] === 0x04 && b[1] === 0x22 && b[2] === 0x4d && b[3] === 0x18) {
    yield* vcsChunks(oneChunk(b));
    return;
  }
  yield b;
}

/** Run one target, classifying its end. */
async function guard(name, fn, out) {
  const t0 = performance.now();
  try {
    await fn();
    out.results[name] = 'ok';
  } catch (e) {
    if (expectedError(e)) out.results[name] = e.kind ?? 'usage';
    else out.crashes.push({ target: name, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`, stack: e?.stack?.split('\n').slice(0, 6).join('\n') });
  }
  out.ms[name] = performance.now() - t0;
}

const sizeOpts = (b) => ({ totalSize: b.length });

/** Run every RDB target over bytes. */
async function rdbTargets(b, out) {
  const plain = !(b[0] === 0x1f && b[1] === 0x8b) && !(b[0] === 0x04 && b[1] === 0x22);
  const opts = plain ? sizeOpts(b) : {};
  await guard('check', async () => {
    const r = await checkRdb(unwrap(b), opts);
    out.valid = r.ok;
  }, out);
  await guard('inspect', () => inspectRdb(unwrap(b), opts), out);
  await guard('convert', async () => {
    for await (const _ of exportRdb(unwrap(b), { format: 'jsonl', decoder: opts }));
  }, out);
  await guard('convert-salvage', async () => {
    const report = { keys: 0, skipped: [], stop: null };
    const chunks = [];
    const written = {};
    for await (const c of encodeRecords(async function* () {
      for await (const batch of salvageRdbBatches(unwrap(b), opts, report)) yield* batch;
    }(), { lossy: true }, written))
      chunks.push(c);
    // what salvage writes must itself be a valid RDB holding the keys the encoder wrote, and those are
    // the keys salvage recovered, less what the lossy conversion reports dropping (the output keeps
    // the input's version: a header read as version 1 holds no stream, no function)
    const back = decodeRdb(concatBytes(chunks)).filter((r) => r.kind === 'key').length;
    const dropped = written.dropped?.length ?? 0;
    if (back !== written.keys || back > report.keys || report.keys - back > dropped)
      throw new Error(`salvage recovered ${report.keys} keys; the encoder wrote ${written.keys} (${dropped} items dropped), the output holds ${back}`);
    out.salvaged = report.keys;
  }, out);
  await guard('digest', async () => {
    const d = new DatasetDigest('load');
    for await (const batch of exportBatches(b, opts)) for (const r of batch) if (r.kind === 'key') d.add(r);
    d.hex();
  }, out);
}

async function* exportBatches(b, opts) {
  const { readRdbBatches } = await import('../dist/ops/read.js');
  yield* readRdbBatches(unwrap(b), opts);
}

/** Options of the AOF targets. */
let workDir = null;
function work() {
  workDir ??= mkdtempSync(join(tmpdir(), 'rdbkit-fuzz-'));
  return workDir;
}
/** Remove the fuzzer's temp directory. */
export function cleanup() {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = null;
}

/**
 * redis-check-aof --fix (answering y) on a copy: the length it leaves, or { crashed } when the tool
 * itself dies on a signal (7.0.15 on a bulk length of 2^63-1: SIGSEGV, or an abort after "Out Of
 * Memory"; SIGTERM past the 20 s limit): then there is no reference answer to compare with.
 */
function checkAofFix(path) {
  try {
    execFileSync('redis-check-aof', ['--fix', path], { input: 'y\n', stdio: ['pipe', 'ignore', 'pipe'], timeout: 20_000 });
  } catch (e) {
    if (e.signal) return { crashed: `${e.signal}${/Out Of Memory/.test(String(e.stderr)) ? ' (Out Of Memory)' : ''}` };
    /* exit 1: not fixable; the file stays as it was */
  }
  return { size: statSync(path).size };
}

/** The case files are the fuzzer's own: no live-Redis scan of /proc per case (test/aof-live-guard.test.ts covers it). */
const NO_GUARD = { guard: [] };

/** Run every AOF target over bytes (files in a temp dir; repair, unflush, salvage on copies). */
async function aofTargets(b, out, opts) {
  const dir = work();
  const p = join(dir, 'case.aof');
  writeFileSync(p, b);
  await guard('check', async () => {
    const { part } = scanAofBytes(b);
    out.valid = part.verdict.kind === 'ok';
  }, out);
  await guard('inspect', () => scanAofBytes(b, { trackKeys: true }, 4096), out);
  let plannedCut = null;
  await guard('repair-plan', async () => {
    const set = await openAofSet(p);
    const { scan } = scanAofBytes(b);
    const plan = planRepair(set, scan);
    plannedCut = plan.action === 'truncate' ? plan.cutAt : b.length;
    // SPEC §6: a command with no arguments (*0, *-1), which redis-server refuses, is cut by rdbkit and kept by redis-check-aof
    if (plan.action === 'truncate' && /arguments \(Redis refuses to load it\)/.test(plan.reason)) out.deliberate = 'zero-argument command';
  }, out);
  // the library path of the CLI's plan (without its /proc scan for a live Redis, which is tested apart)
  await guard('repair', async () => {
    const set = await openAofSet(p);
    const plan = planRepair(set, await scanAofSet(set));
    if (plan.action === 'truncate') await applyRepair(plan, null, NO_GUARD);
  }, out);
  const repaired = statSync(p).size;
  if (opts.compare && !out.valid) {
    const ref = join(dir, 'ref.aof');
    writeFileSync(ref, b);
    const reference = checkAofFix(ref);
    if (reference.crashed) out.baselineCrash = reference.crashed;
    else {
      out.checkAofFix = reference.size;
      out.rdbkitRepair = repaired;
    }
    if (plannedCut !== null && plannedCut !== repaired) out.crashes.push({ target: 'repair', error: `planned cut ${plannedCut} but the file is ${repaired} bytes` });
  }
  writeFileSync(p, b);
  await guard('repair-salvage', async () => {
    const set = await openAofSet(p);
    const plan = await planSalvage(set, await scanAofSet(set));
    if (plan.action === 'salvage') await applySalvage(plan, () => null, NO_GUARD);
    // what salvage leaves must be a valid AOF
    if (plan.action === 'salvage') {
      const v = scanAofBytes(new Uint8Array(readFileSync(p))).part.verdict;
      if (v.kind !== 'ok') throw new Error(`the salvaged file is not valid: ${v.kind} at ${v.offset}: ${v.what}`);
    }
  }, out);
  writeFileSync(p, b);
  await guard('unflush', async () => {
    const set = await openAofSet(p);
    const plan = planUnflush(set, await scanAofSet(set, { trackKeys: true }));
    if (plan.action === 'remove') await applyUnflush(plan, null, NO_GUARD);
  }, out);
  writeFileSync(p, b);
  await guard('digest', async () => {
    const { engine } = await replayAof(await openAofSet(p), { skipUnknown: true });
    const d = new DatasetDigest('entry');
    for (const e of engine.entries({ includeExpired: true })) d.add(e);
    d.hex();
  }, out);
}

/** Run a case through its targets: { results, crashes, ms, ... }. */
export async function runCase(c, opts = {}) {
  const out = { results: {}, crashes: [], ms: {} };
  if (c.kind === 'rdb') await rdbTargets(c.bytes, out);
  else await aofTargets(c.bytes, out, opts);
  return out;
}
