/**
 * Opening an input argument. `-` is stdin; a path may be a regular file (seekable: its size
 * is known, it can be read twice, a worker thread can hash it), or a pipe, FIFO, character
 * device or socket (`/dev/stdin` under a pipe, `<(ssh host cat dump.rdb)`): a stream read once,
 * front to back. Both kinds give the first bytes (`head`) for sniffing without consuming them,
 * and count the bytes read (for progress).
 *
 * Buffering model: a stream's first chunks are held until `head` is full (64 bytes or the end),
 * or as many as a `peek` asked for, then handed out first by `chunks()`; nothing else is
 * buffered here.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { UsageError } from '../errors.js';
import { CHUNK_SIZE, ioError, readChunks } from './files.js';

/** How many first bytes `head` holds. */
export const HEAD_SIZE = 64;

/** An opened input. */
export interface InputSource {
  /** The argument as given, or "stdin" for `-`. */
  readonly name: string;
  /** A path that can be opened again and read at any offset (regular files only), else null. */
  readonly path: string | null;
  /** The size in bytes when known (regular files). */
  readonly size: number | null;
  /** The first bytes (up to HEAD_SIZE; fewer only when the input is shorter). */
  readonly head: Uint8Array;
  /** Bytes handed out by chunks() so far. */
  readonly bytesRead: number;
  /** Up to `n` first bytes (fewer only when the input is shorter); a stream holds them for chunks(). */
  peek(n: number): Promise<Uint8Array>;
  /** The whole input from its first byte, in chunks. A stream can be read only once. */
  chunks(chunkSize?: number): AsyncGenerator<Uint8Array>;
}

/** Whether an argument names stdin. */
export function isStdin(arg: string): boolean {
  return arg === '-';
}

/**
 * Open an input argument (see the file comment). Throws a one-line UsageError for a missing
 * file, a directory (callers that take AOF directories look first) or a terminal on stdin.
 */
export async function openSource(arg: string): Promise<InputSource> {
  if (isStdin(arg)) {
    if (process.stdin.isTTY)
      throw new UsageError('STDIN_TTY', 'stdin is a terminal: pipe a file in (cat dump.rdb | rdbkit inspect -) or name the file');
    const st = await fsp.stat('/dev/stdin').catch(() => null);
    // stdin redirected from a regular file (< dump.rdb) is as good as naming the file
    if (st?.isFile()) return openFile('stdin', '/dev/stdin', st.size);
    return openStream('stdin', process.stdin);
  }
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(arg);
  } catch (e) {
    throw ioError(e, `cannot open ${arg}`);
  }
  if (st.isDirectory()) throw new UsageError('INPUT_IS_DIR', `${arg} is a directory`);
  if (st.isFile()) return openFile(arg, arg, st.size);
  return openStream(arg, createReadStream(arg, { highWaterMark: CHUNK_SIZE }));
}

async function openFile(name: string, path: string, size: number): Promise<InputSource> {
  const fh = await fsp.open(path, 'r').catch((e) => {
    throw ioError(e, `cannot open ${name}`);
  });
  const head = new Uint8Array(Math.min(HEAD_SIZE, size));
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const src = {
    name,
    path,
    size,
    head,
    bytesRead: 0,
    async peek(n: number): Promise<Uint8Array> {
      const h = await fsp.open(path, 'r');
      try {
        const b = new Uint8Array(Math.min(n, size));
        const { bytesRead } = await h.read(b, 0, b.length, 0);
        return b.subarray(0, bytesRead);
      } finally {
        await h.close();
      }
    },
    async *chunks(chunkSize = CHUNK_SIZE): AsyncGenerator<Uint8Array> {
      src.bytesRead = 0;
      for await (const chunk of readChunks(path, chunkSize)) {
        src.bytesRead += chunk.length;
        yield chunk;
      }
    },
  };
  return src;
}

async function openStream(name: string, stream: NodeJS.ReadableStream): Promise<InputSource> {
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let ended = false;
  /** Hold chunks until `n` bytes are held or the stream ends. */
  const hold = async (n: number): Promise<void> => {
    try {
      while (heldBytes < n && !ended) {
        const r = await it.next();
        if (r.done) {
          ended = true;
          break;
        }
        const b = r.value;
        held.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        heldBytes += b.length;
      }
    } catch (e) {
      throw ioError(e, `cannot read ${name}`);
    }
  };
  const first = (n: number): Uint8Array => {
    const out = new Uint8Array(Math.min(n, heldBytes));
    let at = 0;
    for (const h of held) {
      if (at >= out.length) break;
      const k = Math.min(h.length, out.length - at);
      out.set(h.subarray(0, k), at);
      at += k;
    }
    return out;
  };
  await hold(HEAD_SIZE);
  let taken = false;
  const src = {
    name,
    path: null,
    size: null,
    head: first(HEAD_SIZE),
    bytesRead: 0,
    async peek(n: number): Promise<Uint8Array> {
      if (taken) throw new UsageError('INPUT_READ_TWICE', `${name} is a stream and was already read`);
      await hold(n);
      return first(n);
    },
    async *chunks(): AsyncGenerator<Uint8Array> {
      if (taken) throw new UsageError('INPUT_READ_TWICE', `${name} is a stream and was already read`);
      taken = true;
      for (const h of held.splice(0)) {
        src.bytesRead += h.length;
        yield h;
      }
      if (ended) return;
      while (true) {
        const r = await it.next();
        if (r.done) return;
        src.bytesRead += r.value.length;
        yield new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      }
    },
  };
  return src;
}
