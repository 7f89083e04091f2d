/**
 * The JSON / JSONL contract (SPEC.md "JSON export"): one object per key,
 *   {"db":0,"key":K,"type":"hash","encoding":"listpack","expireAt":ms|null,"value":V}
 * A byte string is a JSON string when it is valid UTF-8, else {"base64":"..."}. Both
 * directions live here: entryToJson for export, entryFromJson for JSON → RDB.
 */
import { UsageError } from '../errors.js';
import { fromBase64, toBase64, tryUtf8, utf8 } from '../model/bytes.js';
import type {
  ArrayValue,
  HashField,
  KeyEntry,
  KeyMetaClass,
  ModuleItem,
  RdbRecord,
  StreamConsumer,
  StreamEntry,
  StreamGroup,
  StreamId,
  StreamIdmp,
  StreamIdmpProducer,
  StreamPendingEntry,
  StreamValue,
} from '../model/record.js';
import { PART_THRESHOLD } from '../model/record.js';
import { decodeClassSpec, encodeClassSpec } from '../rdb/key-meta.js';
import { decodeModuleId } from '../rdb/module.js';

/** A JSON byte string. */
export type JsonBytes = string | { base64: string };
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Bytes → JSON string or {base64}. */
export function bytesToJson(b: Uint8Array): JsonBytes {
  const s = tryUtf8(b);
  return s !== null ? s : { base64: toBase64(b) };
}

/** JSON string or {base64} → bytes. */
export function bytesFromJson(v: unknown, what: string): Uint8Array {
  if (typeof v === 'string') return utf8(v);
  if (v && typeof v === 'object' && typeof (v as { base64?: unknown }).base64 === 'string')
    return fromBase64((v as { base64: string }).base64);
  if (typeof v === 'number' && Number.isFinite(v)) return utf8(String(v));
  throw new UsageError('JSON_BAD_BYTES', `${what}: expected a string or {"base64": ...}`);
}

/** A score as JSON: a number, or "inf" / "-inf" / "-0" (JSON numbers cannot carry them). */
export function scoreToJson(s: number): number | string {
  if (s === Infinity) return 'inf';
  if (s === -Infinity) return '-inf';
  if (Object.is(s, -0)) return '-0';
  return s;
}

/** Inverse of scoreToJson. */
export function scoreFromJson(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === 'inf' || v === '+inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === '-0') return -0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new UsageError('JSON_BAD_SCORE', `${what}: invalid score ${JSON.stringify(v)}`);
}

/** A stream id as "ms-seq". */
export function idToJson(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** Parse "ms-seq". */
export function idFromJson(v: unknown, what: string): StreamId {
  const m = typeof v === 'string' ? /^(\d+)-(\d+)$/.exec(v) : null;
  if (!m) throw new UsageError('JSON_BAD_STREAM_ID', `${what}: invalid stream id ${JSON.stringify(v)}`);
  return { ms: BigInt(m[1]!), seq: BigInt(m[2]!) };
}

/**
 * Pairs as a JSON object when every name is valid UTF-8 and unique, else as [[name, value], ...].
 * Null-prototype objects, so a field named "__proto__" is an ordinary key.
 */
function pairsToJson<T>(pairs: ReadonlyArray<readonly [Uint8Array, T]>, value: (v: T) => Json, forcePairs = false): Json {
  const obj: Record<string, Json> = Object.create(null);
  let asObject = !forcePairs;
  for (const [n, v] of asObject ? pairs : []) {
    const k = tryUtf8(n);
    if (k === null || k in obj) {
      asObject = false;
      break;
    }
    obj[k] = value(v);
  }
  if (asObject) return obj;
  return pairs.map(([n, v]) => [bytesToJson(n) as Json, value(v)]);
}

function pairsFromJson(v: unknown, what: string): Array<[Uint8Array, unknown]> {
  if (Array.isArray(v)) {
    return v.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new UsageError('JSON_BAD_PAIRS', `${what}[${i}]: expected a [name, value] pair`);
      return [bytesFromJson(p[0], `${what}[${i}]`), p[1]];
    });
  }
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => [utf8(k), x]);
  throw new UsageError('JSON_BAD_PAIRS', `${what}: expected an object or an array of pairs`);
}

