/**
 * The AOF RESP tokenizer (FORMATS.md §9.1, §9.2, §9.6): synchronous, resumable, fed by chunks.
 *
 * Grammar and verdict follow redis-check-aof 7.0.15 (`checkSingleAof`/`processRESP`), because
 * that is where `--fix` cuts and `rdbkit repair` must cut at the same byte:
 *   - A unit starts with `#` (an annotation line, read like `fgets` into 1024 bytes: at most 1023
 *     bytes or through the first LF) or `*` (a command); any other byte is a format error.
 *   - A command is `*<n>\r\n` then n × `$<len>\r\n<len bytes>\r\n`. Numbers are read as C
 *     `strtol` reads them (leading blanks, a sign, digits) from a line of at most 127 bytes, and
 *     must be followed by exactly CRLF. A length < 0 is an error; a count < 1 is accepted by
 *     redis-check-aof but refused by the server ("Bad file format"), so it is corrupt here.
 *   - MULTI inside MULTI and EXEC without MULTI are errors; the valid prefix never ends inside
 *     an open MULTI (`validBeforeMulti`); EOF with a MULTI open is a truncation.
 *
 * Buffering model: one contiguous buffer of unread bytes. Each atom (a number line, a bulk with
 * its CRLF, an annotation line) is consumed whole or not at all; a command in progress keeps
 * its progress in a frame, so a long command is not re-parsed when more bytes arrive. When a
 * bulk is short, the tokenizer knows the exact byte count it needs and only queues chunks until
 * they are there (joined once). Commands are emitted once complete; their `argv` entries are
 * views into the fed chunks (copy what you keep; chunks must not be reused by the caller);
 * `maxArgs` keeps only the first few, for scans that need names only (one view less per argument).
 */
import type { Command, Span } from '../model/record.js';

/** An annotation line (`#...`), with the `#TS:` value when it has one. */
export interface Annotation {
  span: Span;
  /** The line's bytes without its line ending. */
  text: Uint8Array;
  /** Unix seconds for `#TS:` lines (null for other annotations). */
  timestamp: number | null;
  /** For `#TS:` lines: a number followed by CR, as redis-check-aof's timestamp mode requires. */
  wellFormed: boolean;
  /** False when the line ran into end of file without its LF. */
  terminated: boolean;
}

/**
 * The tokenizer's verdict, as Redis's tools distinguish it:
 *  - `ok`: the input ends at a unit boundary with no MULTI open.
 *  - `truncated`: the input ends inside a command, or with a MULTI open.
 *  - `corrupt`: bytes that are present do not follow the grammar.
 * `validUpTo` is the end of the last complete command (what the server keeps on load);
 * `validBeforeMulti` is redis-check-aof's `ok_up_to`, where `--fix` cuts: the start of the failing
 * unit, or of the open MULTI.
 */
export type AofVerdict =
  | { kind: 'ok'; size: number; partialAnnotationAt: number | null }
  | { kind: 'truncated'; offset: number; what: string; validUpTo: number; validBeforeMulti: number }
  | { kind: 'corrupt'; offset: number; what: string; validUpTo: number; validBeforeMulti: number };

/** Tokenizer options. */
export interface AofTokenizerOptions {
  /** Absolute offset of the first byte fed (the RESP tail after an RDB preamble). */
  startOffset?: number;
  /** Total input size when known: a bulk reaching past it is reported as truncated at once. */
  totalSize?: number;
  /** Called for every annotation line, in order. */
  onAnnotation?: (a: Annotation) => void;
  /** The timestamp in force before the first annotation (carried over from an earlier file). */
  timestamp?: number;
  /**
   * Keep at most this many arguments in each command's argv (default all). A scan that only
   * needs command names saves one view per argument; `argc` still gives the full count.
   */
  maxArgs?: number;
}

/** A command read from an AOF: the model's Command plus its full argument count. */
export interface AofCommand extends Command {
  argc: number;
}

