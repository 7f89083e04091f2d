/**
 * unflush on real multi-part AOFs written by redis-server 7.0: a FLUSHALL alone, inside MULTI
 * (alone and with other commands), followed by more writes; FLUSHDB with --flushdb. The server
 * that loads the result must have the dataset of a server fed the same commands minus the flush
 * (DEBUG DIGEST). A flush folded into the base by a rewrite is reported as unrecoverable.
 */
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../src/aof/writer.js';
import { applyUnflush, defaultBackupPath, openAofSet } from '../src/io/aof-files.js';
import { concatBytes } from '../src/model/bytes.js';
import { planAofUnflush } from '../src/ops/aof-unflush.js';
import { digestOfAofDir, digestOfCommands } from './support/aof-digest.js';
import { requireRedis, startRedis } from './support/redis.mjs';

const haveRedis = requireRedis('unflush tests (DEBUG DIGEST on real servers)');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Cmd = string[];
const AOF_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--aof-timestamp-enabled', 'yes', '--appenddirname', 'appendonlydir'];
const isFlush = (c: Cmd) => /^flush(all|db)$/i.test(c[0]!);

/** Run commands on a fresh AOF-enabled server; returns its data dir (kept) and its digest. */
async function writeAof(
  cmds: Cmd[],
  extra: (c: { call: (...a: string[]) => Promise<unknown> }) => Promise<void> = async () => {},
): Promise<{ dir: string; digest: string }> {
  const r = await startRedis({ args: AOF_ARGS });
  dirs.push(r.dir);
  try {
    for (const c of cmds) await r.client.call(...c);
    await extra(r.client);
    return { dir: r.dir, digest: Buffer.from(await r.client.call('DEBUG', 'DIGEST')).toString() };
  } finally {
    await r.stop({ keepDir: true });
  }
}

const digestOfDir = (dir: string): Promise<string> => digestOfAofDir(dir, AOF_ARGS);

const before: Cmd[] = [
  ['SET', 'a', '1'],
  ['RPUSH', 'l', 'x', 'y'],
  ['SELECT', '3'],
  ['HSET', 'h', 'f', 'v'],
  ['SELECT', '0'],
  ['SADD', 's', 'm'],
];
const after: Cmd[] = [
  ['SET', 'b', '2'],
  ['RPUSH', 'l', 'z'],
  ['SELECT', '3'],
  ['SET', 'c', '3'],
  ['SELECT', '0'],
];

const scenarios: Array<{ name: string; cmds: Cmd[]; flushdb?: boolean; inMulti?: boolean }> = [
  { name: 'FLUSHALL alone, followed by more writes', cmds: [...before, ['FLUSHALL'], ...after] },
  { name: 'flushall async in lower case', cmds: [...before, ['flushall', 'async'], ...after] },
  // Redis 7.0 logs a transaction holding a single write without MULTI/EXEC (observed), so this one is
  // logged as a bare FLUSHALL; the wrapped form is built by hand below.
  { name: 'FLUSHALL as the only command of a MULTI (logged bare by 7.0)', cmds: [...before, ['MULTI'], ['FLUSHALL'], ['EXEC'], ...after] },
  {
    name: 'FLUSHALL inside MULTI with other commands',
    cmds: [...before, ['MULTI'], ['SET', 'in', 'tx'], ['FLUSHALL'], ['INCR', 'n'], ['EXEC'], ...after],
    inMulti: true,
  },
  { name: 'an earlier FLUSHALL stays, the last one goes', cmds: [['SET', 'old', '1'], ['FLUSHALL'], ...before, ['FLUSHALL'], ...after] },
  { name: 'FLUSHDB (--flushdb) in db 3', cmds: [...before, ['SELECT', '3'], ['FLUSHDB'], ['SET', 'd3', 'x']], flushdb: true },
];

