/**
 * Child process for the crash-safety tests: plan and apply `repair` (or `unflush`) on an AOF
 * through the built library, with every file-system step of the change counted; at step number
 * `killAt` the process kills itself with SIGKILL (a power cut as far as the files can tell).
 * Usage: node change-aof.mjs repair|unflush PATH BACKUP KILL_AT
 * Prints the number of steps taken when it finishes.
 */
import { applyRepair, applyUnflush, openAofSet } from '../../dist/io/aof-files.js';
import { hookFsOps, realFsOps } from '../../dist/io/fs-ops.js';
import { planAofRepair } from '../../dist/ops/aof-repair.js';
import { planAofUnflush } from '../../dist/ops/aof-unflush.js';

const [verb, path, backup, killAtText] = process.argv.slice(2);
const killAt = Number(killAtText);
let step = 0;
const ops = hookFsOps(realFsOps, (name, file) => {
  if (step++ === killAt) {
    process.stderr.write(`killed at step ${killAt}: ${name} ${file}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
});
if (verb === 'repair') {
  const plan = await planAofRepair(await openAofSet(path));
  if (plan.action !== 'truncate') throw new Error(`nothing to repair: ${plan.action}`);
  await applyRepair(plan, backup, { ops });
} else {
  const plan = await planAofUnflush(await openAofSet(path));
  if (plan.action !== 'remove') throw new Error(`nothing to unflush: ${plan.action}`);
  await applyUnflush(plan, backup, { ops });
}
process.stdout.write(`${step}\n`);
