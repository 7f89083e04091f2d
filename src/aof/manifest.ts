/**
 * The multi-part AOF manifest (Redis >= 7.0; FORMATS.md §9.4): parse and write.
 *
 * Grammar, as aofLoadManifestFromFile reads it: text lines each ending in LF and at most 1024
 * bytes with it; `#` lines are comments; other lines are trimmed of blanks/CR, must be non-empty,
 * and are split like redis-cli arguments (sdssplitargs: `"..."` with \n \r \t \b \a \xHH and
 * backslash-anything escapes, `'...'` with only \'). Tokens are key/value pairs (>= 6 tokens, an
 * even count), keys case-insensitive: `file` (a base name), `seq` (atoll, non-zero), `type` (first
 * character: b base, h history, i incr). Unknown keys are ignored. At most one base; incr seqs
 * strictly increase. Whole buffer in, whole buffer out: manifests are tiny.
 */
import { CorruptError } from '../errors.js';
import { ascii, bytesKey } from '../model/bytes.js';

/** A file listed in the manifest. `name` is bytes-as-latin1 text (one char per byte). */
export interface ManifestEntry {
  name: string;
  seq: number;
  type: 'base' | 'history' | 'incr';
}

/** A parsed manifest. */
export interface Manifest {
  base: ManifestEntry | null;
  incr: ManifestEntry[];
  history: ManifestEntry[];
}

const MANIFEST_MAX_LINE = 1024;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Split a line into arguments as Redis's sdssplitargs does; null on unbalanced quotes. */
export function splitArgs(line: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let p = 0;
  const n = line.length;
  const at = (i: number) => (i < n ? line[i]! : 0);
  for (;;) {
    while (p < n && at(p) !== 0 && isSpace(at(p))) p++;
    if (p >= n || at(p) === 0) return out;
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 0x5c && at(p + 1) === 0x78 && hexVal(at(p + 2)) >= 0 && hexVal(at(p + 3)) >= 0) {
          cur.push(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          cur.push(e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e);
        } else if (c === 0x22) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null; // closing quote must end the token
          done = true;
        } else if (c === 0) {
          return null; // unterminated quotes
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 0x22) {
        inq = true;
      } else if (c === 0x27) {
        insq = true;
      } else {
        cur.push(c);
      }
      if (at(p) !== 0) p++;
    }
    out.push(new Uint8Array(cur));
  }
}

/** C atoll: leading blanks, a sign, digits; 0 when there are none. */
function atoll(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && isSpace(b[i]!)) i++;
  let neg = false;
  if (b[i] === 0x2d || b[i] === 0x2b) {
    neg = b[i] === 0x2d;
    i++;
  }
  let v = 0;
  while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) v = v * 10 + (b[i++]! - 0x30);
  return neg ? -v : v;
}

function lower(b: Uint8Array): string {
  return bytesKey(b).toLowerCase();
}

/** Parse a manifest; throws CorruptError (format 'manifest', offset = start of the bad line). */
export function parseManifest(bytes: Uint8Array): Manifest {
  const m: Manifest = { base: null, incr: [], history: [] };
  let maxSeq = 0;
  let pos = 0;
  let lineNo = 0;
  const fail = (at: number, msg: string): never => {
    throw new CorruptError('manifest', 'AOF_MANIFEST_INVALID', at, `line ${lineNo}: ${msg}`);
  };
  if (bytes.length === 0) throw new CorruptError('manifest', 'AOF_MANIFEST_EMPTY', 0, 'empty AOF manifest');
  while (pos < bytes.length) {
    const start = pos;
    // fgets(buf, 1025): at most 1024 bytes, through the first LF.
    let end = Math.min(bytes.length, start + MANIFEST_MAX_LINE);
    const lf = bytes.subarray(start, end).indexOf(10);
    if (lf >= 0) end = start + lf + 1;
    pos = end;
    lineNo++;
    if (bytes[start] === 0x23) continue; // comment
    if (lf < 0) fail(start, 'line too long or not ending in a newline');
    let s = start;
    let e = end;
    const blank = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;
    while (s < e && blank(bytes[s]!)) s++;
    while (e > s && blank(bytes[e - 1]!)) e--;
    if (s === e) fail(start, 'blank line');
    const args = splitArgs(bytes.subarray(s, e));
    if (args === null || args.length < 6 || args.length % 2 !== 0) fail(start, 'expected "file <name> seq <n> type <b|h|i>"');
    let name: string | null = null;
    let seq = 0;
    let type = 0;
    for (let i = 0; i < args!.length; i += 2) {
      const key = lower(args![i]!);
      const val = args![i + 1]!;
      if (key === 'file') {
        if (val.includes(0x2f) || val.includes(0x5c)) fail(start, 'file must be a file name, not a path');
        name = bytesKey(val);
      } else if (key === 'seq') {
        seq = atoll(val);
      } else if (key === 'type') {
        type = val[0] ?? 0;
      }
    }
    if (!name || !seq || !type) fail(start, 'missing file, seq or type');
    if (type === 0x62) {
      // b
      if (m.base) fail(start, 'more than one base file');
      m.base = { name: name!, seq, type: 'base' };
    } else if (type === 0x68) {
      // h
      m.history.push({ name: name!, seq, type: 'history' });
    } else if (type === 0x69) {
      // i
      if (seq <= maxSeq) fail(start, `incr seq ${seq} does not increase (after ${maxSeq})`);
      maxSeq = seq;
      m.incr.push({ name: name!, seq, type: 'incr' });
    } else {
      fail(start, `unknown AOF file type '${String.fromCharCode(type)}'`);
    }
  }
  return m;
}

/** Whether a name must be quoted (sdsneedsrepr): backslash, quote, control, space or non-printable bytes. */
function needsRepr(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c <= 0x20 || c >= 0x7f) return true;
  }
  return false;
}

/** Quote a name as sdscatrepr does. */
function repr(name: string): string {
  let s = '"';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c || c === 0x22) s += `\\${name[i]}`;
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === 9) s += '\\t';
    else if (c === 7) s += '\\a';
    else if (c === 8) s += '\\b';
    else if (c >= 0x20 && c < 0x7f) s += name[i];
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

/** One manifest line, as aofInfoFormat writes it. */
export function formatManifestEntry(e: ManifestEntry): string {
  const t = e.type === 'base' ? 'b' : e.type === 'history' ? 'h' : 'i';
  return `file ${needsRepr(e.name) ? repr(e.name) : e.name} seq ${e.seq} type ${t}\n`;
}

/** Serialize a manifest: base first, then history, then incr (Redis's order). */
export function writeManifest(m: Manifest): Uint8Array {
  let s = '';
  if (m.base) s += formatManifestEntry(m.base);
  for (const h of m.history) s += formatManifestEntry(h);
  for (const i of m.incr) s += formatManifestEntry(i);
  return ascii(s);
}

/** The files Redis loads, in order: the base (if any), then the incr files. History is ignored. */
export function loadOrder(m: Manifest): ManifestEntry[] {
  return m.base ? [m.base, ...m.incr] : [...m.incr];
}