describe.skipIf(!haveRedis)('unflush restores the dataset (DEBUG DIGEST against a server fed the commands minus the flush)', () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      const { dir, digest: withFlush } = await writeAof(s.cmds);
      // The command removed is the last flush of the wanted kind.
      const want = s.flushdb ? /^flushdb$/i : /^flushall$/i;
      let last = -1;
      s.cmds.forEach((c, i) => {
        if (want.test(c[0]!)) last = i;
      });
      const expectedCmds = s.cmds.filter((_, i) => i !== last);
      const expected = await digestOfCommands(expectedCmds);
      expect(expected).not.toBe(withFlush);

      const plan = await planAofUnflush(await openAofSet(dir), { flushdb: s.flushdb });
      expect(plan.action).toBe('remove');
      if (plan.action !== 'remove') return;
      expect(plan.inMulti).toBe(s.inMulti === true);
      expect(plan.command.toUpperCase()).toMatch(s.flushdb ? /^FLUSHDB/ : /^FLUSHALL/);
      expect(plan.remove).toEqual([plan.span]);
      const dataBefore = s.cmds.slice(0, last).filter((c) => !/^(select|multi|exec)$/i.test(c[0]!) && !isFlush(c));
      const sinceLastFlush = s.cmds.slice(0, last).reverse().findIndex(isFlush);
      if (!s.flushdb)
        expect(plan.commandsBefore).toBe(
          sinceLastFlush < 0
            ? dataBefore.length
            : s.cmds.slice(last - sinceLastFlush, last).filter((c) => !/^(select|multi|exec)$/i.test(c[0]!)).length,
        );
      expect(plan.keysBefore).toBeGreaterThan(0);

      const backup = defaultBackupPath(plan.part.path);
      const change = await applyUnflush(plan, backup);
      expect(existsSync(backup)).toBe(true);
      expect(change.newSize).toBe(change.oldSize - plan.removedBytes);
      expect(await digestOfDir(dir)).toBe(expected);
    }, 30_000);
  }

  it('MULTI / FLUSHALL / EXEC as older Redis logged it: the whole block goes', async () => {
    const { dir } = await writeAof(before);
    const incr = join(dir, 'appendonlydir', readdirSync(join(dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'))!);
    appendFileSync(incr, concatBytes([encodeCommand(['MULTI']), encodeCommand(['FLUSHALL']), encodeCommand(['EXEC'])]));
    // Restart on it: the server replays the block, then appends more writes behind it.
    const r = await startRedis({ dir, args: AOF_ARGS });
    try {
      expect(await r.client.call('DBSIZE')).toBe(0);
      for (const c of after) await r.client.call(...c);
    } finally {
      await r.stop({ keepDir: true });
    }
    const plan = await planAofUnflush(await openAofSet(dir));
    expect(plan.action).toBe('remove');
    if (plan.action !== 'remove') return;
    expect(plan.inMulti).toBe(true);
    expect(plan.remove).toHaveLength(1);
    expect(plan.remove[0]!.end - plan.remove[0]!.start).toBe(15 + 18 + 14);
    await applyUnflush(plan, null);
    expect(await digestOfDir(dir)).toBe(await digestOfCommands([...before, ...after]));
  }, 30_000);

  it('a FLUSHALL folded into the base by BGREWRITEAOF cannot be undone: refused, non-zero', async () => {
    const { dir } = await writeAof([...before, ['FLUSHALL'], ['SET', 'x', '1']], async (c) => {
      await c.call('BGREWRITEAOF');
      for (;;) {
        const info = Buffer.from((await c.call('INFO', 'persistence')) as Uint8Array).toString();
        if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await c.call('SET', 'y', '2');
    });
    expect(readdirSync(join(dir, 'appendonlydir')).some((f) => f.includes('.base.'))).toBe(true);
    const plan = await planAofUnflush(await openAofSet(dir));
    expect(plan.action).toBe('refuse');
    if (plan.action === 'refuse') expect(plan.reason).toMatch(/cannot be recovered from this AOF/);
  }, 30_000);

  it('no FLUSHDB when asked for one: refused', async () => {
    const { dir } = await writeAof([...before, ['FLUSHALL']]);
    const plan = await planAofUnflush(await openAofSet(dir), { flushdb: true });
    expect(plan.action).toBe('refuse');
  }, 30_000);
});
