/**
 * How the V8 heap grows, set per kind of work. A streaming verb keeps little alive (a batch, a part
 * of a key) but allocates fast; with V8's default, adaptive growth the old generation grew to
 * 4-5x the live set between full collections (huge.rdb to JSONL: 28 MB live in a heap snapshot,
 * 208 MB RSS). A fixed factor of 2 (`--heap-growing-percent=100`) collects sooner: 147-161 MB, and
 * less CPU, not more (fewer pages touched). Replaying an AOF holds the whole dataset: there the
 * adaptive default stays (measured on a 253 MB AOF: same RSS, CPU not lower).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { deferSignals } from '../io/signals.js';
import type { AofSource } from '../model/source.js';

/** For streaming work (the CLI's default, set at start). */
export function streamingHeap(): void {
  setFlagsFromString('--heap-growing-percent=100');
}

/** For work that holds a dataset in memory (an AOF replayed into the engine): V8's adaptive growth. */
export function datasetHeap(): void {
  setFlagsFromString('--heap-growing-percent=0');
}

/**
 * Semi-space size (MB) of the process that replays an AOF. Replay keeps every key it builds, so
 * each young-generation scavenge copies what was allocated since the last one and is still
 * alive, and with V8's default 16 MB semi-space the bench AOF took ~1,700 scavenges (12.6 s of
 * ~50 s CPU, --trace-gc). The size is fixed when the isolate starts, hence a child process.
 */
const DATASET_SEMI_SPACE_MB = 64;
/**
 * Inputs below this size are replayed in this process: the child's start (~0.2 s of CPU for the
 * bundle, more for tsc's module tree) costs more than the scavenges it saves.
 */
const DATASET_PROCESS_MIN_BYTES = 64 << 20;
/** Set in the child's environment: it does the work itself. */
const CHILD_ENV = 'RDBKIT_DATASET_CHILD';

/** The process's own command line (script and arguments), once main() runs it; else null. */
let ownArgs: string[] | null = null;

/** Called by main() when it runs the process's own command line (datasetProcess may re-run it). */
export function allowDatasetProcess(): void {
  ownArgs = process.argv.slice(1);
}

/** Whether node was started with a semi-space size of the user's own (flags or NODE_OPTIONS). */
function semiSpaceGiven(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /--(max|min)[-_]semi[-_]space[-_]size/.test(flags);
}

/**
 * Re-run this command line in a child node with a larger young generation
 * (--max-semi-space-size=64) for work that holds a dataset (an AOF replayed into the engine),
 * with stdin, stdout and stderr shared; this process passes signals on and waits. Returns the
 * child's exit status (128 + the signal's number if a signal ended it), or null when this
 * process should do the work itself: it is that child, main() was called from code, node has a
 * semi-space size given by the user, a part of the AOF cannot be read again (stdin or a pipe,
 * whose first bytes this process has read), the AOF is small, or the child could not be started.
 */
export async function datasetProcess(set: AofSource): Promise<number | null> {
  if (ownArgs === null || process.env[CHILD_ENV] !== undefined || semiSpaceGiven()) return null;
  let bytes = 0;
  for (const p of set.parts) {
    if (p.size === null) return null;
    bytes += p.size;
  }
  if (bytes < DATASET_PROCESS_MIN_BYTES) return null;
  const child = spawn(process.execPath, [...process.execArgv, `--max-semi-space-size=${DATASET_SEMI_SPACE_MB}`, ...ownArgs], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  deferSignals((sig) => child.kill(sig));
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? 128 + (signal ? constants.signals[signal] : 0);
  } catch {
    return null; // spawn failed (the error event): do the work here
  } finally {
    deferSignals(null);
  }
}
