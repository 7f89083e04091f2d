/**
 * FUNCTION LOAD / DELETE / FLUSH / RESTORE (functions.c), kept as libraries: name, engine and
 * code. The engine runs no Lua, so it checks only what it can without an interpreter: the
 * `#!<engine> name=<lib>` shebang, the engine name, the library name and duplicates. Functions
 * are called through FCALL, which the AOF logs as its effects, never as FCALL. FUNCTION RESTORE
 * reads its payload with the decoder the caller installed (Engine.functionDecoder, the RDB
 * codec's, from ops/dump.ts), as RESTORE does with DUMP payloads.
 */
import { latin1 } from '../../model/bytes.js';
import { fail, lower } from '../argv.js';
import type { CommandTable, Library } from '../context.js';

/** Parse a library's shebang line into its engine and name, or fail with Redis's errors. */
export function parseLibrary(code: Uint8Array): Library {
  const nl = code.indexOf(0x0a);
  const first = latin1(nl < 0 ? code : code.subarray(0, nl));
  if (!first.startsWith('#!')) fail('ERR Missing library metadata');
  const parts = first
    .slice(2)
    .split(' ')
    .filter((p) => p.length > 0);
  const engine = parts[0] ?? '';
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.startsWith('name=')) name = p.slice(5);
    else fail(`ERR Invalid metadata value given: ${p}`);
  }
  if (name === null) fail('ERR Library name was not given');
  if (engine.toLowerCase() !== 'lua') fail(`ERR Engine '${engine}' not found`);
  if (!/^[A-Za-z0-9_]+$/.test(name))
    fail('ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
  return { name, engine: 'LUA', code: code.slice() };
}

export const functionCommands: CommandTable = {
  function: {
    arity: -2,
    sub: { load: -3, delete: 3, flush: -2, restore: -3 },
    run: (c, a) => {
      const sub = lower(a[1]!);
      const libs = c.engine.libraries;
      if (sub === 'load' && (a.length === 3 || a.length === 4)) {
        let replace = false;
        if (a.length === 4) {
          if (lower(a[2]!) !== 'replace') fail(`ERR Unknown option given: ${latin1(a[2]!)}`);
          replace = true;
        }
        const lib = parseLibrary(a[a.length - 1]!);
        if (libs.has(lib.name) && !replace) fail(`ERR Library '${lib.name}' already exists`);
        libs.set(lib.name, lib);
        return lib.name;
      }
      if (sub === 'delete' && a.length === 3) {
        const name = latin1(a[2]!);
        if (!libs.delete(name)) fail('ERR Library not found');
        return 'OK';
      }
      if (sub === 'flush' && a.length <= 3) {
        if (a.length === 3 && lower(a[2]!) !== 'async' && lower(a[2]!) !== 'sync')
          fail('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        libs.clear();
        return 'OK';
      }
      if (sub === 'restore' && (a.length === 3 || a.length === 4)) {
        let policy = 'append';
        if (a.length === 4) {
          policy = lower(a[3]!);
          if (policy !== 'append' && policy !== 'replace' && policy !== 'flush')
            fail('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
        }
        const decode = c.engine.functionDecoder;
        if (!decode) fail('ERR FUNCTION RESTORE needs a payload decoder (none is installed in this engine)');
        const incoming = decode(a[2]!);
        if (policy === 'append') for (const l of incoming) if (libs.has(l.name)) fail(`ERR Library ${l.name} already exists`);
        if (policy === 'flush') libs.clear();
        for (const l of incoming) libs.set(l.name, l);
        return 'OK';
      }
      return fail(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try FUNCTION HELP.`);
    },
  },
};
