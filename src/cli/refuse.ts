/** Refusing an option that would do nothing: exit 2 with one line, instead of a silent no-op. */
import { UsageError } from '../errors.js';

/** Throw a UsageError `OPTION WHY` when `cond` holds. */
export function refuse(cond: boolean, option: string, why: string): void {
  if (cond) throw new UsageError('CLI_USELESS_OPTION', `${option} ${why}: leave it out`);
}
