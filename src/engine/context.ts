/**
 * What a command handler sees and the lookups every command family shares. The command
 * modules import this module, never engine.ts (which imports them through commands/index.ts),
 * so the engine has no import cycle and any command module loads on its own.
 */
import { CommandError } from './argv.js';
import type { Engine } from './engine.js';
import type { Db, EValue, Slot } from './keyspace.js';

/** What a command handler sees. */
export interface Ctx {
  engine: Engine;
  db: Db;
  dbIndex: number;
  now: number;
  loading: boolean;
}

/** One command: Redis arity (n exact, -n at least n) and its handler. */
export interface CommandSpec {
  arity: number;
  /** Container commands (XGROUP, FUNCTION): each subcommand's own arity, as Redis 7.0 checks it. */
  sub?: Record<string, number>;
  run: (c: Ctx, argv: Uint8Array[]) => unknown;
}

/** A family's commands, by lower-case name. */
export type CommandTable = Record<string, CommandSpec>;

/** A function library kept by FUNCTION LOAD / RESTORE. */
export interface Library {
  name: string;
  engine: string;
  code: Uint8Array;
}

/** Look a key up; outside loading mode an expired key is deleted first (lazy expiry). */
export function lookup(c: Ctx, key: Uint8Array): Slot | undefined {
  const slot = c.db.get(key);
  if (slot && !c.loading && slot.expireAt !== null && slot.expireAt <= c.now) {
    c.db.delete(key);
    return undefined;
  }
  return slot;
}

/** Look a key up expecting a type: undefined when missing, WRONGTYPE when another type. */
export function lookupType<T extends EValue['type']>(c: Ctx, key: Uint8Array, type: T): Extract<EValue, { type: T }> | undefined {
  const slot = lookup(c, key);
  if (!slot) return undefined;
  if (slot.value.type !== type) throw new CommandError('WRONGTYPE Operation against a key holding the wrong kind of value');
  return slot.value as Extract<EValue, { type: T }>;
}
