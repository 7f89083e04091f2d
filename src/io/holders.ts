/**
 * Which processes have a file open: the live-Redis guard of `repair` and `unflush`. An idle
 * redis-server keeps its AOF (the newest incr file of a multi-part set) open for appending, so
 * replacing the file under it loses every later write: Redis goes on appending to the unlinked
 * old inode. A size/mtime check cannot see an idle server; an open descriptor can.
 *
 * On Linux every `/proc/<pid>/fd/<n>` is a link to the open file (readlink gives its path, or
 * the path with " (deleted)" once unlinked); the files are compared by device and inode, so a
 * path spelled through a symlink or a bind mount still matches. Elsewhere there is no portable
 * way: the result says so and the caller warns instead of refusing. The calls are synchronous:
 * a few thousand stat() calls take milliseconds, while as many promises through the thread pool
 * took over half a second on a busy machine.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** A process holding one of the files open. */
export interface FileHolder {
  pid: number;
  /** The process name (`/proc/<pid>/comm`), e.g. "redis-server". */
  command: string;
  /** The file it holds, as given by the caller. */
  file: string;
}

/** What a search for holders found. */
export interface HolderReport {
  /** False where open files cannot be listed (not Linux, no /proc). */
  supported: boolean;
  holders: FileHolder[];
  /** Processes whose descriptors could not be read (other users' processes, when not root). */
  unreadable: number;
}

function fileId(p: string): string | null {
  try {
    const s = statSync(p, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** Find the processes (other than this one) that have any of `files` open. */
export async function findHolders(files: string[]): Promise<HolderReport> {
  if (process.platform !== 'linux') return { supported: false, holders: [], unreadable: 0 };
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return { supported: false, holders: [], unreadable: 0 };
  }
  const wanted = new Map<string, string>();
  for (const f of files) {
    const id = fileId(f);
    if (id) wanted.set(id, f);
  }
  const holders: FileHolder[] = [];
  let unreadable = 0;
  if (wanted.size === 0) return { supported: true, holders, unreadable };
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch (e) {
      // ENOENT: the process ended meanwhile; EACCES: another user's process
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') unreadable++;
      continue;
    }
    const seen = new Set<string>();
    for (const fd of fds) {
      const link = `/proc/${pid}/fd/${fd}`;
      // sockets, pipes and anonymous inodes ("socket:[…]") cannot be one of the files
      try {
        if (readlinkSync(link)[0] !== '/') continue;
      } catch {
        continue;
      }
      // stat() through the fd link reaches the open file itself, even when it was renamed
      const id = fileId(link);
      const file = id ? wanted.get(id) : undefined;
      if (file === undefined || seen.has(file)) continue;
      seen.add(file);
      let command = '?';
      try {
        command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        /* ended meanwhile */
      }
      holders.push({ pid: Number(pid), command, file });
    }
  }
  return { supported: true, holders, unreadable };
}
