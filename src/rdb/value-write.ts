/**
 * Writing key values (FORMATS.md §5.1–§5.6, §5.9): for each Redis type, the RDB type id a Redis
 * of the target version would save, with its default encoding thresholds, and the bytes.
 *
 * Buffering model: each function appends one whole value to the caller's ByteWriter.
 *
 * Defaults used (checked with CONFIG GET on 7.0.15, and the 6.2 config table):
 *   hash listpack/ziplist/zipmap  <= 512 fields, field and value <= 64 bytes
 *   zset listpack/ziplist         <= 128 members, member <= 64 bytes
 *   set intset                    <= 512 canonical int64 members
 *   set listpack (RDB >= 11)      <= 128 members, member <= 64 bytes
 *   list ziplist (RDB < 7)        <= 512 elements, element <= 64 bytes
 *   lists at RDB >= 7: quicklist nodes of 8 KiB (see quicklist.ts)
 */
import type { ByteWriter } from '../bytes/writer.js';
import { ascii, compareBytes, parseCanonicalInt, parseSmallCanonicalInt } from '../model/bytes.js';
import { layoutG } from '../model/number.js';
import type { HashField, KeyStartRecord, ModuleValue } from '../model/record.js';
import {
  HASH_MAX_LISTPACK_ENTRIES as HASH_MAX_ENTRIES,
  MAX_LISTPACK_VALUE as MAX_VALUE,
  SET_MAX_INTSET_ENTRIES as SET_MAX_INTSET,
  SET_MAX_LISTPACK_ENTRIES,
  ZSET_MAX_LISTPACK_ENTRIES as ZSET_MAX_ENTRIES,
} from '../model/redis-defaults.js';
import { QuicklistContainer, RdbType } from './constants.js';
import { encodeIntset, encodeSafeIntset } from './intset.js';
import { writeLength } from './length.js';
import { encodeListpackView, type LpValue } from './listpack.js';
import { writeModuleItems } from './module.js';
import { planQuicklist, quicklistPlain } from './quicklist.js';
import { formatG17, type WriteStringOptions, writeString, writeStringDouble } from './string.js';
import { encodeZiplist } from './ziplist.js';
import { encodeZipmap } from './zipmap.js';

/** What the value writers need to know about the target. */
export interface ValueTarget {
  version: number;
  family: 'redis' | 'valkey';
  sopts: WriteStringOptions;
}

const LIST_MAX_ZIPLIST = 512;
const TWO_62 = 2 ** 62;

/** A zset score as zzlInsertAt stores it in a listpack: an integral score within +-2^62 (-0 as 0) is an integer entry, else null. */
export function zsetScoreInt(s: number): number | bigint | null {
  if (!Number.isInteger(s) || s < -TWO_62 || s > TWO_62) return null;
  return Number.isSafeInteger(s) ? (s === 0 ? 0 : s) : BigInt(s);
}

/** The text of a zset score that is not an integer entry: %.17g before RDB 11 (Redis 7.0), the shortest form after. */
export function zsetScoreText(s: number, version: number): string {
  return version >= 11 ? shortestG(s) : d2string(s);
}

/** Set-listpack (RDB 20) exists in this target. */
function hasSetListpack(t: ValueTarget): boolean {
  return t.version >= 11;
}

/**
 * List: returns the type id written. Quicklist nodes follow `counts` (the input's node sizes, as a
 * list written in parts has them) when they add up to the elements, else Redis's fill rule.
 */
