/**
 * The corpus of real files (RDBs and AOFs from other projects' test suites, MANIFEST.md per
 * folder): `$RDBKIT_CORPUS`, else `../shared/corpus` beside the project root (relative paths
 * are resolved from the project root, never from the working directory; never an absolute
 * path in a test). It is never copied into the repository.
 *
 * The missing-corpus policy mirrors the Redis harness (test/support/redis.mjs requireRedis):
 * under CI=true a missing corpus fails the test file; locally the tests that need it are
 * skipped with a visible notice.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The corpus directory (it may not exist). */
export const CORPUS = resolve(ROOT, process.env.RDBKIT_CORPUS ?? join('..', 'shared', 'corpus'));

/**
 * Whether the corpus (or its sub-folder `sub`) is present. Throws under CI=true when it is not;
 * otherwise prints a notice naming `what` is skipped. Use as `describe.skipIf(!requireCorpus(...))`.
 */
export function requireCorpus(what: string, sub = ''): boolean {
  const dir = join(CORPUS, sub);
  if (existsSync(dir)) return true;
  const msg = `corpus folder ${dir} not found (set RDBKIT_CORPUS, default ../shared/corpus from the project root)`;
  if (process.env.CI === 'true') throw new Error(`[rdbkit tests] ${msg}: CI=true requires it for ${what}.`);
  console.warn(`[rdbkit tests] ${msg}: skipping ${what}`);
  return false;
}

/** A path inside the corpus. */
export function corpusPath(...parts: string[]): string {
  return join(CORPUS, ...parts);
}

/** Every file under `sub` of the corpus whose name ends with one of `exts`, as paths relative to the corpus, sorted ([] when absent). */
export function corpusFiles(sub: string, exts: string[]): string[] {
  const base = join(CORPUS, sub);
  if (!existsSync(base)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(relative(CORPUS, p));
    }
  };
  walk(base);
  return out.sort();
}
