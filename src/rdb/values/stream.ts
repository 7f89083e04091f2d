/** Stream values (types 15, 19, 21, 26, 27): one stream unit per call, read by ../stream-reader.ts. */
import type { Cursor } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { RdbType } from '../constants.js';
import { assembleStream, emptyStream } from '../stream.js';
import { StreamReader, type StreamVersion } from '../stream-reader.js';
import type { ValueContext, ValueFrame } from './frame.js';

const VERSION_OF_TYPE: Record<number, StreamVersion> = {
  [RdbType.STREAM_LISTPACKS]: 1,
  [RdbType.STREAM_LISTPACKS_2]: 2,
  [RdbType.STREAM_LISTPACKS_3]: 3,
  [RdbType.STREAM_LISTPACKS_4]: 4,
  [RdbType.STREAM_LISTPACKS_5]: 5,
};

/**
 * Read one stream unit; the value is complete after the last group (or the IDMP section). A
 * stream handed over in parts (f.parted) leaves its last parts for the decoder to take.
 */
export function readStreamValue(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  // in skipValues mode (ctx.scratch) entries, PELs and consumers are validated, not kept
  f.stream ??= new StreamReader(VERSION_OF_TYPE[f.type]!, {
    maxString: ctx.max,
    layout: ctx.layout !== null,
    keep: !ctx.scratch,
    batch: ctx.partBatch,
    packed: ctx.packed,
  });
  if (!f.stream.step(r)) return undefined;
  if (f.parted) return { type: 'stream', value: emptyStream() };
  const parts = f.stream.take();
  if (ctx.layout) {
    for (const p of parts) {
      if (p.part !== 'stream-entries' || !p.layout) continue;
      for (const b of p.layout.blobs) ctx.layout.blobs.push(b);
      for (const id of p.layout.nodeIds!) (ctx.layout.nodeIds ??= []).push(id);
      for (const n of p.nodes) (ctx.layout.counts ??= []).push(n);
    }
  }
  return { type: 'stream', value: assembleStream(parts) };
}
