/**
 * Drives the RDB decoder over a byte source: one batch of records per chunk (async only at
 * this rim; the decoder itself is synchronous).
 */
import { hex64 } from '../bytes/crc64.js';
import { CorruptError, ParseError } from '../errors.js';
import type { RdbRecord } from '../model/record.js';
import type { ByteSource, ExternalCrc } from '../model/source.js';

export type { ByteSource } from '../model/source.js';

import { type DamagedValue, displayKey, RdbDecoder, type RdbDecoderOptions } from '../rdb/decoder.js';

/** Decoder options, plus where the checksum is computed. */
export interface ReadOptions extends RdbDecoderOptions {
  /** When given, the decoder computes no CRC; the stored checksum is compared with this one. */
  externalCrc?: ExternalCrc;
  /** Called after each chunk with how far the read has come (for a progress display). */
  onProgress?: (p: ReadProgress) => void;
}

/** How far a read has come: RDB bytes decoded and key records seen so far. */
export interface ReadProgress {
  bytes: number;
  keys: number;
}

/** Verify the EOF record of a batch against an externally computed CRC64 (throws on mismatch). */
async function verifyExternally(batch: RdbRecord[], crcOf: ExternalCrc): Promise<void> {
  for (const r of batch) {
    if (r.kind !== 'eof' || r.checksum === null || r.checksum === '0000000000000000') continue;
    // the checksum covers every byte from the magic through the EOF opcode
    const end = (r.span?.start ?? 0) + 1;
    const computed = hex64(await crcOf(end));
    if (computed !== r.checksum) {
      throw new CorruptError(
        'rdb',
        'RDB_BAD_CHECKSUM',
        end,
        `CRC64 mismatch: stored ${r.checksum}, computed ${computed}`,
        'the CRC64 checksum',
      );
    }
    r.verified = true;
  }
}

/** Read an RDB source as batches of records. Throws TruncatedError / CorruptError. */
export async function* readRdbBatches(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<RdbRecord[]> {
  const external = (options.verifyChecksum ?? true) ? options.externalCrc : undefined;
  const d = new RdbDecoder(external ? { ...options, verifyChecksum: false } : options);
  let trailing = 0;
  const progress = options.onProgress;
  let keys = 0;
  for await (const chunk of source) {
    if (d.done) {
      trailing += chunk.length;
      if (!options.rejectTrailingData) break;
      continue;
    }
    const batch = d.write(chunk);
    if (external && d.done) await verifyExternally(batch, external);
    if (progress) {
      for (const r of batch) if (r.kind === 'key') keys++;
      progress({ bytes: d.consumed, keys });
    }
    if (batch.length) yield batch;
    if (d.done && !options.rejectTrailingData) break;
  }
  const last = d.end();
  if (external) await verifyExternally(last, external);
  if (last.length) yield last;
  trailing += d.rest().length;
  if (options.rejectTrailingData && trailing > 0) {
    throw new CorruptError('rdb', 'RDB_TRAILING_DATA', d.consumed, `${trailing} bytes after the end of the RDB`);
  }
}

/** Read an RDB source record by record (convenience; batches are faster). */
export async function* readRdb(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<RdbRecord> {
  for await (const batch of readRdbBatches(source, options)) yield* batch;
}
/** Where salvage stopped, or a key it skipped: the error as data, plus the key when known. */
export interface SalvageDamage {
  kind: 'truncated' | 'corrupt';
  code: string;
  offset: number;
  /** What was being read ("value of key … in db 0", "the next record", …). */
  context: string | null;
  detail: string;
  /** The skipped key (display form) and its db, for damage confined to one value. */
  key?: string;
  db?: number;
  span?: { start: number; end: number };
}

/** What a salvage read recovered. */
export interface SalvageReport {
  /** Complete keys read (written, before any filter). */
  keys: number;
  /** Keys skipped because their value was damaged inside (reading went on after them). */
  skipped: SalvageDamage[];
  /** Where reading stopped for good (the structure is lost there), or null when it reached the end. */
  stop: SalvageDamage | null;
}

/** How a salvage read ended: every key read, some keys lost, or no key readable. */
export function salvageOutcome(r: SalvageReport): 'complete' | 'partial' | 'nothing' {
  if (!r.stop && r.skipped.length === 0) return 'complete';
  return r.keys > 0 ? 'partial' : 'nothing';
}

function damageOf(e: ParseError): SalvageDamage {
  return { kind: e.kind, code: e.code, offset: e.offset, context: e.context ?? null, detail: e.detail };
}

/**
 * Read an RDB source for salvage: every complete key up to the first damage the structure does
 * not survive, skipping keys whose damage is confined to their value. Never throws a ParseError:
 * the damage is in `report`, and the batches end where reading stopped.
 */
export async function* salvageRdbBatches(source: ByteSource, options: ReadOptions, report: SalvageReport): AsyncGenerator<RdbRecord[]> {
  const onDamagedValue = (d: DamagedValue): void => {
    report.skipped.push({ ...damageOf(d.error), key: displayKey(d.key), db: d.db, span: d.span });
  };
  const count = (batch: RdbRecord[]): RdbRecord[] => {
    for (const r of batch) if (r.kind === 'key') report.keys++;
    return batch;
  };
  const d = new RdbDecoder({ ...options, verifyChecksum: options.verifyChecksum ?? true, onDamagedValue });
  try {
    for await (const chunk of source) {
      if (d.done) break;
      const batch = d.write(chunk);
      if (batch.length) yield count(batch);
    }
    if (!d.done) {
      const last = d.end();
      if (last.length) yield count(last);
    }
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    const before = d.takeCompleted();
    if (before.length) yield count(before);
    report.stop = damageOf(e);
  }
}
