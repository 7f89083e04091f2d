/** Types for redis.mjs (the real-Redis test harness). */
export type RedisArg = string | Uint8Array | number;
export type RedisReply = string | number | bigint | Uint8Array | null | Error | RedisReply[];

export interface RedisClient {
  /** Send one command; resolves with its reply, rejects with the server's error message. */
  call(...args: RedisArg[]): Promise<any>;
  /** Send many commands without waiting between them; replies in order. */
  pipeline(commands: RedisArg[][], opts?: { batch?: number; errors?: 'throw' | 'return' }): Promise<any[]>;
  close(): void;
}

export interface RedisServer {
  port: number;
  dir: string;
  pid: number | undefined;
  client: RedisClient;
  connect(): Promise<RedisClient>;
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export function redisServerPath(): string | null;
export function redisAvailable(): boolean;
export function requireRedis(what?: string): boolean;
export function freePort(): Promise<number>;
export function startRedis(options?: { args?: string[]; dir?: string; startTimeoutMs?: number; runAs?: string }): Promise<RedisServer>;
export function connectRedis(port: number, host?: string): Promise<RedisClient>;
export function encodeCommand(args: RedisArg[]): Uint8Array;
export class RedisReplyError extends Error {}
export class RespParser {
  need: number;
  feed(chunk: Uint8Array): RedisReply[];
}
export function redisCliPath(): string | null;
export interface RedisCluster {
  nodes: RedisServer[];
  stop(): Promise<void>;
}
export function startCluster(options?: { primaries?: number; args?: string[] }): Promise<RedisCluster>;
