/**
 * Asking before a destructive change: on a terminal, a y/N question (default no); without a
 * terminal, only `--yes` lets the change through.
 */
import { createInterface } from 'node:readline/promises';

/** The outcome of asking. */
export type Consent = 'yes' | 'no' | 'no-tty';

/** Ask `question` on the terminal unless `assumeYes`; 'no-tty' when stdin is not a terminal. */
export async function confirm(question: string, assumeYes: boolean): Promise<Consent> {
  if (assumeYes) return 'yes';
  if (!process.stdin.isTTY) return 'no-tty';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N]: `);
    return /^y/i.test(answer.trim()) ? 'yes' : 'no';
  } finally {
    rl.close();
  }
}
