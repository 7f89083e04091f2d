/**
 * GEOADD (geo.c geoaddCommand): validates the options and each longitude/latitude pair, turns
 * the pair into its 52-bit geohash (geohash.c geohashEncodeWGS84 at step 26: latitude offset in
 * the even bits, longitude offset in the odd bits) and runs ZADD with those scores, exactly as
 * Redis does before propagating the command as ZADD. The other GEO commands only read, or
 * (the STORE forms) are not modelled.
 */
import { ascii } from '../../model/bytes.js';
import { fail, lower, parseDouble } from '../argv.js';
import type { CommandTable } from '../engine.js';
import { zsetCommands } from './zsets.js';

const LAT_MIN = -85.05112878;
const LAT_MAX = 85.05112878;
const LONG_MIN = -180;
const LONG_MAX = 180;
const STEP = 26;

/** Spread the low 32 bits of v over the even bit positions of a 64-bit value. */
function spread(v: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 32n; i++) if ((v >> i) & 1n) out |= 1n << (2n * i);
  return out;
}

/** The ZADD score Redis stores for a longitude/latitude pair. */
export function geohashScore(longitude: number, latitude: number): bigint {
  const scale = 2 ** STEP;
  // the C code converts the scaled offsets to uint32_t, i.e. truncates
  const latOffset = BigInt(Math.trunc(((latitude - LAT_MIN) / (LAT_MAX - LAT_MIN)) * scale));
  const longOffset = BigInt(Math.trunc(((longitude - LONG_MIN) / (LONG_MAX - LONG_MIN)) * scale));
  return spread(latOffset) | (spread(longOffset) << 1n);
}

export const geoCommands: CommandTable = {
  geoadd: {
    arity: -5,
    run: (c, a) => {
      let xx = false;
      let nx = false;
      let longIdx = 2;
      for (; longIdx < a.length; longIdx++) {
        const o = lower(a[longIdx]!);
        if (o === 'nx') nx = true;
        else if (o === 'xx') xx = true;
        else if (o !== 'ch') break;
      }
      if ((a.length - longIdx) % 3 || (xx && nx)) fail('ERR syntax error');
      const zadd: Uint8Array[] = [ascii('zadd'), ...a.slice(1, longIdx)];
      for (let i = longIdx; i < a.length; i += 3) {
        const longitude = parseDouble(a[i]!);
        const latitude = parseDouble(a[i + 1]!);
        if (longitude < LONG_MIN || longitude > LONG_MAX || latitude < LAT_MIN || latitude > LAT_MAX) {
          fail(`ERR invalid longitude,latitude pair ${longitude.toFixed(6)},${latitude.toFixed(6)}`);
        }
        zadd.push(ascii(geohashScore(longitude, latitude).toString()), a[i + 2]!);
      }
      return zsetCommands.zadd!.run(c, zadd);
    },
  },
};
