/**
 * A resumable RESP2 reply parser for the restore client (RESP spec: simple string `+`, error
 * `-`, integer `:`, bulk string `$`, array `*`; nil as `$-1` / `*-1`).
 *
 * Buffering model: `feed(chunk)` returns every reply completed by the chunk; an incomplete
 * reply's bytes are kept, and when its size is known (a bulk string's length) the parser waits
 * for that many bytes before looking again, so a large INFO or DUMP reply arriving in small
 * chunks is joined once (redis-parser's bigStrSize). Replies of a pipelined restore are mostly
 * `+OK`, read without joining anything.
 */

/** A server error reply, kept as a value (a pipeline's replies are judged one by one). */
export class ReplyError {
  constructor(readonly message: string) {}
}

/** One reply. Simple strings and integers as JS values, bulk strings as bytes. */
export type Reply = string | number | Uint8Array | null | ReplyError | Reply[];

const dec = new TextDecoder('latin1');

/** RESP2 reply parser (see the file comment). */
export class ReplyParser {
  private buf: Uint8Array = new Uint8Array(0);
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Bytes the buffer must hold before parsing is worth retrying (0: unknown). */
  private need = 0;

  /** Replies completed by this chunk, in order. */
  feed(chunk: Uint8Array): Reply[] {
    if (this.buf.length === 0 && this.parts.length === 0) this.buf = chunk;
    else {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      if (this.buf.length + this.partBytes < this.need) return [];
      const joined = new Uint8Array(this.buf.length + this.partBytes);
      joined.set(this.buf);
      let o = this.buf.length;
      for (const p of this.parts) {
        joined.set(p, o);
        o += p.length;
      }
      this.buf = joined;
      this.parts = [];
      this.partBytes = 0;
    }
    const out: Reply[] = [];
    let pos = 0;
    this.need = 0;
    for (;;) {
      const r = this.parse(pos);
      if (r === undefined) break;
      out.push(r[0]);
      pos = r[1];
    }
    // keep a copy of the rest: the chunk belongs to the socket's pool
    this.buf = pos === this.buf.length ? new Uint8Array(0) : this.buf.slice(pos);
    if (this.need) this.need -= pos;
    return out;
  }

  /** Whether bytes of an incomplete reply are buffered. */
  get pending(): boolean {
    return this.buf.length + this.partBytes > 0;
  }

  private line(pos: number): number {
    const b = this.buf;
    for (let i = pos; i + 1 < b.length; i++) if (b[i] === 0x0d && b[i + 1] === 0x0a) return i;
    return -1;
  }

  private parse(pos: number): [Reply, number] | undefined {
    const b = this.buf;
    if (pos >= b.length) return undefined;
    // fast path: +OK\r\n
    if (b[pos] === 0x2b && b[pos + 1] === 0x4f && b[pos + 2] === 0x4b && b[pos + 3] === 0x0d && b[pos + 4] === 0x0a) return ['OK', pos + 5];
    const eol = this.line(pos + 1);
    if (eol < 0) return undefined;
    const text = dec.decode(b.subarray(pos + 1, eol));
    const next = eol + 2;
    switch (b[pos]) {
      case 0x2b: // +
        return [text, next];
      case 0x2d: // -
        return [new ReplyError(new TextDecoder().decode(b.subarray(pos + 1, eol))), next];
      case 0x3a: // :
        return [Number(text), next];
      case 0x24: {
        // $
        const n = Number(text);
        if (n < 0) return [null, next];
        if (b.length < next + n + 2) {
          this.need = Math.max(this.need, next + n + 2);
          return undefined;
        }
        return [b.slice(next, next + n), next + n + 2];
      }
      case 0x2a: {
        // *
        const n = Number(text);
        if (n < 0) return [null, next];
        const items: Reply[] = [];
        let p = next;
        for (let i = 0; i < n; i++) {
          const r = this.parse(p);
          if (r === undefined) return undefined;
          items.push(r[0]);
          p = r[1];
        }
        return [items, p];
      }
      default:
        throw new Error(`RESP protocol error: unexpected reply byte 0x${b[pos]!.toString(16)}`);
    }
  }
}

/** A bulk or simple string reply as text (latin1 for bytes: INFO and CLUSTER replies are ASCII). */
export function replyText(r: Reply): string {
  if (typeof r === 'string') return r;
  if (r instanceof Uint8Array) return dec.decode(r);
  if (typeof r === 'number') return String(r);
  return '';
}
