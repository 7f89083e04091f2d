/** Human formatting of AOF reports and plans (inspect, check, repair, unflush). */

import type { FileChange } from '../io/aof-files.js';
import type { AofCheckReport, AofInspectReport, AofSetVerdict } from '../ops/aof-inspect.js';
import type { RepairPlan } from '../ops/aof-repair.js';
import type { UnflushPlan } from '../ops/aof-unflush.js';
import { c } from './output.js';

const num = (n: number): string => n.toLocaleString('en-US');
const time = (t: number | null): string => (t === null ? '-' : `${t} (${new Date(t * 1000).toISOString().replace('.000Z', 'Z')})`);

/** One line for a set's verdict: `ok_up_to` included. */
export function formatVerdictLine(v: AofSetVerdict): string {
  if (v.kind === 'ok') return `${c.green('valid')}${v.validBeforeMulti !== null ? ` (ok_up_to=${v.validBeforeMulti} in ${v.file})` : ''}`;
  const tag = v.kind === 'truncated' ? c.red('TRUNCATED') : c.red('CORRUPT');
  const extra = v.inRdb ? ' [in the RDB part]' : v.notLast ? ' [not the last file]' : '';
  return `${tag} ${v.file}: at offset ${v.offset}: ${v.what}; ok_up_to=${v.validBeforeMulti}${extra}`;
}

/** Multi-line inspect output. */
export function formatAofInspect(r: AofInspectReport): string {
  const lines: string[] = [];
  const kind = r.kind === 'multipart' ? `multi-part AOF (manifest ${r.manifest})` : 'single-file AOF';
  lines.push(
    `${c.bold(r.input)}  ${kind}, base ${r.baseFormat === 'rdb-preamble' ? (r.kind === 'multipart' ? 'RDB' : 'RDB preamble') : r.baseFormat === 'resp' ? 'RESP' : (r.baseFormat ?? 'none')}`,
  );
  for (const f of r.files) {
    const tail = f.rdbBytes !== null && f.rdbBytes < f.size ? ' + RESP tail' : '';
    const fmt =
      f.format === 'rdb-preamble'
        ? `RDB v${f.rdbVersion ?? '?'} (${num(f.rdbKeys ?? 0)} keys${f.rdbBytes !== null ? `, ${num(f.rdbBytes)} bytes` : ''})${tail}`
        : f.format === 'resp'
          ? 'RESP'
          : 'empty';
    const status = f.verdict.kind === 'ok' ? c.green('ok') : c.red(f.verdict.kind);
    lines.push(`  ${c.cyan(f.role.padEnd(6))} ${f.name}  ${num(f.size)} bytes  ${fmt}  ${num(f.commands)} commands  ${status}`);
  }
  for (const h of r.history) lines.push(`  ${c.dim('history')} ${h.name}${h.exists ? '' : ' (deleted)'}`);
  lines.push(`${c.bold('commands')}  ${num(r.commands)}, ${num(r.multiBlocks)} MULTI/EXEC blocks`);
  if (r.histogram.length)
    lines.push(
      `  ${r.histogram
        .slice(0, 20)
        .map(([k, n]) => `${k} ${num(n)}`)
        .join(', ')}${r.histogram.length > 20 ? `, … (${r.histogram.length - 20} more)` : ''}`,
    );
  lines.push(`${c.bold('timestamps')}  first ${time(r.firstTimestamp)}, last ${time(r.lastTimestamp)}`);
  if (r.flushes.length === 0) lines.push(`${c.bold('flushes')}  none`);
  for (const f of r.flushes) {
    lines.push(
      `${c.yellow([f.command, ...f.args].join(' '))}  ${f.file} offset ${f.span.start}, db ${f.db}${f.inMulti ? ', inside MULTI' : ''}${f.timestamp !== null ? `, at ${time(f.timestamp)}` : ''}`,
    );
  }
  lines.push(`${c.bold('verdict')}  ${formatVerdictLine(r.verdict)}`);
  for (const w of r.warnings) lines.push(c.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** Check output: one line (plus warnings). */
export function formatAofCheck(r: AofCheckReport): string {
  const lines: string[] = [];
  if (r.ok) {
    const size = r.files.reduce((n, f) => n + f.size, 0);
    lines.push(`${c.green('OK')} ${r.input}: AOF valid, ${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${num(size)} bytes`);
  } else {
    lines.push(`${formatVerdictLine(r.verdict)}`);
  }
  for (const w of r.warnings) lines.push(c.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** What repair will do. */
export function formatRepairPlan(p: RepairPlan): string {
  const lines: string[] = [];
  if (p.action === 'none') lines.push(`${c.green('nothing to do')}: ${p.input}: ${p.reason}`);
  else if (p.action === 'refuse') lines.push(`${c.red('cannot repair')} ${p.input}: ${p.reason}`);
  else if (p.action === 'salvage') {
    lines.push(`${c.bold('salvage')} ${p.input}: ${p.reason}`);
    for (const ch of p.changes) {
      for (const r of ch.ranges) {
        lines.push(
          `  will drop [${r.start}, ${r.end}) of ${ch.file} (${num(r.end - r.start)} bytes${r.droppedCommands > 0 ? `, with ${r.droppedCommands} complete command${r.droppedCommands === 1 ? '' : 's'} of a broken transaction` : ''}${r.toEnd ? ', to the end of the file: no valid command follows' : ''}): ${r.what} at offset ${r.offset}`,
        );
      }
      lines.push(`  ${ch.file}: ${num(ch.size)} → ${num(ch.size - ch.droppedBytes)} bytes`);
    }
  } else {
    lines.push(`${c.bold('repair')} ${p.input}: ${p.reason}`);
    lines.push(
      `  will cut ${p.file} from ${num(p.size)} to ${num(p.cutAt)} bytes (dropping ${num(p.lostBytes)} bytes${p.lostCommands > 0 ? `, including ${p.lostCommands} complete command${p.lostCommands === 1 ? '' : 's'} of an unfinished MULTI` : ''})`,
    );
  }
  for (const w of p.warnings) lines.push(c.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** What unflush will do. */
export function formatUnflushPlan(p: UnflushPlan): string {
  const lines: string[] = [];
  if (p.action === 'refuse') {
    lines.push(`${c.red('cannot unflush')} ${p.input}: ${p.reason}`);
  } else {
    lines.push(
      `${c.bold('unflush')} ${p.input}: remove ${c.yellow(p.command)} at offset ${p.span.start} of ${p.file} (db ${p.db}${p.inMulti ? ', inside MULTI' : ''}${p.timestamp !== null ? `, at ${time(p.timestamp)}` : ''})`,
    );
    lines.push(
      `  removes ${num(p.removedBytes)} bytes: ${p.remove.map((s) => `[${s.start}, ${s.end})`).join(', ')}${p.remove[0]!.start !== p.span.start ? ' (the whole MULTI/EXEC, which held only the flush)' : ''}`,
    );
    lines.push(
      `  comes back: ${num(p.commandsBefore)} commands before the flush${p.keysBefore !== null ? `, touching ${num(p.keysBefore)} keys` : ''}; ${num(p.commandsAfter)} commands after it replay on top`,
    );
  }
  for (const w of p.warnings) lines.push(c.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** What a file change did. */
export function formatChange(ch: FileChange): string {
  return `${c.green('done')}: ${ch.path} ${num(ch.oldSize)} → ${num(ch.newSize)} bytes${ch.backup ? `; backup at ${ch.backup}` : '; no backup kept'}\n`;
}