export function writeList(w: ByteWriter, t: ValueTarget, elems: readonly Uint8Array[], counts?: readonly number[]): number {
  const v = t.version;
  if (v >= 7) {
    const qv2 = v >= 10;
    if (counts && counts.length > 0 && counts.every((n) => n > 0) && counts.reduce((a, b) => a + b, 0) === elems.length) {
      writeLength(w, counts.length);
      writeQuicklistNodes(w, t, elems, counts);
      return qv2 ? RdbType.LIST_QUICKLIST_2 : RdbType.LIST_QUICKLIST;
    }
    const nodes = planQuicklist(elems, qv2 ? (v >= 11 ? 'listpack-7.2' : 'listpack-7.0') : 'ziplist');
    writeLength(w, nodes.length);
    for (const n of nodes) {
      if (qv2) writeLength(w, n.plain ? QuicklistContainer.PLAIN : QuicklistContainer.PACKED);
      writeString(w, n.plain ? n.items[0]! : qv2 ? encodeListpackView(n.items) : encodeZiplist(n.items), t.sopts);
    }
    return qv2 ? RdbType.LIST_QUICKLIST_2 : RdbType.LIST_QUICKLIST;
  }
  if (v >= 2 && elems.length <= LIST_MAX_ZIPLIST && elems.every((e) => e.length <= MAX_VALUE)) {
    writeString(w, encodeZiplist(elems), t.sopts);
    return RdbType.LIST_ZIPLIST;
  }
  writeLength(w, elems.length);
  for (const e of elems) writeString(w, e, t.sopts);
  return RdbType.LIST;
}

/** Set: intset, listpack (RDB >= 11) or plain; returns the type id written. */
export function writeSet(w: ByteWriter, t: ValueTarget, members: readonly Uint8Array[]): number {
  if (t.version >= 2 && members.length <= SET_MAX_INTSET) {
    // numbers while every member has at most 15 digits (all safe integers), BigInts past that
    const small = new Float64Array(members.length);
    let i = 0;
    for (; i < members.length; i++) {
      const n = parseSmallCanonicalInt(members[i]!);
      if (n === null) break;
      small[i] = n;
    }
    if (i === members.length) {
      writeString(w, encodeSafeIntset(small), t.sopts);
      return RdbType.SET_INTSET;
    }
    if (members[i]!.length > 15) {
      const ints: bigint[] = [];
      for (const m of members) {
        const n = parseCanonicalInt(m);
        if (n === null) break;
        ints.push(n);
      }
      if (ints.length === members.length) {
        writeString(w, encodeIntset(ints), t.sopts);
        return RdbType.SET_INTSET;
      }
    }
  }
  if (hasSetListpack(t) && members.length <= SET_MAX_LISTPACK_ENTRIES && members.every((m) => m.length <= MAX_VALUE)) {
    writeString(w, encodeListpackView(members), t.sopts);
    return RdbType.SET_LISTPACK;
  }
  writeLength(w, members.length);
  for (const m of members) writeString(w, m, t.sopts);
  return RdbType.SET;
}

/** C `d2string` of Redis <= 7.0: "inf", "-inf", "-0", plain digits for integers within 2^52, else %.17g. */
export function d2string(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isInteger(v) && v > -4503599627370495 && v < 4503599627370496) return String(v);
  return formatG17(v);
}

/** Shortest round-trip text in %g layout (Redis >= 7.2 prints non-integral scores with fpconv_dtoa). */
export function shortestG(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  return layoutG(m.startsWith('-'), m.replace('-', '').replace('.', ''), Number(e));
}

/** Members sorted as a zset orders them: by score, then by member bytes. */
function sortedZset(members: ReadonlyArray<readonly [Uint8Array, number]>): Array<readonly [Uint8Array, number]> {
  return [...members].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : compareBytes(a[0], b[0])));
}

/** Sorted set: listpack/ziplist when small, else skiplist (binary doubles from RDB 8); returns the type id. */
export function writeZset(w: ByteWriter, t: ValueTarget, members: ReadonlyArray<readonly [Uint8Array, number]>): number {
  const v = t.version;
  const sorted = sortedZset(members);
  // A listpack/ziplist cannot keep a -0 score (Redis turns it into 0 when it converts on load);
  // rdbkit keeps such a zset a skiplist so the file still says -0.
  const small = members.length <= ZSET_MAX_ENTRIES && members.every(([m, s]) => m.length <= MAX_VALUE && !Object.is(s, -0));
  if (small && v >= 10) {
    // zzlInsertAt: integral scores within +-2^62 (and -0) as integer entries, others as d2string text.
    const items: LpValue[] = [];
    for (const [m, s] of sorted) {
      items.push(m);
      items.push(zsetScoreInt(s) ?? ascii(zsetScoreText(s, v)));
    }
    writeString(w, encodeListpackView(items), t.sopts);
    return RdbType.ZSET_LISTPACK;
  }
  if (small && v >= 2) {
    const items: Uint8Array[] = [];
    for (const [m, s] of sorted) items.push(m, ascii(d2string(s)));
    writeString(w, encodeZiplist(items), t.sopts);
    return RdbType.ZSET_ZIPLIST;
  }
  // Skiplist: saved from the tail (highest score) to the head.
  writeLength(w, sorted.length);
  for (let i = sorted.length - 1; i >= 0; i--) {
    const [m, s] = sorted[i]!;
    writeString(w, m, t.sopts);
    if (v >= 8) w.f64le(s);
    else writeStringDouble(w, s);
  }
  return v >= 8 ? RdbType.ZSET_2 : RdbType.ZSET;
}

