/**
 * Dumps for the report tests, made by a real server: the memory workload plus binary keys and a
 * second database, saved whole and split into `parts` dumps by key (a cluster's shards).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryWorkload } from './memory-workload.js';
import { startRedis } from './redis.mjs';

/** Paths of the dumps made. */
export interface ReportDumps {
  whole: string;
  parts: string[];
}

/** Keys whose text needs escaping in CSV and reports. */
export const ODD_KEYS: Uint8Array[] = [
  new TextEncoder().encode('odd:comma,quote"newline\nend'),
  new TextEncoder().encode('odd:backslash\\x41:ü'),
  Uint8Array.from([0x6f, 0x64, 0x64, 0x3a, 0xff, 0xfe, 0x00, 0x01, 0x3a, 0x62, 0x69, 0x6e]),
];

/** Build the dumps into `dir`. */
export async function makeReportDumps(dir: string, parts = 3): Promise<ReportDumps> {
  const server = await startRedis({ args: ['--enable-protected-configs', 'yes'] });
  try {
    const c = server.client;
    // keys whose loaded size depends on element order are left out: the dumps list them differently
    await c.pipeline(memoryWorkload(21, 'app', { orderDependent: false }));
    for (const k of ODD_KEYS) await c.call('SET', k, 'v');
    await c.call('SELECT', '1');
    await c.pipeline(memoryWorkload(22, 'cache', { orderDependent: false }).slice(0, 120));
    await c.call('SELECT', '0');
    await c.call('CONFIG', 'SET', 'dbfilename', 'whole.rdb');
    await c.call('SAVE');
    const whole = join(dir, 'whole.rdb');
    copyFileSync(join(server.dir, 'whole.rdb'), whole);
    const out: string[] = [];
    for (let p = 0; p < parts; p++) {
      await c.call('CONFIG', 'SET', 'dbfilename', 'whole.rdb');
      await c.call('DEBUG', 'RELOAD', 'NOSAVE');
      for (const db of ['0', '1']) {
        await c.call('SELECT', db);
        const keys = (await c.call('KEYS', '*')) as Uint8Array[];
        const drop = keys.filter((k) => shardOf(k, parts) !== p);
        if (drop.length) await c.pipeline(drop.map((k) => ['DEL', k]));
      }
      await c.call('SELECT', '0');
      await c.call('CONFIG', 'SET', 'dbfilename', `part${p}.rdb`);
      await c.call('SAVE');
      const f = join(dir, `part${p}.rdb`);
      copyFileSync(join(server.dir, `part${p}.rdb`), f);
      out.push(f);
    }
    return { whole, parts: out };
  } finally {
    await server.stop();
  }
}

function shardOf(key: Uint8Array, parts: number): number {
  let h = 0;
  for (const b of key) h = (h * 31 + b) >>> 0;
  return h % parts;
}
