/** The engine's command table: every family's commands by lower-case name, assembled in one place. */
import type { CommandTable } from '../context.js';
import { functionCommands } from './functions.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hashes.js';
import { hllCommands } from './hyperloglog.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { sortCommands } from './sort.js';
import { streamCommands } from './streams.js';
import { stringCommands } from './strings.js';
import { zsetCommands } from './zsets.js';

/** Every command the engine runs. */
export const COMMANDS: CommandTable = {
  ...stringCommands,
  ...hllCommands,
  ...keyCommands,
  ...listCommands,
  ...setCommands,
  ...zsetCommands,
  ...geoCommands,
  ...hashCommands,
  ...streamCommands,
  ...functionCommands,
  ...serverCommands,
  ...sortCommands,
};

/** Whether the engine knows a command name already lower-cased. */
export function isKnownLowerCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}