/** Hash-field TTL types exist in this target: Redis 12 (types 24/25) or Valkey 80 (type 22). */
export function hashTtlSupported(t: ValueTarget): boolean {
  return t.family === 'valkey' ? t.version >= 80 : t.version >= 12;
}

/**
 * Hash: listpack/ziplist/zipmap when small, else plain; with field TTLs (only passed when the
 * target supports them) Redis 25/24 or Valkey 22. Returns the type id.
 */
export function writeHash(w: ByteWriter, t: ValueTarget, fields: readonly HashField[]): number {
  const v = t.version;
  const small = fields.length <= HASH_MAX_ENTRIES && fields.every((f) => f.field.length <= MAX_VALUE && f.value.length <= MAX_VALUE);
  const withTtl = fields.some((f) => f.expireAt !== undefined);
  if (withTtl && t.family === 'valkey') {
    writeLength(w, fields.length);
    for (const f of fields) {
      writeString(w, f.field, t.sopts);
      writeString(w, f.value, t.sopts);
      w.i64le(f.expireAt ?? -1);
    }
    return 22;
  }
  if (withTtl) {
    let minExpire = Infinity;
    for (const f of fields) if (f.expireAt !== undefined && f.expireAt < minExpire) minExpire = f.expireAt;
    if (small) {
      // listpack-ex: triples, fields with a TTL first in ascending TTL order, then the rest (TTL 0)
      const ttl = (f: HashField): number => f.expireAt ?? Infinity;
      const ordered = [...fields].sort((a, b) => (ttl(a) < ttl(b) ? -1 : ttl(a) > ttl(b) ? 1 : 0));
      const items: LpValue[] = [];
      for (const f of ordered) items.push(f.field, f.value, f.expireAt ?? 0);
      w.i64le(minExpire);
      writeString(w, encodeListpackView(items), t.sopts);
      return RdbType.HASH_LISTPACK_EX;
    }
    w.i64le(minExpire);
    writeLength(w, fields.length);
    for (const f of fields) {
      writeLength(w, f.expireAt === undefined ? 0 : f.expireAt - minExpire + 1);
      writeString(w, f.field, t.sopts);
      writeString(w, f.value, t.sopts);
    }
    return RdbType.HASH_METADATA;
  }
  if (small && v >= 2) {
    const flat: Uint8Array[] = [];
    for (const f of fields) flat.push(f.field, f.value);
    if (v >= 10) {
      writeString(w, encodeListpackView(flat), t.sopts);
      return RdbType.HASH_LISTPACK;
    }
    if (v >= 4) {
      writeString(w, encodeZiplist(flat), t.sopts);
      return RdbType.HASH_ZIPLIST;
    }
    writeString(w, encodeZipmap(fields.map((f) => [f.field, f.value] as const)), t.sopts);
    return RdbType.HASH_ZIPMAP;
  }
  writeLength(w, fields.length);
  for (const f of fields) {
    writeString(w, f.field, t.sopts);
    writeString(w, f.value, t.sopts);
  }
  return RdbType.HASH;
}

/** Module value (type 7): the source payload verbatim, or rebuilt from its id and opcode items. */
export function writeModule(w: ByteWriter, m: ModuleValue): number {
  if (m.payload.length > 0) w.bytes(m.payload);
  else {
    writeLength(w, m.moduleId);
    writeModuleItems(w, m.items);
  }
  return RdbType.MODULE_2;
}

