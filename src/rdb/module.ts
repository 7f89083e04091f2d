/**
 * Module values (type 7) and MODULE_AUX payloads (FORMATS.md §5.9). After a 64-bit module id
 * (an rdbLen) comes a stream of (opcode rdbLen, operand) items ending with opcode 0, so a
 * value of an unknown module can be skipped without understanding it. Type 6 (4.0 RCs) has
 * no such framing and cannot be read.
 *
 * Module id: 9 chars of 6 bits from "A-Za-z0-9-_" (first char in bits 63..58), then a
 * 10-bit encoding version in bits 9..0.
 */
import { type Cursor, corrupt, readF32LE, readF64LE } from '../bytes/cursor.js';
import type { ByteWriter } from '../bytes/writer.js';
import type { ModuleItem } from '../model/record.js';
import { ModuleOpcode } from './constants.js';
import { readLengthBig, writeLength } from './length.js';
import { readString, writeRawString } from './string.js';

const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Split a module id into its 9-char type name and encoding version. */
export function decodeModuleId(id: bigint): { name: string; encver: number } {
  const encver = Number(id & 1023n);
  let rest = id >> 10n;
  let name = '';
  for (let i = 0; i < 9; i++) {
    name = CHARSET[Number(rest & 63n)]! + name;
    rest >>= 6n;
  }
  return { name, encver };
}

/** Build a module id from a 9-char name and encoding version. */
export function encodeModuleId(name: string, encver: number): bigint {
  let id = 0n;
  for (const ch of name.padEnd(9, 'A').slice(0, 9)) {
    const v = CHARSET.indexOf(ch);
    id = (id << 6n) | BigInt(Math.max(v, 0));
  }
  return (id << 10n) | BigInt(encver & 1023);
}

/** Read a module opcode stream up to and including its EOF opcode. */
export function readModuleItems(r: Cursor, maxString?: number): ModuleItem[] {
  const items: ModuleItem[] = [];
  for (;;) {
    const at = r.pos;
    const op = readLengthBig(r);
    switch (op) {
      case BigInt(ModuleOpcode.EOF):
        return items;
      case BigInt(ModuleOpcode.SINT): {
        const u = readLengthBig(r);
        items.push({ op: 'sint', value: BigInt.asIntN(64, u) });
        break;
      }
      case BigInt(ModuleOpcode.UINT):
        items.push({ op: 'uint', value: readLengthBig(r) });
        break;
      case BigInt(ModuleOpcode.FLOAT):
        items.push({ op: 'float', value: readF32LE(r) });
        break;
      case BigInt(ModuleOpcode.DOUBLE):
        items.push({ op: 'double', value: readF64LE(r) });
        break;
      case BigInt(ModuleOpcode.STRING):
        items.push({ op: 'string', value: readString(r, maxString) });
        break;
      default:
        throw corrupt(r, 'RDB_BAD_MODULE_OPCODE', `unknown module opcode ${op}`, at);
    }
  }
}

/** Write a module opcode stream (items then EOF opcode). */
export function writeModuleItems(w: ByteWriter, items: readonly ModuleItem[]): void {
  for (const it of items) {
    switch (it.op) {
      case 'sint':
        writeLength(w, ModuleOpcode.SINT);
        writeLength(w, BigInt.asUintN(64, it.value));
        break;
      case 'uint':
        writeLength(w, ModuleOpcode.UINT);
        writeLength(w, it.value);
        break;
      case 'float':
        writeLength(w, ModuleOpcode.FLOAT);
        w.f32le(it.value);
        break;
      case 'double':
        writeLength(w, ModuleOpcode.DOUBLE);
        w.f64le(it.value);
        break;
      case 'string':
        writeLength(w, ModuleOpcode.STRING);
        writeRawString(w, it.value);
        break;
    }
  }
  writeLength(w, ModuleOpcode.EOF);
}
