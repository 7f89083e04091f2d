/**
 * One AOF file ("part") read chunk by chunk, whatever its format: a file that starts with the
 * RDB magic (a multi-part base, or an old-style preamble) is decoded as an RDB first and the
 * RESP commands that follow its checksum go to the tokenizer; any other file is RESP from byte 0.
 * As redis-check-aof decides it: an RDB part needs at least 8 bytes and starts with REDIS
 * (Valkey 9: VALKEY).
 *
 * This is where the two codecs meet (an RDB inside an AOF), so it lives in ops/: the AOF codec
 * knows nothing of the RDB decoder.
 *
 * Records and commands are handed to a sink as they complete. ParseErrors of the RDB part
 * propagate (a damaged RDB part is never repaired); RESP problems end up in the tokenizer's
 * verdict.
 */
import type { AofCommand, AofTokenizer } from '../aof/resp.js';
import { concatBytes } from '../model/bytes.js';
import type { RdbRecord } from '../model/record.js';
import { RdbDecoder } from '../rdb/decoder.js';

/** Where a part reader delivers what it reads. */
export interface AofPartSink {
  records(recs: RdbRecord[]): void;
  commands(cmds: AofCommand[]): void;
}

/** Reads one AOF part; the caller supplies the tokenizer (its options differ per use). */
export class AofPartReader {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private decided = false;
  /** The RDB decoder, when the part starts with an RDB. */
  rdb: RdbDecoder | null = null;
  /** The RESP tokenizer, once RESP reading has begun. */
  tok: AofTokenizer | null = null;

  /**
   * @param size the file's size, null for a stream (an RDB part needs 8 bytes; the decoder knows where the file ends)
   * @param makeTokenizer a tokenizer whose offsets start at the given file offset
   */
  constructor(
    private readonly size: number | null,
    private readonly makeTokenizer: (startOffset: number) => AofTokenizer,
    private readonly sink: AofPartSink,
  ) {}

  /** Nothing has been fed yet. */
  get empty(): boolean {
    return !this.decided && this.headBytes === 0;
  }

  /** Feed the next chunk of the file. */
  write(chunk: Uint8Array): void {
    if (!this.decided) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < Math.min(8, this.size ?? 8)) return;
      this.decide();
      return;
    }
    this.feed(chunk);
  }

  /** End of the file: flushes what is buffered and ends the RDB part and the tokenizer. */
  end(): void {
    if (!this.decided) {
      if (this.headBytes === 0) return;
      this.decide();
    }
    if (!this.tok) {
      // still inside the RDB part (a finished one has switched to RESP): this throws TruncatedError
      this.sink.records(this.rdb!.end());
      return;
    }
    this.sink.commands(this.tok.end());
  }

  private decide(): void {
    this.decided = true;
    const all = this.head.length === 1 ? this.head[0]! : concatBytes(this.head);
    this.head = [];
    // a stream's size is unknown: it is decided here once 8 bytes are in, or at its end with fewer
    const isRdb = (this.size ?? all.length) >= 8 && all.length >= 5 && (startsWith(all, 'REDIS') || startsWith(all, 'VALKEY'));
    if (isRdb) this.rdb = new RdbDecoder({ totalSize: this.size ?? undefined });
    else this.tok = this.makeTokenizer(0);
    this.feed(all);
  }

  private startResp(): void {
    const rest = this.rdb!.rest();
    this.tok = this.makeTokenizer(this.rdb!.consumed);
    if (rest.length) this.sink.commands(this.tok.write(rest.slice()));
  }

  private feed(chunk: Uint8Array): void {
    if (this.tok) {
      this.sink.commands(this.tok.write(chunk));
      return;
    }
    this.sink.records(this.rdb!.write(chunk));
    if (this.rdb!.done) this.startResp();
  }
}

function startsWith(b: Uint8Array, s: string): boolean {
  if (b.length < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[i] !== s.charCodeAt(i)) return false;
  return true;
}
