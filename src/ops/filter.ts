/**
 * Key filters shared by convert and diff: --db, --key GLOB (Redis glob rules, over bytes),
 * --key-regex, --exclude GLOB, --type, and the expiry filters. Validated before use, so a
 * filter that cannot match (a misspelt type, `--db foo`) is an error, not an empty result.
 */

import { UsageError } from '../errors.js';
import { bytesKey, displayText, utf8 } from '../model/bytes.js';
import type { KeyEntry, RdbRecord } from '../model/record.js';

/** Filter options. Within a kind, values are a union; kinds combine as an intersection. */
export interface KeyFilter {
  db?: number[];
  /** Redis globs over the key bytes; a key matching any is kept. */
  key?: string | string[];
  /** Regular expressions (JavaScript syntax) over the key decoded as UTF-8; a key matching any is kept (with --key: either). */
  keyRegex?: string[];
  /** Redis globs: a key matching any is dropped, whatever else matches. */
  exclude?: string[];
  type?: string[];
  /** Drop keys whose expiry is at or before this time (ms), as Redis does when loading a dump. */
  expiredAt?: number;
  /** Keep only keys whose expiry is at or before `now` (already expired). */
  expired?: boolean;
  /** Keep only keys without an expiry. */
  persistent?: boolean;
  /** Keep only keys expiring before this time (ms). */
  expiresBefore?: number;
  /** Keep only keys expiring after this time (ms). */
  expiresAfter?: number;
  /** The time `expired` is judged at (default: when the filter is compiled). */
  now?: number;
}

/** The Redis types a --type value may name. */
export const KEY_TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream', 'module', 'array'] as const;

/** Only the filter fields of an options object (so callers pass filters on without the rest). */
export function pickFilter(o: KeyFilter): KeyFilter {
  const { db, key, keyRegex, exclude, type, expiredAt, expired, persistent, expiresBefore, expiresAfter, now } = o;
  return { db, key, keyRegex, exclude, type, expiredAt, expired, persistent, expiresBefore, expiresAfter, now };
}

/**
 * Check a filter before any work: databases are non-negative integers, types are Redis types,
 * regular expressions compile, and no two conditions contradict each other (--expired with
 * --persistent selects nothing and is surely a mistake). Throws a one-line UsageError.
 */
export function validateFilter(f: KeyFilter): void {
  for (const d of f.db ?? [])
    if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff)
      throw new UsageError('FILTER_BAD_DB', `--db ${d}: a database is a number 0, 1, 2...`);
  for (const t of f.type ?? [])
    if (!(KEY_TYPES as readonly string[]).includes(t))
      throw new UsageError('FILTER_BAD_TYPE', `--type ${t}: not a Redis type (one of ${KEY_TYPES.join(', ')})`);
  for (const r of f.keyRegex ?? []) {
    try {
      new RegExp(r, 'u');
    } catch (e) {
      throw new UsageError('FILTER_BAD_REGEX', `--key-regex ${r}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  }
  const ttlOnly = f.expired || f.expiresBefore !== undefined || f.expiresAfter !== undefined;
  if (f.persistent && ttlOnly)
    throw new UsageError(
      'FILTER_CONTRADICTION',
      `--persistent keeps keys without a TTL, --${f.expired ? 'expired' : f.expiresBefore !== undefined ? 'expires-before' : 'expires-after'} only keys with one: together they select nothing`,
    );
  if (f.expired && f.expiredAt !== undefined)
    throw new UsageError(
      'FILTER_CONTRADICTION',
      '--expired keeps only expired keys, --skip-expired drops them: together they select nothing',
    );
  if (f.expiresBefore !== undefined && f.expiresAfter !== undefined && f.expiresAfter >= f.expiresBefore)
    throw new UsageError('FILTER_CONTRADICTION', '--expires-after is not earlier than --expires-before: together they select nothing');
}

/** Compile a Redis-style glob (*, ?, [...], [^...], \x) to a RegExp over latin1 text (one char per byte). */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      re += `[${neg ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** A predicate for key entries (see KeyFilter). Globs match the key's bytes; regexes its UTF-8 text. */
export function compileFilter(f: KeyFilter): (e: KeyEntry) => boolean {
  const dbs = f.db?.length ? new Set(f.db) : null;
  const types = f.type?.length ? new Set(f.type) : null;
  const globs = (f.key === undefined ? [] : ([] as string[]).concat(f.key)).map((g) => globToRegExp(bytesKey(utf8(g))));
  const regexes = (f.keyRegex ?? []).map((r) => new RegExp(r, 'u'));
  const excludes = (f.exclude ?? []).map((g) => globToRegExp(bytesKey(utf8(g))));
  const selecting = globs.length > 0 || regexes.length > 0;
  const dropBy = f.expiredAt;
  const now = f.now ?? Date.now();
  return (e) => {
    if (dbs && !dbs.has(e.db)) return false;
    if (types && !types.has(e.type)) return false;
    const t = e.expireAt;
    if (dropBy !== undefined && t !== null && t <= dropBy) return false;
    if (f.persistent && t !== null) return false;
    if (f.expired && (t === null || t > now)) return false;
    if (f.expiresBefore !== undefined && (t === null || t >= f.expiresBefore)) return false;
    if (f.expiresAfter !== undefined && (t === null || t <= f.expiresAfter)) return false;
    if (selecting || excludes.length) {
      const k = bytesKey(e.key);
      if (selecting && !globs.some((g) => g.test(k)) && !(regexes.length && regexes.some((r) => r.test(displayText(e.key))))) return false;
      if (excludes.some((g) => g.test(k))) return false;
    }
    return true;
  };
}

/**
 * Records that pass a filter: key records the filter keeps, a key handed over in parts (start,
 * parts and end) when the filter keeps its start, and every other record.
 */
export async function* filterRecords(records: AsyncIterable<RdbRecord> | Iterable<RdbRecord>, f: KeyFilter): AsyncGenerator<RdbRecord> {
  const keep = compileFilter(f);
  let keepParts = false;
  for await (const r of records) {
    if (r.kind === 'key') {
      if (keep(r)) yield r;
    } else if (r.kind === 'key-start') {
      // a start has every field a filter reads (db, key, type, expireAt)
      keepParts = keep(r as unknown as KeyEntry);
      if (keepParts) yield r;
    } else if (r.kind === 'key-part' || r.kind === 'key-end') {
      if (keepParts) yield r;
    } else yield r;
  }
}
