/**
 * Temp files left by earlier runs. Every file rdbkit writes in place of another is first written
 * as `.<name>.rdbkit-<pid>-<ms>[-<seq>].tmp` beside it and renamed over it only when complete, so
 * a killed run leaves at most such a file (never a half-written original or backup). A later run
 * finds them by name and removes those whose process is gone; a file of a process that is still
 * running (another rdbkit at work) is left alone.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** A temp file of an earlier run. */
export interface StaleTemp {
  path: string;
  /** The pid in its name (no longer running). */
  pid: number;
  size: number;
}

const TEMP_NAME = /^\..+\.rdbkit-(\d+)-\d+(?:-\d+)?\.tmp$/;

/** The pid an rdbkit temp file name carries, or null for any other name. */
export function tempFilePid(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files in `dirs` left by runs whose process is gone. */
export async function findStaleTemps(dirs: string[]): Promise<StaleTemp[]> {
  const out: StaleTemp[] = [];
  for (const dir of new Set(dirs.map((d) => path.resolve(d)))) {
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = tempFilePid(name);
      if (pid === null || processAlive(pid)) continue;
      const p = path.join(dir, name);
      try {
        const st = await fsp.lstat(p);
        if (st.isFile()) out.push({ path: p, pid, size: st.size });
      } catch {
        /* removed meanwhile */
      }
    }
  }
  return out;
}

/** Remove stale temp files; returns the ones removed. */
export async function removeStaleTemps(temps: StaleTemp[]): Promise<StaleTemp[]> {
  const done: StaleTemp[] = [];
  for (const t of temps) {
    try {
      await fsp.unlink(t.path);
      done.push(t);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
  }
  return done;
}
