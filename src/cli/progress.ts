/**
 * A progress line on stderr: bytes done / total, percent, rate, ETA and keys, redrawn at most
 * ten times a second, in place (carriage return + erase line). Only when stderr is a terminal
 * and --quiet is not given; it appears after half a second (a quick run shows nothing) and is
 * erased when the work ends, so it never mixes with the command's own output.
 *
 * The numbers come from the work itself: the ops report progress as data (ReadOptions.onProgress)
 * and the input counts file bytes; this module only renders.
 */

import { basename } from 'node:path';
import type { RdbInput } from '../io/input.js';
import type { AofSource } from '../model/source.js';
import type { AofProgress } from '../ops/replay-aof.js';

const MIN_INTERVAL_MS = 100;
/** The line appears after this long (RDBKIT_PROGRESS_AFTER_MS overrides: 0 draws at once). */
const FIRST_DRAW_MS = firstDrawMs(process.env.RDBKIT_PROGRESS_AFTER_MS);

function firstDrawMs(setting: string | undefined): number {
  const ms = setting === undefined || setting === '' ? Number.NaN : Number(setting);
  return Number.isFinite(ms) && ms >= 0 ? ms : 500;
}

/** What a progress line shows. */
export interface ProgressState {
  /** Input bytes read so far. */
  bytes: number;
  /** Input size when known. */
  total: number | null;
  keys: number;
  /** AOF input: commands read so far (shown instead of keys unless an RDB preamble had keys). */
  commands?: number;
  /**
   * 'write': the output is being written from a dataset already read (AOF conversion after the
   * replay); `keys` counts keys written and `total` is the dataset's key count, not bytes.
   */
  phase?: 'write';
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
/** Bytes for humans: 512 B, 12.3 MiB. */
export function humanBytes(n: number): string {
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${UNITS[u]}`;
}

function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The text of one progress line. */
export function progressLine(label: string, st: ProgressState, elapsedMs: number): string {
  if (st.phase === 'write') return writeLine(label, st, elapsedMs);
  const rate = elapsedMs > 0 ? (st.bytes / elapsedMs) * 1000 : 0;
  const parts = [label];
  if (st.total !== null && st.total > 0) {
    const pct = Math.min(100, (st.bytes / st.total) * 100);
    parts.push(`${pct.toFixed(1).padStart(5)}%`, `${humanBytes(st.bytes)} / ${humanBytes(st.total)}`);
  } else parts.push(humanBytes(st.bytes));
  parts.push(`${humanBytes(Math.round(rate))}/s`);
  if (st.total !== null && rate > 0 && st.bytes < st.total) parts.push(`ETA ${clock((st.total - st.bytes) / rate)}`);
  if (st.commands === undefined || st.keys > 0) parts.push(`${st.keys.toLocaleString('en-US')} keys`);
  if (st.commands !== undefined) parts.push(`${st.commands.toLocaleString('en-US')} commands`);
  return parts.join('  ');
}

/** The line of the write phase: keys written of the dataset's keys. */
function writeLine(label: string, st: ProgressState, elapsedMs: number): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const rate = elapsedMs > 0 ? (st.keys / elapsedMs) * 1000 : 0;
  const parts = [label, 'writing'];
  if (st.total !== null && st.total > 0) {
    const pct = Math.min(100, (st.keys / st.total) * 100);
    parts.push(`${pct.toFixed(1).padStart(5)}%`, `${n(st.keys)} / ${n(st.total)} keys`);
  } else parts.push(`${n(st.keys)} keys`);
  parts.push(`${n(rate)} keys/s`);
  if (st.total !== null && rate > 0 && st.keys < st.total) parts.push(`ETA ${clock((st.total - st.keys) / rate)}`);
  return parts.join('  ');
}

let shown: Progress | null = null;

/** Erase the progress line, if one is drawn, before writing other output to the terminal (it is redrawn at the next tick). */
export function clearProgressLine(): void {
  shown?.erase();
}

/** A progress display bound to stderr (a no-op when stderr is not a terminal or `quiet`). */
export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private drawn = false;
  private stopped = false;
  private readonly on: boolean;
  private readonly timer: NodeJS.Timeout | null;
  private state: ProgressState = { bytes: 0, total: null, keys: 0 };

  private readonly sink: ((st: ProgressState) => void) | undefined;

  constructor(
    private readonly label: string,
    private readonly read: () => ProgressState,
    opts: { quiet?: boolean; sink?: (st: ProgressState) => void } = {},
  ) {
    this.sink = opts.sink;
    this.on = this.sink !== undefined || (!opts.quiet && process.stderr.isTTY === true);
    // a timer as well as updates: a read waiting on a slow pipe still shows its rate falling
    this.timer = this.on ? setInterval(() => this.tick(), 250) : null;
    this.timer?.unref();
  }

  /** Called by the work as it goes (cheap: drawing is throttled). */
  tick(): void {
    if (!this.on || this.stopped) return;
    const now = Date.now();
    if (now - this.started < FIRST_DRAW_MS || now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    this.state = this.read();
    if (this.sink) {
      this.sink(this.state);
      return;
    }
    // a terminal of unknown width (0 columns, as under script(1)) gets the whole line
    const cols = process.stderr.columns || 0;
    const line = progressLine(this.label, this.state, now - this.started);
    process.stderr.write(`\r\x1b[K${cols >= 20 ? line.slice(0, cols - 1) : line}`);
    this.drawn = true;
    shown = this;
  }

  /** Erase the line (drawn again at the next tick). */
  erase(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Erase the line and stop. */
  end(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.erase();
    if (shown === this) shown = null;
  }
}

/** Where a progress state goes: a line drawn here, or a callback (a worker thread posting it to the main thread). */
export type ProgressTarget = { quiet?: boolean } | ((st: ProgressState) => void);

/** A Progress for a target: drawn on stderr, or each state handed to the callback (at most ten a second). */
function progressFor(label: string, read: () => ProgressState, target: ProgressTarget | boolean | undefined): Progress {
  if (typeof target !== 'function') return new Progress(label, read, { quiet: typeof target === 'object' ? target.quiet : target });
  return new Progress(label, read, { sink: target });
}

/** The label of a progress line: the verb and the input's base name. */
function labelOf(verb: string, arg: string): string {
  return `${verb} ${arg === '-' ? 'stdin' : basename(arg)}`;
}

/**
 * Show the progress of `verb` reading an AOF (all its files; the total is known when every file
 * has a size): pass `onProgress` to the scan or replay, and call `bar.end()` when done.
 */
export function aofProgress(
  verb: string,
  arg: string,
  set: AofSource,
  quiet: ProgressTarget | boolean | undefined,
): { bar: Progress; onProgress: (p: AofProgress) => void } {
  let total: number | null = 0;
  for (const p of set.parts) total = total === null || p.size === null ? null : total + p.size;
  let last: AofProgress = { bytes: 0, commands: 0, keys: 0 };
  const bar = progressFor(labelOf(verb, arg), () => ({ bytes: last.bytes, total, keys: last.keys, commands: last.commands }), quiet);
  return {
    bar,
    onProgress: (p) => {
      last = p;
      bar.tick();
    },
  };
}

/**
 * Show the progress of `verb` writing its output from a dataset of `total` keys already read (the
 * AOF conversions, after the replay): wrap the records with `count` and call `bar.end()` when done.
 */
export function writeProgress(
  verb: string,
  arg: string,
  total: number,
  quiet: ProgressTarget | boolean | undefined,
): { bar: Progress; count: <R extends { kind: string }>(records: Iterable<R>) => Generator<R>; key: () => void } {
  let keys = 0;
  const bar = progressFor(labelOf(verb, arg), () => ({ bytes: 0, total, keys, phase: 'write' }), quiet);
  return {
    bar,
    key: () => {
      keys++;
      if ((keys & 1023) === 0) bar.tick();
    },
    count: function* (records) {
      for (const r of records) {
        yield r;
        if (r.kind === 'key') {
          keys++;
          if ((keys & 1023) === 0) bar.tick();
        }
      }
    },
  };
}

/** Show the progress of `verb` reading an opened RDB (file bytes from the input, keys from the decoder). */
export function rdbProgress(verb: string, arg: string, input: RdbInput, quiet: ProgressTarget | boolean | undefined): Progress {
  let keys = 0;
  const bar = progressFor(labelOf(verb, arg), () => ({ bytes: input.input.bytesRead, total: input.fileSize, keys }), quiet);
  const prev = input.decoderOptions.onProgress;
  input.decoderOptions.onProgress = (p) => {
    keys = p.keys;
    prev?.(p);
    bar.tick();
  };
  return bar;
}
