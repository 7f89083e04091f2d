/**
 * The file rim: the only place that touches node:fs. Sources are AsyncIterable<Uint8Array>
 * chunks; modified files are written to a temp file beside the target, fsynced and renamed,
 * so the original is untouched on any failure.
 */
import { createReadStream, constants as fsc, promises as fsp, readFileSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { trackTemp, untrackTemp } from './signals.js';

/**
 * Default read chunk size. 64 KiB, not more: records are views into their chunk, and smaller
 * chunks die young (measured on a 489 MiB dump: 1 MiB chunks doubled peak RSS and GC time).
 */
export const CHUNK_SIZE = 64 * 1024;

/** Read a file as a stream of chunks (plain Uint8Array views). */
export async function* readChunks(file: string, chunkSize = CHUNK_SIZE, start = 0, end?: number): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(file, { highWaterMark: chunkSize, start, end: end === undefined ? undefined : end - 1 });
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
}

/**
 * rdbkit's own version, from the package.json of the installed package (found relative to this
 * module, dist/io/files.js, never the current directory: `npx rdbkit --version` run inside
 * another project must not print that project's version).
 */
export function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Whole file as bytes (small files: manifests, tests). */
export async function readWhole(file: string): Promise<Uint8Array> {
  const b = await fsp.readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** File size, or null when it does not exist. */
export async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return null;
  }
}

/** Whether a path is a directory. */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The first n bytes of a file (for sniffing formats). */
export async function readHead(file: string, n: number): Promise<Uint8Array> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Follow a chain of symlinks at `p` (the last component) to the path it finally names, which may not exist yet. */
export async function resolveLinks(p: string): Promise<string> {
  let cur = p;
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = await fsp.lstat(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return cur;
      throw e;
    }
    if (!st.isSymbolicLink()) return cur;
    cur = path.resolve(path.dirname(cur), await fsp.readlink(cur));
  }
  throw new UsageError('OUTPUT_LINK_LOOP', `${p}: too many levels of symbolic links`);
}

/**
 * A sink that writes chunks to a temp file beside the target and, on commit, fsyncs it and
 * renames it over the target. A symlinked target is followed: the temp file and the rename
 * happen beside the file the link names, so the link stays a link. A replaced file keeps its
 * owner, group and mode (a repaired AOF must stay readable by the redis user). The temp file
 * is registered for removal if a signal ends the process.
 */
export class AtomicFile {
  /** The path given. */
  readonly target: string;
  /** The file actually replaced (the target with symlinks followed). */
  readonly real: string;
  readonly temp: string;
  private fh: fsp.FileHandle | null = null;
  /** The file being replaced, when there is one: its owner and mode are kept. */
  private readonly replaced: Stats | null;
  written = 0;

  private constructor(target: string, real: string, temp: string, replaced: Stats | null) {
    this.target = target;
    this.real = real;
    this.temp = temp;
    this.replaced = replaced;
  }

  /**
   * Open a temp file beside target (symlinks followed). With `overwrite` false, fails if the
   * target exists. Refuses a target that is not a regular file (see openOutput for devices).
   */
  static async open(target: string, overwrite: boolean): Promise<AtomicFile> {
    const real = await resolveLinks(target);
    let replaced: Stats | null = null;
    try {
      replaced = await fsp.stat(real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, real);
    }
    if (replaced) {
      if (replaced.isDirectory()) throw new UsageError('OUTPUT_IS_DIR', `${target} is a directory`);
      if (!replaced.isFile()) throw new UsageError('OUTPUT_NOT_FILE', `${target} is not a regular file: it cannot be replaced`);
      if (!overwrite) throw new UsageError('OUTPUT_EXISTS', `${target} already exists (use --force to overwrite)`);
    }
    const dir = path.dirname(real);
    const temp = path.join(dir, `.${path.basename(real)}.rdbkit-${process.pid}-${Date.now()}-${tempSeq++}.tmp`);
    const f = new AtomicFile(target, real, temp, replaced);
    trackTemp(temp);
    try {
      f.fh = await fsp.open(temp, 'wx', 0o666);
    } catch (e) {
      untrackTemp(temp);
      throw ioError(e, target);
    }
    return f;
  }

  /** Append bytes. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.fh) throw new Error('AtomicFile is closed');
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
    this.written += chunk.length;
  }

  /** Give the temp file the owner, group and mode of the file it replaces, then fsync, close, rename, fsync the directory. */
  async commit(): Promise<void> {
    if (!this.fh) throw new Error('AtomicFile is closed');
    const old = this.replaced;
    if (old) {
      const now = await this.fh.stat();
      if (now.uid !== old.uid || now.gid !== old.gid) {
        try {
          await this.fh.chown(old.uid, old.gid);
        } catch (e) {
          throw new UsageError(
            'OUTPUT_OWNER',
            `${this.target}: cannot give the new file the owner ${old.uid}:${old.gid} of the one it replaces (${(e as NodeJS.ErrnoException).code ?? 'error'}); nothing changed`,
          );
        }
      }
      // after chown, which clears set-id bits
      await this.fh.chmod(old.mode & 0o7777);
    }
    await this.fh.sync();
    await this.fh.close();
    this.fh = null;
    await fsp.rename(this.temp, this.real);
    untrackTemp(this.temp);
    await syncDir(path.dirname(this.real));
  }

  /** Close and delete the temp file; the target is untouched. */
  async abort(): Promise<void> {
    if (this.fh) {
      await this.fh.close().catch(() => undefined);
      this.fh = null;
    }
    await fsp.unlink(this.temp).catch(() => undefined);
    untrackTemp(this.temp);
  }
}

let tempSeq = 0;

/** A Node file-system error as a one-line UsageError naming the path (no syscall jargon). */
export function ioError(e: unknown, file: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof UsageError || typeof err?.code !== 'string') return e as Error;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'already exists',
    EISDIR: 'is a directory',
    ENOTDIR: 'a component of the path is not a directory',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    ELOOP: 'too many levels of symbolic links',
    ENXIO: 'no reader on the other end',
    EDQUOT: 'disk quota exceeded',
  };
  return new UsageError(`IO_${err.code}`, `${file}: ${why[err.code] ?? err.code.toLowerCase()}`);
}

/** fsync a directory so a rename is durable (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* some filesystems do not allow fsync on directories */
  }
}

/** Copy a file to a backup path (fails if the backup exists), fsynced. */
export async function backupFile(src: string, dest: string): Promise<void> {
  try {
    await fsp.copyFile(src, dest, fsc.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UsageError('BACKUP_EXISTS', `backup ${dest} already exists: name another with --backup PATH (nothing changed)`);
    throw ioError(e, dest);
  }
  const fh = await fsp.open(dest, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write bytes to a file atomically (temp + fsync + rename). */
export async function writeFileAtomic(
  target: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  overwrite = true,
): Promise<number> {
  const f = await AtomicFile.open(target, overwrite);
  try {
    for await (const c of chunks) await f.write(c);
    await f.commit();
    return f.written;
  } catch (e) {
    await f.abort();
    throw e;
  }
}
