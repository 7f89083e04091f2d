/**
 * Redis Cluster key slots (cluster spec "Keys distribution model"; R `cluster.c` keyHashSlot):
 * slot = CRC16(k) mod 16384, CRC16 being the XMODEM variant (poly 0x1021, init 0, no
 * reflection), and k the hash tag when the key has one: the bytes between the first `{` and the
 * first `}` after it, if that is not empty. Otherwise the whole key is hashed.
 */

/** Number of slots in a Redis Cluster. */
export const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC16-XMODEM of bytes [start, end). */
export function crc16(b: Uint8Array, start = 0, end = b.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

/** The [start, end) range of the key that is hashed: the hash tag's contents, or the whole key. */
export function hashedRange(key: Uint8Array): [number, number] {
  const open = key.indexOf(0x7b); // {
  if (open < 0) return [0, key.length];
  const close = key.indexOf(0x7d, open + 1); // }
  if (close < 0 || close === open + 1) return [0, key.length];
  return [open + 1, close];
}

/** The cluster slot of a key (hash tags honoured). */
export function keySlot(key: Uint8Array): number {
  const [s, e] = hashedRange(key);
  return crc16(key, s, e) & (SLOTS - 1);
}

/**
 * A scratch key name in the same slot as `key`, for building a value aside and moving it into
 * place with RENAMENX: `{tag}` + a marker. Null when no such name can be made by prefixing (the
 * hashed part itself contains `}`, so no tag can reproduce it).
 */
export function scratchKey(key: Uint8Array, marker: Uint8Array): Uint8Array | null {
  const [s, e] = hashedRange(key);
  const hashed = key.subarray(s, e);
  if (hashed.length === 0 || hashed.includes(0x7d)) return null;
  const out = new Uint8Array(hashed.length + 2 + marker.length);
  out[0] = 0x7b;
  out.set(hashed, 1);
  out[hashed.length + 1] = 0x7d;
  out.set(marker, hashed.length + 2);
  return out;
}
