/**
 * Canonical exports (`convert --sort`): keys ordered by (db, key bytes), set members and hash
 * fields by their bytes, sorted-set members by (score, member), so two exports of the same data
 * are byte-identical and `diff`/`git diff` of exports shows only real changes.
 *
 * Buffering model: sorting needs every key before the first can be written. Each key is
 * serialized to its JSONL line as it arrives (the decoded value is then dropped), so memory
 * is the size of the output, not of the decoded dataset.
 */
import { ByteWriter } from '../bytes/writer.js';
import { compareBytes, utf8 } from '../model/bytes.js';
import type { RdbRecord } from '../model/record.js';
import { canonicalEntry } from './canonical.js';
import type { ExportOptions, ExportStats } from './export.js';
import { compileFilter } from './filter.js';
import { metaToJson } from './json.js';
import { writeEntryJson } from './jsonl.js';

interface Line {
  db: number;
  key: Uint8Array;
  text: Uint8Array;
}

/** Yield the canonical export of batches of records as UTF-8 chunks (meta records first, in input order). */
export async function* sortedExport(
  batches: AsyncIterable<RdbRecord[]> | Iterable<RdbRecord[]>,
  opts: Omit<ExportOptions, 'decoder'>,
  stats: ExportStats = { keys: 0, records: 0 },
): AsyncGenerator<Uint8Array> {
  const keep = compileFilter(opts);
  const lines: Line[] = [];
  const metas: Uint8Array[] = [];
  const w = new ByteWriter(1 << 12);
  for await (const batch of batches) {
    for (const r of batch) {
      if (r.kind !== 'key') {
        if (!opts.meta) continue;
        const m = metaToJson(r);
        if (m) metas.push(utf8(JSON.stringify(m)));
        continue;
      }
      if (!keep(r)) continue;
      w.length = 0;
      writeEntryJson(w, canonicalEntry(r));
      lines.push({ db: r.db, key: r.key.slice(), text: w.finish().slice() });
    }
  }
  lines.sort((a, b) => a.db - b.db || compareBytes(a.key, b.key));
  const json = opts.format === 'json';
  const out = new ByteWriter(1 << 16);
  if (json) out.u8(0x5b);
  let first = true;
  const put = (t: Uint8Array): void => {
    stats.records++;
    if (json) out.ascii(first ? '\n' : ',\n');
    first = false;
    out.bytes(t);
    if (!json) out.u8(0x0a);
  };
  for (const m of metas) put(m);
  for (const l of lines) {
    put(l.text);
    stats.keys++;
    if (out.length >= 1 << 16) yield out.take();
  }
  if (json) out.ascii(first ? ']\n' : '\n]\n');
  if (out.length) yield out.take();
}