/** One stream entry as JSON. */
export function streamEntryToJson(e: StreamEntry): Json {
  return { id: idToJson(e.id), fields: pairsToJson(e.fields, (x) => bytesToJson(x) as Json) };
}

/**
 * One pending entry as JSON. In a large stream (`large`, see streamIsLarge) it names no consumer:
 * its owner is the consumer whose `pending` lists it, which the file only says after the PEL.
 */
export function pendingToJson(p: StreamPendingEntry, large: boolean): Json {
  if (large) return { id: idToJson(p.id), deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount };
  return {
    id: idToJson(p.id),
    consumer: p.consumer ? (bytesToJson(p.consumer) as Json) : null,
    deliveryTime: p.deliveryTime,
    deliveryCount: p.deliveryCount,
  };
}

/**
 * Whether a stream is written in the large form (SPEC.md §3): its entries, pending entries,
 * consumer-PEL ids and NACK-zone ids number at least `partThreshold`, as a stream a decoder hands
 * over in parts does.
 */
export function streamIsLarge(s: StreamValue, partThreshold: number): boolean {
  let n = s.entries.length + (s.packed?.live ?? 0);
  for (const g of s.groups) {
    n += g.pending.length + (g.nacked?.length ?? 0);
    for (const c of g.consumers) n += c.pending.length;
  }
  return n >= partThreshold;
}

function streamToJson(s: StreamValue, large: boolean): Json {
  return {
    entries: s.entries.map(streamEntryToJson),
    length: s.length,
    lastId: idToJson(s.lastId),
    firstId: s.firstId ? idToJson(s.firstId) : null,
    maxDeletedId: s.maxDeletedId ? idToJson(s.maxDeletedId) : null,
    entriesAdded: s.entriesAdded,
    groups: s.groups.map((g) => ({
      name: bytesToJson(g.name) as Json,
      lastId: idToJson(g.lastId),
      entriesRead: g.entriesRead,
      pending: g.pending.map((p) => pendingToJson(p, large)),
      consumers: g.consumers.map((c) => ({
        name: bytesToJson(c.name) as Json,
        seenTime: c.seenTime,
        activeTime: c.activeTime,
        pending: c.pending.map(idToJson),
      })),
      ...(g.nacked ? { nacked: g.nacked.map(idToJson) } : {}),
    })),
    ...(s.idmp ? { idmp: idmpToJson(s.idmp) } : {}),
  };
}

export function idmpToJson(m: StreamIdmp): Json {
  return {
    duration: m.duration,
    maxEntries: m.maxEntries,
    producers: m.producers.map((p) => ({
      pid: bytesToJson(p.pid) as Json,
      entries: p.entries.map((e) => ({ iid: bytesToJson(e.iid) as Json, id: idToJson(e.id) })),
    })),
    iidsAdded: m.iidsAdded,
    iidsDuplicates: m.iidsDuplicates,
  };
}

function idmpFromJson(v: unknown, what: string): StreamIdmp {
  if (!v || typeof v !== 'object') throw new UsageError('JSON_BAD_STREAM', `${what}: expected an IDMP object`);
  const o = v as Record<string, unknown>;
  const producers: StreamIdmpProducer[] = (Array.isArray(o.producers) ? o.producers : []).map((p: Record<string, unknown>, i: number) => ({
    pid: bytesFromJson(p.pid, `${what}.producers[${i}].pid`),
    entries: (Array.isArray(p.entries) ? p.entries : []).map((e: Record<string, unknown>, j: number) => ({
      iid: bytesFromJson(e.iid, `${what}.producers[${i}].entries[${j}].iid`),
      id: idFromJson(e.id, `${what}.producers[${i}].entries[${j}].id`),
    })),
  }));
  return {
    duration: Number(o.duration ?? 100),
    maxEntries: Number(o.maxEntries ?? 100),
    producers,
    iidsAdded: Number(o.iidsAdded ?? 0),
    iidsDuplicates: Number(o.iidsDuplicates ?? 0),
  };
}

