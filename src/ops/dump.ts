/**
 * DUMP payloads (FORMATS.md "DUMP / RESTORE payload"): `<type byte><value>`, a 2-byte RDB
 * version, a CRC64 of what precedes it. Decoding wraps the value in a minimal RDB of that
 * version (magic, the type byte, an empty key, the value, EOF, a zero checksum) and reads it with
 * the RDB decoder, so every value encoding the decoder knows is accepted. Used by the engine's
 * RESTORE (installed as Engine.dumpDecoder).
 */
import { crc64 } from '../bytes/crc64.js';
import { UsageError } from '../errors.js';
import { ascii, concatBytes } from '../model/bytes.js';
import type { Value } from '../model/record.js';
import { MAX_REDIS_RDB_VERSION, Opcode } from '../rdb/constants.js';
import { decodeRdb } from '../rdb/decoder.js';

/** Decode a DUMP payload to its value; throws on a bad checksum or an unknown version. */
export function decodeDumpPayload(payload: Uint8Array): Value {
  if (payload.length < 11) throw new UsageError('DUMP_SHORT', 'DUMP payload version or checksum are wrong');
  const n = payload.length;
  const dv = new DataView(payload.buffer, payload.byteOffset, n);
  const version = dv.getUint16(n - 10, true);
  const stored = dv.getBigUint64(n - 8, true);
  if (stored !== 0n && stored !== crc64(payload.subarray(0, n - 8)))
    throw new UsageError('DUMP_CHECKSUM', 'DUMP payload version or checksum are wrong');
  if (version < 1 || version > MAX_REDIS_RDB_VERSION)
    throw new UsageError('DUMP_VERSION', `DUMP payload RDB version ${version} is not supported`);
  const body = payload.subarray(0, n - 10);
  const rdb = concatBytes([
    ascii(`REDIS${String(version).padStart(4, '0')}`),
    body.subarray(0, 1),
    new Uint8Array([0]),
    body.subarray(1),
    new Uint8Array([Opcode.EOF]),
    new Uint8Array(version >= 5 ? 8 : 0),
  ]);
  const key = decodeRdb(rdb, { verifyChecksum: false, keepEmptyKeys: true }).find((r) => r.kind === 'key');
  if (key?.kind !== 'key') throw new UsageError('DUMP_BAD', 'DUMP payload holds no value');
  const { type, value } = key as Value & { kind: 'key' };
  return { type, value } as Value;
}
