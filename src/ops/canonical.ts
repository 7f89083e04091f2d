/**
 * A key's value in one fixed form, whatever encoding or insertion order produced it: set
 * members and hash fields sorted by their bytes, sorted-set members by (score, member), as
 * Redis orders a skiplist. Used by `convert --sort` (exports that diff cleanly) and by `diff`
 * (a digest of this form stands for the value). Lists and stream entries keep their order,
 * which is part of the value.
 */
import { ByteWriter } from '../bytes/writer.js';
import { compareBytes } from '../model/bytes.js';
import type { KeyEntry, StreamId } from '../model/record.js';

/** The entry with set/hash/zset members in canonical order (a shallow copy when anything moves). */
export function canonicalEntry(e: KeyEntry): KeyEntry {
  switch (e.type) {
    case 'set':
      return { ...e, value: [...e.value].sort(compareBytes) };
    case 'hash':
      return { ...e, value: [...e.value].sort((a, b) => compareBytes(a.field, b.field)) };
    case 'zset':
      return { ...e, value: [...e.value].sort((a, b) => a[1] - b[1] || compareBytes(a[0], b[0])) };
    default:
      return e;
  }
}

const TYPE_TAG = { string: 1, list: 2, set: 3, zset: 4, hash: 5, stream: 6, module: 7, array: 8 } as const;

function str(w: ByteWriter, b: Uint8Array): void {
  w.u32le(b.length);
  w.bytes(b);
}

function id(w: ByteWriter, x: StreamId | null): void {
  if (x === null) {
    w.u8(0);
    return;
  }
  w.u8(1);
  w.u64beBig(x.ms);
  w.u64beBig(x.seq);
}

/**
 * The canonical bytes of a value (type tag, then its parts length-prefixed in canonical order).
 * Two values are equal as Redis sees them exactly when these bytes are equal; the encoding
 * (listpack, hashtable...), idle time and LFU counter are not part of it, nor are the clock
 * readings of stream consumer groups (delivery, seen and active times).
 */
export function canonicalValueBytes(entry: KeyEntry, w = new ByteWriter(256)): Uint8Array {
  const e = canonicalEntry(entry);
  w.u8(TYPE_TAG[e.type]);
  switch (e.type) {
    case 'string':
      str(w, e.value);
      break;
    case 'list':
    case 'set':
      w.u32le(e.value.length);
      for (const m of e.value) str(w, m);
      break;
    case 'zset':
      w.u32le(e.value.length);
      for (const [m, s] of e.value) {
        str(w, m);
        w.f64le(s === 0 ? 0 : s); // -0 and 0 are one score
      }
      break;
    case 'hash':
      w.u32le(e.value.length);
      for (const f of e.value) {
        str(w, f.field);
        str(w, f.value);
        w.f64le(f.expireAt ?? -1);
      }
      break;
    case 'stream': {
      const s = e.value;
      w.u32le(s.entries.length);
      for (const en of s.entries) {
        id(w, en.id);
        w.u32le(en.fields.length);
        for (const [f, v] of en.fields) {
          str(w, f);
          str(w, v);
        }
      }
      w.f64le(s.length);
      id(w, s.lastId);
      id(w, s.maxDeletedId);
      w.f64le(s.entriesAdded ?? -1);
      const groups = [...s.groups].sort((a, b) => compareBytes(a.name, b.name));
      w.u32le(groups.length);
      for (const g of groups) {
        str(w, g.name);
        id(w, g.lastId);
        w.f64le(g.entriesRead ?? -1);
        w.u32le(g.pending.length);
        for (const p of g.pending) {
          id(w, p.id);
          w.f64le(p.deliveryCount);
          str(w, p.consumer ?? new Uint8Array());
        }
        const consumers = [...g.consumers].sort((a, b) => compareBytes(a.name, b.name));
        w.u32le(consumers.length);
        for (const c of consumers) {
          str(w, c.name);
          w.u32le(c.pending.length);
          for (const p of c.pending) id(w, p);
        }
      }
      break;
    }
    case 'array':
      w.u8(e.value.insertIndex === null ? 0 : 1);
      w.u64beBig(e.value.insertIndex ?? 0n);
      w.u32le(e.value.elements.length);
      for (const el of e.value.elements) {
        w.u64beBig(el.index);
        str(w, el.value);
      }
      break;
    case 'module':
      str(w, new TextEncoder().encode(e.value.name));
      w.u32le(e.value.encver);
      str(w, e.value.payload);
      break;
  }
  return w.finish();
}