function arrayToJson(a: ArrayValue): Json {
  return {
    insertIndex: a.insertIndex === null ? null : a.insertIndex.toString(),
    elements: a.elements.map((e) => ({ index: e.index.toString(), value: bytesToJson(e.value) as Json })),
  };
}

function u64FromJson(v: unknown, what: string): bigint {
  const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof s !== 'string' || !/^\d{1,20}$/.test(s) || BigInt(s) >= 1n << 64n)
    throw new UsageError('JSON_BAD_VALUE', `${what}: expected an unsigned 64-bit integer as a decimal string`);
  return BigInt(s);
}

function arrayFromJson(v: unknown, what: string): ArrayValue {
  if (!v || typeof v !== 'object') throw new UsageError('JSON_BAD_VALUE', `${what}: expected an array object`);
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.elements)) throw new UsageError('JSON_BAD_VALUE', `${what}.elements: expected an array`);
  return {
    insertIndex: o.insertIndex === null || o.insertIndex === undefined ? null : u64FromJson(o.insertIndex, `${what}.insertIndex`),
    elements: o.elements.map((e: Record<string, unknown>, i: number) => ({
      index: u64FromJson(e?.index, `${what}.elements[${i}].index`),
      value: bytesFromJson(e?.value, `${what}.elements[${i}].value`),
    })),
  };
}

/** One key-metadata class as JSON. */
export function keyMetaToJson(c: KeyMetaClass): Json {
  return { class: c.name, version: c.version, flags: c.flags, spec: c.spec, payload: { base64: toBase64(c.payload) } };
}

function keyMetaFromJson(v: unknown, what: string): KeyMetaClass {
  if (!v || typeof v !== 'object') throw new UsageError('JSON_BAD_META', `${what}: expected a key metadata object`);
  const o = v as Record<string, unknown>;
  const spec =
    typeof o.spec === 'number' ? o.spec >>> 0 : encodeClassSpec(String(o.class ?? ''), Number(o.version ?? 0), Number(o.flags ?? 0));
  const d = decodeClassSpec(spec);
  if (!d) throw new UsageError('JSON_BAD_META', `${what}.spec: invalid class spec ${spec}`);
  return { spec, ...d, items: [], payload: bytesFromJson(o.payload, `${what}.payload`) };
}

