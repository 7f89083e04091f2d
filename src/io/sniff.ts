/**
 * Deciding what an input path is, from the file system and the first bytes:
 *  - a directory, or a file named `*.manifest` → a Redis 7 multi-part AOF;
 *  - a file starting with `REDIS`/`VALKEY` → an RDB, unless its name ends in `.aof` (then an
 *    old-style AOF with an RDB preamble); a stream or a file with another name (not `.rdb`) is an
 *    AOF with a preamble when its aux fields say so (`aof-base` 1 since Redis 7.0, `aof-preamble`
 *    1 in 4.0 to 6.2: rdbSaveInfoAuxFields writes them before any key);
 *  - a file starting with `*` or `#` (or an empty `.aof`) → an AOF;
 *  - anything else → unknown (callers may still try gzip / VCS containers for RDBs).
 */
import { latin1 } from '../model/bytes.js';
import { RdbDecoder } from '../rdb/decoder.js';
import { fileSize, isDirectory, readHead } from './files.js';
import { sniffContainer } from './input.js';
import { type InputSource, openSource } from './source.js';

/** The kinds of input rdbkit tells apart. */
export type InputKind = 'rdb' | 'aof' | 'aof-preamble' | 'aof-multipart' | 'unknown' | 'missing';

const startsWith = (b: Uint8Array, s: string) => b.length >= s.length && [...s].every((ch, i) => b[i] === ch.charCodeAt(0));

/** Classify a path (see the file comment). */
export async function sniffInput(p: string): Promise<InputKind> {
  if (await isDirectory(p)) return 'aof-multipart';
  const size = await fileSize(p);
  if (size === null) return 'missing';
  if (p.endsWith('.manifest')) return 'aof-multipart';
  const isAofName = p.endsWith('.aof');
  if (size === 0) return isAofName ? 'aof' : 'unknown';
  const head = await readHead(p, 8);
  if (startsWith(head, 'REDIS') || startsWith(head, 'VALKEY')) return isAofName ? 'aof-preamble' : 'rdb';
  if (head[0] === 0x2a || head[0] === 0x23) return 'aof';
  return 'unknown';
}

/** Classify an opened input from its name and first bytes (same rules as sniffInput). */
export function sniffSource(src: InputSource): InputKind {
  const isAofName = src.name.endsWith('.aof');
  if (src.head.length === 0) return isAofName ? 'aof' : 'unknown';
  if (startsWith(src.head, 'REDIS') || startsWith(src.head, 'VALKEY')) return isAofName ? 'aof-preamble' : 'rdb';
  if (src.head[0] === 0x2a || src.head[0] === 0x23) return 'aof';
  // a gzip or VCS container: an RDB inside (the RDB reader unwraps it)
  if (sniffContainer(src.head) !== 'plain') return 'rdb';
  return 'unknown';
}

/** An input argument, opened: a directory or manifest (a multi-part AOF, read by path) or a source. */
export type OpenedInput = { kind: 'aof-multipart'; path: string; source: null } | { kind: InputKind; path: string; source: InputSource };

/** How far into an RDB its aux fields are looked for (they come first, a few hundred bytes). */
const AUX_PEEK = 4096;

/** Whether the first bytes of an RDB carry the aux field of an AOF preamble (aof-base 1 or aof-preamble 1). */
export function auxSaysAofPreamble(head: Uint8Array): boolean {
  const d = new RdbDecoder({ verifyChecksum: false, skipValues: true });
  try {
    for (const r of d.write(head)) {
      if (r.kind === 'key') return false;
      if (r.kind !== 'aux') continue;
      const name = latin1(r.key);
      if ((name === 'aof-base' || name === 'aof-preamble') && latin1(r.value) === '1') return true;
    }
  } catch {
    // a damaged RDB is the RDB reader's to report
  }
  return false;
}

/** Open an input argument (`-` is stdin) and tell what it holds. */
export async function openInput(arg: string): Promise<OpenedInput> {
  if (arg !== '-' && ((await isDirectory(arg)) || arg.endsWith('.manifest'))) return { kind: 'aof-multipart', path: arg, source: null };
  const source = await openSource(arg);
  let kind = sniffSource(source);
  if (kind === 'rdb' && !source.name.endsWith('.rdb') && sniffContainer(source.head) === 'plain') {
    if (auxSaysAofPreamble(await source.peek(AUX_PEEK))) kind = 'aof-preamble';
  }
  return { kind, path: arg, source };
}

/** Whether a kind is one of the AOF kinds. */
export function isAofKind(kind: InputKind): boolean {
  return kind === 'aof' || kind === 'aof-preamble' || kind === 'aof-multipart';
}
