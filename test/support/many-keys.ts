/** Big RDB inputs for the CLI tests that need a run long enough to watch (progress lines, signals). */
import { writeFileSync } from 'node:fs';
import { encodeRdb } from '../../src/rdb/encoder.js';

/** Write an RDB 10 of `count` string keys `${prefix}N`, each holding `valueLength` bytes of `fill` (uncompressed). */
export function writeManyStringKeys(path: string, count: number, opts: { prefix: string; valueLength: number; fill: string }): void {
  const enc = new TextEncoder();
  const value = enc.encode(opts.fill.repeat(opts.valueLength));
  const records = Array.from({ length: count }, (_, i) => ({
    kind: 'key' as const,
    db: 0,
    key: enc.encode(`${opts.prefix}${i}`),
    type: 'string' as const,
    value,
    encoding: '',
    rdbType: null,
    expireAt: null,
  }));
  writeFileSync(path, encodeRdb(records, { version: 10, compress: false }));
}
