/**
 * Errors as data. Every parse failure carries a stable `code`, the absolute byte `offset`
 * where the failing read started, and `context`: what was being read ("value of key "user:1"
 * (hash-listpack)"). Two kinds matter to callers, as in Redis's own loaders:
 *   - TruncatedError: the input ended in the middle of a record. A longer file may be fine;
 *     an AOF tail like this is repairable.
 *   - CorruptError: the bytes present are wrong (bad encoding, checksum mismatch). Not
 *     auto-repairable.
 */

/** Which file format an error is about. */
export type ErrorFormat = 'rdb' | 'aof' | 'manifest' | 'json' | 'resp' | 'lz4' | 'gzip';

/** Base class for all parse errors: code, offset and context, one line when printed. */
export class ParseError extends Error {
  readonly code: string;
  readonly offset: number;
  readonly context: string;
  readonly format: ErrorFormat;
  readonly kind: 'truncated' | 'corrupt';

  constructor(kind: 'truncated' | 'corrupt', format: ErrorFormat, code: string, offset: number, message: string, context = '') {
    super(`${format} ${kind} at offset ${offset}: ${message}${context ? ` (while reading ${context})` : ''}`);
    this.name = kind === 'truncated' ? 'TruncatedError' : 'CorruptError';
    this.kind = kind;
    this.format = format;
    this.code = code;
    this.offset = offset;
    this.context = context;
    this.detail = message;
  }

  /** The message without offset and context. */
  readonly detail: string;

  /** A copy of this error with a context attached (the innermost context wins). */
  withContext(context: string): ParseError {
    if (this.context) return this;
    const Ctor = this.kind === 'truncated' ? TruncatedError : CorruptError;
    return new Ctor(this.format, this.code, this.offset, this.detail, context);
  }

  /** Plain-object form for JSON reports. */
  toJSON(): { kind: string; format: string; code: string; offset: number; message: string; context: string } {
    return { kind: this.kind, format: this.format, code: this.code, offset: this.offset, message: this.detail, context: this.context };
  }
}

/** The input ended in the middle of a record: more bytes were expected. */
export class TruncatedError extends ParseError {
  constructor(format: ErrorFormat, code: string, offset: number, message: string, context = '') {
    super('truncated', format, code, offset, message, context);
  }
}

/** The bytes present do not follow the format. */
export class CorruptError extends ParseError {
  constructor(format: ErrorFormat, code: string, offset: number, message: string, context = '') {
    super('corrupt', format, code, offset, message, context);
  }
}

/** An input that is well formed but asks for something rdbkit refuses to do (lossy write, unknown module type...). */
export class UsageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}
