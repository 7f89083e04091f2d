/**
 * Read a live Redis 7.0 keyspace back into rdbkit's JSONL export contract, using only server
 * commands (TYPE, OBJECT ENCODING, PEXPIRETIME, GET/LRANGE/SMEMBERS/ZRANGE WITHSCORES/HGETALL,
 * XINFO STREAM FULL, FUNCTION LIST WITHCODE) and never rdbkit code. Shared by fixtures/generate.mjs
 * (expected JSON files) and test/differential.test.ts.
 *
 * Contract (SPEC.md, issue 2):
 *   {"db":0,"key":K,"type":T,"encoding":E,"expireAt":ms|null,"value":V}
 * byte strings: a JSON string when valid UTF-8, else {"base64":"..."}. Functions:
 *   {"kind":"function","code":"#!lua name=..."}.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

/** A byte string as JSON: text when valid UTF-8, else {"base64": ...}. @param {Uint8Array} bytes */
export function jsonBytes(bytes) {
  const text = tryUtf8(bytes);
  return text !== null ? text : { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

/** Strict UTF-8 decode, or null. @param {Uint8Array} bytes */
export function tryUtf8(bytes) {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Inverse of jsonBytes. @param {string | { base64: string }} v */
export function bytesOfJson(v) {
  if (typeof v === 'string') return textEncoder.encode(v);
  if (v && typeof v === 'object' && typeof v.base64 === 'string') return new Uint8Array(Buffer.from(v.base64, 'base64'));
  throw new Error(`not a JSON byte string: ${JSON.stringify(v)}`);
}

/** memcmp order. @param {Uint8Array} a @param {Uint8Array} b */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Text of a reply that must be a bulk/simple string. */
function text(reply) {
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).toString('utf8');
  throw new Error(`expected a string reply, got ${JSON.stringify(reply)}`);
}

/** A RESP2 flat [k1, v1, k2, v2...] reply as a Map from text keys. */
function flatMap(reply) {
  const m = new Map();
  for (let i = 0; i < reply.length; i += 2) m.set(text(reply[i]), reply[i + 1]);
  return m;
}

/** Set an own enumerable property (safe for "__proto__" and friends). */
function defineField(obj, name, value) {
  Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * [field, value] byte pairs as JSON: an object when every name is valid UTF-8 and unique, else an
 * array of [field, value] pairs. @param {Array<[Uint8Array, Uint8Array]>} pairs
 */
export function pairsToJson(pairs) {
  const names = pairs.map(([f]) => tryUtf8(f));
  const unique = new Set(names).size === names.length;
  if (unique && names.every((n) => n !== null)) {
    const obj = {};
    pairs.forEach(([, v], i) => {
      defineField(obj, /** @type {string} */ (names[i]), jsonBytes(v));
    });
    return obj;
  }
  return pairs.map(([f, v]) => [jsonBytes(f), jsonBytes(v)]);
}

/**
 * A zset score reply as JSON: a number, or "inf"/"-inf"/"-0" (JSON numbers cannot carry them; "-0"
 * is rdbkit's documented choice). Redis 7.0 replies "%.17g" text or inf/-inf; a skiplist keeps -0
 * (reply "-0"), a listpack stores it as integer 0 (reply "0").
 */
export function scoreToJson(reply) {
  const s = text(reply);
  if (s === 'inf' || s === '+inf') return 'inf';
  if (s === '-inf') return '-inf';
  if (s === '-0') return '-0';
  const n = Number(s);
  if (Number.isNaN(n)) throw new Error(`unexpected score ${s}`);
  return n;
}

/** Read one key's value, given its type. @param {any} client @param {Uint8Array} key @param {string} type */
export async function readValue(client, key, type) {
  switch (type) {
    case 'string':
      return jsonBytes(await client.call('GET', key));
    case 'list':
      return (await client.call('LRANGE', key, '0', '-1')).map(jsonBytes);
    case 'set':
      return (await client.call('SMEMBERS', key)).sort(compareBytes).map(jsonBytes);
    case 'zset': {
      const flat = await client.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
      const out = [];
      for (let i = 0; i < flat.length; i += 2) out.push([jsonBytes(flat[i]), scoreToJson(flat[i + 1])]);
      return out;
    }
    case 'hash': {
      const flat = await client.call('HGETALL', key);
      const pairs = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      pairs.sort((a, b) => compareBytes(a[0], b[0]));
      return pairsToJson(pairs);
    }
    case 'stream':
      return streamToJson(await client.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0'));
    default:
      throw new Error(`readback: unsupported type ${type}`);
  }
}

/** XINFO STREAM FULL (RESP2, Redis 7.0) → the stream JSON of the contract. */
export function streamToJson(reply) {
  const m = flatMap(reply);
  const entries = m.get('entries').map(([id, fields]) => {
    const pairs = [];
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i], fields[i + 1]]);
    return { id: text(id), fields: pairsToJson(pairs) };
  });
  const groups = m.get('groups').map((g) => {
    const gm = flatMap(g);
    const entriesRead = gm.get('entries-read');
    return {
      name: jsonBytes(gm.get('name')),
      lastId: text(gm.get('last-delivered-id')),
      entriesRead: entriesRead === null || entriesRead === undefined ? null : entriesRead,
      pending: gm.get('pending').map(([id, consumer, deliveryTime, deliveryCount]) => ({
        id: text(id),
        consumer: jsonBytes(consumer),
        deliveryTime,
        deliveryCount,
      })),
      consumers: gm.get('consumers').map((c) => {
        const cm = flatMap(c);
        return {
          name: jsonBytes(cm.get('name')),
          seenTime: cm.get('seen-time'),
          pending: cm.get('pending').map(([id]) => text(id)),
        };
      }),
    };
  });
  return {
    entries,
    length: m.get('length'),
    lastId: text(m.get('last-generated-id')),
    firstId: text(m.get('recorded-first-entry-id')),
    maxDeletedId: text(m.get('max-deleted-entry-id')),
    entriesAdded: m.get('entries-added'),
    groups,
  };
}

/** The function libraries' code, as {"kind":"function","code"} records sorted by code. */
export async function readFunctions(client) {
  const libs = await client.call('FUNCTION', 'LIST', 'WITHCODE');
  return libs
    .map((lib) => ({ kind: 'function', code: jsonBytes(flatMap(lib).get('library_code')) }))
    .sort((a, b) => compareBytes(bytesOfJson(a.code), bytesOfJson(b.code)));
}

/** The db numbers that hold keys (via INFO keyspace). */
export async function nonEmptyDbs(client) {
  const info = text(await client.call('INFO', 'keyspace'));
  const dbs = [];
  for (const line of info.split(/\r?\n/)) {
    const m = /^db(\d+):keys=(\d+)/.exec(line);
    if (m && Number(m[2]) > 0) dbs.push(Number(m[1]));
  }
  return dbs.sort((a, b) => a - b);
}

/**
 * Read the whole keyspace (every db) and the function libraries into the export contract:
 * functions first, then keys by (db, key bytes). Leaves the connection on db 0.
 * @param {any} client
 */
export async function readBack(client) {
  const out = await readFunctions(client);
  for (const db of await nonEmptyDbs(client)) {
    await client.call('SELECT', String(db));
    const keys = (await client.call('KEYS', '*')).sort(compareBytes);
    const meta = await client.pipeline(
      keys.flatMap((k) => [
        ['TYPE', k],
        ['OBJECT', 'ENCODING', k],
        ['PEXPIRETIME', k],
      ]),
    );
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const type = text(meta[3 * i]);
      const encoding = text(meta[3 * i + 1]);
      const pexpiretime = meta[3 * i + 2];
      if (typeof pexpiretime !== 'number' || pexpiretime === -2)
        throw new Error(`key vanished during read-back: ${JSON.stringify(jsonBytes(key))}`);
      out.push({
        db,
        key: jsonBytes(key),
        type,
        encoding,
        expireAt: pexpiretime === -1 ? null : pexpiretime,
        value: await readValue(client, key, type),
      });
    }
  }
  await client.call('SELECT', '0');
  return out;
}

/** Serialise an export array as JSON, one record per line (diff-friendly). */
export function formatExport(records) {
  return records.length === 0 ? '[]\n' : `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
}
