/** `check` for RDB files: read everything, verify the checksum, report ok or the first error as data. */
import { hex64 } from '../bytes/crc64.js';
import { CorruptError, ParseError } from '../errors.js';
import type { RdbDecoderOptions } from '../rdb/decoder.js';
import { type ByteSource, readRdbBatches } from './read.js';

/** Result of checking an RDB. */
export type RdbCheckReport =
  | { ok: true; format: 'rdb'; version: number; keys: number; checksum: string | null; checksumVerified: boolean; bytes: number }
  | { ok: false; format: 'rdb'; version: number; keys: number; error: ReturnType<ParseError['toJSON']> };

/**
 * The CRC64 of the input's first `length` bytes, computed elsewhere (the file rim runs it in a
 * worker thread, beside the decoder). When given, the decoder skips its own CRC and the stored
 * checksum is compared with this one.
 */
export type ExternalCrc = (length: number) => Promise<bigint>;

/** Check an RDB source; never throws for bad input (the error is in the report). */
export async function checkRdb(source: ByteSource, options: RdbDecoderOptions = {}, externalCrc?: ExternalCrc): Promise<RdbCheckReport> {
  let version = 0;
  let keys = 0;
  try {
    let checksum: string | null = null;
    let verified = false;
    let bytes = 0;
    let eofStart = 0;
    const verifyHere = (options.verifyChecksum ?? true) && !externalCrc;
    for await (const batch of readRdbBatches(source, { skipValues: true, ...options, verifyChecksum: verifyHere })) {
      for (const r of batch) {
        if (r.kind === 'key') keys++;
        else if (r.kind === 'header') version = r.version;
        else if (r.kind === 'eof') { checksum = r.checksum; verified = r.verified; bytes = r.span?.end ?? 0; eofStart = r.span?.start ?? 0; }
      }
    }
    if (externalCrc && checksum !== null && checksum !== '0000000000000000' && (options.verifyChecksum ?? true)) {
      // the checksum covers every byte from the magic through the EOF opcode
      const computed = hex64(await externalCrc(eofStart + 1));
      if (computed !== checksum) {
        throw new CorruptError('rdb', 'RDB_BAD_CHECKSUM', eofStart + 1, `CRC64 mismatch: stored ${checksum}, computed ${computed}`, 'the CRC64 checksum');
      }
      verified = true;
    }
    return { ok: true, format: 'rdb', version, keys, checksum, checksumVerified: verified, bytes };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, format: 'rdb', version, keys, error: e.toJSON() };
    throw e;
  }
}
