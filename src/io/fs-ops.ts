/**
 * The file-system calls an in-place replacement makes, as one replaceable object. Production
 * code uses `realFsOps`; tests wrap it to fail (or stop the process) at the n-th step, which is
 * how every write, fsync, chown, rename and backup step of `repair`/`unflush` is shown to leave
 * either the original or the complete result, never a damaged file.
 */
import { constants as fsc, promises as fsp } from 'node:fs';

/** An open file, as much of node's FileHandle as a replacement needs. */
export interface OpsFile {
  write(buf: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  stat(): Promise<{ uid: number; gid: number; mode: number }>;
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/** The steps, by name (what a fault injector sees). */
export type FsStep = 'open' | 'write' | 'sync' | 'chown' | 'chmod' | 'close' | 'rename' | 'link' | 'unlink' | 'copy' | 'sync-dir';

/** File-system operations used by atomic replacement and backups. */
export interface FsOps {
  /** Create a new file exclusively (fails if it exists). */
  create(path: string, mode: number): Promise<OpsFile>;
  /** Copy a file's bytes to a new file (fails if it exists). */
  copy(src: string, dest: string): Promise<void>;
  /** Open an existing file for fsync/chown/chmod. */
  openExisting(path: string): Promise<OpsFile>;
  rename(from: string, to: string): Promise<void>;
  /** A hard link (fails if `to` exists): an exclusive rename where both names are on one file system. */
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync a directory (best effort where unsupported). */
  syncDir(dir: string): Promise<void>;
}

/** Node's own calls. */
export const realFsOps: FsOps = {
  create: (path, mode) => fsp.open(path, 'wx', mode),
  copy: (src, dest) => fsp.copyFile(src, dest, fsc.COPYFILE_EXCL),
  openExisting: (path) => fsp.open(path, 'r+'),
  rename: (from, to) => fsp.rename(from, to),
  link: (from, to) => fsp.link(from, to),
  unlink: (path) => fsp.unlink(path),
  async syncDir(dir) {
    try {
      const fh = await fsp.open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch {
      /* some file systems do not allow fsync on directories */
    }
  },
};

/**
 * Wrap `ops` so that `hook(step, path)` runs before every call (tests: throw, or kill the
 * process, at a chosen step). File handles are wrapped too.
 */
export function hookFsOps(ops: FsOps, hook: (step: FsStep, path: string) => void | Promise<void>): FsOps {
  const wrapFile = (f: OpsFile, path: string): OpsFile => ({
    async write(buf, offset, length) {
      await hook('write', path);
      return f.write(buf, offset, length);
    },
    async sync() {
      await hook('sync', path);
      return f.sync();
    },
    stat: () => f.stat(),
    async chown(uid, gid) {
      await hook('chown', path);
      return f.chown(uid, gid);
    },
    async chmod(mode) {
      await hook('chmod', path);
      return f.chmod(mode);
    },
    async close() {
      try {
        await hook('close', path);
      } catch (e) {
        // a close that reports an error has still released the descriptor (POSIX close(2))
        await f.close();
        throw e;
      }
      return f.close();
    },
  });
  return {
    async create(path, mode) {
      await hook('open', path);
      return wrapFile(await ops.create(path, mode), path);
    },
    async copy(src, dest) {
      await hook('copy', dest);
      return ops.copy(src, dest);
    },
    async openExisting(path) {
      await hook('open', path);
      return wrapFile(await ops.openExisting(path), path);
    },
    async rename(from, to) {
      await hook('rename', to);
      return ops.rename(from, to);
    },
    async link(from, to) {
      await hook('link', to);
      return ops.link(from, to);
    },
    async unlink(path) {
      await hook('unlink', path);
      return ops.unlink(path);
    },
    async syncDir(dir) {
      await hook('sync-dir', dir);
      return ops.syncDir(dir);
    },
  };
}