function streamFromJson(v: unknown, what: string): StreamValue {
  if (!v || typeof v !== 'object') throw new UsageError('JSON_BAD_STREAM', `${what}: expected a stream object`);
  const o = v as Record<string, unknown>;
  const entries: StreamEntry[] = (Array.isArray(o.entries) ? o.entries : []).map((e: Record<string, unknown>, i: number) => ({
    id: idFromJson(e.id, `${what}.entries[${i}].id`),
    fields: pairsFromJson(e.fields, `${what}.entries[${i}].fields`).map(
      ([f, x]) => [f, bytesFromJson(x, `${what}.entries[${i}].fields`)] as [Uint8Array, Uint8Array],
    ),
  }));
  const groups: StreamGroup[] = (Array.isArray(o.groups) ? o.groups : []).map((g: Record<string, unknown>, gi: number) => {
    const w = `${what}.groups[${gi}]`;
    const consumers: StreamConsumer[] = (Array.isArray(g.consumers) ? g.consumers : []).map((c: Record<string, unknown>, ci: number) => ({
      name: bytesFromJson(c.name, `${w}.consumers[${ci}].name`),
      seenTime: Number(c.seenTime ?? 0),
      activeTime: c.activeTime === null || c.activeTime === undefined ? null : Number(c.activeTime),
      pending: (Array.isArray(c.pending) ? c.pending : []).map((id: unknown) => idFromJson(id, `${w}.consumers[${ci}].pending`)),
    }));
    // a large stream's pending entries name no consumer: the consumer listing an id owns it
    let owners: Map<string, Uint8Array> | null = null;
    const ownerOf = (id: StreamId): Uint8Array | null => {
      if (!owners) {
        owners = new Map();
        for (const c of consumers) for (const x of c.pending) owners.set(idToJson(x), c.name);
      }
      return owners.get(idToJson(id)) ?? null;
    };
    const pending: StreamPendingEntry[] = (Array.isArray(g.pending) ? g.pending : []).map((p: Record<string, unknown>, pi: number) => {
      const id = idFromJson(p.id, `${w}.pending[${pi}].id`);
      return {
        id,
        consumer:
          p.consumer === undefined ? ownerOf(id) : p.consumer === null ? null : bytesFromJson(p.consumer, `${w}.pending[${pi}].consumer`),
        deliveryTime: Number(p.deliveryTime ?? 0),
        deliveryCount: Number(p.deliveryCount ?? 0),
      };
    });
    const group: StreamGroup = {
      name: bytesFromJson(g.name, `${w}.name`),
      lastId: idFromJson(g.lastId, `${w}.lastId`),
      entriesRead: g.entriesRead === null || g.entriesRead === undefined ? null : Number(g.entriesRead),
      pending,
      consumers,
    };
    if (Array.isArray(g.nacked)) group.nacked = g.nacked.map((id: unknown) => idFromJson(id, `${w}.nacked`));
    return group;
  });
  return {
    entries,
    length: typeof o.length === 'number' ? o.length : entries.length,
    lastId: o.lastId ? idFromJson(o.lastId, `${what}.lastId`) : entries.length ? entries[entries.length - 1]!.id : { ms: 0n, seq: 0n },
    firstId: o.firstId ? idFromJson(o.firstId, `${what}.firstId`) : null,
    maxDeletedId: o.maxDeletedId ? idFromJson(o.maxDeletedId, `${what}.maxDeletedId`) : null,
    entriesAdded: typeof o.entriesAdded === 'number' ? o.entriesAdded : null,
    groups,
    ...(o.idmp ? { idmp: idmpFromJson(o.idmp, `${what}.idmp`) } : {}),
  };
}

/** A key entry as its JSON object (the JSONL line, before stringify). */
export function entryToJson(e: KeyEntry, partThreshold = PART_THRESHOLD): Record<string, Json> {
  const out: Record<string, Json> = {
    db: e.db,
    key: bytesToJson(e.key) as Json,
    type: e.type,
    encoding: e.encoding,
    expireAt: e.expireAt,
    value: null,
  };
  switch (e.type) {
    case 'string':
      out.value = bytesToJson(e.value) as Json;
      break;
    case 'list':
    case 'set':
      out.value = e.value.map((b) => bytesToJson(b) as Json);
      break;
    case 'zset':
      out.value = e.value.map(([m, s]) => [bytesToJson(m) as Json, scoreToJson(s)]);
      // a large zset reads as a server saves it, from the highest score down (SPEC.md §3)
      if (e.value.length > partThreshold) out.value.reverse();
      break;
    case 'hash': {
      // a large hash is written as pairs: its names cannot all be seen before it is written in parts
      const large = e.value.length > partThreshold;
      out.value = pairsToJson(
        e.value.map((h) => [h.field, h.value] as const),
        (x) => bytesToJson(x) as Json,
        large,
      );
      const withTtl = e.value.filter((h) => h.expireAt !== undefined);
      if (withTtl.length)
        out.fieldExpireAt = pairsToJson(
          withTtl.map((h) => [h.field, h.expireAt!] as const),
          (x) => x,
          large,
        );
      break;
    }
    case 'stream':
      out.value = streamToJson(e.value, streamIsLarge(e.value, partThreshold));
      break;
    case 'module':
      out.value = { module: e.value.name, encver: e.value.encver, payload: { base64: toBase64(e.value.payload) } };
      break;
    case 'array':
      out.value = arrayToJson(e.value);
      break;
  }
  if (e.idle !== undefined) out.idle = e.idle;
  if (e.freq !== undefined) out.freq = e.freq;
  if (e.meta) out.meta = e.meta.map(keyMetaToJson);
  if (e.template) out.template = e.template.lead === undefined ? { id: e.template.id } : { id: e.template.id, lead: e.template.lead };
  return out;
}

