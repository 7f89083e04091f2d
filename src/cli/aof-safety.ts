/**
 * What `repair` and `unflush` say and do before changing an AOF: name any process holding the
 * files open (and refuse to go on), warn where that cannot be checked, and remove (or, on a dry
 * run, list) temp files left by killed runs.
 */
import { UsageError } from '../errors.js';
import { inUseMessage, type Preflight } from '../io/aof-files.js';
import { removeStaleTemps } from '../io/stale-temps.js';
import { c } from './output.js';

const num = (n: number): string => n.toLocaleString('en-US');

/** Warnings about open files, as lines (printed with the plan). */
export function formatPreflight(p: Preflight | undefined): string {
  if (!p) return '';
  const lines: string[] = [];
  for (const h of p.holders) lines.push(c.red(`in use: ${h.command} (pid ${h.pid}) has ${h.file} open`));
  if (!p.holdersChecked)
    lines.push(
      c.yellow(
        `warning: whether a process holds these files open cannot be checked on ${process.platform}: make sure redis-server is stopped (or CONFIG SET appendonly no) before changing its AOF`,
      ),
    );
  if (p.unreadable > 0)
    lines.push(
      c.yellow(
        `warning: the open files of ${p.unreadable} process${p.unreadable === 1 ? '' : 'es'} of other users could not be checked (run as root, or as the Redis user, to check them)`,
      ),
    );
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Stale temp files: listed on a dry run, removed otherwise. Returns the lines to print.
 */
export async function cleanStaleTemps(p: Preflight | undefined, dryRun: boolean): Promise<string> {
  if (!p || p.staleTemps.length === 0) return '';
  if (dryRun)
    return p.staleTemps
      .map((t) => `would remove ${t.path} (${num(t.size)} bytes, a temp file of an earlier run, pid ${t.pid}, that did not finish)\n`)
      .join('');
  const done = await removeStaleTemps(p.staleTemps);
  return done
    .map((t) => `removed ${t.path} (${num(t.size)} bytes, a temp file of an earlier run, pid ${t.pid}, that did not finish)\n`)
    .join('');
}

/** Refuse to change files a process holds open. */
export function refuseIfInUse(p: Preflight | undefined): void {
  if (p?.holders.length) throw new UsageError('AOF_IN_USE', inUseMessage(p.holders));
}
