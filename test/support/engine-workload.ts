/**
 * A seeded random workload for the engine tests: client commands (not their propagated forms)
 * over every type, several dbs, binary keys and values, MULTI/EXEC, TTLs, renames, moves,
 * stream groups with XREADGROUP/XCLAIM/XAUTOCLAIM, INCRBYFLOAT, SWAPDB, FLUSHDB, a function
 * library called with FCALL and an EVAL script (both logged as their effects). Some commands
 * fail on purpose (wrong types, bad arguments): Redis does not log them, and the engine must
 * end in the same state.
 */
import type { Random } from './prng.mjs';
import type { RedisArg } from './redis.mjs';

const enc = new TextEncoder();

/** The function library loaded at the start of every workload. */
export const LIBRARY =
  "#!lua name=rdbkitlib\nredis.register_function('bump', function(keys, args) redis.call('INCRBY', keys[1], args[1]) return redis.call('SET', keys[2], args[1]) end)";

const FAR = 3_000_000; // seconds: TTLs never elapse during a test

function key(r: Random, prefix: string): RedisArg {
  const roll = r.int(0, 19);
  if (roll === 0) {
    const b = r.bytes(r.int(1, 6));
    const out = new Uint8Array(b.length + prefix.length);
    out.set(enc.encode(prefix));
    out.set(b, prefix.length);
    return out;
  }
  if (roll === 1) return `${prefix}\r\n${r.int(0, 3)}`;
  return `${prefix}${r.int(0, 9)}`;
}

function val(r: Random): RedisArg {
  switch (r.int(0, 9)) {
    case 0:
      return String(r.int(-1000, 1000));
    case 1:
      return r.bytes(r.int(0, 12));
    case 2:
      return 'x'.repeat(r.int(60, 70));
    case 3:
      return r.text(r.int(100, 300));
    case 4:
      return String(r.int(-9, 9) * 1e15);
    case 5:
      return `é☃${r.text(3)}`;
    default:
      return r.text(r.int(1, 10));
  }
}

function member(r: Random): RedisArg {
  switch (r.int(0, 7)) {
    case 0:
      return String(r.int(-50, 50));
    case 1:
      return r.bytes(r.int(1, 5));
    case 2:
      return 'm'.repeat(r.int(60, 70));
    case 3:
      return `0${r.int(1, 9)}`; // integer-looking but not canonical
    default:
      return r.text(r.int(1, 4), 'abcdef');
  }
}

function score(r: Random): string {
  switch (r.int(0, 11)) {
    case 0:
      return 'inf';
    case 1:
      return '-inf';
    case 2:
      return '-0';
    case 3:
      return String(r.next() * 1e-5);
    case 4:
      return String((r.next() - 0.5) * 1e20);
    case 5:
      return '0.1';
    default:
      return String(r.int(-20, 20) + (r.chance(0.5) ? 0 : r.int(0, 99) / 100));
  }
}

function streamId(r: Random): string {
  return `${r.int(1, 5)}-${r.int(0, 3)}`;
}

