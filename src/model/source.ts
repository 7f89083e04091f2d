/**
 * Byte sources: what the operations read. An RDB is one source of chunks; an AOF is a set of
 * named part sources in the order Redis loads them (one file, or a manifest's base and incr
 * files). The file rim (src/io) opens files as sources; bytes in memory are sources too, so
 * every operation runs the same on both.
 */

/** A byte source: chunks in order. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * The CRC64 of the input's first `length` bytes, computed elsewhere (the file rim runs it in a
 * worker thread, beside the decoder).
 */
export type ExternalCrc = (length: number) => Promise<bigint>;

/** One file of an AOF, as Redis loads it. */
export interface AofPartSource {
  /** The name as the manifest lists it (the path given, for a single file). */
  name: string;
  /** Where the file is, when it is one (reports show it). */
  path?: string;
  role: 'single' | 'base' | 'incr';
  seq: number | null;
  size: number;
  /** Bytes `start` (default 0) to `end` (default: the size) of the part, in chunks. */
  read(start?: number, end?: number): ByteSource;
}

/**
 * One AOF file arriving through a stream (a pipe, a FIFO, stdin): read once, front to back; its
 * size is known only at its end. Reading verbs take it; changing verbs (repair, unflush) need a
 * sized, seekable AofPartSource.
 */
export interface AofStreamPartSource extends Omit<AofPartSource, 'size' | 'read'> {
  size: null;
  /** The whole part, in chunks (once). */
  read(): ByteSource;
}

/** A part of either kind. */
export type AnyAofPartSource = AofPartSource | AofStreamPartSource;

/** An AOF: its parts in load order, and the manifest's history beside them. */
export interface AofSource<P extends AnyAofPartSource = AnyAofPartSource> {
  kind: 'single' | 'multipart';
  /** What was opened (a path, or a name for bytes in memory). */
  input: string;
  /** The manifest's path, for a multi-part AOF. */
  manifestPath: string | null;
  parts: P[];
  /** History entries of the manifest (not loaded by Redis), with whether the file still exists. */
  history: Array<{ name: string; seq: number; exists: boolean }>;
}

/**
 * An AOF held in memory: one file is a single-file AOF; several are a base and its incr files,
 * in that order. `chunkSize` cuts each part's bytes into chunks of that size (tests feed 1-byte chunks).
 */
export function aofFromBytes(files: Array<{ name: string; bytes: Uint8Array }>, chunkSize?: number): AofSource {
  const single = files.length === 1;
  return {
    kind: single ? 'single' : 'multipart',
    input: single ? files[0]!.name : 'memory',
    manifestPath: null,
    history: [],
    parts: files.map((f, i) => ({
      name: f.name,
      role: single ? 'single' : i === 0 ? 'base' : 'incr',
      seq: single ? null : Math.max(1, i),
      size: f.bytes.length,
      read: (start = 0, end = f.bytes.length) => chunksOf(f.bytes.subarray(start, end), chunkSize),
    })),
  };
}

function* chunksOf(bytes: Uint8Array, size = bytes.length || 1): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
