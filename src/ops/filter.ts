/**
 * Key filters shared by convert/inspect: --db, --key GLOB (Redis glob rules, over bytes),
 * --type.
 */

import { bytesKey } from '../model/bytes.js';
import type { KeyEntry } from '../model/record.js';

/** Filter options. */
export interface KeyFilter {
  db?: number[];
  key?: string;
  type?: string[];
  /** Drop keys whose expiry is at or before this time (ms), as Redis does when loading a dump. */
  expiredAt?: number;
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

/** A predicate for key entries. The glob is matched against the key's UTF-8 bytes. */
export function compileFilter(f: KeyFilter): (e: KeyEntry) => boolean {
  const dbs = f.db?.length ? new Set(f.db) : null;
  const types = f.type?.length ? new Set(f.type) : null;
  let re: RegExp | null = null;
  if (f.key !== undefined) re = globToRegExp(bytesKey(new TextEncoder().encode(f.key)));
  const now = f.expiredAt;
  return (e) =>
    (!dbs || dbs.has(e.db)) &&
    (!types || types.has(e.type)) &&
    (!re || re.test(bytesKey(e.key))) &&
    (now === undefined || e.expireAt === null || e.expireAt > now);
}
