/**
 * Replaying an AOF into the reference engine (src/engine), as Redis loads it: each part is fed
 * in chunks; a part that starts with the RDB magic (a base, or an old-style preamble) is decoded
 * as an RDB first and its RESP tail follows (ops/aof-part.ts). Commands run in order through
 * Engine.apply; a command whose name the engine does not know stops the replay with a UsageError
 * naming the command, the file and the offset (or is skipped and counted with `skipUnknown`).
 * Commands that fail (Redis replies with an error) are counted and replay goes on, as the AOF
 * loader does. Memory grows with the dataset, not with the log.
 *
 * Clock: unless the caller fixed `now`, each `#TS:` annotation sets the engine's clock to that
 * second; before any annotation the wall clock is used.
 * A MULTI left open at the very end is dropped, as Redis rolls back to before it.
 *
 * This is where the engine meets the codecs, so it lives in ops/: the engine imports neither.
 */
import { AofTokenizer } from '../aof/resp.js';
import { parseLibrary } from '../engine/commands/functions.js';
import { isKnownLowerCommand } from '../engine/commands/index.js';
import { Engine } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import { bytesEqual, latin1 } from '../model/bytes.js';
import type { Command, RdbRecord } from '../model/record.js';
import type { AofSource } from '../model/source.js';
import { AofPartReader } from './aof-part.js';
import { decodeDumpPayload, decodeFunctionPayload } from './dump.js';

/** An engine with the RDB codec's decoders installed for RESTORE and FUNCTION RESTORE. */
export function createEngine(): Engine {
  return new Engine({ dumpDecoder: decodeDumpPayload, functionDecoder: decodeFunctionPayload });
}

/** Replay options. */
export interface ReplayOptions {
  /** Skip commands the engine does not know (counted in the report) instead of stopping. */
  skipUnknown?: boolean;
  /** Keep the engine's clock as it is instead of following `#TS:` annotations. */
  fixedClock?: boolean;
  /** Stop at the first command that fails instead of counting it. */
  strict?: boolean;
  /** Called after each chunk with how far the replay has come (for a progress display). */
  onProgress?: (p: AofProgress) => void;
}

/** How far an AOF read has come: bytes of all its files so far, commands and RDB keys seen. */
export interface AofProgress {
  bytes: number;
  commands: number;
  keys: number;
}

/** A command that failed during replay. */
export interface ReplayError {
  file: string;
  offset: number;
  command: string;
  error: string;
}

/** What a replay did. */
export interface ReplayReport {
  rdbKeys: number;
  commands: number;
  failed: ReplayError[];
  /** Failures beyond the first 100 are only counted. */
  failedCount: number;
  skipped: Map<string, number>;
  lastTimestamp: number | null;
  /** Parse problems of the files (truncated tail, corrupt bytes): the replay stopped there. */
  problems: Array<{ file: string; kind: string; offset: number; what: string }>;
}

/** Feeds files into an engine. */
export class Replayer {
  readonly report: ReplayReport = {
    rdbKeys: 0,
    commands: 0,
    failed: [],
    failedCount: 0,
    skipped: new Map(),
    lastTimestamp: null,
    problems: [],
  };
  private file = '';
  private part: AofPartReader | null = null;
  private timestamp: number | undefined;
  private stopped = false;
  /** The name (argv[0], at most 64 bytes) of the last command run, as bytes, text and lower case, and whether the engine knows it. */
  private runName: Uint8Array = new Uint8Array(0);
  private runText = '';
  private runLower = '';
  private runKnown = false;

  constructor(
    readonly engine: Engine,
    readonly options: ReplayOptions = {},
  ) {}

  /** Begin a file of `size` bytes (null: a stream of unknown length). */
  startFile(name: string, size: number | null): void {
    this.file = name;
    const tokenizer = (startOffset: number): AofTokenizer =>
      new AofTokenizer({
        startOffset,
        totalSize: size ?? undefined,
        timestamp: this.timestamp,
        onAnnotation: (a) => {
          if (a.timestamp !== null) this.timestamp = a.timestamp;
        },
      });
    this.part = new AofPartReader(size, tokenizer, { records: (r) => this.records(r), commands: (c) => this.commands(c) });
  }

