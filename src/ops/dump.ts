/**
 * DUMP payloads (FORMATS.md "DUMP / RESTORE payload"): `<type byte><value>`, a 2-byte RDB
 * version, a CRC64 of what precedes it. Decoding wraps the value in a minimal RDB of that
 * version (magic, the type byte, an empty key, the value, EOF, a zero checksum) and reads it with
 * the RDB decoder, so every value encoding the decoder knows is accepted. Used by the engine's
 * RESTORE (installed as Engine.dumpDecoder).
 *
 * FUNCTION DUMP payloads: FUNCTION2 (or pre-GA FUNCTION) records, the 2-byte RDB version and a
 * CRC64; read for the engine's FUNCTION RESTORE (installed as Engine.functionDecoder), failing
 * with the error replies Redis 7.0 gives.
 */
import { crc64 } from '../bytes/crc64.js';
import { cursorOf } from '../bytes/cursor.js';
import { fail } from '../engine/argv.js';
import { parseLibrary } from '../engine/commands/functions.js';
import type { Library } from '../engine/context.js';
import { UsageError } from '../errors.js';
import { ascii, concatBytes } from '../model/bytes.js';
import type { Value } from '../model/record.js';
import { MAX_REDIS_RDB_VERSION, Opcode } from '../rdb/constants.js';
import { decodeRdb } from '../rdb/decoder.js';
import { readPreGaFunction } from '../rdb/function.js';
import { readString } from '../rdb/string.js';

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

/** Decode a FUNCTION DUMP payload: FUNCTION2 (or pre-GA FUNCTION) records, 2-byte RDB version, CRC64. */
export function decodeFunctionPayload(payload: Uint8Array): Library[] {
  if (payload.length < 10) fail('ERR payload version or checksum are wrong');
  const body = payload.subarray(0, payload.length - 8);
  const dv = new DataView(payload.buffer, payload.byteOffset + payload.length - 8, 8);
  const stored = dv.getBigUint64(0, true);
  if (stored !== 0n && stored !== crc64(body)) fail('ERR payload version or checksum are wrong');
  const r = cursorOf(body.subarray(0, body.length - 2), 'rdb');
  const libs: Library[] = [];
  while (r.pos < r.end) {
    const op = r.buf[r.pos++];
    // Redis 7.0 restores both the GA form and the 7.0-rc one (a 7.0-rc server's FUNCTION DUMP)
    if (op === Opcode.FUNCTION2) libs.push(parseLibrary(readString(r).slice()));
    else if (op === Opcode.FUNCTION_PRE_GA) libs.push(parseLibrary(readPreGaFunction(r).code));
    else fail('ERR given type is not a function');
  }
  return libs;
}
