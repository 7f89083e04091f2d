/**
 * The AOF file rim: resolving an input path to the files Redis would load, and changing them
 * safely. A path is a single old-style AOF file, a `.manifest` file, a Redis 7 `appendonlydir`,
 * or a data directory that holds one. Changes go through a temp file beside the target, fsync
 * and rename (the original is untouched on any failure), after a backup copy, and only if the
 * file still has the size and mtime it had when it was scanned.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { loadOrder, type Manifest, type ManifestEntry, parseManifest } from '../aof/manifest.js';
import { UsageError } from '../errors.js';
import type { Span } from '../model/record.js';
import type { AofPartSource, AofSource, AofStreamPartSource } from '../model/source.js';
import { AtomicFile, keepOwnerAndMode, readChunks, readWhole, tempPathFor } from './files.js';
import { type FsOps, realFsOps } from './fs-ops.js';
import { type FileHolder, findHolders } from './holders.js';
import { trackTemp, untrackTemp } from './signals.js';
import type { InputSource } from './source.js';
import { findStaleTemps, type StaleTemp } from './stale-temps.js';

/** One file of an AOF set, in load order: a part source that is a file. */
export interface AofPart extends AofPartSource {
  path: string;
  mtimeMs: number;
}

/** An AOF as Redis would load it, from files. */
export interface AofSet extends AofSource<AofPart> {
  /** Directory holding the parts. */
  dir: string;
  manifest: Manifest | null;
  /** History entries of the manifest (not loaded by Redis), with whether the file still exists. */
  history: Array<ManifestEntry & { exists: boolean }>;
}

/** A part source reading the file at `p`. */
function filePart(p: string, fields: Omit<AofPart, 'read' | 'path'>): AofPart {
  return { ...fields, path: p, read: (start = 0, end = fields.size) => readChunks(p, undefined, start, end) };
}

async function stat(p: string): Promise<{ size: number; mtimeMs: number; dir: boolean; file: boolean } | null> {
  try {
    const s = await fsp.stat(p);
    return { size: s.size, mtimeMs: s.mtimeMs, dir: s.isDirectory(), file: s.isFile() };
  } catch {
    return null;
  }
}

/** Find the manifest of a directory: appendonly.aof.manifest, or the only *.manifest, or one in ./appendonlydir. */
async function findManifest(dir: string): Promise<string> {
  const names = await fsp.readdir(dir);
  const manifests = names.filter((n) => n.endsWith('.manifest') && !n.startsWith('temp-'));
  if (manifests.includes('appendonly.aof.manifest')) return path.join(dir, 'appendonly.aof.manifest');
  if (manifests.length === 1) return path.join(dir, manifests[0]!);
  if (manifests.length > 1)
    throw new UsageError('AOF_MANY_MANIFESTS', `${dir} holds several manifests (${manifests.join(', ')}): name one`);
  if (names.includes('appendonlydir') && (await stat(path.join(dir, 'appendonlydir')))?.dir)
    return findManifest(path.join(dir, 'appendonlydir'));
  throw new UsageError('AOF_NO_MANIFEST', `${dir} holds no AOF manifest (*.manifest)`);
}

/**
 * Resolve an input path to its AOF set: files that can be read at any offset, and changed in
 * place (throws UsageError for a missing file, stdin, a pipe or a device; CorruptError for a bad
 * manifest). A stream is read once through openAofSource instead.
 */
export async function openAofSet(input: string): Promise<AofSet> {
  if (input === '-')
    throw new UsageError(
      'AOF_NOT_SEEKABLE',
      'stdin is a stream: this needs the AOF file or directory itself (it is read at any offset and changed in place)',
    );
  const st = await stat(input);
  if (!st) throw new UsageError('NO_SUCH_FILE', `cannot open ${input}: no such file or directory`);
  if (!st.dir && !st.file)
    throw new UsageError(
      'AOF_NOT_SEEKABLE',
      `${input} is a pipe or device, not a file: this needs the AOF file or directory itself (it is read at any offset and changed in place)`,
    );
  if (!st.dir && !input.endsWith('.manifest')) {
    return {
      kind: 'single',
      input,
      dir: path.dirname(input),
      manifestPath: null,
      manifest: null,
      history: [],
      parts: [filePart(input, { name: input, role: 'single', seq: null, size: st.size, mtimeMs: st.mtimeMs })],
    };
  }
  const manifestPath = st.dir ? await findManifest(input) : input;
  const dir = path.dirname(manifestPath);
  const manifest = parseManifest(await readWhole(manifestPath));
  const parts: AofPart[] = [];
  for (const e of loadOrder(manifest)) {
    const p = path.join(dir, e.name);
    const s = await stat(p);
    if (!s) throw new UsageError('AOF_MISSING_FILE', `${path.basename(manifestPath)} lists ${e.name}, which does not exist in ${dir}`);
    parts.push(filePart(p, { name: e.name, role: e.type === 'base' ? 'base' : 'incr', seq: e.seq, size: s.size, mtimeMs: s.mtimeMs }));
  }
  const history = [];
  for (const h of manifest.history) history.push({ ...h, exists: (await stat(path.join(dir, h.name))) !== null });
  return { kind: 'multipart', input, dir, manifestPath, manifest, parts, history };
}

