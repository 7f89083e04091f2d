/**
 * The file rim: the only place that touches node:fs. Sources are AsyncIterable<Uint8Array>
 * chunks; modified files are written to a temp file beside the target, fsynced and renamed,
 * so the original is untouched on any failure.
 */
import { closeSync, promises as fsp, openSync, readFileSync, readSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { type FsOps, type OpsFile, realFsOps } from './fs-ops.js';
import { trackTemp, untrackTemp } from './signals.js';

/**
 * Default read chunk size. 64 KiB, not more: records are views into their chunk, and smaller
 * chunks die young (measured on a 489 MiB dump: 1 MiB chunks doubled peak RSS and GC time).
 */
export const CHUNK_SIZE = 64 * 1024;

/**
 * Chunks read between two turns of the event loop (readChunks). One: with 16, writes of the output
 * waited for their turn and piled up (populate.rdb to JSONL: 6.5 s CPU and 157 MB, against 5.3 s
 * and 131 MB with a turn per chunk; check big.rdb the same either way).
 */
const CHUNKS_PER_TURN = 1;

/**
 * Read a regular file's bytes [start, end) (to its end by default) as chunks, each a fresh array
 * (records may keep views into it). The reads are synchronous: on this kind of VM each async read's
 * hand-off to libuv's thread pool cost more than the read itself (a 478 MiB file in 64 KiB chunks:
 * 1.1-1.5 s of CPU through createReadStream, 0.4 s with readSync). After each chunk the event loop
 * gets a turn (setImmediate), so output writes, timers (progress) and signal handlers (Ctrl-C) run.
 */
export async function* readChunks(file: string, chunkSize = CHUNK_SIZE, start = 0, end?: number): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw ioError(e, `cannot open ${file}`);
  }
  try {
    let pos = start;
    for (let n = 1; end === undefined || pos < end; n++) {
      const want = end === undefined ? chunkSize : Math.min(chunkSize, end - pos);
      const b = Buffer.allocUnsafeSlow(want);
      let got: number;
      try {
        got = readSync(fd, b, 0, want, pos);
      } catch (e) {
        throw ioError(e, `cannot read ${file}`);
      }
      if (got === 0) return; // the end (or the file shrank)
      pos += got;
      yield new Uint8Array(b.buffer, b.byteOffset, got);
      if (n % CHUNKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
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

/** How an AtomicFile works: its file-system calls (tests inject failures), a last check before the rename. */
export interface AtomicOptions {
  ops?: FsOps;
  /** Runs after the temp file is complete and fsynced, just before it is renamed over the target; throwing aborts. */
  beforeRename?: () => Promise<void>;
}

/**
 * A sink that writes chunks to a temp file beside the target and, on commit, fsyncs it and
 * renames it over the target. A symlinked target is followed: the temp file and the rename
 * happen beside the file the link names, so the link stays a link. A replaced file keeps its
 * owner, group and mode (a repaired AOF must stay readable by the redis user). The temp file
 * is registered for removal if a signal ends the process; a kill leaves it for the next run's
 * stale-temp cleanup (io/stale-temps.ts), which knows it by its name.
 */
export class AtomicFile {
  /** The path given. */
  readonly target: string;
  /** The file actually replaced (the target with symlinks followed). */
  readonly real: string;
  readonly temp: string;
  private fh: OpsFile | null = null;
  /** The file being replaced, when there is one: its owner and mode are kept. */
  private readonly replaced: Stats | null;
  private readonly ops: FsOps;
  private readonly beforeRename: (() => Promise<void>) | undefined;
  written = 0;

  private constructor(target: string, real: string, temp: string, replaced: Stats | null, opts: AtomicOptions) {
    this.target = target;
    this.real = real;
    this.temp = temp;
    this.replaced = replaced;
    this.ops = opts.ops ?? realFsOps;
    this.beforeRename = opts.beforeRename;
  }

  /**
   * Open a temp file beside target (symlinks followed). With `overwrite` false, fails if the
   * target exists. Refuses a target that is not a regular file (see openOutput for devices).
   */
  static async open(target: string, overwrite: boolean, opts: AtomicOptions = {}): Promise<AtomicFile> {
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
    const temp = tempPathFor(real);
    const f = new AtomicFile(target, real, temp, replaced, opts);
    trackTemp(temp);
    try {
      f.fh = await f.ops.create(temp, 0o666);
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
    if (this.replaced) await keepOwnerAndMode(this.fh, this.replaced, this.target);
    await this.fh.sync();
    await this.fh.close();
    this.fh = null;
    await this.beforeRename?.();
    await this.ops.rename(this.temp, this.real);
    untrackTemp(this.temp);
    await this.ops.syncDir(path.dirname(this.real));
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

/**
 * The temp file name for a file written in place of `file`, beside it:
 * `.<name>.rdbkit-<pid>-<ms>-<seq>.tmp` (io/stale-temps.ts finds those of killed runs by it).
 */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.rdbkit-${process.pid}-${Date.now()}-${tempSeq++}.tmp`);
}

/**
 * Give a new file the owner, group and mode of the one it copies or replaces, so Redis running
 * as its own user can still open it; refuse (nothing changed) when that is impossible.
 */
export async function keepOwnerAndMode(fh: OpsFile, st: { uid: number; gid: number; mode: number }, what: string): Promise<void> {
  const now = await fh.stat();
  if (now.uid !== st.uid || now.gid !== st.gid) {
    try {
      await fh.chown(st.uid, st.gid);
    } catch (e) {
      throw new UsageError(
        'OUTPUT_OWNER',
        `${what}: cannot give the new file the owner ${st.uid}:${st.gid} of the one it replaces (${(e as NodeJS.ErrnoException).code ?? 'error'}): run as root or as the file's owner; nothing changed`,
      );
    }
  }
  // after chown, which clears set-id bits
  await fh.chmod(st.mode & 0o7777);
}

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
    EIO: 'input/output error',
  };
  return new UsageError(`IO_${err.code}`, `${file}: ${why[err.code] ?? err.code.toLowerCase()}`);
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