/** A metadata record as JSON (for --meta), or null for records that have no JSON form. */
export function metaToJson(r: RdbRecord): Record<string, Json> | null {
  switch (r.kind) {
    case 'header':
      return { kind: 'header', family: r.family, version: r.version };
    case 'aux':
      return { kind: 'aux', name: bytesToJson(r.key) as Json, value: bytesToJson(r.value) as Json };
    case 'function':
      return { kind: 'function', name: r.name, engine: r.engine, code: bytesToJson(r.code) as Json };
    case 'module-aux':
      return { kind: 'module-aux', module: r.name, encver: r.encver, when: r.when, payload: { base64: toBase64(r.payload) } };
    case 'slot-info':
      return { kind: 'slot-info', slot: r.slot, keys: r.keys, expires: r.expires };
    case 'slot-import':
      return { kind: 'slot-import', job: bytesToJson(r.job) as Json, ranges: r.ranges.map(([a, b]) => [a, b]) };
    case 'hash-template':
      return { kind: 'hash-template', id: r.id, fields: r.fields.map((f) => bytesToJson(f) as Json) };
    default:
      return null;
  }
}

/** Parse one JSON object of the contract back into a record (key entry, aux, function, module-aux). */
export function entryFromJson(v: unknown, where = 'record'): RdbRecord | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError('JSON_BAD_RECORD', `${where}: expected an object`);
  const o = v as Record<string, unknown>;
  if (o.kind !== undefined && o.key === undefined) {
    switch (o.kind) {
      case 'aux':
        return { kind: 'aux', key: bytesFromJson(o.name, `${where}.name`), value: bytesFromJson(o.value, `${where}.value`) };
      case 'function':
        return {
          kind: 'function',
          code: bytesFromJson(o.code, `${where}.code`),
          name: typeof o.name === 'string' ? o.name : null,
          engine: typeof o.engine === 'string' ? o.engine : null,
        };
      case 'slot-info':
        return { kind: 'slot-info', slot: Number(o.slot ?? 0), keys: Number(o.keys ?? 0), expires: Number(o.expires ?? 0) };
      case 'slot-import':
        return {
          kind: 'slot-import',
          job: bytesFromJson(o.job, `${where}.job`),
          ranges: (Array.isArray(o.ranges) ? o.ranges : []).map((p: unknown) => [Number((p as number[])[0]), Number((p as number[])[1])]),
        };
      case 'hash-template': {
        if (!Array.isArray(o.fields)) throw new UsageError('JSON_BAD_RECORD', `${where}.fields: expected an array`);
        return { kind: 'hash-template', id: Number(o.id ?? 0), fields: o.fields.map((f, i) => bytesFromJson(f, `${where}.fields[${i}]`)) };
      }
      case 'module-aux': {
        const payload = bytesFromJson(o.payload, `${where}.payload`);
        return {
          kind: 'module-aux',
          moduleId: 0n,
          name: String(o.module ?? ''),
          encver: Number(o.encver ?? 0),
          when: Number(o.when ?? 2),
          items: [],
          payload,
        };
      }
      default:
        return null;
    }
  }
  const db = Number(o.db ?? 0);
  if (!Number.isInteger(db) || db < 0) throw new UsageError('JSON_BAD_DB', `${where}.db: invalid db ${JSON.stringify(o.db)}`);
  const key = bytesFromJson(o.key, `${where}.key`);
  const expireAt = o.expireAt === null || o.expireAt === undefined ? null : Number(o.expireAt);
  const base = { kind: 'key' as const, db, key, encoding: typeof o.encoding === 'string' ? o.encoding : '', rdbType: null, expireAt };
  const w = `${where}.value`;
  let entry: KeyEntry;
  switch (o.type) {
    case 'string':
      entry = { ...base, type: 'string', value: bytesFromJson(o.value, w) };
      break;
    case 'list':
    case 'set': {
      if (!Array.isArray(o.value)) throw new UsageError('JSON_BAD_VALUE', `${w}: expected an array`);
      const value = o.value.map((x, i) => bytesFromJson(x, `${w}[${i}]`));
      entry = o.type === 'list' ? { ...base, type: 'list', value } : { ...base, type: 'set', value };
      break;
    }
    case 'zset': {
      if (!Array.isArray(o.value)) throw new UsageError('JSON_BAD_VALUE', `${w}: expected an array of [member, score]`);
      entry = {
        ...base,
        type: 'zset',
        value: o.value.map((p, i) => {
          if (!Array.isArray(p) || p.length !== 2) throw new UsageError('JSON_BAD_VALUE', `${w}[${i}]: expected [member, score]`);
          return [bytesFromJson(p[0], `${w}[${i}]`), scoreFromJson(p[1], `${w}[${i}]`)] as [Uint8Array, number];
        }),
      };
      break;
    }
    case 'hash': {
      const fields: HashField[] = pairsFromJson(o.value, w).map(([f, x]) => ({ field: f, value: bytesFromJson(x, w) }));
      if (o.fieldExpireAt) {
        const ttl = new Map(
          pairsFromJson(o.fieldExpireAt, `${where}.fieldExpireAt`).map(([f, x]) => [String.fromCharCode(...f), Number(x)]),
        );
        for (const h of fields) {
          const t = ttl.get(String.fromCharCode(...h.field));
          if (t !== undefined) h.expireAt = t;
        }
      }
      entry = { ...base, type: 'hash', value: fields };
      break;
    }
    case 'stream':
      entry = { ...base, type: 'stream', value: streamFromJson(o.value, w) };
      break;
    case 'array':
      entry = { ...base, type: 'array', value: arrayFromJson(o.value, w) };
      break;
    case 'module': {
      const m = o.value as Record<string, unknown> | null;
      if (!m || typeof m !== 'object') throw new UsageError('JSON_BAD_VALUE', `${w}: expected a module object`);
      const payload = bytesFromJson(m.payload, `${w}.payload`);
      entry = { ...base, type: 'module', value: moduleFromPayload(payload, String(m.module ?? ''), Number(m.encver ?? 0)) };
      break;
    }
    default:
      throw new UsageError('JSON_BAD_TYPE', `${where}.type: unknown type ${JSON.stringify(o.type)}`);
  }
  if (typeof o.idle === 'number') entry.idle = o.idle;
  if (typeof o.freq === 'number') entry.freq = o.freq;
  if (Array.isArray(o.meta)) entry.meta = o.meta.map((m, i) => keyMetaFromJson(m, `${where}.meta[${i}]`));
  if (o.template && typeof o.template === 'object') {
    const t = o.template as Record<string, unknown>;
    entry.template = { id: t.id === null || t.id === undefined ? null : Number(t.id) };
    if (typeof t.lead === 'number') entry.template.lead = t.lead;
  }
  return entry;
}

/** A module value from its pass-through payload (module id first, as an rdbLen). */
function moduleFromPayload(
  payload: Uint8Array,
  name: string,
  encver: number,
): { moduleId: bigint; name: string; encver: number; items: ModuleItem[]; payload: Uint8Array } {
  let moduleId = 0n;
  if (payload.length >= 9 && payload[0] === 0x81) {
    moduleId = new DataView(payload.buffer, payload.byteOffset, 9).getBigUint64(1, false);
    const d = decodeModuleId(moduleId);
    name = d.name;
    encver = d.encver;
  }
  return { moduleId, name, encver, items: [], payload };
}
