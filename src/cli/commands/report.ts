/**
 * `rdbkit report FILE...`: what uses the memory (ops/report.ts). Several files (a cluster's
 * shards) are read in parallel worker threads and merged; `--merge` merges JSON reports made
 * elsewhere. Formats: text (default), json, csv (redis-rdb-tools' memory CSV), html.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { CorruptError, type ErrorFormat, TruncatedError, UsageError } from '../../errors.js';
import { readWhole } from '../../io/files.js';
import { isStdout } from '../../io/sink.js';
import type { KeyFilter } from '../../ops/filter.js';
import { CSV_HEADER, csvLine, type MemoryReport, mergeReports, ReportBuilder, type ReportOptions, reportRows } from '../../ops/report.js';
import { reportHtml } from '../../ops/report-html.js';
import { FILTER_ARGS, type FilterArgs, filterFromArgs, filterOptions, parseTime } from '../filters.js';
import { c, EXIT_OK, runCommand, writeOutput } from '../output.js';
import { Progress, type ProgressState } from '../progress.js';
import { refuse } from '../refuse.js';
import { openReportInput, reportFile } from '../report-input.js';
import { formatReportText } from '../report-text.js';

interface Args extends FilterArgs {
  files: string[];
  format: 'text' | 'json' | 'csv' | 'html';
  output?: string;
  force?: boolean;
  merge?: boolean;
  top?: number;
  sep?: string;
  depth?: number;
  prefixes?: number;
  minBytes?: number;
  at?: string;
  quiet?: boolean;
}

export const command = 'report <files..>';
export const describe = "Report what uses the memory: per-key sizes as Redis 7.0's MEMORY USAGE gives them, top keys, prefixes";

export function builder(y: Argv): Argv<Args> {
  return filterOptions(
    y
      .positional('files', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'RDB files, AOF files or directories, - for stdin (or JSON reports with --merge)',
      })
      .option('format', {
        alias: 'f',
        choices: ['text', 'json', 'csv', 'html'] as const,
        default: 'text' as const,
        describe: 'output format',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'output file (default, or -: stdout)' })
      .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
      .option('merge', { type: 'boolean', describe: 'the inputs are JSON reports to merge' })
      .option('top', { type: 'number', describe: 'largest keys kept (default 50)' })
      .option('sep', { type: 'string', describe: 'key prefix separator (default ":"; "" for no prefix tree)' })
      .option('depth', { type: 'number', describe: 'prefix depth in segments (default 3)' })
      .option('prefixes', { type: 'number', describe: 'prefix nodes kept, smaller branches fold into "(other)" (default 500)' })
      .option('min-bytes', { type: 'number', describe: 'only keys of at least this many bytes' })
      .option('at', {
        type: 'string',
        describe: "reference TIME for TTL buckets and expired keys (default: the dump's ctime)",
      })
      .example('$0 report dump.rdb', 'the biggest keys, types and prefixes, as text')
      .example('$0 report shard1.rdb shard2.rdb shard3.rdb -f html -o memory.html', "a cluster's shards merged, one page")
      .example('ssh db1 cat dump.rdb | $0 report - -f json --key "session:*"', 'sessions of a dump arriving on stdin, as JSON'),
  ) as unknown as Argv<Args>;
}

/** Refuse options that would do nothing for this run. */
function refuseUseless(a: ArgumentsCamelCase<Args>): void {
  const shaping = (['top', 'sep', 'depth', 'prefixes'] as const).find((k) => a[k] !== undefined);
  if (a.merge) {
    const given = (['top', 'sep', 'depth', 'prefixes', 'minBytes', 'at', ...FILTER_ARGS] as const).find(
      (k) => a[k] !== undefined && (a[k] as unknown) !== false,
    );
    const made = given?.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
    refuse(made !== undefined, `--${made}`, 'shapes a report as it is made; --merge combines finished ones');
  }
  refuse(a.format === 'csv' && shaping !== undefined, `--${shaping}`, 'shapes the summary; --format csv lists every key');
  refuse(a.force === true && isStdout(a.output), '--force', 'replaces an existing -o FILE; this output is stdout');
  if (a.files.filter((f) => f === '-').length > 1) throw new UsageError('CLI_STDIN_TWICE', 'stdin (-) can be read only once');
}

function reportOptions(a: Args, filter: KeyFilter): ReportOptions {
  return {
    ...filter,
    top: a.top,
    sep: a.sep,
    depth: a.depth,
    prefixes: a.prefixes,
    minBytes: a.minBytes,
    at: a.at === undefined ? undefined : parseTime('at', a.at, filter.now),
  };
}

