/**
 * CLI plumbing shared by the command modules: colour (chalk; NO_COLOR honoured by chalk's
 * own detection plus an explicit check), one-line errors, exit codes, writing output to
 * stdout or to a file (temp + fsync + rename).
 */
import chalk, { Chalk } from 'chalk';
import { ParseError, UsageError } from '../errors.js';
import { AtomicFile } from '../io/files.js';

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

/** Write text/bytes chunks to stdout, honouring backpressure. */
export async function writeStdout(chunks: AsyncIterable<string | Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

/** Write chunks to `out` atomically (temp file, fsync, rename); refuses to overwrite unless `force`. */
export async function writeOutputFile(out: string, chunks: AsyncIterable<string | Uint8Array>, force: boolean): Promise<number> {
  const f = await AtomicFile.open(out, force);
  const enc = new TextEncoder();
  try {
    let pending: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of chunks) {
      const b = typeof chunk === 'string' ? enc.encode(chunk) : chunk;
      pending.push(b);
      size += b.length;
      if (size >= 1 << 20) {
        for (const p of pending) await f.write(p);
        pending = [];
        size = 0;
      }
    }
    for (const p of pending) await f.write(p);
    await f.commit();
    return f.written;
  } catch (e) {
    await f.abort();
    throw e;
  }
}
