/**
 * Deciding what an input path is, from the file system and the first bytes:
 *  - a directory, or a file named `*.manifest` → a Redis 7 multi-part AOF;
 *  - a file starting with `REDIS`/`VALKEY` → an RDB, unless its name ends in `.aof` (then an
 *    old-style AOF with an RDB preamble);
 *  - a file starting with `*` or `#` (or an empty `.aof`) → an AOF;
 *  - anything else → unknown (callers may still try gzip / VCS containers for RDBs).
 */
import * as path from 'node:path';
import { fileSize, isDirectory, readHead } from './files.js';

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

/** Whether a kind is one of the AOF kinds. */
export function isAofKind(kind: InputKind): boolean {
  return kind === 'aof' || kind === 'aof-preamble' || kind === 'aof-multipart';
}

/** The base name of a path (for messages). */
export function baseName(p: string): string {
  return path.basename(p);
}