/**
 * Keys handed over in parts (SPEC.md §2.1): the RDB type of the value, and its count, written as
 * soon as the key starts; then each part's elements. The count must be known up front: hash, set
 * and zset starts carry it; a quicklist is written with the input's node count, one output node
 * per input node; a counted list without nodes (type 1) is written with one node per element
 * (RDB >= 7) or as a plain list. Such a key always gets the plain encoding of its type, which is
 * what a whole key of that size gets too (the part threshold is above every listpack limit).
 */
export class PartWriter {
  constructor(
    private readonly t: ValueTarget,
    readonly type: number,
  ) {}

  /** The type id for a parted key, or a reason why this target cannot take it in parts. */
  static typeFor(t: ValueTarget, s: KeyStartRecord): number | string {
    const v = t.version;
    switch (s.type) {
      case 'hash':
        return s.count === null ? 'a hash without a count' : RdbType.HASH;
      case 'set':
        return s.count === null ? 'a set without a count' : RdbType.SET;
      case 'zset':
        return s.count === null ? 'a zset without a count' : v >= 8 ? RdbType.ZSET_2 : RdbType.ZSET;
      case 'list':
        if (v >= 7)
          return s.nodes !== undefined || s.count !== null
            ? v >= 10
              ? RdbType.LIST_QUICKLIST_2
              : RdbType.LIST_QUICKLIST
            : 'a list without a count';
        return s.count === null ? 'a quicklist in parts (RDB < 7 needs the element count first)' : RdbType.LIST;
      default:
        return `a ${s.type} in parts`;
    }
  }

  /** The count (or quicklist node count) that follows the key name. */
  begin(w: ByteWriter, s: KeyStartRecord): void {
    if (this.type === RdbType.LIST_QUICKLIST || this.type === RdbType.LIST_QUICKLIST_2) {
      writeLength(w, s.nodes ?? s.count!);
    } else writeLength(w, s.count!);
  }

  /** List elements: quicklist nodes as the input had them (or one per element), else plain strings. */
  list(w: ByteWriter, items: readonly Uint8Array[], nodes: readonly number[] | undefined): void {
    const t = this.t;
    if (this.type === RdbType.LIST) {
      for (const e of items) writeString(w, e, t.sopts);
      return;
    }
    writeQuicklistNodes(w, t, items, nodes ?? items.map(() => 1));
  }

  /** Set members. */
  set(w: ByteWriter, items: readonly Uint8Array[]): void {
    for (const m of items) writeString(w, m, this.t.sopts);
  }

  /** Zset members in the order given (a server saves from the highest score down). */
  zset(w: ByteWriter, items: ReadonlyArray<readonly [Uint8Array, number]>): void {
    for (const [m, s] of items) {
      writeString(w, m, this.t.sopts);
      if (this.type === RdbType.ZSET_2) w.f64le(s);
      else writeStringDouble(w, s);
    }
  }

  /** Hash fields (their TTLs are the caller's business: type 4 has none). */
  hash(w: ByteWriter, items: readonly HashField[]): void {
    for (const f of items) {
      writeString(w, f.field, this.t.sopts);
      writeString(w, f.value, this.t.sopts);
    }
  }
}

/**
 * Quicklist nodes (RDB >= 7) of the given element counts: listpacks (ziplists below RDB 10), a
 * node of one element too large for a packed node written plain as Redis's era of the target
 * would (7.0: 1 GiB and more; 7.2: over 8 KiB).
 */
function writeQuicklistNodes(w: ByteWriter, t: ValueTarget, items: readonly Uint8Array[], sizes: readonly number[]): void {
  const qv2 = t.version >= 10;
  let at = 0;
  for (const n of sizes) {
    const node = items.slice(at, at + n);
    at += n;
    const len = node[0]!.length;
    const plain = qv2 && n === 1 && quicklistPlain(t.version >= 11 ? 'listpack-7.2' : 'listpack-7.0', len);
    if (qv2) writeLength(w, plain ? QuicklistContainer.PLAIN : QuicklistContainer.PACKED);
    writeString(w, plain ? node[0]! : qv2 ? encodeListpackView(node) : encodeZiplist(node), t.sopts);
  }
}
