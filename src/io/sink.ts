/**
 * Where output goes. `-` (or no path) is stdout. An existing character or block device, FIFO
 * or socket is written in place: opened for writing (a socket is connected to), never renamed
 * over or unlinked, and needs no --force (`-o /dev/null` just works). Anything else is a
 * regular file, written through AtomicFile: a temp file beside the real file (symlinks
 * followed), fsync, rename; an existing file needs `overwrite`.
 *
 * Buffering model: the caller hands chunks one at a time and awaits each write, so a slow
 * reader (a pipe, a FIFO) holds the producer back.
 */
import { promises as fsp } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { UsageError } from '../errors.js';
import { AtomicFile, ioError, resolveLinks } from './files.js';

/** An open output. */
export interface OutputSink {
  /** How the output is written. */
  readonly kind: 'stdout' | 'file' | 'device' | 'fifo' | 'socket';
  /** Bytes written so far. */
  readonly written: number;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Whether no chunk written so far is still referenced by the sink, so the caller may write into
   * its buffer again. File, device and FIFO writes have finished when write() resolves; a stream
   * (stdout, a socket) may keep a chunk queued until the other end reads it.
   */
  idle(): boolean;
  /** Finish: rename a temp file into place, or close the device. */
  commit(): Promise<void>;
  /** Give up: remove a temp file (the target is untouched), close a device. */
  abort(): Promise<void>;
}

/** Options of openOutput. */
export interface OutputOptions {
  /** Replace an existing regular file (--force). */
  overwrite?: boolean;
  /** The bytes are binary: refuse to write them to a terminal. */
  binary?: boolean;
  /** What to say the binary output is, in the refusal (e.g. "RDB bytes"). */
  what?: string;
}

/** Whether a path names stdout. */
export function isStdout(target: string | undefined): boolean {
  return target === undefined || target === '-';
}

/** Open `target` for writing (see the file comment). */
export async function openOutput(target: string | undefined, opts: OutputOptions = {}): Promise<OutputSink> {
  if (isStdout(target)) {
    if (opts.binary && process.stdout.isTTY)
      throw new UsageError(
        'OUTPUT_TTY',
        `${opts.what ?? 'binary output'} would go to a terminal: redirect stdout or name a file with -o FILE`,
      );
    return new StreamSink('stdout', process.stdout);
  }
  const real = await resolveLinks(target!);
  let st: Awaited<ReturnType<typeof fsp.stat>> | null = null;
  try {
    st = await fsp.stat(real);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, target!);
  }
  if (st && (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO())) {
    if (opts.binary && st.isCharacterDevice() && isTerminal(real))
      throw new UsageError('OUTPUT_TTY', `${target} is a terminal: ${opts.what ?? 'binary output'} would garble it`);
    let fh: fsp.FileHandle;
    try {
      // the file exists: O_CREAT creates nothing, and O_TRUNC means nothing to a device or a FIFO
      fh = await fsp.open(real, 'w');
    } catch (e) {
      throw ioError(e, target!);
    }
    return new HandleSink(st.isFIFO() ? 'fifo' : 'device', fh);
  }
  if (st?.isSocket()) {
    const sock = createConnection({ path: real });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', (e) => reject(ioError(e, target!)));
    });
    return new StreamSink('socket', sock);
  }
  const f = await AtomicFile.open(target!, opts.overwrite ?? false);
  return new FileSink(f);
}

function isTerminal(p: string): boolean {
  return p.startsWith('/dev/tty') || p.startsWith('/dev/pts/') || p === '/dev/console';
}

class FileSink implements OutputSink {
  readonly kind = 'file' as const;
  constructor(private readonly f: AtomicFile) {}
  get written(): number {
    return this.f.written;
  }
  write(chunk: Uint8Array): Promise<void> {
    return this.f.write(chunk);
  }
  idle(): boolean {
    return true;
  }
  commit(): Promise<void> {
    return this.f.commit();
  }
  abort(): Promise<void> {
    return this.f.abort();
  }
}

class HandleSink implements OutputSink {
  written = 0;
  constructor(
    readonly kind: 'device' | 'fifo',
    private fh: fsp.FileHandle | null,
  ) {}
  async write(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.fh!.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
    this.written += chunk.length;
  }
  idle(): boolean {
    return true;
  }
  async commit(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
  }
  async abort(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }
}

class StreamSink implements OutputSink {
  written = 0;
  constructor(
    readonly kind: 'stdout' | 'socket',
    private readonly stream: NodeJS.WritableStream | Socket,
  ) {}
  async write(chunk: Uint8Array): Promise<void> {
    this.written += chunk.length;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
  idle(): boolean {
    // a write the OS took at once is off the queue before write() returns
    return (this.stream as { writableLength?: number }).writableLength === 0;
  }
  async commit(): Promise<void> {
    if (this.kind === 'socket') await new Promise<void>((resolve) => (this.stream as Socket).end(resolve));
  }
  async abort(): Promise<void> {
    if (this.kind === 'socket') (this.stream as Socket).destroy();
  }
}
