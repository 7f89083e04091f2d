/**
 * The frame of the value being read, shared by the per-type value readers in this folder.
 *
 * Buffering model (see ../decoder.ts): a value is read as a sequence of units, each read whole
 * or not at all. A reader is called once per unit with the same frame; it changes the frame only
 * after all bytes of its unit are present (a NEED_MORE signal in the middle leaves the frame as
 * it was), and returns the complete value once the last unit has been read.
 */
import type { Cursor } from '../../bytes/cursor.js';
import type { ArrayValue, KeyMetaClass, PackedBlob, StoredLayout, Value } from '../../model/record.js';
import type { StreamReader } from '../stream-reader.js';
import { readString, type Scratch } from '../string.js';

/** Per-key state set by prefix opcodes (expiry, idle, freq), cleared after the key. */
export interface KeyPrefix {
  /** Buffer-independent absolute offset of the key's first prefix byte (or its type byte). */
  start: number;
  expireAt: number | null;
  idle?: number;
  freq?: number;
  /** Key metadata classes (opcode 243 under the REDIS magic, RDB 13+). */
  meta?: KeyMetaClass[];
}

/** Progress of the value being read. */
export interface ValueFrame {
  type: number;
  key: Uint8Array;
  db: number;
  prefix: KeyPrefix;
  /** Remaining element/node count for counted aggregates (-1 before the count is read). */
  left: number;
  items: unknown[];
  /** Hash-field TTL base (types 24/25). */
  minExpire: number;
  intEncoded: boolean;
  stream: StreamReader | null;
  /** List elements seen (they are not kept in skipValues mode, but an empty list is still skipped). */
  listElements: number;
  /** The array being read (type 28). */
  array: ArrayValue | null;
  /** Hash template fields of the hash being read (types 29-32) and its template id / leading value. */
  templateFields: Uint8Array[] | null;
  template: { id: number | null; lead?: number } | null;
  /** Stored layout being collected (decoder option `layout`), else null. */
  layout: StoredLayout | null;
  /** Handed over in parts (RdbDecoderOptions.partThreshold): `items` holds the current batch only. */
  parted: boolean;
  /** Elements already handed over (or, in skipValues mode, checked and dropped) in earlier batches. */
  flushed: number;
  /** The value kept as its validated blob (ValueContext.packed): the value read is then empty. */
  packed: PackedBlob | null;
}

/** What a value reader needs from its decoder. */
export interface ValueContext {
  family: 'redis' | 'valkey';
  /** Largest string accepted. */
  max: number;
  /** Set in skipValues mode: where discarded LZF strings are inflated; values need not be kept. */
  scratch: Scratch | undefined;
  /** The hash-template registry read so far (opcode 242): id → sorted field names. */
  templates: Map<number, Uint8Array[]>;
  /** The current frame's layout being collected (decoder option `layout`), else null. */
  layout: StoredLayout | null;
  /** Elements per part of a stream (RdbDecoderOptions.partThreshold; 0: no limit). */
  partBatch: number;
  /** RdbDecoderOptions.packed: small listpack and intset values are kept as their validated blob (ValueFrame.packed). */
  packed: boolean;
}

/** Reads one unit of a value: the complete value, or undefined when more units follow. */
export type ValueUnitReader = (r: Cursor, f: ValueFrame, ctx: ValueContext) => Value | undefined;

/** A new frame for a key whose type byte and name have been read. */
export function newFrame(type: number, key: Uint8Array, db: number, prefix: KeyPrefix): ValueFrame {
  return {
    type,
    key,
    db,
    prefix,
    left: -1,
    items: [],
    minExpire: 0,
    intEncoded: false,
    stream: null,
    listElements: 0,
    array: null,
    templateFields: null,
    template: null,
    layout: null,
    parted: false,
    flushed: 0,
    packed: null,
  };
}

/** A string holding an encoded blob, and the buffer index of its payload (for error offsets). */
export function readBlob(r: Cursor, ctx: ValueContext): { blob: Uint8Array; at: number } {
  const at = r.pos;
  const blob = readString(r, ctx.max, ctx.scratch);
  ctx.layout?.blobs.push(blob.length);
  // a raw string's payload ends at r.pos; an LZF one was inflated (offsets then point at its header)
  const payloadAt = r.pos - blob.length;
  return { blob, at: Math.max(payloadAt, at) };
}
