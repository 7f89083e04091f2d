/**
 * The import graph of src/, read with the TypeScript parser (not regular expressions): every
 * static `import … from`, `export … from` and side-effect `import '…'`, each marked type-only
 * when it can carry no runtime edge (`import type`, `export type`, or named imports that are all
 * `type`; TypeScript erases those).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of one module. */
export interface ImportEdge {
  /** Importing file, relative to src/ (e.g. `engine/engine.ts`). */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported file relative to src/ for relative specifiers; the bare specifier otherwise (`node:fs`, `yargs`). */
  to: string;
  /** Erased by TypeScript: no runtime edge. */
  typeOnly: boolean;
  line: number;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // `import './x.js'` runs the module
    if (clause.isTypeOnly) return true;
    if (clause.name) return false;
    const b = clause.namedBindings;
    if (!b || ts.isNamespaceImport(b)) return false;
    return b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const c = node.exportClause;
  return c !== undefined && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly);
}

/** Every static import of every .ts file under `srcDir`. */
export function importGraph(srcDir: string): { files: string[]; edges: ImportEdge[] } {
  const files = listTs(srcDir);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const from = relative(srcDir, file);
    for (const node of sf.statements) {
      if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) continue;
      if (!node.moduleSpecifier || !ts.isStringLiteral(node.moduleSpecifier)) continue;
      const specifier = node.moduleSpecifier.text;
      const to = specifier.startsWith('.') ? relative(srcDir, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts') : specifier;
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      edges.push({ from, specifier, to, typeOnly: isTypeOnly(node), line });
    }
  }
  return { files: files.map((f) => relative(srcDir, f)), edges };
}

/** The runtime cycles of a graph (Tarjan's strongly connected components of size > 1, or self-loops). */
export function runtimeCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.typeOnly && next.has(e.to)) next.get(e.from)!.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.includes(v)) out.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}
