/**
 * Function libraries in RDB files and FUNCTION DUMP payloads (FORMATS.md §4): FUNCTION2 (245)
 * is one string holding the library source, starting `#!<engine> name=<lib>`; the pre-GA
 * FUNCTION (246, written by 7.0-rc1/rc2 and still loaded by 7.0.x) stores name, engine, a
 * has-description flag, [description] and the code, and is rebuilt into the FUNCTION2 form.
 */
import type { Cursor } from '../bytes/cursor.js';
import { ascii, displayText } from '../model/bytes.js';
import { readLength } from './length.js';
import { readString } from './string.js';

/** Read a pre-GA FUNCTION record body (after its opcode) as FUNCTION2-style library source. */
export function readPreGaFunction(r: Cursor, maxLen?: number): { code: Uint8Array; name: string; engine: string } {
  const name = readString(r, maxLen);
  const engine = readString(r, maxLen);
  if (readLength(r)) readString(r, maxLen); // the description is dropped, as Redis 7.0 does
  const body = readString(r, maxLen);
  const head = ascii(`#!${displayText(engine)} name=${displayText(name)}\n`);
  const code = new Uint8Array(head.length + body.length);
  code.set(head);
  code.set(body, head.length);
  return { code, name: displayText(name), engine: displayText(engine) };
}

/** Engine and library name from a library's `#!engine name=lib` first line (null when absent). */
export function parseShebang(code: Uint8Array): { name: string | null; engine: string | null } {
  const nl = code.indexOf(0x0a);
  const line = displayText(code.subarray(0, nl < 0 ? Math.min(code.length, 256) : nl));
  const m = /^#!(\S+)(.*)$/.exec(line);
  if (!m) return { name: null, engine: null };
  const nm = /(?:^|\s)name=(\S+)/.exec(m[2]!);
  return { name: nm ? nm[1]! : null, engine: m[1]! };
}
