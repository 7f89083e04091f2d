/**
 * `repair --salvage` for AOFs: instead of cutting everything after the first damaged byte (what
 * `redis-check-aof --fix` and plain `repair` do), drop only the damaged ranges and keep the valid
 * commands after them.
 *
 * Per file Redis loads (the RESP part; a damaged RDB part is never touched): tokenize; at damage,
 * the range starts where `redis-check-aof` would cut (`ok_up_to`: the start of the failing unit,
 * or of the MULTI it sits in) and ends at the next well-formed command after the failing byte: a
 * `*N` line at the start of a line, then N bulk strings, whose first is a command Redis knows.
 * Reading resumes there. A transaction is never kept in half: damage inside MULTI drops it from
 * the MULTI, and an EXEC met after a resync before any MULTI (the rest of that transaction) is
 * dropped with everything from the range's start through it. When no command follows the
 * damage, the file is cut there, as plain repair does.
 */
import { AofTokenizer, type AofVerdict, newCommandProbe, probeCommand } from '../aof/resp.js';
import { isKnownLowerCommand } from '../engine/commands/index.js';
import { concatBytes, latin1 } from '../model/bytes.js';
import type { Span } from '../model/record.js';
import type { AofPartSource } from '../model/source.js';

/** A range salvage drops. */
export interface SkippedRange extends Span {
  /** Why: the damage found at `offset`. */
  what: string;
  offset: number;
  /** Complete commands inside the range (the part of a broken transaction, or commands before garbage in it). */
  droppedCommands: number;
  /** The range reaches the end of the file (no well-formed command follows the damage). */
  toEnd: boolean;
}

/** The salvage of one file. */
export interface PartSalvage {
  ranges: SkippedRange[];
  /** Commands kept. */
  commands: number;
}

/** Whether a command name is one Redis knows (what a resync point must start with). */
export function isResyncCommand(name: Uint8Array): boolean {
  if (name.length === 0 || name.length > 32) return false;
  const text = latin1(name);
  if (!/^[A-Za-z][A-Za-z0-9|_-]*$/.test(text)) return false;
  const lower = text.toLowerCase();
  return isKnownLowerCommand(lower) || EXTRA_COMMANDS.has(lower);
}

/** Commands an AOF holds that the reference engine does not replay itself. */
const EXTRA_COMMANDS = new Set(['multi', 'exec', 'select', 'ping', 'publish', 'spublish', 'script', 'function', 'restore', 'swapdb']);

/** What a resync point's first argument must be: a command Redis knows (names are short). */
const RESYNC_NAME = { maxName: 32, acceptName: isResyncCommand };

/** Bytes read at once when a probe leaves the chunk in hand. */
const PROBE_WINDOW = 4096;

