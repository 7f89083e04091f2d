/** `rdbkit digest`'s input: a path sniffed and opened through the file rim, then digested by ops/digest.ts. */
import { UsageError } from '../errors.js';
import { openAofSet } from '../io/aof-files.js';
import { openRdbInput } from '../io/input.js';
import { isAofKind, sniffInput } from '../io/sniff.js';
import { type DigestOptions, type DigestReport, digestAof, digestRdb } from '../ops/digest.js';

/** Digest an RDB file, an AOF file, a manifest or an AOF directory. */
export async function digestFile(path: string, opts: DigestOptions = {}): Promise<DigestReport> {
  const kind = await sniffInput(path);
  if (kind === 'missing') throw new UsageError('NO_SUCH_FILE', `cannot open ${path}: no such file or directory`);
  if (isAofKind(kind)) return digestAof(await openAofSet(path), opts);
  // Anything else is read as an RDB, as `check` reads it: gzip and VCS containers are opened,
  // and a file without the RDB magic is a CorruptError (exit 1), not a usage error.
  const input = await openRdbInput(path);
  return digestRdb(input.source, { ...opts, name: path, read: input.decoderOptions });
}
