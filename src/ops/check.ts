/** `check` for RDB files: read everything, verify the checksum, report ok or the first error as data. */
import { ParseError } from '../errors.js';
import { PART_THRESHOLD } from '../model/record.js';
import { type ByteSource, type ReadOptions, readRdbBatches } from './read.js';

/** Result of checking an RDB. */
export type RdbCheckReport =
  | {
      ok: true;
      format: 'rdb';
      version: number;
      keys: number;
      checksum: string | null;
      checksumVerified: boolean;
      bytes: number;
      /** Set when the header's version field is not plain digits (read as Redis's atoi reads it). */
      warning?: string;
    }
  | { ok: false; format: 'rdb'; version: number; keys: number; error: ReturnType<ParseError['toJSON']> };

/** Check an RDB source; never throws for bad input (the error is in the report). */
export async function checkRdb(source: ByteSource, options: ReadOptions = {}): Promise<RdbCheckReport> {
  let version = 0;
  let keys = 0;
  let warning: string | undefined;
  try {
    let checksum: string | null = null;
    let verified = false;
    let bytes = 0;
    for await (const batch of readRdbBatches(source, { skipValues: true, partThreshold: PART_THRESHOLD, ...options })) {
      for (const r of batch) {
        if (r.kind === 'key') keys++;
        else if (r.kind === 'header') {
          version = r.version;
          if (r.versionField !== undefined)
            warning = `the header's version field "${r.versionField}" is not plain digits; read as version ${r.version}, as Redis's atoi reads it`;
        } else if (r.kind === 'eof') {
          checksum = r.checksum;
          verified = r.verified;
          bytes = r.span?.end ?? 0;
        }
      }
    }
    return { ok: true, format: 'rdb', version, keys, checksum, checksumVerified: verified, bytes, ...(warning ? { warning } : {}) };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, format: 'rdb', version, keys, error: e.toJSON() };
    throw e;
  }
}
