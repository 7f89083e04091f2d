/**
 * The value digest `diff` compares (ops/diff.ts), taken part by part so a key handed over in parts
 * (SPEC.md §2.1) is never held, and equal for a whole key and for the same key in parts.
 *
 * Ordered values chain their elements (d = SHA1(d ‖ element)): list elements and stream entries.
 * Unordered ones xor each element's SHA-1, so no order (insertion, encoding, file) matters: set
 * members, hash fields (with their TTLs), zset members with their scores (-0 as 0), and for stream
 * groups each group's digest, within it each pending entry (id and delivery count), each consumer
 * (name and PEL size) and each owned id with its owner. As canonical.ts has it, the encoding, idle
 * time, LFU counter and the clock readings of stream groups are not part of a value.
 */
import { sha1 } from '../bytes/sha1.js';
import { ByteWriter } from '../bytes/writer.js';
import type { KeyEntry, KeyPart, StreamId } from '../model/record.js';
import { streamAsParts } from '../rdb/stream.js';
import { canonicalValueBytes } from './canonical.js';

const TAG = { string: 1, list: 2, set: 3, zset: 4, hash: 5, stream: 6, module: 7, array: 8 } as const;

function xorInto(d: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < 20; i++) d[i]! ^= h[i]!;
}

/** The digest of one value, fed whole (`whole`) or part by part (`part`), read with `finish`. */
export class ValueDigest {
  private readonly w = new ByteWriter(256);
  /** Chained (lists, stream entries) and xored (members, groups) state. */
  private readonly chain = new Uint8Array(20);
  private readonly set = new Uint8Array(20);
  private n = 0;
  /** Stream: its metadata, the current group's digest and its consumer's name. */
  private meta: Uint8Array | null = null;
  private group: Uint8Array | null = null;
  private consumer: Uint8Array | null = null;
  /** String, module, array: the canonical bytes' digest. */
  private fixed: Uint8Array | null = null;

  constructor(private readonly type: KeyEntry['type']) {}

  /** A whole value. */
  whole(e: KeyEntry): void {
    switch (e.type) {
      case 'list':
      case 'set':
        return this.part({ part: e.type, items: e.value });
      case 'zset':
        return this.part({ part: 'zset', items: e.value });
      case 'hash':
        return this.part({ part: 'hash', items: e.value });
      case 'stream':
        for (const p of streamAsParts(e.value)) this.part(p);
        return;
      default:
        this.fixed = sha1(canonicalValueBytes(e, this.w));
    }
  }

  private bytes(fill: (w: ByteWriter) => void): Uint8Array {
    const w = this.w;
    w.length = 0;
    fill(w);
    return sha1(w.finish());
  }

  private chainIn(fill: (w: ByteWriter) => void): void {
    const w = this.w;
    w.length = 0;
    w.bytes(this.chain);
    fill(w);
    this.chain.set(sha1(w.finish()));
  }

  /** One part, in its key's order. */
  part(p: KeyPart): void {
    switch (p.part) {
      case 'list':
        for (const el of p.items) this.chainIn((w) => str(w, el));
        this.n += p.items.length;
        return;
      case 'set':
        for (const m of p.items)
          xorInto(
            this.set,
            this.bytes((w) => str(w, m)),
          );
        this.n += p.items.length;
        return;
      case 'zset':
        for (const [m, s] of p.items)
          xorInto(
            this.set,
            this.bytes((w) => str(w, m).f64le(s === 0 ? 0 : s)),
          );
        this.n += p.items.length;
        return;
      case 'hash':
        for (const f of p.items)
          xorInto(
            this.set,
            this.bytes((w) => str(str(w, f.field), f.value).f64le(f.expireAt ?? -1)),
          );
        this.n += p.items.length;
        return;
      case 'stream-entries':
        for (const en of p.items)
          this.chainIn((w) => {
            id(w, en.id).u32le(en.fields.length);
            for (const [f, v] of en.fields) str(str(w, f), v);
          });
        this.n += p.items.length;
        return;
      case 'stream-meta': {
        const m = p.meta;
        this.meta = this.bytes((w) => id(id(w.f64le(m.length), m.lastId), m.maxDeletedId).f64le(m.entriesAdded ?? -1));
        return;
      }
      case 'stream-group':
        this.closeGroup();
        this.group = this.bytes((w) =>
          id(str(w, p.name), p.lastId)
            .f64le(p.entriesRead ?? -1)
            .u32le(p.pending),
        );
        return;
      case 'stream-pel':
        for (const x of p.items)
          xorInto(
            this.group!,
            this.bytes((w) => id(w.u8(1), x.id).f64le(x.deliveryCount)),
          );
        return;
      case 'stream-consumer':
        this.consumer = p.name;
        xorInto(
          this.group!,
          this.bytes((w) => str(w.u8(2), p.name).u32le(p.pending)),
        );
        return;
      case 'stream-consumer-pel':
        for (const x of p.items)
          xorInto(
            this.group!,
            this.bytes((w) => id(str(w.u8(3), this.consumer!), x)),
          );
        return;
      default:
        // NACK zones and IDMP state are not compared (canonical.ts leaves them out too)
        return;
    }
  }

  private closeGroup(): void {
    if (this.group)
      xorInto(
        this.set,
        this.bytes((w) => w.bytes(this.group!)),
      );
    this.group = null;
  }

  /** The value's digest. */
  finish(): Uint8Array {
    if (this.fixed) return this.fixed;
    this.closeGroup();
    return this.bytes((w) => {
      w.u8(TAG[this.type]).u32le(this.n).bytes(this.chain).bytes(this.set);
      if (this.meta) w.bytes(this.meta);
    });
  }
}

function str(w: ByteWriter, b: Uint8Array): ByteWriter {
  return w.u32le(b.length).bytes(b);
}

function id(w: ByteWriter, x: StreamId | null): ByteWriter {
  if (x === null) return w.u8(0);
  return w.u8(1).u64beBig(x.ms).u64beBig(x.seq);
}
