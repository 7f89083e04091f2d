/**
 * RDB → JSONL / JSON export (the contract in SPEC.md). Produces text chunks, one per decoded
 * batch, so memory stays bounded; the caller writes them wherever it likes.
 */
import type { RdbDecoderOptions } from '../rdb/decoder.js';
import { type KeyFilter, compileFilter } from './filter.js';
import { entryToJson, metaToJson } from './json.js';
import { type ByteSource, readRdbBatches } from './read.js';

/** Export options. */
export interface ExportOptions extends KeyFilter {
  format: 'jsonl' | 'json';
  /** Include aux/function/module-aux records (without "key"). */
  meta?: boolean;
  decoder?: RdbDecoderOptions;
}

/** Counts reported after an export. */
export interface ExportStats {
  keys: number;
  records: number;
}

/** Yield the export as text chunks. `stats` is filled as it goes. */
export async function* exportRdb(source: ByteSource, opts: ExportOptions, stats: ExportStats = { keys: 0, records: 0 }): AsyncGenerator<string> {
  const keep = compileFilter(opts);
  const json = opts.format === 'json';
  let first = true;
  if (json) yield '[';
  for await (const batch of readRdbBatches(source, opts.decoder)) {
    let text = '';
    for (const r of batch) {
      let obj: object | null = null;
      if (r.kind === 'key') {
        if (!keep(r)) continue;
        obj = entryToJson(r);
        stats.keys++;
      } else if (opts.meta) {
        obj = metaToJson(r);
      }
      if (!obj) continue;
      stats.records++;
      const line = JSON.stringify(obj);
      if (json) {
        text += first ? `\n${line}` : `,\n${line}`;
        first = false;
      } else {
        text += `${line}\n`;
      }
    }
    if (text) yield text;
  }
  if (json) yield first ? ']\n' : '\n]\n';
}
