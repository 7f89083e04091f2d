/**
 * Geohash cells as Redis computes them (geohash.c, geohash_helper.c): a longitude/latitude
 * pair over the WGS84 ranges becomes interleaved bits (latitude offset in the even bits,
 * longitude offset in the odd bits); step 26 (52 bits) is the score GEOADD stores. Cells decode
 * to their bounds, and move to their 8 neighbours, for the search area of GEOSEARCH and
 * GEORADIUS (search.ts).
 */

export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
export const LONG_MIN = -180;
export const LONG_MAX = 180;
const STEP = 26;

/** Spread the low 32 bits of v over the even bit positions of a 64-bit value. */
function spread(v: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 32n; i++) if ((v >> i) & 1n) out |= 1n << (2n * i);
  return out;
}

/** The ZADD score Redis stores for a longitude/latitude pair: the step-26 geohash (52 bits, no alignment shift). */
export function geohashScore(longitude: number, latitude: number): bigint {
  return encode(longitude, latitude, STEP).bits;
}

export const M64 = (1n << 64n) - 1n;
const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const LAT_SCALE = LAT_MAX - LAT_MIN;
const LONG_SCALE = LONG_MAX - LONG_MIN;

/** A geohash cell: `bits` holds 2*step bits; step 0 with bits 0 is the "zeroed" cell. */
export interface Cell {
  bits: bigint;
  step: number;
}

function interleave(lat: number, lon: number): bigint {
  return spread(BigInt(lat)) | (spread(BigInt(lon)) << 1n);
}

/** The even bits of v packed into the low half (odd bits: pass v >> 1). */
function unspread(v: bigint): number {
  let out = 0;
  for (let i = 0; i < 32; i++) if ((v >> BigInt(2 * i)) & 1n) out += 2 ** i;
  return out;
}

/** geohashEncode over the WGS84 ranges (the coordinates are already validated). */
export function encode(longitude: number, latitude: number, step: number): Cell {
  const scale = 2 ** step;
  const latOffset = ((latitude - LAT_MIN) / LAT_SCALE) * scale;
  const longOffset = ((longitude - LONG_MIN) / LONG_SCALE) * scale;
  // uint32_t conversions truncate
  return { bits: interleave(Math.trunc(latOffset) >>> 0, Math.trunc(longOffset) >>> 0), step };
}

export interface Area {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** geohashDecode: the cell's bounds. */
export function decode(cell: Cell): Area {
  const ilato = unspread(cell.bits & M64);
  const ilono = unspread((cell.bits & M64) >> 1n);
  const div = 2 ** cell.step;
  return {
    latMin: LAT_MIN + ((ilato * 1.0) / div) * LAT_SCALE,
    latMax: LAT_MIN + (((ilato + 1) * 1.0) / div) * LAT_SCALE,
    lonMin: LONG_MIN + ((ilono * 1.0) / div) * LONG_SCALE,
    lonMax: LONG_MIN + (((ilono + 1) * 1.0) / div) * LONG_SCALE,
  };
}

/** decodeGeohash: a zset score as the centre of its step-26 cell, clamped to the valid ranges. */
export function decodeScore(score: number): [number, number] {
  const a = decode({ bits: BigInt(Math.trunc(score)) & M64, step: STEP });
  let x = (a.lonMin + a.lonMax) / 2;
  if (x > LONG_MAX) x = LONG_MAX;
  if (x < LONG_MIN) x = LONG_MIN;
  let y = (a.latMin + a.latMax) / 2;
  if (y > LAT_MAX) y = LAT_MAX;
  if (y < LAT_MIN) y = LAT_MIN;
  return [x, y];
}

function moveX(cell: Cell, d: number): Cell {
  let x = cell.bits & ODD;
  const y = cell.bits & EVEN;
  const shift = BigInt(64 - cell.step * 2);
  const zz = EVEN >> shift;
  if (d > 0) x = (x + (zz + 1n)) & M64;
  else {
    x |= zz;
    x = (x - (zz + 1n)) & M64;
  }
  x &= ODD >> shift;
  return { bits: x | y, step: cell.step };
}

function moveY(cell: Cell, d: number): Cell {
  const x = cell.bits & ODD;
  let y = cell.bits & EVEN;
  const shift = BigInt(64 - cell.step * 2);
  const zz = ODD >> shift;
  if (d > 0) y = (y + (zz + 1n)) & M64;
  else {
    y |= zz;
    y = (y - (zz + 1n)) & M64;
  }
  y &= EVEN >> shift;
  return { bits: x | y, step: cell.step };
}

interface Neighbors {
  north: Cell;
  south: Cell;
  east: Cell;
  west: Cell;
  northEast: Cell;
  northWest: Cell;
  southEast: Cell;
  southWest: Cell;
}

export function neighbors(h: Cell): Neighbors {
  return {
    east: moveX(h, 1),
    west: moveX(h, -1),
    south: moveY(h, -1),
    north: moveY(h, 1),
    northWest: moveY(moveX(h, -1), 1),
    northEast: moveY(moveX(h, 1), 1),
    southEast: moveY(moveX(h, 1), -1),
    southWest: moveY(moveX(h, -1), -1),
  };
}
