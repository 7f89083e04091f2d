/**
 * CLI plumbing shared by the command modules: colour (chalk; NO_COLOR honoured by chalk's
 * own detection plus an explicit check), one-line errors, exit codes, writing output to
 * stdout or to a file (temp + fsync + rename).
 */
import chalk, { Chalk } from 'chalk';
import { ParseError, UsageError } from '../errors.js';
import { openOutput } from '../io/sink.js';

/** Exit codes: 0 ok; 1 the input is invalid (truncated, corrupt, check failed); 2 usage or I/O error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** The chalk instance to use (no colour when NO_COLOR is set or stdout is not a terminal). */
export const c = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '' ? new Chalk({ level: 0 }) : chalk;

/** Print a one-line error for `file` and return the exit code it deserves. */
export function reportError(verb: string, file: string | undefined, e: unknown): number {
  const where = file ? `${file}: ` : '';
  if (e instanceof ParseError) {
    const ctx = e.context ? ` while reading ${e.context}` : '';
    process.stderr.write(
      `${c.red(`rdbkit ${verb}:`)} ${where}${e.kind} ${e.format.toUpperCase()} at offset ${e.offset}${ctx}: ${e.detail}\n`,
    );
    return EXIT_INVALID;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`${c.red(`rdbkit ${verb}:`)} ${where}${e.message}\n`);
    return EXIT_USAGE;
  }
  const err = e as NodeJS.ErrnoException;
  const msg = err && typeof err.message === 'string' ? err.message : String(e);
  process.stderr.write(`${c.red(`rdbkit ${verb}:`)} ${where}${msg}\n`);
  if (process.env.RDBKIT_DEBUG && err?.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_USAGE;
}

/** Run a command body, turning thrown errors into one line and an exit code. */
export async function runCommand(verb: string, file: string | undefined, body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (e) {
    code = reportError(verb, file, e);
  }
  process.exitCode = code;
}

/** Options of writeOutput. */
export interface WriteOutputOptions {
  /** Replace an existing regular file. */
  force?: boolean;
  /** Binary bytes (an RDB): never to a terminal. */
  binary?: boolean;
  /** Names the bytes in a refusal ("RDB bytes"). */
  what?: string;
  /** Called with each chunk once it is written out and the sink holds it no longer (its buffer may be reused). */
  release?: (chunk: Uint8Array) => void;
}

/**
 * Write chunks to `out`: stdout for `-` or none, in place for a device/FIFO/socket, else
 * atomically (temp file beside the real file, fsync, rename; an existing file needs `force`).
 * Writes are gathered to ~1 MiB. Returns the byte count and whether it went to a file.
 */
export async function writeOutput(
  out: string | undefined,
  chunks: AsyncIterable<string | Uint8Array>,
  opts: WriteOutputOptions = {},
): Promise<{ bytes: number; toFile: boolean }> {
  const sink = await openOutput(out, { overwrite: opts.force, binary: opts.binary, what: opts.what });
  const enc = new TextEncoder();
  const gather = sink.kind === 'stdout' ? 1 << 16 : 1 << 20;
  try {
    let pending: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of chunks) {
      const b = typeof chunk === 'string' ? enc.encode(chunk) : chunk;
      pending.push(b);
      size += b.length;
      if (size >= gather) {
        for (const p of pending) {
          await sink.write(p);
          if (opts.release && sink.idle()) opts.release(p);
        }
        pending = [];
        size = 0;
      }
    }
    for (const p of pending) await sink.write(p);
    await sink.commit();
    return { bytes: sink.written, toFile: sink.kind !== 'stdout' };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}
