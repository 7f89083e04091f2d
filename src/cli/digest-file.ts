/** `rdbkit digest`'s input: an argument opened and sniffed (a path, a directory, or `-`), then digested by ops/digest.ts. */
import { openRdbInput } from '../io/input.js';
import { isAofKind, openInput } from '../io/sniff.js';
import { type DigestOptions, type DigestReport, digestAof, digestRdb } from '../ops/digest.js';
import { openAof, shownName } from './inputs.js';

/** Digest an RDB, an AOF file, a manifest, an AOF directory, or either kind of file through a stream (`-`). */
export async function digestFile(arg: string, opts: DigestOptions = {}): Promise<DigestReport> {
  const opened = await openInput(arg);
  if (isAofKind(opened.kind)) return { ...(await digestAof(await openAof(opened), opts)), input: shownName(arg) };
  // Anything else is read as an RDB, as `check` reads it: gzip and VCS containers are opened,
  // and a file without the RDB magic is a CorruptError (exit 1), not a usage error.
  const input = await openRdbInput(opened.source!);
  try {
    return await digestRdb(input.source, { ...opts, name: shownName(arg), read: input.decoderOptions });
  } finally {
    input.close();
  }
}