  /** Feed the next chunk of the current file. */
  write(chunk: Uint8Array): void {
    if (this.stopped) return;
    this.part!.write(chunk);
  }

  /** End the current file. */
  endFile(): void {
    if (this.stopped) return;
    this.part!.end();
    const v = this.part!.tok?.verdict;
    if (v && v.kind !== 'ok') this.report.problems.push({ file: this.file, kind: v.kind, offset: v.offset, what: v.what });
    // An unfinished MULTI at the end of the last file is rolled back (its commands were only queued).
    if (this.engine.inMulti) this.engine.apply([new TextEncoder().encode('DISCARD')]);
  }

  /** Replay records of an RDB (keys and function libraries). */
  records(recs: Iterable<RdbRecord>): void {
    for (const r of recs) {
      if (r.kind === 'key') {
        if (r.type === 'module')
          throw new UsageError('ENGINE_MODULE_VALUE', `${this.file}: key of module type ${r.value.name} cannot be replayed by the engine`);
        this.engine.load(r);
        this.report.rdbKeys++;
      } else if (r.kind === 'function') {
        const lib = parseLibrary(r.code);
        this.engine.libraries.set(lib.name, lib);
      }
    }
  }

  /** Replay commands. */
  commands(cmds: Iterable<Command>): void {
    for (const c of cmds) {
      if (this.stopped) return;
      if (c.timestamp !== undefined) {
        this.report.lastTimestamp = c.timestamp;
        if (!this.options.fixedClock) this.engine.fixedNow = c.timestamp * 1000;
      }
      const a0 = c.argv[0]!;
      // an AOF holds long runs of one command: its name is looked up once per run
      if (!bytesEqual(a0, this.runName)) {
        this.runName = a0.length > 64 ? a0.slice(0, 64) : a0.slice();
        this.runText = latin1(this.runName);
        this.runLower = this.runText.toLowerCase();
        this.runKnown = isKnownLowerCommand(this.runLower);
      }
      const name = this.runText;
      const lname = this.runLower;
      if (!this.runKnown) {
        if (this.options.skipUnknown) {
          const k = name.toUpperCase();
          this.report.skipped.set(k, (this.report.skipped.get(k) ?? 0) + 1);
          continue;
        }
        throw new UsageError(
          'ENGINE_UNKNOWN_COMMAND',
          `unknown command '${name}' in ${this.file} at offset ${c.span.start} (use --skip-unknown to skip it)`,
        );
      }
      const res = this.engine.apply(c.argv, a0.length > 64 ? undefined : lname);
      this.report.commands++;
      if (!res.ok) {
        if (this.options.strict)
          throw new UsageError('ENGINE_COMMAND_FAILED', `${this.file} at offset ${c.span.start}: ${name}: ${res.error}`);
        this.report.failedCount++;
        if (this.report.failed.length < 100)
          this.report.failed.push({ file: this.file, offset: c.span.start, command: name, error: res.error });
      }
    }
  }
}

/** Replay whole files held in memory (tests, small inputs). */
export function replayFiles(engine: Engine, files: Array<{ name: string; bytes: Uint8Array }>, options: ReplayOptions = {}): ReplayReport {
  const r = new Replayer(engine, options);
  for (const f of files) {
    r.startFile(f.name, f.bytes.length);
    if (f.bytes.length) r.write(f.bytes);
    r.endFile();
  }
  return r.report;
}

/** Replay every part of an AOF (in load order) into `engine` (default: a new one from createEngine). */
export async function replayAof(
  set: AofSource,
  opts: ReplayOptions = {},
  engine: Engine = createEngine(),
): Promise<{ engine: Engine; report: ReplayReport }> {
  const r = new Replayer(engine, opts);
  const progress = opts.onProgress;
  let bytes = 0;
  for (const part of set.parts) {
    r.startFile(part.name, part.size);
    if (part.size !== 0)
      for await (const chunk of part.read()) {
        r.write(chunk);
        bytes += chunk.length;
        progress?.({ bytes, commands: r.report.commands, keys: r.report.rdbKeys });
      }
    r.endFile();
  }
  return { engine, report: r.report };
}

/** The engine's dataset as RDB records: function libraries first, then keys db by db. */
export function* engineRecords(engine: Engine, at?: number): Generator<RdbRecord> {
  yield* engine.functions();
  yield* engine.entries({ at });
}
