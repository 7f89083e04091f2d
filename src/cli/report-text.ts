/** The text form of a memory report: what a person reads at a glance. */
import type { ChalkInstance } from 'chalk';
import type { MemoryReport, PrefixNode, Totals } from '../ops/report.js';

/** Bytes for people: 1023 B, 1.50 KiB, 12.3 MiB. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

const num = (n: number): string => n.toLocaleString('en-US');

function share(part: number, whole: number): string {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

function table(title: string, map: Record<string, Totals>, total: number, c: ChalkInstance, limit = 12): string[] {
  const rows = Object.entries(map);
  if (!rows.length) return [];
  const w = Math.max(...rows.slice(0, limit).map(([k]) => k.length), 8);
  const out = [c.bold(title)];
  for (const [k, t] of rows.slice(0, limit)) {
    out.push(
      `  ${k.padEnd(w)}  ${num(t.keys).padStart(11)} keys  ${humanBytes(t.bytes).padStart(10)}  ${share(t.bytes, total).padStart(6)}`,
    );
  }
  if (rows.length > limit) out.push(c.dim(`  ... ${rows.length - limit} more`));
  return out;
}

function prefixLines(
  node: PrefixNode,
  sep: string,
  total: number,
  c: ChalkInstance,
  depth: number,
  path: string,
  out: string[],
  budget: { left: number },
): void {
  for (const ch of node.children ?? []) {
    if (budget.left <= 0) return;
    budget.left--;
    const name = ch.other ? c.dim(ch.name) : `${path}${ch.name}${sep}`;
    out.push(`  ${'  '.repeat(depth)}${name}  ${humanBytes(ch.bytes)} ${c.dim(`(${share(ch.bytes, total)}, ${num(ch.keys)} keys)`)}`);
    if (depth < 2 && !ch.other) prefixLines(ch, sep, total, c, depth + 1, `${path}${ch.name}${sep}`, out, budget);
  }
}

/** Render a report as text. */
export function formatReportText(r: MemoryReport, c: ChalkInstance, topShown = 10): string {
  const total = r.total.bytes;
  const out: string[] = [];
  out.push(`${c.bold('rdbkit report')} ${c.dim(`(${r.inputs.join(', ') || 'stdin'}; sizes as Redis 7.0 MEMORY USAGE)`)}`);
  out.push(
    `  ${c.bold(num(r.total.keys))} keys, ${c.bold(humanBytes(total))} (${num(total)} bytes); ${num(r.expiry.keys)} with a TTL (+${humanBytes(r.expiry.bytes)} in the expires table)`,
  );
  out.push('');
  out.push(...table('By type', r.byType, total, c));
  out.push('');
  out.push(...table('By encoding', r.byEncoding, total, c));
  if (Object.keys(r.byDb).length > 1) {
    out.push('');
    out.push(...table('By database', Object.fromEntries(Object.entries(r.byDb).map(([k, v]) => [`db ${k}`, v])), total, c));
  }
  if (r.top.length) {
    out.push('');
    out.push(c.bold(`Largest keys (${Math.min(topShown, r.top.length)} of the top ${r.top.length})`));
    for (const k of r.top.slice(0, topShown)) {
      out.push(
        `  ${humanBytes(k.bytes).padStart(10)}  db${k.db}  ${`${k.type}/${k.encoding}`.padEnd(18)} ${k.key.length > 80 ? `${k.key.slice(0, 79)}…` : k.key} ${c.dim(`(${num(k.elements)} ${k.type === 'string' ? 'bytes' : 'elements'})`)}`,
      );
    }
  }
  if (r.prefixes.children?.length) {
    out.push('');
    out.push(c.bold(`Largest prefixes (separator "${r.options.sep}")`));
    prefixLines(r.prefixes, r.options.sep, total, c, 0, '', out, { left: 25 });
  }
  out.push('');
  out.push(c.bold('Time to live'));
  r.ttl.buckets.forEach((b, i) => {
    const t = r.ttl.counts[i]!;
    if (t.keys)
      out.push(
        `  ${b.padEnd(8)}  ${num(t.keys).padStart(11)} keys  ${humanBytes(t.bytes).padStart(10)}  ${share(t.bytes, total).padStart(6)}`,
      );
  });
  return `${out.join('\n')}\n`;
}
