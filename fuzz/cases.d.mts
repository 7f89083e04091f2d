/** Types for cases.mjs (the fuzz case generator and targets). */
export interface Seed {
  name: string;
  bytes: Uint8Array;
}
export interface Seeds {
  rdb: Seed[];
  aof: Seed[];
}
export interface Plan {
  trunc: Array<{ kind: 'rdb' | 'aof'; seed: number; n: number }>;
  truncCases: number;
}
export interface FuzzCase {
  kind: 'rdb' | 'aof';
  name: string;
  bytes: Uint8Array;
  what: string;
}
export interface CaseResult {
  results: Record<string, string>;
  crashes: Array<{ target: string; error: string; stack?: string }>;
  ms: Record<string, number>;
  valid?: boolean;
  checkAofFix?: number;
  rdbkitRepair?: number;
  /** A documented, deliberate difference from redis-check-aof (not a mismatch). */
  deliberate?: string;
  /** Set when redis-check-aof itself died on a signal (no reference answer): the signal. */
  baselineCrash?: string;
}
export function seeds(): Seeds;
export function plan(s: Seeds): Plan;
export function makeCase(s: Seeds, p: Plan, seed: number, index: number): FuzzCase;
export function runCase(c: FuzzCase, opts?: { compare?: boolean }): Promise<CaseResult>;
export function expectedError(e: unknown): boolean;
export function cleanup(): void;
