/** Human formatting of RDB reports (inspect, check). */
import type { RdbCheckReport } from '../ops/check.js';
import type { RdbInspectReport } from '../ops/inspect.js';
import { c } from './output.js';

const num = (n: number): string => n.toLocaleString('en-US');

function counts(rec: Record<string, number>): string {
  return Object.entries(rec)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
}

/** Multi-line inspect output. */
export function formatRdbInspect(file: string, r: RdbInspectReport, container: string): string {
  const lines: string[] = [];
  const magic = r.family === 'valkey' ? `VALKEY${String(r.version).padStart(3, '0')}` : `REDIS${String(r.version).padStart(4, '0')}`;
  const sum =
    r.checksum === null
      ? 'no checksum (version < 5)'
      : r.checksumVerified
        ? `checksum ok (${r.checksum})`
        : 'checksum disabled (stored as 0)';
  lines.push(
    `${c.bold(file)}  ${magic}  RDB version ${r.version} (${r.family})${container !== 'plain' ? `, ${container} container` : ''}, ${num(r.size)} bytes, ${sum}`,
  );
  if (r.aux.length)
    lines.push(
      `${c.cyan('aux')}  ${r.aux.map((a) => `${a.name}=${a.value.length > 60 ? `${a.value.slice(0, 60)}…` : a.value}${a.name === 'ctime' && /^\d+$/.test(a.value) ? ` (${new Date(Number(a.value) * 1000).toISOString().replace('.000Z', 'Z')})` : ''}`).join('  ')}`,
    );
  if (r.functions.length)
    lines.push(`${c.cyan('functions')}  ${r.functions.map((f) => `${f.name ?? '?'} (${f.engine ?? '?'})`).join(', ')}`);
  if (r.modules.length) lines.push(`${c.cyan('module aux')}  ${r.modules.map((m) => `${m.name}/${m.encver}`).join(', ')}`);
  for (const d of r.dbs) {
    lines.push(`${c.green(`db ${d.db}`)}  ${num(d.keys)} keys, ${num(d.keysWithExpiry)} with expiry, ${num(d.bytes)} bytes`);
    lines.push(`  types      ${counts(d.byType)}`);
    lines.push(`  encodings  ${counts(d.byEncoding)}`);
  }
  if (r.emptyKeysSkipped) lines.push(c.yellow(`${num(r.emptyKeysSkipped)} empty keys skipped (Redis skips them too)`));
  lines.push(`${c.bold('total')}  ${num(r.totalKeys)} keys in ${r.dbs.length} database${r.dbs.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

/** One-line check result. */
export function formatRdbCheck(file: string, r: RdbCheckReport): string {
  if (r.ok) {
    const sum = r.checksum === null ? 'no checksum in this version' : r.checksumVerified ? 'checksum verified' : 'checksum disabled';
    const warning = r.warning ? `${c.yellow('warning')} ${file}: ${r.warning}\n` : '';
    return `${c.green('OK')} ${file}: RDB version ${r.version}, ${num(r.keys)} keys, ${num(r.bytes)} bytes, ${sum}\n${warning}`;
  }
  const e = r.error;
  const ctx = e.context ? ` while reading ${e.context}` : '';
  return `${c.red(e.kind === 'truncated' ? 'TRUNCATED' : 'CORRUPT')} ${file}: ${e.kind} ${e.format.toUpperCase()} at offset ${e.offset}${ctx}: ${e.message} (${e.code})\n`;
}
