/**
 * Stream nodes written from entries held as byte strings (the engine's packed entries) instead of
 * entry objects: each entry is one string whose first 16 chars are its id (ms and seq, u64
 * big-endian: the node key when it is a node's master) with its fields and values as [from, to)
 * ranges of it. Nodes are filled exactly as planStreamNodes (stream-write.ts) fills them — Redis
 * 7.0's streamAppendItem rule, 4096 bytes / 100 entries — and encoded with the same bytes; what
 * follows the nodes is writeStreamMeta's.
 *
 * Buffering model: the nodes are written into a buffer of their own (their count comes first),
 * handed to the caller's writer by finish(); the buffers are reused from stream to stream.
 */
import { ByteWriter } from '../bytes/writer.js';
import { writeLength } from './length.js';
import { listpackElementSize } from './listpack.js';
import { CharBytes, charsElementSize, ListpackSpan } from './span-write.js';
import { type WriteStringOptions, writeString } from './string.js';

const FLAG_SAMEFIELDS = 2;
const NODE_MAX_BYTES = 4096;
const NODE_MAX_ENTRIES = 100;
/** Listpack header and terminator. */
const LP_OVERHEAD = 7;
/** listpackElementSize(0). */
const ZERO_SIZE = 2;

/** Writes a stream's nodes from its entries, in id order (see the file comment). */
export class StreamNodeWriter {
  private readonly out = new ByteWriter(1 << 12);
  private nodes = 0;
  private readonly lp = new ListpackSpan();
  private readonly body = new ListpackSpan();
  private readonly key = new CharBytes();
  /** The open node's master entry, its id and its fields (as ranges of it). */
  private master = '';
  private masterMs = 0;
  private masterSeq = 0;
  private readonly fields: number[] = [];
  private nf = 0;
  /** Entries in the open node (0: none open). */
  private count = 0;
  /** Bytes of the open node's listpack but its master count and its entries. */
  private fixed = 0;

  constructor(private readonly sopts: WriteStringOptions) {}

  /** Start a stream. */
  begin(): void {
    this.out.length = 0;
    this.nodes = 0;
    this.count = 0;
    this.master = '';
  }

  /**
   * The next entry: `e` its string, `ms` and `seq` its id (safe integers), `r` four numbers per
   * field (field from, to, value from, to: ranges of `e`), `pairs` fields.
   */
  entry(e: string, ms: number, seq: number, r: readonly number[], pairs: number): void {
    let totelelen = 0;
    for (let i = 0; i < 4 * pairs; i += 4) totelelen += r[i + 1]! - r[i]! + r[i + 3]! - r[i + 2]!;
    const n = this.count;
    if (n > 0 && (this.fixed + listpackElementSize(n) + this.body.bytes - 6 + totelelen >= NODE_MAX_BYTES || n >= NODE_MAX_ENTRIES))
      this.close();
    if (this.count === 0) this.open(e, ms, seq, r, pairs);
    const body = this.body;
    if (this.sameFields(e, r, pairs)) {
      body.int(FLAG_SAMEFIELDS);
      body.int(ms - this.masterMs);
      body.int(seq - this.masterSeq);
      for (let i = 0; i < 4 * pairs; i += 4) body.chars(e, r[i + 2]!, r[i + 3]!);
      body.int(pairs + 3);
    } else {
      body.int(0);
      body.int(ms - this.masterMs);
      body.int(seq - this.masterSeq);
      body.int(pairs);
      for (let i = 0; i < 4 * pairs; i += 4) {
        body.chars(e, r[i]!, r[i + 1]!);
        body.chars(e, r[i + 2]!, r[i + 3]!);
      }
      body.int(2 * pairs + 4);
    }
    this.count++;
  }

  /** End the stream: its node count and nodes, into `w`. */
  finish(w: ByteWriter): void {
    this.close();
    writeLength(w, this.nodes);
    w.append(this.out);
    this.master = '';
  }

  private open(e: string, ms: number, seq: number, r: readonly number[], pairs: number): void {
    this.master = e;
    this.masterMs = ms;
    this.masterSeq = seq;
    this.nf = pairs;
    let fixed = LP_OVERHEAD + ZERO_SIZE + listpackElementSize(pairs) + ZERO_SIZE;
    for (let i = 0; i < pairs; i++) {
      const from = r[4 * i]!;
      const to = r[4 * i + 1]!;
      this.fields[2 * i] = from;
      this.fields[2 * i + 1] = to;
      fixed += charsElementSize(e, from, to);
    }
    this.fixed = fixed;
    this.body.begin();
  }

  private sameFields(e: string, r: readonly number[], pairs: number): boolean {
    if (pairs !== this.nf) return false;
    const m = this.master;
    const f = this.fields;
    for (let i = 0; i < pairs; i++) {
      const from = r[4 * i]!;
      const len = r[4 * i + 1]! - from;
      const mf = f[2 * i]!;
      if (f[2 * i + 1]! - mf !== len) return false;
      for (let k = 0; k < len; k++) if (e.charCodeAt(from + k) !== m.charCodeAt(mf + k)) return false;
    }
    return true;
  }

  /** Write the open node: its key, then its listpack (master entry with the final count, then the entries). */
  private close(): void {
    if (this.count === 0) return;
    const { lp, body, master, fields } = this;
    lp.begin();
    lp.int(this.count);
    lp.int(0);
    lp.int(this.nf);
    for (let i = 0; i < this.nf; i++) lp.chars(master, fields[2 * i]!, fields[2 * i + 1]!);
    lp.int(0);
    lp.raw(body.elements(), body.length);
    writeString(this.out, this.key.view(master, 0, 16), this.sopts);
    writeString(this.out, lp.finish(), this.sopts);
    this.nodes++;
    this.count = 0;
  }
}
