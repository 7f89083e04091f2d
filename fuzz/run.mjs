#!/usr/bin/env node
/**
 * `npm run fuzz [-- --cases N --from I --seed S --limit-ms MS --heap-mb MB --jobs J]`: mutation fuzzing of
 * the RDB and AOF readers and tools (fuzz/cases.mjs) in J worker threads (default 1), each one case
 * at a time, with a per-case time limit (the worker is terminated and restarted past it: a hang)
 * and a heap limit (the worker dies: a blow-up). Every crash, hang and blow-up is written to
 * fuzz/findings/ with what produced it; `repair` is compared with `redis-check-aof --fix` on every
 * damaged AOF. `--from I` starts at case I (cases are a function of seed and index: a run can go on
 * where another stopped, or run only the random mutations after the truncations). Prints the
 * figures at the end (and writes them to fuzz/findings/summary.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const ROOT = join(import.meta.dirname, '..');

if (!isMainThread) {
  const { seeds, plan, makeCase, runCase } = await import('./cases.mjs');
  const s = seeds();
  const p = plan(s);
  parentPort.on('message', async (index) => {
    const c = makeCase(s, p, workerData.seed, index);
    const t0 = performance.now();
    const r = await runCase(c, { compare: workerData.compare });
    parentPort.postMessage({ index, ms: performance.now() - t0, kind: c.kind, name: c.name, what: c.what, r });
  });
  parentPort.postMessage({ ready: true });
} else {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      'limit-ms': { type: 'string', default: '20000' },
      'heap-mb': { type: 'string', default: '512' },
      'no-compare': { type: 'boolean', default: false },
      from: { type: 'string', default: '0' },
      jobs: { type: 'string', default: '1' },
    },
  });
  const from = Number(values.from);
  const total = from + Number(values.cases);
  const seed = Number(values.seed);
  const limitMs = Number(values['limit-ms']);
  const heapMb = Number(values['heap-mb']);
  const jobs = Math.max(1, Number(values.jobs));
  const findings = join(ROOT, 'fuzz', 'findings');
  mkdirSync(findings, { recursive: true });
  const { seeds, plan, makeCase } = await import('./cases.mjs');
  const s = seeds();
  const p = plan(s);

  const stats = {
    cases: 0,
    rdbCases: 0,
    aofCases: 0,
    truncationCases: Math.max(0, Math.min(total, p.truncCases) - from),
    from,
    crashes: 0,
    hangs: 0,
    blowups: 0,
    slowest: { ms: 0, case: null },
    peakRssMb: 0,
    repairCompared: 0,
    repairMismatches: 0,
    /** Documented differences (a zero-argument command, cut by rdbkit because redis-server refuses it). */
    repairDeliberate: 0,
    /** Damaged AOFs on which redis-check-aof itself died (a signal): nothing to compare with. */
    baselineCrashes: 0,
    baselineCrashExamples: [],
    /** Cases past the limit once that finished on their second run (see send()). */
    retriedAfterTimeout: 0,
    mismatchExamples: [],
    crashExamples: [],
    seed,
    limitMs,
    heapMb,
    jobs,
    startedAt: new Date().toISOString(),
    seconds: 0,
    loadAverage: null,
  };
  const t0 = Date.now();
  const rssTimer = setInterval(() => {
    stats.peakRssMb = Math.max(stats.peakRssMb, process.memoryUsage().rss / 2 ** 20);
  }, 50);

  const save = (kind, index, extra) => {
    const c = makeCase(s, p, seed, index);
    const base = join(findings, `${kind}-${seed}-${index}`);
    writeFileSync(`${base}.bin`, c.bytes);
    writeFileSync(`${base}.json`, `${JSON.stringify({ kind, index, seed, input: c.kind, from: c.name, what: c.what, ...extra }, null, 2)}\n`);
  };

  let next = from;
  /** Cases that timed out once, to run again with a longer limit. */
  const retry = [];
  const start = () =>
    new Promise((resolve) => {
      const w = new Worker(new URL(import.meta.url), {
        workerData: { seed, compare: !values['no-compare'] },
        resourceLimits: { maxOldGenerationSizeMb: heapMb },
      });
      let current = -1;
      let timer = null;
      const send = () => {
        const again = retry.shift();
        if (again === undefined && next >= total) {
          w.terminate().then(() => resolve(null));
          return;
        }
        current = again ?? next++;
        // a case past the limit runs once more in a fresh worker with five times the limit: a loaded
        // machine can starve a nice-19 worker for seconds; only a second timeout is a hang
        const second = again !== undefined;
        const limit = second ? limitMs * 5 : limitMs;
        timer = setTimeout(() => {
          if (second) {
            stats.hangs++;
            stats.cases++;
            save('hang', current, { limitMs: limit });
          } else {
            stats.retriedAfterTimeout++;
            retry.push(current);
          }
          w.terminate().then(() => resolve('restart'));
        }, limit);
        w.postMessage(current);
      };
      w.on('message', (m) => {
        if (m.ready) return send();
        clearTimeout(timer);
        stats.cases++;
        if (m.kind === 'rdb') stats.rdbCases++;
        else stats.aofCases++;
        if (m.ms > stats.slowest.ms) stats.slowest = { ms: Math.round(m.ms), case: { index: m.index, input: m.name, what: m.what } };
        const r = m.r;
        if (r.crashes.length) {
          stats.crashes++;
          if (stats.crashExamples.length < 20) stats.crashExamples.push({ index: m.index, input: m.name, what: m.what, crashes: r.crashes });
          save('crash', m.index, { crashes: r.crashes });
        }
        if (r.baselineCrash !== undefined) {
          stats.baselineCrashes++;
          if (stats.baselineCrashExamples.length < 20)
            stats.baselineCrashExamples.push({ index: m.index, input: m.name, what: m.what, redisCheckAof: r.baselineCrash });
        }
        if (r.checkAofFix !== undefined) {
          stats.repairCompared++;
          if (r.checkAofFix !== r.rdbkitRepair && r.deliberate) stats.repairDeliberate++;
          else if (r.checkAofFix !== r.rdbkitRepair) {
            stats.repairMismatches++;
            if (stats.mismatchExamples.length < 20)
              stats.mismatchExamples.push({ index: m.index, input: m.name, what: m.what, redisCheckAof: r.checkAofFix, rdbkit: r.rdbkitRepair });
            save('mismatch', m.index, { redisCheckAof: r.checkAofFix, rdbkit: r.rdbkitRepair });
          }
        }
        if (stats.cases % 1000 === 0) {
          stats.seconds = Math.round((Date.now() - t0) / 1000);
          writeFileSync(join(findings, 'summary.json'), `${JSON.stringify({ ...stats, partial: true }, null, 2)}\n`);
        }
        if (stats.cases % 5000 === 0)
          process.stderr.write(
            `${stats.cases} cases, ${stats.crashes} crashes, ${stats.hangs} hangs, ${stats.blowups} blow-ups, ${stats.repairMismatches}/${stats.repairCompared} repair mismatches, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
          );
        send();
      });
      w.on('error', (e) => {
        clearTimeout(timer);
        stats.cases++;
        if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          stats.blowups++;
          save('blowup', current, { heapMb });
        } else {
          stats.crashes++;
          save('crash', current, { worker: String(e?.stack ?? e) });
        }
        resolve('restart');
      });
    });
  // each lane keeps one worker busy, restarting it after a hang or a blow-up; the lanes share `next`
  const lane = async () => {
    while ((await start()) === 'restart');
  };
  await Promise.all(Array.from({ length: jobs }, lane));
  clearInterval(rssTimer);
  stats.seconds = Math.round((Date.now() - t0) / 1000);
  const os = await import('node:os');
  stats.loadAverage = os.loadavg().map((x) => Math.round(x * 10) / 10);
  writeFileSync(join(findings, 'summary.json'), `${JSON.stringify(stats, null, 2)}\n`);
  process.stdout.write(
    `fuzz: ${stats.cases} cases (${stats.rdbCases} RDB, ${stats.aofCases} AOF; ${stats.truncationCases} truncations) in ${stats.seconds} s\n` +
      `crashes ${stats.crashes}, hangs ${stats.hangs}, blow-ups ${stats.blowups} (${stats.retriedAfterTimeout} cases past ${limitMs} ms once, run again)\n` +
      `slowest case ${stats.slowest.ms} ms (${JSON.stringify(stats.slowest.case)})\n` +
      `peak RSS ${Math.round(stats.peakRssMb)} MB (${jobs} worker${jobs === 1 ? '' : 's'}, heap limit ${heapMb} MB each)\n` +
      `repair vs redis-check-aof --fix: ${stats.repairMismatches} mismatches in ${stats.repairCompared} damaged AOFs (${stats.repairDeliberate} documented zero-argument-command differences; redis-check-aof itself crashed on ${stats.baselineCrashes})\n` +
      `load average ${stats.loadAverage.join(' ')}\n`,
  );
  process.exitCode = stats.crashes || stats.hangs || stats.blowups ? 1 : 0;
}
