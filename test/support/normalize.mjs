/**
 * Canonical form of an export (an array of JSONL objects: an expected fixture file, a read-back from a
 * live server, or rdbkit's output) so two exports can be compared with deep equality, plus a precise
 * field-by-field diff for reports.
 *
 * Each normalization below states why it is needed. Anything not listed is compared as is: list
 * order, zset order (Redis order is part of the contract), stream entry order, encodings, TTLs.
 */
import { bytesOfJson, compareBytes } from './readback.mjs';

/** Byte order of two JSON byte strings ("text" or {"base64"}). */
function compareJsonBytes(a, b) {
  return compareBytes(bytesOfJson(a), bytesOfJson(b));
}

/** Order of "ms-seq" stream ids, numerically (ids go beyond 2^53). */
function compareIds(a, b) {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** A copy of obj whose own keys are in sorted order (safe for "__proto__"). */
function sortedObject(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort())
    Object.defineProperty(out, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Canonical form of an export. Options:
 *  - `forCompare` (default true): also drop what a server read-back cannot know (see below).
 * @param {any[]} records
 * @param {{ forCompare?: boolean }} [options]
 */
export function normalizeExport(records, options = {}) {
  const forCompare = options.forCompare ?? true;
  // JSON round trip: compare what a JSONL line carries (-0 becomes 0, undefined fields vanish, no
  // Uint8Array/bigint survive unnoticed: JSON.stringify throws on bigint).
  const copy = JSON.parse(JSON.stringify(records));
  const out = [];
  for (const r of copy) {
    if (r.kind === 'function') {
      // Function records: only the library code is in the contract (name/engine are derived from it).
      out.push({ kind: 'function', code: r.code });
      continue;
    }
    // Records without a key (aux, header, eof...) have no counterpart in a server read-back.
    if (!('key' in r)) {
      if (!forCompare) out.push(r);
      continue;
    }
    out.push(normalizeEntry(r, forCompare));
  }
  // Functions first, by code; then keys by (db, key bytes): RDB order is the server's dict order.
  out.sort((a, b) => {
    const af = a.kind === 'function',
      bf = b.kind === 'function';
    if (af !== bf) return af ? -1 : 1;
    if (af) return compareJsonBytes(a.code, b.code);
    if (a.db !== b.db) return a.db - b.db;
    return compareJsonBytes(a.key, b.key);
  });
  return out;
}

function normalizeEntry(r, forCompare) {
  const e = { ...r };
  if (forCompare) {
    // OBJECT IDLETIME / OBJECT FREQ change on every access, and the read-back does not record them.
    delete e.idle;
    delete e.freq;
    // Spans and RDB type ids are positions in one file, not part of the logical content.
    delete e.span;
    delete e.rdbType;
  }
  switch (e.type) {
    case 'set':
      // A set is unordered; the RDB keeps hash-table or intset order.
      e.value = [...e.value].sort(compareJsonBytes);
      break;
    case 'hash':
      // Hash fields are unordered: sort pairs by field bytes, object keys by name.
      e.value = Array.isArray(e.value) ? [...e.value].sort((a, b) => compareJsonBytes(a[0], b[0])) : sortedObject(e.value);
      break;
    case 'stream':
      e.value = normalizeStream(e.value, forCompare);
      break;
    default:
      break;
  }
  return e;
}

function normalizeStream(s, forCompare) {
  const v = { ...s };
  v.groups = (s.groups ?? [])
    .map((g) => {
      const group = { ...g };
      // The group PEL is a radix tree keyed by id: id order is its only order.
      group.pending = [...(g.pending ?? [])].sort((a, b) => compareIds(a.id, b.id));
      // Consumers live in a dict: sort by name. Their PEL ids likewise by id.
      group.consumers = [...(g.consumers ?? [])]
        .map((c) => {
          const consumer = { ...c, pending: [...(c.pending ?? [])].sort(compareIds) };
          // activeTime exists only in RDB 11+ (Redis 7.2); Redis 7.0's XINFO cannot report it.
          if (forCompare) delete consumer.activeTime;
          return consumer;
        })
        .sort((a, b) => compareJsonBytes(a.name, b.name));
      return group;
    })
    // Groups live in a radix tree keyed by name: sort by name.
    .sort((a, b) => compareJsonBytes(a.name, b.name));
  return v;
}

/**
 * Field-level differences between two normalized exports, as readable lines:
 * `db 0 key "k" value.groups[0].pending[1].deliveryCount: expected 2, actual 1`. At most `limit`.
 * @param {any[]} expected
 * @param {any[]} actual
 */
export function diffExports(expected, actual, limit = 50) {
  const lines = [];
  const label = (r) =>
    r.kind === 'function' ? `function ${JSON.stringify(String(r.code).split('\n')[0])}` : `db ${r.db} key ${JSON.stringify(r.key)}`;
  const index = (arr) => new Map(arr.map((r) => [label(r), r]));
  const e = index(expected);
  const a = index(actual);
  for (const [k, er] of e) {
    if (lines.length >= limit) break;
    const ar = a.get(k);
    if (!ar) lines.push(`${k}: missing from actual (${er.type ?? 'function'})`);
    else
      diffValue(
        er,
        ar,
        '',
        (path, ev, av) => lines.push(`${k} ${path || '(record)'}: expected ${show(ev)}, actual ${show(av)}`),
        () => lines.length >= limit,
      );
  }
  for (const [k, ar] of a) {
    if (lines.length >= limit) break;
    if (!e.has(k)) lines.push(`${k}: unexpected in actual (${ar.type ?? 'function'})`);
  }
  return lines;
}

function show(v) {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

function diffValue(ev, av, path, report, full) {
  if (full()) return;
  if (Object.is(ev, av)) return;
  if (typeof ev !== typeof av || ev === null || av === null || typeof ev !== 'object' || Array.isArray(ev) !== Array.isArray(av)) {
    report(path, ev, av);
    return;
  }
  if (Array.isArray(ev)) {
    if (ev.length !== av.length) report(`${path}.length`, ev.length, av.length);
    for (let i = 0; i < Math.min(ev.length, av.length); i++) diffValue(ev[i], av[i], `${path}[${i}]`, report, full);
    return;
  }
  const keys = new Set([...Object.keys(ev), ...Object.keys(av)]);
  for (const k of keys) diffValue(ev[k], av[k], path ? `${path}.${k}` : k, report, full);
}
