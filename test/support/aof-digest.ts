/**
 * DEBUG DIGEST of real servers, for the AOF tests that compare datasets: the digest of commands run
 * on a fresh server, and the digest a server computes after loading an AOF directory strictly
 * (`aof-load-truncated no`, so a damaged file fails the start instead of being cut quietly).
 */
import { startRedis } from './redis.mjs';

/** The digest of the dataset these commands make on a fresh server. */
export async function digestOfCommands(cmds: string[][]): Promise<string> {
  const r = await startRedis();
  try {
    for (const c of cmds) await r.client.call(...c);
    return Buffer.from(await r.client.call('DEBUG', 'DIGEST')).toString();
  } finally {
    await r.stop();
  }
}

/** The digest after a server started with `aofArgs` loads the AOF in `dir` (kept) with aof-load-truncated no. */
export async function digestOfAofDir(dir: string, aofArgs: string[]): Promise<string> {
  const r = await startRedis({ dir, args: [...aofArgs, '--aof-load-truncated', 'no'] });
  try {
    return Buffer.from(await r.client.call('DEBUG', 'DIGEST')).toString();
  } finally {
    await r.stop({ keepDir: true });
  }
}
