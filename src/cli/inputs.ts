/** What the commands say about input arguments they cannot take. */
import { UsageError } from '../errors.js';
import type { OpenedInput } from '../io/sniff.js';
import { looksLikeJson } from '../ops/to-rdb.js';

/** The path of an AOF input, or a UsageError when the AOF arrives through a pipe or FIFO. */
export function aofPathOf(o: OpenedInput): string {
  if (o.source === null || o.source.path !== null) return o.source?.path ?? o.path;
  throw new UsageError('AOF_NOT_SEEKABLE', `${o.source.name}: this command reads an AOF from a file or directory, not from a pipe`);
}

/** The refusal for an input that is neither an RDB nor an AOF (gzip and VCS RDBs are sniffed by the RDB reader). */
export function notAnInput(o: OpenedInput): UsageError {
  const head = o.source?.head ?? new Uint8Array();
  if (head.length === 0) return new UsageError('INPUT_EMPTY', `${o.source?.name ?? o.path} is empty: neither an RDB nor an AOF`);
  if (looksLikeJson(head))
    return new UsageError('INPUT_IS_JSON', `${o.source?.name ?? o.path} is a JSON export, not an RDB or AOF (convert it with --to rdb)`);
  return new UsageError('INPUT_UNKNOWN', `${o.source?.name ?? o.path} is neither an RDB nor an AOF`);
}

/** How an input argument is named in messages: `-` is "stdin". */
export function shownName(arg: string): string {
  return arg === '-' ? 'stdin' : arg;
}
