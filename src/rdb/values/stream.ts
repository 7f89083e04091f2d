/** Stream values (types 15, 19, 21, 26, 27): one stream unit per call, read by ../stream.ts's StreamReader. */
import type { Cursor } from '../../bytes/cursor.js';
import type { Value } from '../../model/record.js';
import { RdbType } from '../constants.js';
import { StreamReader, type StreamVersion } from '../stream.js';
import type { ValueContext, ValueFrame } from './frame.js';

const VERSION_OF_TYPE: Record<number, StreamVersion> = {
  [RdbType.STREAM_LISTPACKS]: 1,
  [RdbType.STREAM_LISTPACKS_2]: 2,
  [RdbType.STREAM_LISTPACKS_3]: 3,
  [RdbType.STREAM_LISTPACKS_4]: 4,
  [RdbType.STREAM_LISTPACKS_5]: 5,
};

/** Read one stream unit; the value is complete after the last group (or the IDMP section). */
export function readStreamValue(r: Cursor, f: ValueFrame, ctx: ValueContext): Value | undefined {
  // in skipValues mode (ctx.scratch) entries and PELs are validated, not kept
  f.stream ??= new StreamReader(VERSION_OF_TYPE[f.type]!, ctx.max, ctx.layout, !ctx.scratch);
  return f.stream.step(r) ? { type: 'stream', value: f.stream.value } : undefined;
}
