/**
 * BITFIELD / BITFIELD_RO (bitops.c bitfieldGeneric): integer fields of 1..64 bits (unsigned up
 * to 63) at any bit offset, MSB-first, with WRAP / SAT / FAIL overflow. 64-bit arithmetic is
 * done with BigInt and C's wrap-around casts reproduced with asIntN/asUintN.
 */
import { latin1, parseCanonicalInt } from '../../model/bytes.js';
import { Err, fail, lower, parseInt64 } from '../argv.js';
import { type Ctx, lookupType } from '../context.js';
import { strBytes, stringValue } from '../keyspace.js';

type Overflow = 'wrap' | 'sat' | 'fail';

interface Op {
  kind: 'get' | 'set' | 'incrby';
  offset: number;
  value: bigint;
  overflow: Overflow;
  bits: number;
  signed: boolean;
}

const TYPE_ERR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const OFFSET_ERR = 'ERR bit offset is not an integer or out of range';

function readField(s: Uint8Array, offset: number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const o = offset + i;
    const byte = s[o >> 3] ?? 0;
    v = (v << 1n) | BigInt((byte >> (7 - (o & 7))) & 1);
  }
  return v;
}

function writeField(s: Uint8Array, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const o = offset + i;
    const bit = Number((u >> BigInt(bits - 1 - i)) & 1n);
    const mask = 1 << (7 - (o & 7));
    if (bit) s[o >> 3]! |= mask;
    else s[o >> 3]! &= ~mask;
  }
}

/** checkUnsignedBitfieldOverflow: [overflowed, limit]. */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): [boolean, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrap = BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxincr)) return [true, ow === 'wrap' ? wrap : max];
  if (incr < 0n && incr < minincr) return [true, ow === 'wrap' ? wrap : 0n];
  return [false, 0n];
}

/** checkSignedBitfieldOverflow: [overflowed, limit]. */
function signedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): [boolean, bigint] {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr))
    return [true, ow === 'wrap' ? wrap : max];
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr))
    return [true, ow === 'wrap' ? wrap : min];
  return [false, 0n];
}

/** Run BITFIELD (or BITFIELD_RO when `readonly`). Replies: an array of integers / nulls. */
export function bitfield(c: Ctx, a: Uint8Array[], readonly: boolean): Array<bigint | null> {
  const ops: Op[] = [];
  let ow: Overflow = 'wrap';
  let writes = false;
  let highest = -1;
  for (let j = 2; j < a.length; j++) {
    const rem = a.length - j - 1;
    const sub = lower(a[j]!);
    let kind: Op['kind'];
    if (sub === 'get' && rem >= 2) kind = 'get';
    else if (sub === 'set' && rem >= 3) kind = 'set';
    else if (sub === 'incrby' && rem >= 3) kind = 'incrby';
    else if (sub === 'overflow' && rem >= 1) {
      const t = lower(a[++j]!);
      if (t !== 'wrap' && t !== 'sat' && t !== 'fail') fail('ERR Invalid OVERFLOW type specified');
      ow = t;
      continue;
    } else fail(Err.SYNTAX);
    const t = latin1(a[j + 1]!);
    const signed = t[0] === 'i';
    if (t[0] !== 'i' && t[0] !== 'u') fail(TYPE_ERR);
    const nb = parseCanonicalInt(a[j + 1]!.subarray(1));
    if (nb === null || nb < 1n || (signed && nb > 64n) || (!signed && nb > 63n)) fail(TYPE_ERR);
    const bits = Number(nb);
    const ot = a[j + 2]!;
    const hash = ot[0] === 0x23;
    let off = parseCanonicalInt(hash ? ot.subarray(1) : ot);
    if (off === null) fail(OFFSET_ERR);
    if (hash) off *= BigInt(bits);
    if (off < 0n || (!c.loading && off >> 3n >= 512n * 1024n * 1024n)) fail(OFFSET_ERR);
    const offset = Number(off);
    let value = 0n;
    if (kind !== 'get') {
      writes = true;
      highest = Math.max(highest, offset + bits - 1);
      value = parseInt64(a[j + 3]!);
    }
    ops.push({ kind, offset, value, overflow: ow, bits, signed });
    j += kind === 'get' ? 2 : 3;
  }
  const cur = lookupType(c, a[1]!, 'string');
  let s = cur ? strBytes(cur.value) : new Uint8Array(0);
  let changed: Uint8Array | null = null;
  if (writes) {
    if (readonly) fail('ERR BITFIELD_RO only supports the GET subcommand');
    const need = (highest >> 3) + 1;
    if (s.length < need || !cur) {
      const grown = new Uint8Array(Math.max(need, s.length));
      grown.set(s);
      s = grown;
    }
    changed = s;
  }
  const out: Array<bigint | null> = [];
  for (const op of ops) {
    const raw = readField(s, op.offset, op.bits);
    const old = op.signed ? BigInt.asIntN(op.bits, raw) : raw;
    if (op.kind === 'get') {
      out.push(old);
      continue;
    }
    let next: bigint, ret: bigint, over: boolean, limit: bigint;
    if (op.signed) {
      if (op.kind === 'incrby') {
        [over, limit] = signedOverflow(old, op.value, op.bits, op.overflow);
        next = over ? limit : old + op.value;
        ret = next;
      } else {
        [over, limit] = signedOverflow(op.value, 0n, op.bits, op.overflow);
        next = over ? limit : op.value;
        ret = old;
      }
    } else {
      const v = BigInt.asUintN(64, op.value);
      if (op.kind === 'incrby') {
        [over, limit] = unsignedOverflow(old, op.value, op.bits, op.overflow);
        next = over ? limit : BigInt.asUintN(64, old + op.value);
        ret = next;
      } else {
        [over, limit] = unsignedOverflow(v, 0n, op.bits, op.overflow);
        next = over ? limit : v;
        ret = old;
      }
    }
    if (over && op.overflow === 'fail') {
      out.push(null);
      continue;
    }
    writeField(s, op.offset, op.bits, next);
    out.push(ret);
  }
  // stored after the writes (a BStr is not edited in place); created even when every write failed, as Redis does
  if (changed) {
    if (cur) c.db.get(a[1]!)!.value = stringValue(changed);
    else c.db.set(a[1]!, stringValue(changed));
  }
  return out;
}
