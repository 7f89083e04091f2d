/** `rdbkit digest`'s input: an argument opened and sniffed (a path, a directory, or `-`), then digested by ops/digest.ts. */
import { openRdbInput } from '../io/input.js';
import { isAofKind, openInput } from '../io/sniff.js';
import { type DigestOptions, type DigestReport, digestAof, digestRdb } from '../ops/digest.js';
import { datasetHeap } from './heap.js';
import { openAof, shownName } from './inputs.js';
import { aofProgress, rdbProgress } from './progress.js';

/** How digestFile runs beside the digest: a check of the input's kind before reading, a progress line. */
export interface DigestRun {
  /** Called once the kind is known, before any reading (throw to refuse). */
  onKind?: (kind: 'rdb' | 'aof') => void;
  /** No progress line. */
  quiet?: boolean;
}

/** Digest an RDB, an AOF file, a manifest, an AOF directory, or either kind of file through a stream (`-`). */
export async function digestFile(arg: string, opts: DigestOptions = {}, run: DigestRun = {}): Promise<DigestReport> {
  const opened = await openInput(arg);
  if (isAofKind(opened.kind)) {
    run.onKind?.('aof');
    const set = await openAof(opened);
    datasetHeap();
    const { bar, onProgress } = aofProgress('digest', arg, set, run.quiet);
    try {
      return { ...(await digestAof(set, { ...opts, onProgress })), input: shownName(arg) };
    } finally {
      bar.end();
    }
  }
  run.onKind?.('rdb');
  // Anything else is read as an RDB, as `check` reads it: gzip and VCS containers are opened,
  // and a file without the RDB magic is a CorruptError (exit 1), not a usage error.
  const input = await openRdbInput(opened.source!);
  const bar = rdbProgress('digest', arg, input, run.quiet);
  try {
    return await digestRdb(input.source, { ...opts, name: shownName(arg), read: input.decoderOptions });
  } finally {
    bar.end();
    input.close();
  }
}
