/** `inspect` for RDB files: version, aux fields and per-database statistics, as a typed report. */
import { displayText } from '../model/bytes.js';
import { PART_THRESHOLD } from '../model/record.js';
import { type ByteSource, type ReadOptions, readRdbBatches } from './read.js';

/** Per-database statistics. */
export interface DbStats {
  db: number;
  keys: number;
  keysWithExpiry: number;
  /** Bytes of the key records in the file. */
  bytes: number;
  byType: Record<string, number>;
  byEncoding: Record<string, number>;
}

/** What `inspect` reports on an RDB. */
export interface RdbInspectReport {
  format: 'rdb';
  family: 'redis' | 'valkey';
  version: number;
  aux: Array<{ name: string; value: string }>;
  functions: Array<{ name: string | null; engine: string | null }>;
  modules: Array<{ name: string; encver: number; when: number }>;
  dbs: DbStats[];
  totalKeys: number;
  emptyKeysSkipped: number;
  checksum: string | null;
  checksumVerified: boolean;
  size: number;
}

/** Inspect an RDB source. Throws TruncatedError/CorruptError like the decoder. */
export async function inspectRdb(source: ByteSource, options: ReadOptions = {}): Promise<RdbInspectReport> {
  const rep: RdbInspectReport = {
    format: 'rdb',
    family: 'redis',
    version: 0,
    aux: [],
    functions: [],
    modules: [],
    dbs: [],
    totalKeys: 0,
    emptyKeysSkipped: 0,
    checksum: null,
    checksumVerified: false,
    size: 0,
  };
  const dbs = new Map<number, DbStats>();
  for await (const batch of readRdbBatches(source, { skipValues: true, partThreshold: PART_THRESHOLD, ...options })) {
    for (const r of batch) {
      switch (r.kind) {
        case 'header':
          rep.family = r.family;
          rep.version = r.version;
          break;
        case 'aux':
          rep.aux.push({ name: displayText(r.key), value: displayText(r.value) });
          break;
        case 'function':
          rep.functions.push({ name: r.name, engine: r.engine });
          break;
        case 'module-aux':
          rep.modules.push({ name: r.name, encver: r.encver, when: r.when });
          break;
        case 'eof':
          rep.checksum = r.checksum;
          rep.checksumVerified = r.verified;
          rep.size = r.span?.end ?? 0;
          break;
        case 'key': {
          let s = dbs.get(r.db);
          if (!s) {
            s = { db: r.db, keys: 0, keysWithExpiry: 0, bytes: 0, byType: {}, byEncoding: {} };
            dbs.set(r.db, s);
          }
          s.keys++;
          if (r.expireAt !== null) s.keysWithExpiry++;
          if (r.span) s.bytes += r.span.end - r.span.start;
          s.byType[r.type] = (s.byType[r.type] ?? 0) + 1;
          const enc = `${r.type}/${r.encoding}`;
          s.byEncoding[enc] = (s.byEncoding[enc] ?? 0) + 1;
          rep.totalKeys++;
          break;
        }
        default:
          break;
      }
    }
  }
  rep.dbs = [...dbs.values()].sort((a, b) => a.db - b.db);
  return rep;
}
