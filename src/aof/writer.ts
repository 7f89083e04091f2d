/**
 * RESP command encoding for AOF files (FORMATS.md §9.1): every command is an array of bulk
 * strings, `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument, exactly as Redis's
 * catAppendOnlyGenericCommand writes it. Also the `#TS:` annotation line (§9.2).
 */
import { ByteWriter } from '../bytes/writer.js';
import { ascii, utf8 } from '../model/bytes.js';

/** An argument: bytes as they are, strings as UTF-8, numbers in decimal. */
export type CommandArg = Uint8Array | string | number | bigint;

function argBytes(a: CommandArg): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'string') return utf8(a);
  return ascii(String(a));
}

/** Printable ASCII: written as is (other strings go through UTF-8). */
const ASCII = /^[ -~]*$/;

/** Append one command to a ByteWriter (headers written in place: this is the restore hot path). */
export function writeCommand(w: ByteWriter, argv: readonly CommandArg[]): void {
  if (argv.length === 0) throw new RangeError('a command needs at least one argument');
  w.ascii(`*${argv.length}\r\n`);
  for (const a of argv) {
    if (typeof a === 'number' || typeof a === 'bigint') {
      const t = String(a);
      w.ascii(`$${t.length}\r\n${t}\r\n`);
      continue;
    }
    if (typeof a === 'string' && a.length <= 32 && ASCII.test(a)) {
      w.ascii(`$${a.length}\r\n${a}\r\n`);
      continue;
    }
    const b = a instanceof Uint8Array ? a : argBytes(a);
    w.ascii(`$${b.length}\r\n`).bytes(b).ascii('\r\n');
  }
}

/** Encode one command as RESP bytes. */
export function encodeCommand(argv: readonly CommandArg[]): Uint8Array {
  const w = new ByteWriter(64);
  writeCommand(w, argv);
  return w.take();
}

/** Encode a `#TS:<unix seconds>\r\n` annotation line. */
export function encodeTimestamp(unixSeconds: number): Uint8Array {
  return ascii(`#TS:${Math.trunc(unixSeconds)}\r\n`);
}
