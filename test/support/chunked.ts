/** Feeding decoders chunk by chunk, as the streaming tests do at several chunk sizes. */
import { RdbDecoder, type RdbDecoderOptions, type RdbRecord } from '../../src/index.js';

/** Decode an RDB held in memory by feeding it `size` bytes at a time. */
export function decodeChunked(bytes: Uint8Array, size: number, options: RdbDecoderOptions = {}): RdbRecord[] {
  const d = new RdbDecoder(options);
  const out: RdbRecord[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...d.write(bytes.subarray(i, i + size)));
  out.push(...d.end());
  return out;
}
