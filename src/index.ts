/**
 * rdbkit's public API: an explicit list of named exports, nothing else. Every operation takes
 * sources (an RDB is a ByteSource of chunks; an AOF is an AofSource, its parts in load order)
 * and returns typed results. `openRdbInput` and `openAofSet` open files as sources;
 * `aofFromBytes` makes an AOF source of bytes in memory. test/api.test.ts snapshots this list.
 */

// AOF: tokenize, inspect, check, repair, unflush, write commands
export type { AofCommand, AofTokenizerOptions, AofVerdict } from './aof/resp.js';
export { AofTokenizer, tokenizeAof } from './aof/resp.js';
export { encodeCommand } from './aof/writer.js';
// Errors
export type { ErrorFormat } from './errors.js';
export { CorruptError, ParseError, TruncatedError, UsageError } from './errors.js';
// Sources, and opening files as sources
export type { AofPart, AofSet, FileChange } from './io/aof-files.js';
export { applyRepair, applyUnflush, openAofSet } from './io/aof-files.js';
export type { RdbInput } from './io/input.js';
export { openRdbInput } from './io/input.js';
// The record model
export type { Command, KeyEntry, RdbRecord, RedisType, Span, StreamId, Value } from './model/record.js';
export type { AofPartSource, AofSource, ByteSource } from './model/source.js';
export { aofFromBytes } from './model/source.js';
export type { AofCheckReport, AofInspectReport } from './ops/aof-inspect.js';
export { checkAof, inspectAof } from './ops/aof-inspect.js';
export type { RepairOptions, RepairPlan } from './ops/aof-repair.js';
export { planAofRepair } from './ops/aof-repair.js';
export type { UnflushOptions, UnflushPlan } from './ops/aof-unflush.js';
export { planAofUnflush } from './ops/aof-unflush.js';
export type { RdbCheckReport } from './ops/check.js';
export { checkRdb } from './ops/check.js';
export type { DigestOptions, DigestReport } from './ops/digest.js';
export { digestAof, digestRdb } from './ops/digest.js';
export type { ExportOptions, ExportStats } from './ops/export.js';
export { exportRdb, exportRecords } from './ops/export.js';
export type { RdbInspectReport } from './ops/inspect.js';
export { inspectRdb } from './ops/inspect.js';
export { entryFromJson, entryToJson } from './ops/json.js';
// What uses the memory: per-key MEMORY USAGE estimates, reports (mergeable) and their HTML page
export type { KeyHead, MemoryEstimate } from './ops/memory.js';
export { estimateKeyMemory, KeyMemory } from './ops/memory.js';
export type { ReadOptions } from './ops/read.js';
export { readRdb, readRdbBatches } from './ops/read.js';
// Replay an AOF into the reference engine; the dataset digest Redis's DEBUG DIGEST prints
export type { ReplayOptions, ReplayReport } from './ops/replay-aof.js';
export { engineRecords, replayAof } from './ops/replay-aof.js';
export type { MemoryReport, ReportOptions } from './ops/report.js';
export { mergeReports, report } from './ops/report.js';
export { reportHtml } from './ops/report-html.js';
// Restore a dataset into a running server (standalone or cluster)
export type { RestoreInput, RestoreOptions, RestoreProgress, RestoreReport } from './ops/restore.js';
export { restore } from './ops/restore.js';
export { recordsFromJson } from './ops/to-rdb.js';

// Conversions: RESP commands, JSON / JSON Lines, and JSON back to records
export type { ToRespOptions, ToRespReport } from './ops/to-resp.js';
export { datasetRespChunks } from './ops/to-resp.js';
// RDB: read, inspect, check, write
export type { RdbDecoderOptions } from './rdb/decoder.js';
export { decodeRdb, RdbDecoder } from './rdb/decoder.js';
export type { RdbEncodeOptions, RdbEncodeReport } from './rdb/encoder.js';
export { encodeRdb, RdbEncoder } from './rdb/encoder.js';