/** The bytes [pos, pos + len) of a part and some after them (up to PROBE_WINDOW in all). */
async function readWindow(part: AofPartSource, pos: number, len: number): Promise<Uint8Array> {
  const end = Math.min(part.size, pos + Math.max(len, PROBE_WINDOW));
  const chunks: Uint8Array[] = [];
  for await (const c of part.read(pos, end)) chunks.push(c);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/**
 * Whether a well-formed command of a known name starts at `at` (the tokenizer's first command
 * there). Its lines are read from `chunk` (the part's bytes from `chunkStart`) while they are in
 * it, else from small windows; the arguments' bytes are skipped, not read, so a candidate costs
 * its lines, however long the arguments it claims.
 */
async function commandAt(part: AofPartSource, at: number, chunk: Uint8Array, chunkStart: number): Promise<boolean> {
  const probe = newCommandProbe(at);
  let buf = chunk;
  let bufStart = chunkStart;
  for (;;) {
    const step = probeCommand(probe, buf, bufStart, part.size, RESYNC_NAME);
    if (step.kind !== 'need') return step.kind === 'command';
    buf = await readWindow(part, step.pos, step.len);
    bufStart = step.pos;
  }
}

/** The next offset after `from` where a well-formed command of a known name starts a line, or null. */
export async function findResync(part: AofPartSource, from: number): Promise<number | null> {
  if (from >= part.size) return null;
  let at = from;
  let prevLf = false;
  if (from > 0) {
    for await (const c of part.read(from - 1, from)) prevLf = c[0] === 0x0a;
  }
  for await (const chunk of part.read(from, part.size)) {
    for (let i = 0; i < chunk.length; i++) {
      if (prevLf && chunk[i] === 0x2a && (await commandAt(part, at + i, chunk, at))) return at + i;
      prevLf = chunk[i] === 0x0a;
    }
    at += chunk.length;
  }
  return null;
}

/** The end of the EXEC command that starts at `at` (read as the tokenizer reads it inside a MULTI), or null when it is not a whole command. */
async function execEnd(part: AofPartSource, at: number): Promise<number | null> {
  const multi = new TextEncoder().encode('*1\r\n$5\r\nMULTI\r\n');
  const tok = new AofTokenizer({ startOffset: at - multi.length, totalSize: part.size, maxArgs: 1 });
  tok.write(multi);
  for await (const chunk of part.read(at, part.size)) {
    const cmds = tok.write(chunk);
    if (cmds.length) return cmds[0]!.span.end;
    if (tok.verdict) break;
  }
  const last = tok.end();
  return last.length ? last[0]!.span.end : null;
}

/** One tokenizer run from `start` to the first damage (or the end). */
async function readUntilDamage(
  part: AofPartSource,
  start: number,
): Promise<{ verdict: AofVerdict; commands: number; sawMulti: boolean; commandStarts: number[] }> {
  let commands = 0;
  let sawMulti = false;
  // starts of complete commands (to count what a range drops); kept short: only since the last MULTI or damage
  let commandStarts: number[] = [];
  const tok = new AofTokenizer({ startOffset: start, totalSize: part.size, maxArgs: 1 });
  const take = (cmds: { argv: Uint8Array[]; span: Span }[]): void => {
    for (const c of cmds) {
      commands++;
      const name = latin1(c.argv[0]!.subarray(0, 8)).toLowerCase();
      if (name === 'multi') {
        sawMulti = true;
        commandStarts = [];
      }
      commandStarts.push(c.span.start);
      if (name === 'exec') commandStarts = [];
    }
  };
  if (start < part.size) {
    for await (const chunk of part.read(start, part.size)) {
      take(tok.write(chunk));
      if (tok.verdict) break;
    }
  }
  take(tok.end());
  return { verdict: tok.verdict!, commands, sawMulti, commandStarts };
}

/**
 * Salvage one file's RESP part from `start` (after an RDB preamble): the ranges to drop.
 * The file is only read.
 */
export async function salvagePart(part: AofPartSource, start: number): Promise<PartSalvage> {
  const ranges: SkippedRange[] = [];
  let pos = start;
  let commands = 0;
  let afterResync = false;
  for (;;) {
    const run = await readUntilDamage(part, pos);
    const v = run.verdict;
    commands += run.commands;
    if (v.kind === 'ok') break;
    const prev = ranges[ranges.length - 1];
    const end = afterResync && !run.sawMulti && prev && /^EXEC without MULTI/.test(v.what) ? await execEnd(part, v.offset) : null;
    if (prev && end !== null) {
      // the rest of a transaction whose start was dropped: drop it too, through its EXEC
      const dropped = run.commands;
      commands -= dropped;
      prev.end = end;
      prev.droppedCommands += dropped + 1;
      pos = end;
      afterResync = false;
      continue;
    }
    const from = v.validBeforeMulti;
    const dropped = run.commandStarts.filter((s) => s >= from).length;
    commands -= dropped;
    const next = await findResync(part, Math.max(v.offset, from) + 1);
    if (next === null) {
      ranges.push({ start: from, end: part.size, what: v.what, offset: v.offset, droppedCommands: dropped, toEnd: true });
      break;
    }
    ranges.push({ start: from, end: next, what: v.what, offset: v.offset, droppedCommands: dropped, toEnd: false });
    pos = next;
    afterResync = true;
  }
  return { ranges, commands };
}
