/**
 * Redis 7.0's DEBUG DIGEST computed offline over the record model (debug.c computeDatasetDigest,
 * xorObjectDigest, mixDigest). Every digest is 20 bytes:
 *   xorDigest(d, s):  d ^= SHA1(s)                      (order-free: sets, hash fields, keys)
 *   mixDigest(d, s):  d = SHA1(d ^ SHA1(s))             (ordered: list elements, stream entries)
 * Dataset: start from zeros; for each non-empty db j in order, mix the 4-byte big-endian j, then
 * xorDigest each key's digest (so SHA1 of it is xored in). Key digest: mix the key name, mix the 4-byte BE type id
 * (string 0, list 1, set 2, zset 3, hash 4, stream 6), then the value:
 *   string: mix the bytes; list: mix each element head to tail; set: xor each member;
 *   zset: per member e = mix(mix(0, member), "%.17g" score), then xorDigest(d, e) (SHA1 of e);
 *   hash: per field e = mix(mix(0, field), value), then xorDigest(d, e);
 *   stream: for each entry mix "<ms>.<seq>" (a dot, not a dash), then each field and value.
 *   Consumer groups, PELs and stream metadata are not part of the digest.
 * Finally a key with any TTL xors in SHA1("!!expire!!") (the expiry time itself is not hashed).
 *
 * A zset's -0 score prints "0" only where Redis 7.0 put it into a listpack itself (zzlInsertAt
 * turns an integral score into an integer entry): a listpack the engine built, or a small
 * skiplist that a loading server converts. A listpack or ziplist read from a file keeps what it
 * stores (a "-0" text score stays -0), and a skiplist keeps -0. See negZeroPrintsZero.
 * Module values have no digest here (Redis asks the module): digestOf refuses them.
 */

import { sha1, toHex } from '../bytes/sha1.js';
import { UsageError } from '../errors.js';
import { ascii } from '../model/bytes.js';
import { formatG17 } from '../model/number.js';
import type { KeyEntry, KeyPartRecord, KeyStartRecord, StreamEntry } from '../model/record.js';

const TYPE_ID = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6, module: 5 } as const;
const EXPIRE = ascii('!!expire!!');

function xorInto(d: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < 20; i++) d[i]! ^= h[i]!;
}

/** d ^= SHA1(data). */
export function xorDigest(d: Uint8Array, data: Uint8Array): void {
  xorInto(d, sha1(data));
}

/** d = SHA1(d ^ SHA1(data)). */
export function mixDigest(d: Uint8Array, data: Uint8Array): void {
  xorInto(d, sha1(data));
  d.set(sha1(d));
}

/** One stream entry: "<ms>.<seq>" (a dot, not a dash), then each field and value. */
function mixStreamEntry(d: Uint8Array, en: StreamEntry): void {
  mixDigest(d, ascii(`${en.id.ms}.${en.id.seq}`));
  for (const [f, v] of en.fields) {
    mixDigest(d, f);
    mixDigest(d, v);
  }
}

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** "%.17g" as C prints it, including inf/-inf. */
function scoreText(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return formatG17(v);
}

/**
 * Whether a zset's -0 score prints as "0" in the digest: only when Redis 7.0 would have inserted
 * it into a listpack itself. A packed zset the engine built (rdbType null) was; one decoded from
 * a file holds what it stores (the server copies a ziplist's or listpack's entries as they are).
 * A skiplist keeps -0, unless rule 'load' applies and the zset is small enough (<= 128 members of
 * <= 64 bytes) that a loading server converts it to a listpack.
 */
function negZeroPrintsZero(rule: ZsetEncodingRule, e: { encoding: string; rdbType: number | null }, small: boolean): boolean {
  if (e.encoding === 'listpack' || e.encoding === 'ziplist') return e.rdbType === null;
  return rule === 'load' && small;
}

/** xorObjectDigest: mix the value of `e` into `d` (which the caller may have seeded). */
function objectDigest(d: Uint8Array, e: KeyEntry, zsetNegZeroAsZero: boolean | null = null): void {
  if (e.type === 'module')
    throw new UsageError(
      'DIGEST_MODULE',
      `cannot digest the module value of a key (type ${e.value.name}): Redis delegates it to the module`,
    );
  if (e.type === 'array')
    throw new UsageError('DIGEST_ARRAY', 'cannot digest an array value: the DEBUG DIGEST rules of Redis 8.8 arrays are not known here');
  mixDigest(d, u32be(TYPE_ID[e.type]));
  switch (e.type) {
    case 'string':
      mixDigest(d, e.value);
      break;
    case 'list':
      for (const el of e.value) mixDigest(d, el);
      break;
    case 'set':
      for (const m of e.value) xorDigest(d, m);
      break;
    case 'zset': {
      const zero = zsetNegZeroAsZero ?? negZeroPrintsZero('entry', e, false);
      for (const [m, s] of e.value) {
        const el = new Uint8Array(20);
        mixDigest(el, m);
        mixDigest(el, ascii(scoreText(zero && s === 0 ? 0 : s)));
        xorDigest(d, el);
      }
      break;
    }
    case 'hash':
      for (const f of e.value) {
        const el = new Uint8Array(20);
        mixDigest(el, f.field);
        mixDigest(el, f.value);
        xorDigest(d, el);
      }
      break;
    case 'stream':
      for (const en of e.value.entries) mixStreamEntry(d, en);
      break;
  }
  if (e.expireAt !== null) xorDigest(d, EXPIRE);
}