/** One random command (or a few, for MULTI blocks). */
function one(r: Random): RedisArg[][] {
  const s = () => key(r, 's:');
  const l = () => key(r, 'l:');
  const t = () => key(r, 't:');
  const z = () => key(r, 'z:');
  const h = () => key(r, 'h:');
  const x = () => (r.chance(0.9) ? `x:${r.int(0, 2)}` : key(r, 'x:'));
  const any = () => (r.chance(0.05) ? `p:${r.int(0, 3)}` : key(r, r.pick(['s:', 'l:', 't:', 'z:', 'h:', 's:', 'zl:'])));
  const grp = () => `g${r.int(0, 2)}`;
  const cons = () => `c${r.int(0, 3)}`;
  const n = r.int(0, 99);
  if (n < 3) {
    const block: RedisArg[][] = [['MULTI']];
    for (let i = r.int(1, 4); i > 0; i--) block.push(...one(r).filter((c) => c[0] !== 'MULTI' && c[0] !== 'EXEC'));
    block.push(['EXEC']);
    return block;
  }
  switch (r.int(0, 86)) {
    case 0:
      return [['SET', s(), val(r)]];
    case 1:
      return [['SET', s(), val(r), 'EX', String(FAR + r.int(0, 99)), ...(r.chance(0.3) ? ['NX'] : [])]];
    case 2:
      return [['SET', s(), val(r), r.pick(['XX', 'KEEPTTL', 'GET', 'NX'])]];
    case 3:
      return [['SETEX', s(), String(FAR), val(r)]];
    case 4:
      return [['PSETEX', s(), String(FAR * 1000), val(r)]];
    case 5:
      return [['SETNX', s(), val(r)]];
    case 6:
      return [['APPEND', s(), val(r)]];
    case 7:
      return [['SETRANGE', s(), String(r.int(0, 30)), val(r)]];
    case 8:
      return [[r.pick(['INCR', 'DECR']), s()]];
    case 9:
      return [[r.pick(['INCRBY', 'DECRBY']), s(), String(r.int(-1000, 1000))]];
    case 10:
      return [['INCRBYFLOAT', s(), r.pick(['0.1', '1.5', '-2.25', '3', '1e3', '0.0001'])]];
    case 11:
      return [['MSET', s(), val(r), s(), val(r)]];
    case 12:
      return [['MSETNX', s(), val(r), s(), val(r)]];
    case 13:
      return [['GETSET', s(), val(r)]];
    case 14:
      return [['GETDEL', s()]];
    case 15:
      return [['GETEX', s(), ...r.pick([['EX', String(FAR)], ['PERSIST'], ['PXAT', String(Date.now() + FAR * 1000)]])]];
    case 16:
      return [['SETBIT', s(), String(r.int(0, 100)), String(r.int(0, 1))]];
    case 17:
      return [['BITOP', r.pick(['AND', 'OR', 'XOR']), s(), s(), s()]];
    case 18:
      return [['BITOP', 'NOT', s(), s()]];
    // OVERFLOW FAIL is left out: when every write op fails on a missing key, Redis 7.0 creates
    // the key but logs nothing (bitfieldGeneric counts no change), so its AOF cannot rebuild it.
    case 19:
      return [
        [
          'BITFIELD',
          s(),
          'OVERFLOW',
          r.pick(['WRAP', 'SAT']),
          'INCRBY',
          r.pick(['i8', 'u4', 'i16', 'u63', 'i64']),
          String(r.int(0, 40)),
          String(r.int(-300, 300)),
          'SET',
          'u8',
          '#1',
          String(r.int(0, 300)),
        ],
      ];
    case 20:
      return [['DEL', any(), any()]];
    case 21:
      return [['UNLINK', any()]];
    case 22:
      return [['EXPIRE', any(), String(FAR + r.int(0, 1000)), ...(r.chance(0.5) ? [r.pick(['NX', 'XX', 'GT', 'LT'])] : [])]];
    case 23:
      return [['PEXPIRE', any(), String(FAR * 1000 + r.int(0, 1000))]];
    case 24:
      return [['EXPIREAT', any(), String(Math.floor(Date.now() / 1000) + FAR)]];
    case 25:
      return [['PERSIST', any()]];
    case 26:
      return [['EXPIRE', any(), '-1']];
    case 27:
      return [[r.pick(['RENAME', 'RENAMENX']), any(), any()]];
    case 28:
      return [['MOVE', any(), String(r.int(0, 3))]];
    case 29:
      return [['COPY', any(), any(), ...(r.chance(0.5) ? ['REPLACE'] : []), ...(r.chance(0.3) ? ['DB', String(r.int(0, 3))] : [])]];
    case 30:
      return [['SELECT', String(r.int(0, 3))]];
    case 31:
      return r.chance(0.3) ? [['SWAPDB', String(r.int(0, 3)), String(r.int(0, 3))]] : [['PING']];
    case 32:
      return r.chance(0.05) ? [['FLUSHDB']] : [['PING']];
    case 33:
      return [[r.pick(['LPUSH', 'RPUSH']), l(), val(r), val(r), val(r)]];
    case 34:
      return [[r.pick(['LPUSHX', 'RPUSHX']), l(), val(r)]];
    case 35:
      return [['LINSERT', l(), r.pick(['BEFORE', 'AFTER']), val(r), val(r)]];
    case 36:
      return [['LSET', l(), String(r.int(-3, 3)), val(r)]];
    case 37:
      return [['LREM', l(), String(r.int(-2, 2)), val(r)]];
    case 38:
      return [['LTRIM', l(), String(r.int(-5, 2)), String(r.int(-3, 5))]];
    case 39:
      return [[r.pick(['LPOP', 'RPOP']), l(), ...(r.chance(0.5) ? [String(r.int(0, 3))] : [])]];
    case 40:
      return [['RPOPLPUSH', l(), l()]];
    case 41:
      return [['LMOVE', l(), l(), r.pick(['LEFT', 'RIGHT']), r.pick(['LEFT', 'RIGHT'])]];
    case 42:
      return [['BLPOP', l(), l(), '0.01']];
    case 43:
      return [['LMPOP', '2', l(), l(), r.pick(['LEFT', 'RIGHT']), 'COUNT', String(r.int(1, 3))]];
    case 44:
      return [['SADD', t(), member(r), member(r), String(r.int(0, 1000))]];
    case 45: {
      const ints: RedisArg[] = [];
      for (let i = r.int(100, 600); i > 0; i--) ints.push(String(r.int(-100000, 100000)));
      return [['SADD', t(), ...ints]];
    }
    case 46:
      return [['SREM', t(), member(r), member(r)]];
    case 47:
      return [['SMOVE', t(), t(), member(r)]];
    case 48:
      return [['SPOP', t(), ...(r.chance(0.5) ? [String(r.int(1, 3))] : [])]];
    case 49:
      return [[r.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), t(), t(), t()]];
    case 50:
      return [['ZADD', z(), ...(r.chance(0.4) ? [r.pick(['NX', 'XX', 'GT', 'LT', 'CH'])] : []), score(r), member(r), score(r), member(r)]];
    case 51: {
      const args: RedisArg[] = [];
      for (let i = r.int(60, 140); i > 0; i--) args.push(String(r.int(-1000, 1000)), `bulk${r.int(0, 200)}`);
      return [['ZADD', z(), ...args]];
    }
    case 52:
      return [['ZADD', z(), 'INCR', score(r), member(r)]];
    case 53:
      return [['ZINCRBY', z(), score(r), member(r)]];
    case 54:
      return [['ZREM', z(), member(r), member(r)]];
    case 55:
      return [['ZREMRANGEBYSCORE', z(), r.pick(['-inf', '(0', '-5', '1.5']), r.pick(['+inf', '(10', '5', '0'])]];
    case 56:
      return [['ZREMRANGEBYRANK', z(), String(r.int(-5, 2)), String(r.int(-3, 4))]];
    case 57:
      return r.chance(0.5)
        ? [['ZADD', key(r, 'zl:'), '0', member(r), '0', member(r)]]
        : [['ZREMRANGEBYLEX', key(r, 'zl:'), r.pick(['-', '[a', '(b']), r.pick(['+', '[c', '(e'])]];
    case 58:
      return [
        [
          r.pick(['ZUNIONSTORE', 'ZINTERSTORE']),
          z(),
          '2',
          z(),
          r.chance(0.3) ? t() : z(),
          ...(r.chance(0.5) ? ['WEIGHTS', r.pick(['1', '2', '-1', '0.5', 'inf']), r.pick(['1', '-0', '3'])] : []),
          ...(r.chance(0.5) ? ['AGGREGATE', r.pick(['SUM', 'MIN', 'MAX'])] : []),
        ],
      ];
    case 59:
      return [['ZDIFFSTORE', z(), '2', z(), z()]];
    case 60:
      if (r.chance(0.3))
        return [['ZRANGESTORE', z(), key(r, 'zl:'), '[z', '-', 'BYLEX', 'REV', ...(r.chance(0.5) ? ['LIMIT', '0', '2'] : [])]];
      return [
        [
          'ZRANGESTORE',
          z(),
          z(),
          ...r.pick([
            [String(r.int(-3, 1)), String(r.int(-1, 5))],
            ['-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '3'],
          ]),
        ],
      ];
    case 61:
      return [[r.pick(['ZPOPMIN', 'ZPOPMAX']), z(), ...(r.chance(0.5) ? [String(r.int(0, 3))] : [])]];
    case 62:
      return [['BZPOPMAX', z(), z(), '0.01']];
    case 63:
      return [['ZMPOP', '2', z(), z(), r.pick(['MIN', 'MAX']), 'COUNT', String(r.int(1, 3))]];
    case 64:
      return [['HSET', h(), member(r), val(r), member(r), val(r)]];
    case 65:
      return [['HMSET', h(), member(r), val(r)]];
    case 66:
      return [['HSETNX', h(), member(r), val(r)]];
    case 67:
      return [['HDEL', h(), member(r), member(r)]];
    case 68:
      return [['HINCRBY', h(), r.pick(['n1', 'n2', member(r)]), String(r.int(-100, 100))]];
    case 69:
      return [['HINCRBYFLOAT', h(), r.pick(['f1', 'f2']), r.pick(['0.1', '2.5', '-1.25', '1e2'])]];
    case 70:
      return [
        [
          'XADD',
          x(),
          ...(r.chance(0.3) ? [r.pick(['MAXLEN', 'MINID']), r.pick(['~', '=']), r.chance(0.5) ? String(r.int(0, 6)) : streamId(r)] : []),
          r.chance(0.7) ? '*' : streamId(r),
          'f',
          val(r),
          ...(r.chance(0.5) ? ['g', val(r)] : []),
        ],
      ];
    case 71:
      return [['XADD', x(), 'NOMKSTREAM', '*', 'a', val(r)]];
    case 72:
      return [['XDEL', x(), streamId(r)]];
    case 73:
      return [['XTRIM', x(), r.pick(['MAXLEN', 'MINID']), r.chance(0.5) ? String(r.int(0, 6)) : streamId(r)]];
    case 74:
      return [['XGROUP', 'CREATE', x(), grp(), r.pick(['$', '0', '0-0']), ...(r.chance(0.5) ? ['MKSTREAM'] : [])]];
    case 75:
      return [
        ['XREADGROUP', 'GROUP', grp(), cons(), 'COUNT', String(r.int(1, 3)), ...(r.chance(0.3) ? ['NOACK'] : []), 'STREAMS', x(), '>'],
      ];
    case 76:
      return [['XACK', x(), grp(), streamId(r)]];
    case 77:
      return [['XCLAIM', x(), grp(), cons(), '0', streamId(r), ...(r.chance(0.5) ? ['FORCE'] : []), ...(r.chance(0.3) ? ['JUSTID'] : [])]];
    case 78:
      return [['XAUTOCLAIM', x(), grp(), cons(), '0', '0-0', 'COUNT', String(r.int(1, 5))]];
    case 79:
      return [['XSETID', x(), `${r.int(5, 9)}-0`]];
    case 80:
      return [
        [
          'XGROUP',
          r.pick(['SETID', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER']),
          x(),
          grp(),
          ...(r.chance(0.5) ? [r.pick(['$', '0'])] : [cons()]),
        ],
      ];
    case 81:
      return [['FCALL', 'bump', '2', s(), s(), String(r.int(1, 9))]];
    case 82:
      return [
        [
          'EVAL',
          "redis.call('RPUSH', KEYS[1], ARGV[1]); return redis.call('HSET', KEYS[2], 'f', ARGV[1])",
          '2',
          l(),
          h(),
          String(r.int(0, 9)),
        ],
      ];
    case 83:
      return r.chance(0.2)
        ? [['XADD', x(), 'MAXLEN', '~', '2', 'LIMIT', '10', '*', 'f', 'v']]
        : [
            ['XADD', x(), '*', 'f', val(r)],
            ['XREADGROUP', 'GROUP', grp(), cons(), 'STREAMS', x(), '>'],
          ];
    case 84: {
      const p = `p:${r.int(0, 3)}`;
      const roll = r.int(0, 9);
      if (roll < 5) {
        const els: RedisArg[] = [];
        for (let i = r.chance(0.2) ? r.int(300, 900) : r.int(0, 20); i > 0; i--)
          els.push(r.chance(0.5) ? member(r) : String(r.int(0, 100000)));
        return [['PFADD', p, ...els]];
      }
      if (roll < 8) return [['PFCOUNT', p]];
      return [['PFMERGE', `p:${r.int(0, 3)}`, p, `p:${r.int(0, 3)}`]];
    }
    default:
      return [['ZADD', z(), 'GT', 'CH', score(r), member(r)]];
  }
}

/** `n` commands (MULTI blocks count as one). */
export function workload(r: Random, n: number): RedisArg[][] {
  const out: RedisArg[][] = [['FUNCTION', 'LOAD', LIBRARY]];
  for (let i = 0; i < n; i++) out.push(...one(r));
  return out;
}