/** Report on one file in a worker thread. */
function reportInWorker(file: string, options: ReportOptions, onProgress: (st: ProgressState) => void): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    // stdin belongs to the main thread
    if (file === '-') {
      reportFile(file, options, onProgress).then(resolve, reject);
      return;
    }
    // in the bundled CLI the worker file is bundled beside it (scripts/bundle.mjs)
    const entry = new URL(typeof RDBKIT_BUNDLED === 'undefined' ? '../report-worker.js' : './report-worker.js', import.meta.url);
    const w = new Worker(entry, { workerData: { file, options } });
    w.on(
      'message',
      (m: { ok: boolean; progress?: ProgressState; report?: MemoryReport; message?: string; parse?: Record<string, unknown> }) => {
        if (m.progress) {
          onProgress(m.progress);
          return;
        }
        if (m.ok) resolve(m.report!);
        else if (m.parse) {
          const p = m.parse as { kind: string; format: ErrorFormat; code: string; offset: number; message: string; context: string };
          const Ctor = p.kind === 'truncated' ? TruncatedError : CorruptError;
          reject(Object.assign(new Ctor(p.format, p.code, p.offset, p.message, p.context), { file }));
        } else reject(Object.assign(new Error(m.message), { file }));
      },
    );
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`report worker for ${file} exited with code ${code}`));
    });
  });
}

/**
 * Reports of several files, `limit` worker threads at a time, in input order; one progress line
 * adds up what the workers post (the total once every file has said its size).
 */
async function reportAll(files: string[], options: ReportOptions, quiet: boolean | undefined): Promise<MemoryReport[]> {
  const out: MemoryReport[] = new Array(files.length);
  const states: Array<ProgressState | undefined> = new Array(files.length);
  const sum = (): ProgressState => {
    let bytes = 0;
    let keys = 0;
    let commands: number | undefined;
    let total: number | null = 0;
    for (const st of states) {
      if (!st) {
        total = null;
        continue;
      }
      bytes += st.bytes;
      keys += st.keys;
      if (st.commands !== undefined) commands = (commands ?? 0) + st.commands;
      total = total === null || st.total === null ? null : total + st.total;
    }
    return { bytes, total, keys, commands };
  };
  const bar = new Progress(`report ${files.length} files`, sum, { quiet });
  let next = 0;
  const limit = Math.max(1, Math.min(files.length, availableParallelism()));
  const run = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await reportInWorker(files[i]!, options, (st) => {
        states[i] = st;
        bar.tick();
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: limit }, run));
  } finally {
    bar.end();
  }
  return out;
}

async function* csvChunks(files: string[], options: ReportOptions, quiet: boolean | undefined): AsyncGenerator<string> {
  yield `${CSV_HEADER}\n`;
  for (const file of files) {
    const input = await openReportInput(file, options, { quiet });
    try {
      for await (const rows of reportRows(input.batches, options, new ReportBuilder({ ...options, top: 0, sep: '' }))) {
        let text = '';
        for (const row of rows) text += csvLine(row);
        yield text;
      }
    } finally {
      input.close();
    }
  }
}

export async function handler(argv: ArgumentsCamelCase<Args>): Promise<void> {
  const files = argv.files;
  await runCommand('report', files.length === 1 ? files[0] : undefined, async () => {
    const filter = filterFromArgs(argv);
    refuseUseless(argv);
    const options = reportOptions(argv, filter);
    let chunks: AsyncIterable<string>;
    if (argv.format === 'csv') {
      if (argv.merge) throw new UsageError('CLI_BAD_OPTION', '--merge makes a report, not per-key rows: use --format json|text|html');
      chunks = csvChunks(files, options, argv.quiet);
    } else {
      let rep: MemoryReport;
      if (argv.merge) {
        const parts: MemoryReport[] = [];
        for (const f of files) {
          let parsed: MemoryReport;
          try {
            parsed = JSON.parse(new TextDecoder().decode(await readWhole(f))) as MemoryReport;
          } catch (e) {
            throw new UsageError('CLI_BAD_INPUT', `${f}: not a JSON report (${(e as Error).message})`);
          }
          if (parsed?.kind !== 'rdbkit-memory-report') throw new UsageError('CLI_BAD_INPUT', `${f}: not an rdbkit memory report`);
          parts.push(parsed);
        }
        rep = mergeReports(parts);
      } else if (files.length === 1) {
        rep = await reportFile(files[0]!, options, { quiet: argv.quiet });
      } else {
        rep = mergeReports(await reportAll(files, options, argv.quiet));
      }
      const text =
        argv.format === 'json' ? `${JSON.stringify(rep, null, 1)}\n` : argv.format === 'html' ? reportHtml(rep) : formatReportText(rep, c);
      chunks = (async function* () {
        yield text;
      })();
    }
    const w = await writeOutput(argv.output, chunks, { force: argv.force });
    if (w.toFile) process.stderr.write(`${c.green('wrote')} ${argv.output}: ${w.bytes} bytes\n`);
    return EXIT_OK;
  });
}
