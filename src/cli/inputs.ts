/** Opening AOF inputs, and what the commands say about input arguments they cannot take. */
import { UsageError } from '../errors.js';
import { openAofSet, openAofSource } from '../io/aof-files.js';
import type { OpenedInput } from '../io/sniff.js';
import type { AofSource } from '../model/source.js';
import { looksLikeJson } from '../ops/to-rdb.js';

/** An opened AOF input as a source: a directory or manifest, a file, or a single AOF through a stream. */
export function openAof(o: OpenedInput): Promise<AofSource> {
  return o.source === null ? openAofSet(o.path) : openAofSource(o.source);
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