/** DEBUG DIGEST-VALUE of one key: 40 hex digits. */
export function valueDigestHex(e: KeyEntry): string {
  const d = new Uint8Array(20);
  objectDigest(d, e);
  return toHex(d);
}

/**
 * Which zset encoding decides how a -0 score prints: 'entry' trusts each entry's `encoding`
 * (the live server that wrote an RDB: skiplist zsets are saved as such), 'load' applies what
 * Redis 7.0 does when it loads a file (a skiplist of <= 128 members of <= 64 bytes becomes a
 * listpack).
 */
export type ZsetEncodingRule = 'entry' | 'load';

/** A dataset digest built key by key (streaming: memory does not grow with the keys). */
export class DatasetDigest {
  private readonly perDb = new Map<number, Uint8Array>();
  keys = 0;

  constructor(private readonly rule: ZsetEncodingRule = 'entry') {}

  /** Add one key. Throws UsageError for module values. */
  add(e: KeyEntry): void {
    let acc = this.perDb.get(e.db);
    if (!acc) {
      acc = new Uint8Array(20);
      this.perDb.set(e.db, acc);
    }
    const kd = new Uint8Array(20);
    mixDigest(kd, e.key);
    const zero =
      e.type === 'zset'
        ? negZeroPrintsZero(this.rule, e, this.rule === 'load' && e.value.length <= 128 && e.value.every(([m]) => m.length <= 64))
        : null;
    objectDigest(kd, e, zero);
    xorDigest(acc, kd);
    this.keys++;
  }

  /** Start a key handed over in parts (SPEC.md §2.1); its parts go to the returned digest. */
  begin(s: KeyStartRecord): PartedKeyDigest {
    return new PartedKeyDigest(s, this.rule, (kd) => {
      let acc = this.perDb.get(s.db);
      if (!acc) {
        acc = new Uint8Array(20);
        this.perDb.set(s.db, acc);
      }
      xorDigest(acc, kd);
      this.keys++;
    });
  }

  /** The 40 hex digits DEBUG DIGEST prints (all zeros for an empty dataset). */
  hex(): string {
    const final = new Uint8Array(20);
    for (const db of [...this.perDb.keys()].sort((a, b) => a - b)) {
      mixDigest(final, u32be(db));
      xorInto(final, this.perDb.get(db)!);
    }
    return toHex(final);
  }
}

/**
 * DEBUG DIGEST of a dataset given as entries in any order and any dbs: 40 hex digits
 * (all zeros for an empty dataset, as Redis prints it).
 */
export function digestOf(entries: Iterable<KeyEntry>, rule: ZsetEncodingRule = 'entry'): string {
  const d = new DatasetDigest(rule);
  for (const e of entries) d.add(e);
  return d.hex();
}

/**
 * The digest of one key handed over in parts, folded part by part (list elements mixed, set
 * members, zset members and hash fields xored), so no element is kept. Whether a -0 score prints
 * as "0" depends on the member count (negZeroPrintsZero): such members are folded both ways and
 * the right sum chosen at the end.
 */
export class PartedKeyDigest {
  private readonly kd = new Uint8Array(20);
  private readonly negZeroAsZero = new Uint8Array(20);
  private readonly negZeroAsIs = new Uint8Array(20);
  private longMember = false;
  private count = 0;

  constructor(
    private readonly s: KeyStartRecord,
    private readonly rule: ZsetEncodingRule,
    private readonly done: (kd: Uint8Array) => void,
  ) {
    mixDigest(this.kd, s.key);
    mixDigest(this.kd, u32be(TYPE_ID[s.type]));
  }

  /** Fold one part in. */
  part(p: KeyPartRecord): void {
    const d = this.kd;
    switch (p.part) {
      case 'list':
        for (const el of p.items) mixDigest(d, el);
        break;
      case 'set':
        for (const m of p.items) xorDigest(d, m);
        break;
      case 'zset':
        for (const [m, sc] of p.items) {
          if (m.length > 64) this.longMember = true;
          this.count++;
          const el = new Uint8Array(20);
          mixDigest(el, m);
          if (Object.is(sc, -0)) {
            const zero = el.slice();
            mixDigest(zero, ascii('0'));
            xorDigest(this.negZeroAsZero, zero);
            mixDigest(el, ascii('-0'));
            xorDigest(this.negZeroAsIs, el);
            continue;
          }
          mixDigest(el, ascii(scoreText(sc)));
          xorDigest(d, el);
        }
        break;
      case 'hash':
        for (const f of p.items) {
          const el = new Uint8Array(20);
          mixDigest(el, f.field);
          mixDigest(el, f.value);
          xorDigest(d, el);
        }
        break;
      case 'stream-entries':
        for (const en of p.items) mixStreamEntry(d, en);
        break;
      default:
        // groups, PELs, consumers and the other stream sections are not part of the digest
        if (!p.part.startsWith('stream-')) throw new UsageError('DIGEST_PARTS', `a ${p.part} part cannot be digested here`);
    }
  }

  /** The key is complete: add its digest to the dataset. */
  end(): void {
    const s = this.s;
    if (s.type === 'zset') {
      const zero = negZeroPrintsZero(this.rule, s, this.count <= 128 && !this.longMember);
      xorInto(this.kd, zero ? this.negZeroAsZero : this.negZeroAsIs);
    }
    if (s.expireAt !== null) xorDigest(this.kd, EXPIRE);
    this.done(this.kd);
  }
}
