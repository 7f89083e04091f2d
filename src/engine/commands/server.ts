/**
 * Server commands that change the keyspace or the session: SELECT, SWAPDB, FLUSHDB, FLUSHALL,
 * and the MULTI/EXEC/DISCARD names (the transaction itself is handled by Engine.apply).
 */
import { Err, fail, lower, parseIntArg } from '../argv.js';
import type { CommandTable } from '../context.js';
import { Db } from '../keyspace.js';

function flushOption(a: Uint8Array[]): void {
  if (a.length > 2) fail(Err.SYNTAX);
  if (a.length === 2) {
    const o = lower(a[1]!);
    if (o !== 'async' && o !== 'sync') fail(Err.SYNTAX);
  }
}

export const serverCommands: CommandTable = {
  select: {
    arity: 2,
    run: (c, a) => {
      const v = parseIntArg(a[1]!);
      if (v < 0 || v >= c.engine.dbs.length) fail(Err.DB_INDEX);
      c.engine.selected = v;
      return 'OK';
    },
  },
  swapdb: {
    arity: 3,
    run: (c, a) => {
      const x = parseIntArg(a[1]!, 'ERR invalid first DB index');
      const y = parseIntArg(a[2]!, 'ERR invalid second DB index');
      const n = c.engine.dbs.length;
      if (x < 0 || x >= n || y < 0 || y >= n) fail(Err.DB_INDEX);
      const dbs = c.engine.dbs;
      [dbs[x], dbs[y]] = [dbs[y]!, dbs[x]!];
      return 'OK';
    },
  },
  flushdb: {
    arity: -1,
    run: (c, a) => {
      flushOption(a);
      c.engine.dbs[c.dbIndex] = new Db();
      return 'OK';
    },
  },
  flushall: {
    arity: -1,
    run: (c, a) => {
      flushOption(a);
      for (let i = 0; i < c.engine.dbs.length; i++) c.engine.dbs[i] = new Db();
      return 'OK';
    },
  },
  multi: { arity: 1, run: () => 'OK' },
  exec: { arity: 1, run: () => [] },
  discard: { arity: 1, run: () => 'OK' },
  ping: { arity: -1, run: () => 'PONG' },
};
