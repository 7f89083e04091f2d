/**
 * Worker thread of `rdbkit report FILE...`: reports on one file and posts the report back, so the
 * shards of a cluster are read in parallel and merged by the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParseError } from '../errors.js';
import type { ReportOptions } from '../ops/report.js';
import type { ProgressState } from './progress.js';
import { reportFile } from './report-input.js';

const { file, options } = workerData as { file: string; options: ReportOptions };
try {
  const progress = (st: ProgressState) => parentPort!.postMessage({ progress: st });
  parentPort!.postMessage({ ok: true, report: await reportFile(file, options, progress) });
} catch (e) {
  if (e instanceof ParseError) parentPort!.postMessage({ ok: false, parse: { ...e.toJSON() } });
  else parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
}