/**
 * A single-file AOF (with or without an RDB preamble) arriving through a stream: one part of
 * unknown size, read once. A regular file opened as a source is opened again by path instead.
 */
export async function openAofSource(src: InputSource): Promise<AofSource> {
  if (src.path !== null) {
    const set = await openAofSet(src.path);
    // stdin redirected from a file (< appendonly.aof) is named as the user sees it
    return { ...set, input: src.name, parts: set.parts.map((p) => ({ ...p, name: src.name })) };
  }
  const part: AofStreamPartSource = { name: src.name, role: 'single', seq: null, size: null, read: () => src.chunks() };
  return { kind: 'single', input: src.name, manifestPath: null, history: [], parts: [part] };
}

/** The default backup name: `FILE.bak-<UTC timestamp>`. */
export function defaultBackupPath(file: string, now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${file}.bak-${ts}`;
}

/** Refuse to touch a file that changed since it was scanned (Redis still running and appending?). */
async function assertUnchanged(part: AofPart): Promise<void> {
  const s = await stat(part.path);
  if (!s || s.size !== part.size || s.mtimeMs !== part.mtimeMs) {
    throw new UsageError('AOF_CHANGED', `${part.path} changed since it was read (is redis-server still running?); nothing was modified`);
  }
}

/** Every file of a set a running Redis may hold open: the parts and the manifest. */
export function setFiles(set: AofSet): string[] {
  const files = set.parts.map((p) => p.path);
  if (set.manifestPath) files.push(set.manifestPath);
  return files;
}

/** What is found before a change: who holds the files open, and temp files of earlier runs. */
export interface Preflight {
  /** The files checked (the set's parts and manifest). */
  files: string[];
  holders: FileHolder[];
  /** False where open files cannot be listed (not Linux). */
  holdersChecked: boolean;
  /** Processes whose open files could not be read (another user's, when not root). */
  unreadable: number;
  staleTemps: StaleTemp[];
}

/** Look for processes holding the set's files and for temp files left by killed runs. */
export async function preflight(set: AofSet): Promise<Preflight> {
  const files = setFiles(set);
  const h = await findHolders(files);
  // temp files sit beside the real file, also when a part is a symlink into another directory
  const dirs = [set.dir];
  for (const f of files) {
    try {
      dirs.push(path.dirname(await fsp.realpath(f)));
    } catch {
      /* vanished: openAofSet checked it a moment ago */
    }
  }
  return { files, holders: h.holders, holdersChecked: h.supported, unreadable: h.unreadable, staleTemps: await findStaleTemps(dirs) };
}

/** The one-line refusal for files held open. */
export function inUseMessage(holders: FileHolder[]): string {
  const who = holders.map((h) => `${h.command} (pid ${h.pid}) has ${path.basename(h.file)} open`).join('; ');
  return `${who}: stop Redis first (or run CONFIG SET appendonly no on it), then run this again; nothing was changed`;
}

/** Refuse when a process holds one of `files` open (a live Redis would go on appending to the old file). */
export async function assertNotInUse(files: string[]): Promise<void> {
  const h = await findHolders(files);
  if (h.holders.length) throw new UsageError('AOF_IN_USE', inUseMessage(h.holders));
}

/** What a file change did. */
export interface FileChange {
  path: string;
  backup: string | null;
  oldSize: number;
  newSize: number;
}

/** How a change is made (tests inject failures through `ops`). */
export interface ChangeOptions {
  /**
   * Files that must not be held open by any process (checked before and just before the rename).
   * Default: the changed file itself; the CLI passes the set's parts and manifest (preflight().files);
   * an empty list checks nothing (the fuzzer's own temp files).
   */
  guard?: string[];
  ops?: FsOps;
}

/**
 * Copy `src` to `dest` without ever leaving a partial `dest`: copy into a temp file beside it,
 * give it the source's owner, group and mode, fsync, then link it to `dest` (fails if `dest`
 * exists) and remove the temp name. A kill leaves at most the temp file, which a later run removes.
 */
export async function backupAof(src: string, dest: string, ops: FsOps = realFsOps): Promise<void> {
  if (await stat(dest))
    throw new UsageError('BACKUP_EXISTS', `backup ${dest} already exists: name another with --backup PATH (nothing changed)`);
  const st = await fsp.stat(src);
  const temp = tempPathFor(dest);
  trackTemp(temp);
  try {
    await ops.copy(src, temp);
    const fh = await ops.openExisting(temp);
    try {
      await keepOwnerAndMode(fh, st, dest);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await ops.link(temp, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new UsageError('BACKUP_EXISTS', `backup ${dest} already exists: name another with --backup PATH (nothing changed)`);
      // no hard links here (some file systems): a rename is atomic too
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
      await ops.rename(temp, dest);
    }
    await ops.unlink(temp).catch(() => undefined);
    await ops.syncDir(path.dirname(dest));
  } catch (e) {
    await fsp.unlink(temp).catch(() => undefined);
    throw e;
  } finally {
    untrackTemp(temp);
  }
}

/**
 * Rewrite `part` keeping only the bytes outside `remove` (sorted, non-overlapping spans):
 * the guard (no process holds the set open), a backup first (unless `backup` is null), then
 * temp + fsync + rename of the real file (symlinks followed; owner, group and mode kept),
 * re-checking the guard and the file's size and mtime just before the rename.
 */
export async function rewriteWithout(part: AofPart, remove: Span[], backup: string | null, opts: ChangeOptions = {}): Promise<FileChange> {
  const ops = opts.ops ?? realFsOps;
  const guard = opts.guard ?? [part.path];
  await assertUnchanged(part);
  if (guard.length) await assertNotInUse(guard);
  if (backup !== null) await backupAof(part.path, backup, ops);
  const recheck = async (): Promise<void> => {
    await assertUnchanged(part);
    if (guard.length) await assertNotInUse(guard);
  };
  // AtomicFile follows a symlinked file to where it really is (the link stays a link)
  const f = await AtomicFile.open(part.path, true, { ops, beforeRename: recheck });
  try {
    let at = 0;
    const keep: Span[] = [];
    for (const r of remove) {
      if (r.start > at) keep.push({ start: at, end: r.start });
      at = Math.max(at, r.end);
    }
    if (at < part.size) keep.push({ start: at, end: part.size });
    for (const k of keep) {
      if (k.end <= k.start) continue;
      for await (const chunk of readChunks(part.path, undefined, k.start, k.end)) await f.write(chunk);
    }
    await f.commit();
    return { path: part.path, backup, oldSize: part.size, newSize: f.written };
  } catch (e) {
    await f.abort();
    throw e;
  }
}

/** Cut `part` to its first `length` bytes, with the same safety as rewriteWithout. */
export function truncatePart(part: AofPart, length: number, backup: string | null, opts: ChangeOptions = {}): Promise<FileChange> {
  return rewriteWithout(part, [{ start: length, end: part.size }], backup, opts);
}

/** Carry out a repair plan that cuts a file (`action: 'truncate'`): backup (unless null), temp + fsync + rename. */
export function applyRepair(plan: { part: AofPart; cutAt: number }, backup: string | null, opts: ChangeOptions = {}): Promise<FileChange> {
  return truncatePart(plan.part, plan.cutAt, backup, opts);
}

/** Carry out an unflush plan (`action: 'remove'`): backup (unless null), temp + fsync + rename of that one file. */
export function applyUnflush(
  plan: { part: AofPart; remove: Span[] },
  backup: string | null,
  opts: ChangeOptions = {},
): Promise<FileChange> {
  return rewriteWithout(plan.part, plan.remove, backup, opts);
}

/** Carry out a salvage plan (`action: 'salvage'`): each damaged file rewritten without its damaged ranges (backup per file unless null). */
export async function applySalvage(
  plan: { changes: Array<{ part: AofPart; ranges: Span[] }> },
  backupOf: (part: AofPart) => string | null,
  opts: ChangeOptions = {},
): Promise<FileChange[]> {
  const done: FileChange[] = [];
  for (const c of plan.changes) done.push(await rewriteWithout(c.part, c.ranges, backupOf(c.part), opts));
  return done;
}
