/** Types for readback.mjs (live keyspace → export contract). */
import type { RedisClient } from './redis.mjs';

export type JsonBytes = string | { base64: string };
export type ExportRecord = Record<string, any>;

export function jsonBytes(bytes: Uint8Array): JsonBytes;
export function tryUtf8(bytes: Uint8Array): string | null;
export function bytesOfJson(v: JsonBytes): Uint8Array;
export function compareBytes(a: Uint8Array, b: Uint8Array): number;
export function pairsToJson(pairs: Array<[Uint8Array, Uint8Array]>): Record<string, JsonBytes> | Array<[JsonBytes, JsonBytes]>;
export function scoreToJson(reply: unknown): number | 'inf' | '-inf' | '-0';
export function readValue(client: RedisClient, key: Uint8Array, type: string): Promise<unknown>;
export function streamToJson(reply: unknown[]): Record<string, unknown>;
export function readFunctions(client: RedisClient): Promise<Array<{ kind: 'function'; code: JsonBytes }>>;
export function nonEmptyDbs(client: RedisClient): Promise<number[]>;
export function readBack(client: RedisClient): Promise<ExportRecord[]>;
export function formatExport(records: ExportRecord[]): string;
