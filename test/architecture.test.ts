/**
 * The layers, read from the import graph of src/ (test/support/imports.ts):
 *   model  (the record model)            imports nothing but model
 *   errors (src/errors.ts)               imports nothing; every layer may use it
 *   bytes  (primitives)                  model, errors (and the lz4js package)
 *   rdb, aof (the codecs)                model, bytes, errors; never each other; never io/ops/cli
 *   engine (the reference mini Redis)    model, bytes, errors; never a codec, io, ops or cli
 *   io     (the rim: files, streams)     anything below ops; never ops or cli
 *   ops    (the one junction)            codecs, engine, io, model, bytes, errors; never cli (the RDB and AOF
 *                                        operations take sources; what reaches io is the restore to a server)
 *   cli    (yargs, chalk)                anything
 * `node:fs` is imported only under io/, yargs and chalk only under cli/. Forbidden imports count
 * even when type-only (a layer should not know the shapes of a layer it may not use); cycles
 * count only runtime edges (`import type` is erased by TypeScript).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importGraph, runtimeCycles } from './support/imports.js';

const SRC = join(import.meta.dirname, '..', 'src');

/** The layer of a file relative to src/: its first folder, or the file's own name at the top. */
function layerOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file.replace(/\.ts$/, '') : file.slice(0, i);
}

/** For each layer, the layers (and packages) it may import; `*` means any. */
const ALLOWED: Record<string, string[]> = {
  model: ['model'],
  errors: [],
  bytes: ['bytes', 'model', 'errors', 'lz4js'],
  rdb: ['rdb', 'bytes', 'model', 'errors'],
  aof: ['aof', 'bytes', 'model', 'errors'],
  engine: ['engine', 'bytes', 'model', 'errors'],
  io: ['io', 'rdb', 'aof', 'bytes', 'model', 'errors', 'node:*'],
  ops: ['ops', 'rdb', 'aof', 'engine', 'io', 'bytes', 'model', 'errors'],
  cli: ['*'],
  index: ['*'],
  types: [],
};

/** Node built-ins only one layer may use. */
const ONLY_IN: Record<string, string> = { 'node:fs': 'io', 'node:fs/promises': 'io', fs: 'io', yargs: 'cli', chalk: 'cli' };

/** Why an import is forbidden, or null. */
function violation(e: ImportEdge): string | null {
  const from = layerOf(e.from);
  const allowed = ALLOWED[from];
  if (!allowed) return `${e.from} is in no known layer (add "${from}" to the architecture test)`;
  const bare = !e.specifier.startsWith('.');
  const owner = bare ? (ONLY_IN[e.specifier] ?? ONLY_IN[e.specifier.split('/')[0]!]) : undefined;
  if (owner && owner !== from) return `${e.from}:${e.line} imports ${e.specifier}, which only ${owner}/ may import`;
  if (allowed.includes('*')) return null;
  if (bare) {
    if (e.specifier.startsWith('node:'))
      return allowed.includes('node:*') || from === 'bytes' ? null : `${e.from}:${e.line} imports ${e.specifier}`;
    const pkg = e.specifier.split('/')[0]!;
    return allowed.includes(pkg) ? null : `${e.from}:${e.line} imports the package ${e.specifier}`;
  }
  const to = layerOf(e.to);
  if (allowed.includes(to)) return null;
  return `${e.from}:${e.line} imports ${e.specifier}: ${from}/ may not import ${to}/`;
}

const graph = importGraph(SRC);

describe('architecture of src/', () => {
  it('reads a non-trivial import graph', () => {
    expect(graph.files.length).toBeGreaterThan(50);
    expect(graph.edges.filter((e) => e.from === 'index.ts').length).toBeGreaterThan(10);
  });

  it('no layer imports what it may not (rdb↔aof, engine→codecs/io/ops/cli, codecs/model→io/ops/cli, io→ops/cli, ops→cli, node:fs outside io/)', () => {
    expect(graph.edges.map(violation).filter((v) => v !== null)).toEqual([]);
  });

  it('no runtime import cycle (type-only imports excluded)', () => {
    expect(runtimeCycles(graph.files, graph.edges).map((c) => c.join(' → '))).toEqual([]);
  });

  it('every relative import resolves to a file of src/', () => {
    const known = new Set(graph.files);
    expect(graph.edges.filter((e) => e.specifier.startsWith('.') && !known.has(e.to)).map((e) => `${e.from}: ${e.specifier}`)).toEqual([]);
  });
});
