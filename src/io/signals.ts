/**
 * Temp files and signals. Every temp file rdbkit creates is registered here while it exists;
 * on SIGINT, SIGTERM, SIGHUP or SIGPIPE the CLI removes them all (synchronously, the process is
 * about to end) and exits with 128 + the signal number, as a shell reports a killed command:
 * targets are untouched because a target is only ever replaced by a rename at commit.
 *
 * A library caller gets the registry but no handlers: only `installSignalCleanup` (called by the
 * CLI) changes how the process reacts to signals.
 */
import { unlinkSync } from 'node:fs';

const temps = new Set<string>();

/** Remember a temp file so that an interrupted run removes it. */
export function trackTemp(path: string): void {
  temps.add(path);
}

/** Forget a temp file (renamed into place or already removed). */
export function untrackTemp(path: string): void {
  temps.delete(path);
}

/** Remove every registered temp file now (synchronous: safe in a signal or exit handler). */
export function removeTemps(): void {
  for (const p of temps) {
    try {
      unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
  temps.clear();
}

/** The signals that end rdbkit, with the exit status a shell gives a command killed by them. */
const SIGNALS = { SIGHUP: 129, SIGINT: 130, SIGPIPE: 141, SIGTERM: 143 } as const;

let installed = false;
/** While set, a signal goes to this instead of ending the process (see deferSignals). */
let deferTo: ((sig: NodeJS.Signals) => void) | null = null;

/**
 * Hand the CLI's signals to `to` instead of ending the process (null: end it again): a process
 * that re-runs its command line in a child passes them on and exits with the child's status.
 */
export function deferSignals(to: ((sig: NodeJS.Signals) => void) | null): void {
  deferTo = to;
}

/**
 * Install the CLI's handlers: remove temp files, then exit 128 + signal (SIGPIPE quietly: the
 * reader went away, nothing to tell it). Also removes temp files on any other exit path.
 */
export function installSignalCleanup(): void {
  if (installed) return;
  installed = true;
  for (const [sig, status] of Object.entries(SIGNALS)) {
    process.on(sig as NodeJS.Signals, () => {
      if (deferTo) {
        deferTo(sig as NodeJS.Signals);
        return;
      }
      removeTemps();
      process.exit(status);
    });
  }
  process.on('exit', removeTemps);
}
