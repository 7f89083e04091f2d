/**
 * The public API is an explicit list (src/index.ts): no `export *`, and the names below, no more.
 * A change to this list is a change to the package's contract: update it here on purpose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

const INDEX = join(import.meta.dirname, '..', 'src', 'index.ts');

/** The names src/index.ts exports as types only (read with the TypeScript parser). */
function typeExports(): string[] {
  const sf = ts.createSourceFile(INDEX, readFileSync(INDEX, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const s of sf.statements) {
    if (!ts.isExportDeclaration(s)) continue;
    if (!s.exportClause) throw new Error(`src/index.ts: export * from ${s.moduleSpecifier?.getText(sf)}`);
    if (ts.isNamedExports(s.exportClause)) for (const e of s.exportClause.elements) if (s.isTypeOnly || e.isTypeOnly) out.push(e.name.text);
  }
  return out.sort();
}

describe('public API (src/index.ts)', () => {
  it('runtime exports: sources, RDB, AOF, replay, digest, RESP and JSON conversion, errors', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AofTokenizer',
      'CorruptError',
      'KeyMemory',
      'ParseError',
      'RdbDecoder',
      'RdbEncoder',
      'TruncatedError',
      'UsageError',
      'aofFromBytes',
      'applyRepair',
      'applyUnflush',
      'checkAof',
      'checkRdb',
      'datasetRespChunks',
      'decodeRdb',
      'digestAof',
      'digestRdb',
      'encodeCommand',
      'encodeRdb',
      'engineRecords',
      'entryFromJson',
      'entryToJson',
      'estimateKeyMemory',
      'exportRdb',
      'exportRecords',
      'inspectAof',
      'inspectRdb',
      'mergeReports',
      'openAofSet',
      'openRdbInput',
      'planAofRepair',
      'planAofUnflush',
      'readRdb',
      'readRdbBatches',
      'recordsFromJson',
      'replayAof',
      'report',
      'reportHtml',
      'restore',
      'tokenizeAof',
    ]);
    for (const [name, value] of Object.entries(api)) expect(typeof value, name).toBe('function');
  });

  it('type exports: the sources, the record model, options and reports', () => {
    expect(typeExports()).toEqual([
      'AofCheckReport',
      'AofCommand',
      'AofInspectReport',
      'AofPart',
      'AofPartSource',
      'AofSet',
      'AofSource',
      'AofTokenizerOptions',
      'AofVerdict',
      'ByteSource',
      'Command',
      'DigestOptions',
      'DigestReport',
      'ErrorFormat',
      'ExportOptions',
      'ExportStats',
      'FileChange',
      'KeyEntry',
      'KeyHead',
      'MemoryEstimate',
      'MemoryReport',
      'RdbCheckReport',
      'RdbDecoderOptions',
      'RdbEncodeOptions',
      'RdbEncodeReport',
      'RdbInput',
      'RdbInspectReport',
      'RdbRecord',
      'ReadOptions',
      'RedisType',
      'RepairOptions',
      'RepairPlan',
      'ReplayOptions',
      'ReplayReport',
      'ReportOptions',
      'RestoreInput',
      'RestoreOptions',
      'RestoreProgress',
      'RestoreReport',
      'Span',
      'StreamId',
      'ToRespOptions',
      'ToRespReport',
      'UnflushOptions',
      'UnflushPlan',
      'Value',
    ]);
  });
});