const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;
/** fgets(buf, 128): a `*`/`$` header line is read as at most 127 bytes. */
const NUMBER_LINE_MAX = 127;
/** fgets(buf, AOF_ANNOTATION_LINE_MAX_LEN = 1024): at most 1023 bytes. */
const ANNOTATION_LINE_MAX = 1023;
const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/** Frame of the command being read. */
interface CommandFrame {
  start: number;
  argc: number;
  /** The count as exact text when it has more than 15 digits (`argc` is then rounded), else ''. */
  argcBig: string;
  /** Arguments read so far (argv holds at most maxArgs of them). */
  argi: number;
  argv: Uint8Array[];
  /** Length of the bulk whose `$` line was read (-1: the next thing is a `$` line). */
  bulkLen: number;
  /** That length as exact text when it has more than 15 digits, else '' (as argcBig). */
  bulkBig: string;
  /** The command's name (first argument) as a C string: 1 MULTI, 2 EXEC, 0 anything else. */
  txn: number;
}

/** A count or length as written: the exact text kept for long ones, else the number's. */
function asWritten(value: number, big: string): string {
  return big || String(value);
}

/** Whether `arg`, read as a C string (up to its first NUL), equals `word` ignoring ASCII case. */
function cStringIs(arg: Uint8Array, word: string): boolean {
  let n = arg.indexOf(0);
  if (n < 0) n = arg.length;
  if (n !== word.length) return false;
  for (let i = 0; i < n; i++) if ((arg[i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** cStringIs of the `len` bytes at `at` of `b`, without a view of them. */
function cStringIsAt(b: Uint8Array, at: number, len: number, word: string): boolean {
  const n = word.length;
  if (len < n || (len > n && b[at + n] !== 0)) return false;
  for (let i = 0; i < n; i++) if ((b[at + i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** What the last strtol() read (fields, not a fresh object: this runs for every header line). */
const scan = { value: 0, big: '', end: 0, digitsAt: 0, digitsEnd: 0 };

/**
 * C's strtol over b[p, e) in base 10: leading isspace bytes, a sign, digits. Sets scan.value
 * (clamped to the range of a long, rounded past 2^53), scan.big (the exact decimal text when there
 * are more than 15 digits, else ''), scan.end (where strtol stops: `p` itself when there is no
 * digit) and where the digits are.
 */
function strtol(b: Uint8Array, p: number, e: number): void {
  const start = p;
  while (p < e && isCSpace(b[p]!)) p++;
  let neg = false;
  if (p < e && (b[p] === 0x2d || b[p] === 0x2b)) {
    neg = b[p] === 0x2d;
    p++;
  }
  const d0 = p;
  let v = 0;
  while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) {
    v = v * 10 + (b[p]! - 0x30);
    p++;
  }
  scan.big = '';
  scan.digitsAt = d0;
  scan.digitsEnd = p;
  if (p === d0) {
    scan.value = 0;
    scan.end = start;
    return;
  }
  scan.end = p;
  if (p - d0 > 15) {
    let big = 0n;
    for (let i = d0; i < p; i++) big = big * 10n + BigInt(b[i]! - 0x30);
    if (neg) big = -big;
    if (big > LONG_MAX) big = LONG_MAX;
    if (big < LONG_MIN) big = LONG_MIN;
    scan.value = Number(big);
    scan.big = big.toString();
  } else scan.value = neg ? -v : v;
}

function hex2(b: Uint8Array, at: number, end: number): string {
  const h = (i: number) => (i < end ? b[i]!.toString(16).padStart(2, '0') : '(eof)');
  return `${h(at)}${h(at + 1)}`;
}

/** Resumable RESP tokenizer for AOF files. */
export class AofTokenizer {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Absolute offset of buf[0]. */
  private base: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes from `pos` that must be buffered before parsing can progress (0 = any). */
  private needRel = 0;
  private readonly totalSize: number;
  private readonly onAnnotation: ((a: Annotation) => void) | undefined;
  private readonly maxArgs: number;
  private frame: CommandFrame | null = null;
  /** The frame object every command is read in (`frame` is it, or null between commands). */
  private readonly spareFrame: CommandFrame = { start: 0, argc: 0, argcBig: '', argi: 0, argv: [], bulkLen: -1, bulkBig: '', txn: 0 };
  private multiStart = -1;
  private stopped: AofVerdict | null = null;
  private finalVerdict: AofVerdict | null = null;
  private partialAnnotationAt: number | null = null;
  /** redis-check-aof's `pos`: start of the current unit, frozen while a MULTI is open. */
  private okUpTo: number;
  /** End of the last complete command. */
  private lastCommandEnd: number;
  /** Timestamp from the last `#TS:` annotation. */
  timestamp: number | undefined;
  /** Number of complete commands read. */
  commandCount = 0;

  constructor(options: AofTokenizerOptions = {}) {
    this.base = options.startOffset ?? 0;
    this.totalSize = options.totalSize ?? Infinity;
    this.onAnnotation = options.onAnnotation;
    this.maxArgs = options.maxArgs ?? Infinity;
    this.timestamp = options.timestamp;
    this.okUpTo = this.base;
    this.lastCommandEnd = this.base;
  }

  /** True while a MULTI is open. */
  get inMulti(): boolean {
    return this.multiStart >= 0;
  }

  /** Bytes still needed before the next atom can be parsed (0 when unknown or none). */
  get need(): number {
    const have = this.buf.length - this.pos + this.pendingBytes;
    return this.needRel > have ? this.needRel - have : 0;
  }

  /** Absolute offset of the end of the last fully parsed atom. */
  get consumed(): number {
    return this.base + this.pos;
  }

  /** The verdict: set after end(), or as soon as an error stops the tokenizer. */
  get verdict(): AofVerdict | null {
    return this.finalVerdict ?? this.stopped;
  }

  /** Feed a chunk; returns the commands completed by it. */
  write(chunk: Uint8Array): AofCommand[] {
    if (this.stopped || chunk.length === 0) return [];
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.base += this.buf.length;
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.buf.length - this.pos + this.pendingBytes < this.needRel && this.base + this.pos + this.needRel <= this.totalSize) return [];
      this.join();
    }
    return this.run(false);
  }

  /** Signal the end of input; returns the last commands. The verdict is then set. */
  end(): AofCommand[] {
    if (this.finalVerdict) return [];
    let out: AofCommand[] = [];
    if (!this.stopped) {
      this.join();
      out = this.run(true);
    }
    if (this.stopped) {
      this.finalVerdict = this.stopped;
    } else if (this.multiStart >= 0) {
      this.finalVerdict = {
        kind: 'truncated',
        offset: this.base + this.pos,
        what: `end of file before EXEC for the MULTI at offset ${this.multiStart}`,
        validUpTo: this.lastCommandEnd,
        validBeforeMulti: this.multiStart,
      };
    } else {
      this.finalVerdict = { kind: 'ok', size: this.base + this.pos, partialAnnotationAt: this.partialAnnotationAt };
    }
    return out;
  }

  private join(): void {
    if (this.pendingBytes === 0) return;
    const rest = this.buf.length - this.pos;
    const out = new Uint8Array(rest + this.pendingBytes);
    out.set(this.buf.subarray(this.pos), 0);
    let o = rest;
    for (const p of this.pending) {
      out.set(p, o);
      o += p.length;
    }
    this.base += this.pos;
    this.buf = out;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private stop(kind: 'truncated' | 'corrupt', offset: number, what: string): void {
    this.stopped = { kind, offset, what, validUpTo: this.lastCommandEnd, validBeforeMulti: this.okUpTo };
  }

  /** Find the end of an fgets-style line starting at `s` (max bytes); -1 if more input is needed. */
  private lineEnd(s: number, max: number, final: boolean): number {
    const buf = this.buf;
    const lim = Math.min(buf.length, s + max);
    for (let i = s; i < lim; i++) if (buf[i] === LF) return i + 1;
    if (lim === s + max) return lim;
    if (final) return lim;
    this.needRel = lim - this.pos + 1;
    return -1;
  }

  // Result of the last numberLine() call (fields, not an object: this runs for every header line).
  private nlValue = 0;
  /** The value as exact decimal text when it has more than 15 digits (nlValue is then rounded). */
  private nlBig = '';
  private nlOk = false;
  /** The line is a proper prefix of a valid line cut by EOF: more bytes could have fixed it. */
  private nlIncomplete = false;
  /** Buffer index where strtol stopped (where the line went wrong when !nlOk). */
  private nlEnd = 0;

  /** The last number read, as exact decimal text (for messages: never through a float). */
  private nlText(): string {
    return asWritten(this.nlValue, this.nlBig);
  }

  /** Read `<prefix><strtol number>\r\n` from the line [s, e) into the nl* fields. */
  private numberLine(s: number, e: number, final: boolean): void {
    const b = this.buf;
    const atEof = final && e === b.length && b[e - 1] !== LF;
    strtol(b, s + 1, e);
    const eptr = scan.end;
    const ok = eptr + 1 < e && b[eptr] === CR && b[eptr + 1] === LF;
    this.nlValue = scan.value;
    this.nlBig = scan.big;
    this.nlOk = ok;
    this.nlEnd = eptr;
    const noDigits = scan.digitsAt === scan.digitsEnd;
    // A line cut by EOF is "incomplete" when everything after the number could still be CRLF.
    this.nlIncomplete = !ok && atEof && (eptr === e || (eptr === e - 1 && b[eptr] === CR) || (noDigits && scan.digitsAt === e));
  }

  private run(final: boolean): AofCommand[] {
    const out: AofCommand[] = [];
    const b = this.buf;
    const n = b.length;
    const ab = b.buffer;
    const bo = b.byteOffset;
    this.needRel = 0;
    for (;;) {
      let f = this.frame;
      if (f === null) {
        if (this.multiStart < 0) this.okUpTo = this.base + this.pos;
        if (this.pos >= n) return out;
        const c = b[this.pos]!;
        if (c === 0x23) {
          // '#'
          const s = this.pos;
          const e = this.lineEnd(s, ANNOTATION_LINE_MAX, final);
          if (e < 0) return out;
          this.annotation(s, e, final);
          this.pos = e;
          continue;
        }
        if (c !== 0x2a) {
          // '*'
          const what = `format error: expected '*' or '#' at the start of a command, got ${c < 32 || c > 126 ? `byte 0x${c.toString(16).padStart(2, '0')}` : `'${String.fromCharCode(c)}'`}`;
          this.stop('corrupt', this.base + this.pos, what);
          return out;
        }
        const s = this.pos;
        const e = this.lineEnd(s, NUMBER_LINE_MAX, final);
        if (e < 0) return out;
        this.numberLine(s, e, final);
        if (!this.nlOk) {
          if (this.nlIncomplete) this.stop('truncated', this.base + s, 'unexpected end of file in a command header (*<count>)');
          else
            this.stop(
              'corrupt',
              this.base + this.nlEnd,
              `bad command header: expected CRLF after the argument count, got ${hex2(b, this.nlEnd, e)}`,
            );
          return out;
        }
        if (this.nlValue < 1) {
          this.stop('corrupt', this.base + s, `command with ${this.nlText()} arguments (Redis refuses to load it)`);
          return out;
        }
        // one frame, refilled for each command (its argv goes out with the command; a new one is made)
        f = this.frame = this.spareFrame;
        f.start = this.base + s;
        f.argc = this.nlValue;
        f.argcBig = this.nlBig;
        f.argi = 0;
        // presized from the header (a corrupt count does not allocate: past 1024 the array grows)
        f.argv = this.nlValue <= 1024 ? new Array(Math.min(this.nlValue, this.maxArgs)) : [];
        f.bulkLen = -1;
        f.bulkBig = '';
        f.txn = 0;
        this.pos = e;
      }
      // Arguments.
      while (f.argi < f.argc) {
        if (f.argi > 0 && f.bulkLen < 0) {
          // The common case in a tight loop over locals: each argument after the first whose
          // `$<1 to 15 digits>\r\n`, bytes and CRLF are all here. Anything else (a longer or
          // odd length line, bytes still to come, a bad CRLF) leaves the loop at that argument's
          // `$` line, which the general path below reads as it always has.
          const argc = f.argc;
          const argv = f.argv;
          const maxArgs = this.maxArgs;
          let argi = f.argi;
          let pos = this.pos;
          while (argi < argc && b[pos] === 0x24) {
            const lim = Math.min(pos + 16, n);
            let p = pos + 1;
            let v = 0;
            for (; p < lim; p++) {
              const c = b[p]! - 0x30;
              if (c < 0 || c > 9) break;
              v = v * 10 + c;
            }
            const d = p + 2;
            if (p === pos + 1 || d + v + 2 > n || b[p] !== CR || b[p + 1] !== LF || b[d + v] !== CR || b[d + v + 1] !== LF) break;
            if (argi < maxArgs) argv[argi] = new Uint8Array(ab, bo + d, v);
            argi++;
            pos = d + v + 2;
          }
          f.argi = argi;
          this.pos = pos;
          if (argi >= argc) break;
        }
        if (f.bulkLen < 0 && b[this.pos] === 0x24) {
          // the common line, `$<1 to 15 digits>\r\n` with all of it here, read at once; any other takes the general path
          const s = this.pos;
          const lim = Math.min(n, s + 16);
          let p = s + 1;
          let v = 0;
          for (; p < lim; p++) {
            const c = b[p]! - 0x30;
            if (c < 0 || c > 9) break;
            v = v * 10 + c;
          }
          if (p > s + 1 && p + 1 < n && b[p] === CR && b[p + 1] === LF) {
            f.bulkLen = v;
            f.bulkBig = '';
            this.pos = p + 2;
          }
        }
        if (f.bulkLen < 0) {
          const s = this.pos;
          if (s >= n) {
            if (final)
              this.stop(
                'truncated',
                this.base + s,
                `unexpected end of file: argument ${f.argi + 1} of ${asWritten(f.argc, f.argcBig)} missing`,
              );
            else this.needRel = 1;
            return out;
          }
          const e = this.lineEnd(s, NUMBER_LINE_MAX, final);
          if (e < 0) return out;
          if (b[s] !== 0x24) {
            // '$'
            const c = b[s]!;
            this.stop(
              'corrupt',
              this.base + s,
              `expected '$' before argument ${f.argi + 1} of ${asWritten(f.argc, f.argcBig)}, got ${c < 32 || c > 126 ? `byte 0x${c.toString(16).padStart(2, '0')}` : `'${String.fromCharCode(c)}'`}`,
            );
            return out;
          }
          this.numberLine(s, e, final);
          if (!this.nlOk) {
            if (this.nlIncomplete) this.stop('truncated', this.base + s, `unexpected end of file in the length of argument ${f.argi + 1}`);
            else
              this.stop(
                'corrupt',
                this.base + this.nlEnd,
                `bad argument length line: expected CRLF after the length, got ${hex2(b, this.nlEnd, e)}`,
              );
            return out;
          }
          if (this.nlValue < 0) {
            this.stop('corrupt', this.base + s, `argument length ${this.nlText()} is out of range`);
            return out;
          }
          f.bulkLen = this.nlValue;
          f.bulkBig = this.nlBig;
          this.pos = e;
        }
        const need = f.bulkLen + 2;
        const have = n - this.pos;
        if (have < need) {
          const dataStart = this.base + this.pos;
          if (final || dataStart + need > this.totalSize) {
            const got = Math.max(0, (final ? this.base + n : this.totalSize) - dataStart);
            this.stop(
              'truncated',
              dataStart,
              `unexpected end of file: expected ${(BigInt(asWritten(f.bulkLen, f.bulkBig)) + 2n).toString()} bytes (argument of ${asWritten(f.bulkLen, f.bulkBig)} bytes + CRLF), got ${got}`,
            );
          } else {
            this.needRel = need;
          }
          return out;
        }
        const d = this.pos;
        if (b[d + f.bulkLen] !== CR || b[d + f.bulkLen + 1] !== LF) {
          this.stop(
            'corrupt',
            this.base + d + f.bulkLen,
            `expected CRLF after an argument of ${asWritten(f.bulkLen, f.bulkBig)} bytes, got ${hex2(b, d + f.bulkLen, n)}`,
          );
          return out;
        }
        if (f.argi === 0) {
          if (cStringIsAt(b, d, f.bulkLen, 'multi')) {
            if (this.multiStart >= 0) {
              this.stop('corrupt', f.start, `MULTI inside the MULTI at offset ${this.multiStart}`);
              return out;
            }
            f.txn = 1;
          } else if (cStringIsAt(b, d, f.bulkLen, 'exec')) {
            if (this.multiStart < 0) {
              this.stop('corrupt', f.start, 'EXEC without MULTI');
              return out;
            }
            f.txn = 2;
          }
        }
        // a view made by the constructor: subarray() costs ~2x as much (its species lookup), per argument
        if (f.argi < this.maxArgs) f.argv[f.argi] = new Uint8Array(ab, bo + d, f.bulkLen);
        f.argi++;
        f.bulkLen = -1;
        this.pos = d + need;
      }
      const end = this.base + this.pos;
      const cmd: AofCommand = { argv: f.argv, argc: f.argc, span: { start: f.start, end } };
      if (this.timestamp !== undefined) cmd.timestamp = this.timestamp;
      if (f.txn === 1) this.multiStart = f.start;
      else if (f.txn === 2) this.multiStart = -1;
      this.frame = null;
      this.lastCommandEnd = end;
      this.commandCount++;
      out.push(cmd);
    }
  }

  private annotation(s: number, e: number, final: boolean): void {
    const b = this.buf;
    const terminated = b[e - 1] === LF;
    if (!terminated && final && e === b.length) this.partialAnnotationAt = this.base + s;
    let textEnd = terminated ? e - 1 : e;
    if (terminated && textEnd > s && b[textEnd - 1] === CR) textEnd--;
    let timestamp: number | null = null;
    let wellFormed = false;
    if (e - s >= 4 && b[s + 1] === 0x54 && b[s + 2] === 0x53 && b[s + 3] === 0x3a) {
      // "#TS:"
      this.numberLine(s + 3, e, false);
      timestamp = this.nlValue;
      wellFormed = b[this.nlEnd] === CR && Number.isSafeInteger(timestamp);
      this.timestamp = timestamp;
    }
    this.onAnnotation?.({
      span: { start: this.base + s, end: this.base + e },
      text: b.subarray(s, textEnd),
      timestamp,
      wellFormed,
      terminated,
    });
  }
}

/** Tokenize a whole buffer: every command and the verdict (tests, small files). */
export function tokenizeAof(bytes: Uint8Array, options: AofTokenizerOptions = {}): { commands: AofCommand[]; verdict: AofVerdict } {
  const t = new AofTokenizer(options);
  const commands = t.write(bytes);
  for (const c of t.end()) commands.push(c);
  return { commands, verdict: t.verdict! };
}

/**
 * Checking whether a well-formed command starts at an offset of a file read at random (salvage's
 * resync) without reading its arguments' bytes: the header and length lines are read, each
 * argument after the first is skipped and the CRLF after it checked, as the tokenizer reads a
 * first command there. The check is resumable: it asks for the bytes it lacks (`need`) and is
 * called again with a buffer that holds them.
 */
export interface CommandProbe {
  /** Offset of what is read next: a line, or (stage 'crlf') the CRLF after an argument. */
  pos: number;
  stage: 'line' | 'crlf';
  /** Argument count, once the header line is read (0 before). */
  argc: number;
  /** Arguments whose length line was read. */
  argi: number;
  /** The first argument, once read. */
  name: Uint8Array | null;
}

/** What a probe step found. */
export type ProbeStep =
  | { kind: 'command'; name: Uint8Array; end: number }
  | { kind: 'not-command' }
  | { kind: 'need'; pos: number; len: number };

/** A fresh probe of the command that would start at `at`. */
export function newCommandProbe(at: number): CommandProbe {
  return { pos: at, stage: 'line', argc: 0, argi: 0, name: null };
}

const NOT_COMMAND: ProbeStep = { kind: 'not-command' };

/**
 * Go on with a probe over `buf`, the file's bytes from offset `bufStart`; `size` is the file's
 * size. A first argument longer than `maxName` bytes, or one `acceptName` refuses, is refused at
 * once (a name that cannot start a resync point). EXEC is refused, as the tokenizer refuses it
 * outside a MULTI.
 */
export function probeCommand(
  p: CommandProbe,
  buf: Uint8Array,
  bufStart: number,
  size: number,
  accept: { maxName: number; acceptName: (name: Uint8Array) => boolean },
): ProbeStep {
  const bufEnd = bufStart + buf.length;
  for (;;) {
    if (p.stage === 'crlf') {
      if (p.pos < bufStart || p.pos + 2 > bufEnd) return { kind: 'need', pos: p.pos, len: 2 };
      if (buf[p.pos - bufStart] !== CR || buf[p.pos - bufStart + 1] !== LF) return NOT_COMMAND;
      p.pos += 2;
      p.stage = 'line';
      if (p.argi === p.argc) return { kind: 'command', name: p.name!, end: p.pos };
      continue;
    }
    // a header or length line: fgets of at most NUMBER_LINE_MAX bytes, up to the first LF
    const lineLen = Math.min(NUMBER_LINE_MAX, size - p.pos);
    if (lineLen <= 0) return NOT_COMMAND;
    if (p.pos < bufStart || p.pos + lineLen > bufEnd) return { kind: 'need', pos: p.pos, len: lineLen };
    const s = p.pos - bufStart;
    if (buf[s] !== (p.argc === 0 ? 0x2a : 0x24)) return NOT_COMMAND;
    const lf = buf.subarray(s, s + lineLen).indexOf(LF);
    if (lf < 0) return NOT_COMMAND;
    const e = s + lf + 1;
    const value = strtolLine(buf, s, e);
    if (value === null) return NOT_COMMAND;
    if (p.argc === 0) {
      if (value < 1) return NOT_COMMAND;
      p.argc = value;
      p.pos = bufStart + e;
      continue;
    }
    if (value < 0) return NOT_COMMAND;
    const dataStart = bufStart + e;
    if (dataStart + value + 2 > size) return NOT_COMMAND;
    if (p.argi === 0) {
      if (value > accept.maxName) return NOT_COMMAND;
      // the name is read: ask for the line and the name together (the probe resumes at the line)
      if (dataStart + value > bufEnd) return { kind: 'need', pos: p.pos, len: e - s + value + 2 };
      const name = buf.slice(e, e + value);
      if (cStringIs(name, 'exec') || !accept.acceptName(name)) return NOT_COMMAND;
      p.name = name;
    }
    p.argi++;
    p.pos = dataStart + value;
    p.stage = 'crlf';
  }
}

/**
 * The value of a header or length line [s, e) as the tokenizer reads it (strtol after the prefix
 * byte, which must stop at CRLF), or null when the line is not one.
 */
function strtolLine(b: Uint8Array, s: number, e: number): number | null {
  strtol(b, s + 1, e);
  const eptr = scan.end;
  return eptr + 1 < e && b[eptr] === CR && b[eptr + 1] === LF ? scan.value : null;
}
