/**
 * README's Library section is documentation that runs: each ```js block there is executed as a
 * script from the project root against the built package (dist/), and what it prints must equal
 * its `// → ` comments, line for line. Every runtime export of the package must appear in a block.
 * The restore block gets a real redis-server through REDIS_URL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { type RedisServer, requireRedis, startRedis } from './support/redis.mjs';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const run = promisify(execFile);

/** The ```js blocks of the "## Library" section. */
function libraryBlocks(): string[] {
  const start = README.indexOf('\n## Library\n');
  if (start < 0) throw new Error('README.md has no "## Library" section');
  const next = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const BLOCKS = libraryBlocks();
const HAVE = requireRedis('the README restore example');

describe.skipIf(!HAVE)("README's Library section", () => {
  let srv: RedisServer;
  let dir: string;
  beforeAll(async () => {
    srv = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'rdbkit-readme-'));
  });
  afterAll(async () => {
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows every runtime export of the package in use', () => {
    const code = BLOCKS.join('\n');
    const missing = Object.keys(api).filter((name) => !new RegExp(`\\b${name}\\b`).test(code));
    expect(missing).toEqual([]);
  });

  it.each(BLOCKS.map((b, i) => [i + 1, b] as const))('block %i prints what its // → comments say', async (i, block) => {
    const want = [...block.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!);
    expect(want.length).toBeGreaterThan(0);
    const dist = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
    const file = join(dir, `block-${i}.mjs`);
    writeFileSync(file, block.replaceAll("from 'rdbkit'", `from '${dist}'`));
    const { stdout } = await run(process.execPath, [file], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${srv.port}` },
    });
    expect(stdout.split('\n').filter((l) => l !== '')).toEqual(want);
  });
});
