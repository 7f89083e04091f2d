/**
 * GEOADD (geo.c geoaddCommand): validates the options and each longitude/latitude pair, turns
 * the pair into its 52-bit geohash (geohash.c geohashEncodeWGS84 at step 26: latitude offset in
 * the even bits, longitude offset in the odd bits) and runs ZADD with those scores, exactly as
 * Redis does before propagating the command as ZADD.
 *
 * The STORE forms, which Redis 7.0 logs verbatim: GEOSEARCHSTORE and GEORADIUS /
 * GEORADIUSBYMEMBER with STORE or STOREDIST (geo.c georadiusGeneric). They follow Redis's
 * search step by step, because which members match at the edges depends on it: the option
 * parsing and its error order; the search area (geohash_helper.c: bounding box, step from
 * geohashEstimateStepsByRadius, the centre cell and its 8 neighbours, one step coarser when a
 * neighbour does not reach the box, neighbours dropped when the centre cell already covers that
 * side); each cell scanned as the score range [cell, next cell) in zset order; each member
 * decoded to its cell centre and kept when within the radius (haversine on the 6372797.560856 m
 * sphere) or the box (latitude distance, then longitude distance along the point's parallel);
 * COUNT ANY stops the scan at COUNT members; ASC/DESC (forced ASC by COUNT without ANY) sorts by
 * distance; the first COUNT go into the destination with their geohash scores, or with STOREDIST
 * their distances in the request's unit; an empty result deletes the destination.
 * Without STORE these commands only read: the engine replies with the members (WITHDIST's
 * figures are printed with 4 decimals, WITHCOORD's as shortest round-trip numbers).
 *
 * Limits: sin/cos/asin are JavaScript's (fdlibm in V8), glibc's may differ in the last bit, which
 * could change a STOREDIST score or a member lying exactly on the edge; members at the same
 * distance straddling a COUNT cut are ordered by Redis's pqsort, here by a stable sort.
 */
import { ascii, latin1 } from '../../model/bytes.js';
import { Err, fail, lower, parseDouble, parseInt64 } from '../argv.js';
import { type CommandTable, type Ctx, lookupType } from '../context.js';
import { type BStr, bstr, Limits, strBytes, type ZNode, zsetSorted } from '../keyspace.js';
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

/** The ZADD score Redis stores for a longitude/latitude pair: the step-26 geohash (52 bits, no alignment shift). */
export function geohashScore(longitude: number, latitude: number): bigint {
  return encode(longitude, latitude, STEP).bits;
}

/** extractLongLatOrReply: a validated longitude/latitude pair. */
function longLat(lonArg: Uint8Array, latArg: Uint8Array): [number, number] {
  const longitude = parseDouble(lonArg);
  const latitude = parseDouble(latArg);
  if (longitude < LONG_MIN || longitude > LONG_MAX || latitude < LAT_MIN || latitude > LAT_MAX) {
    fail(`ERR invalid longitude,latitude pair ${longitude.toFixed(6)},${latitude.toFixed(6)}`);
  }
  return [longitude, latitude];
}

// ---- geohash cells (geohash.c) ----

const M64 = (1n << 64n) - 1n;
const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const LAT_SCALE = LAT_MAX - LAT_MIN;
const LONG_SCALE = LONG_MAX - LONG_MIN;

/** A geohash cell: `bits` holds 2*step bits; step 0 with bits 0 is the "zeroed" cell. */
interface Cell {
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
function encode(longitude: number, latitude: number, step: number): Cell {
  const scale = 2 ** step;
  const latOffset = ((latitude - LAT_MIN) / LAT_SCALE) * scale;
  const longOffset = ((longitude - LONG_MIN) / LONG_SCALE) * scale;
  // uint32_t conversions truncate
  return { bits: interleave(Math.trunc(latOffset) >>> 0, Math.trunc(longOffset) >>> 0), step };
}

interface Area {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** geohashDecode: the cell's bounds. */
function decode(cell: Cell): Area {
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
function decodeScore(score: number): [number, number] {
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

function neighbors(h: Cell): Neighbors {
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

// ---- correctly rounded sin, cos, asin ----
// glibc's sin/cos/asin (Redis links them) round correctly in all but rare cases; V8's fdlibm
// ports may be one ulp off, which shows in STOREDIST scores. These evaluate in double-double
// (about 104 bits) and round once.

type DD = [number, number];

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function split(a: number): DD {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = quickTwoSum(s, e + t);
  return quickTwoSum(s2, e2 + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddDivN(a: DD, b: number): DD {
  const q1 = a[0] / b;
  const [p, e] = twoProd(q1, b);
  const q2 = (a[0] - p - e + a[1]) / b;
  return quickTwoSum(q1, q2);
}

// pi/2 as the sum of three doubles
const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;

/** sin (or cos when `cos`) of a double whose magnitude is at most a few pi, as a double-double. */
function ddSinCos(x: number, cos: boolean): DD {
  const k = Math.round(x / PIO2_1);
  // r = x - k*pi/2, exactly enough for |k| small
  let r: DD = [x, 0];
  r = ddAdd(r, twoProd(-k, PIO2_1));
  r = ddAdd(r, twoProd(-k, PIO2_2));
  r = ddAdd(r, twoProd(-k, PIO2_3));
  let q = ((k % 4) + 4) % 4;
  if (cos) q = (q + 1) % 4;
  // q: 0 sin r, 1 cos r, 2 -sin r, 3 -cos r
  const r2 = ddMul(r, r);
  let term: DD, sum: DD, n: number;
  if (q === 0 || q === 2) {
    term = r;
    sum = r;
    n = 1;
  } else {
    term = [1, 0];
    sum = [1, 0];
    n = 0;
  }
  for (let i = 0; i < 30; i++) {
    term = ddDivN(ddMul(term, r2), -((n + 1) * (n + 2)));
    n += 2;
    sum = ddAdd(sum, term);
    if (Math.abs(term[0]) < Math.abs(sum[0]) * 1e-36) break;
  }
  return q >= 2 ? [-sum[0], -sum[1]] : sum;
}

/** Correctly rounded sin (arguments up to a few pi). */
export function crSin(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return Math.sin(x);
  const [h, l] = ddSinCos(x, false);
  return h + l;
}

/** Correctly rounded cos (arguments up to a few pi). */
export function crCos(x: number): number {
  if (!Number.isFinite(x)) return Math.cos(x);
  const [h, l] = ddSinCos(x, true);
  return h + l;
}

/** Correctly rounded asin on [-1, 1]: one Newton step from Math.asin in double-double. */
export function crAsin(y: number): number {
  const t0 = Math.asin(y);
  if (y === 0 || Math.abs(y) === 1 || Number.isNaN(t0)) return t0;
  const s = ddSinCos(t0, false);
  const c = ddSinCos(t0, true);
  const d = ddAdd([y, 0], [-s[0], -s[1]]);
  const delta = (d[0] + d[1]) / (c[0] + c[1]);
  return t0 + delta;
}

// ---- distances and the search area (geohash_helper.c) ----

const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const ZERO: Cell = { bits: 0n, step: 0 };

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: haversine, with the shortcut for equal longitudes. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = crSin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = crSin((lat2r - lat1r) / 2);
  const a = u * u + crCos(lat1r) * crCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
}

/** The search shape: centre, unit conversion and a radius or a width/height (in the unit). */
interface Shape {
  box: boolean;
  x: number;
  y: number;
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

/** geohashCalculateAreasByShapeWGS84: the centre cell then its 8 neighbours, zeroed when useless. */
function searchCells(shape: Shape): Cell[] {
  const height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / crCos(degRad(shape.y + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / crCos(degRad(shape.y - latDelta)));
  const southern = shape.y < 0;
  const minLon = southern ? shape.x - longDeltaBottom : shape.x - longDeltaTop;
  const maxLon = southern ? shape.x + longDeltaBottom : shape.x + longDeltaTop;
  const minLat = shape.y - latDelta;
  const maxLat = shape.y + latDelta;

  let radiusMeters = shape.box ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) : shape.radius;
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, shape.y);
  let hash = encode(shape.x, shape.y, steps);
  let n = neighbors(hash);
  let area = decode(hash);
  let decrease = false;
  if (decode(n.north).latMax < maxLat) decrease = true;
  if (decode(n.south).latMin > minLat) decrease = true;
  if (decode(n.east).lonMax < maxLon) decrease = true;
  if (decode(n.west).lonMin > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(shape.x, shape.y, steps);
    n = neighbors(hash);
    area = decode(hash);
  }
  if (steps >= 2) {
    if (area.latMin < minLat) {
      n.south = ZERO;
      n.southWest = ZERO;
      n.southEast = ZERO;
    }
    if (area.latMax > maxLat) {
      n.north = ZERO;
      n.northEast = ZERO;
      n.northWest = ZERO;
    }
    if (area.lonMin < minLon) {
      n.west = ZERO;
      n.southWest = ZERO;
      n.northWest = ZERO;
    }
    if (area.lonMax > maxLon) {
      n.east = ZERO;
      n.southEast = ZERO;
      n.northEast = ZERO;
    }
  }
  return [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
}

interface GeoPoint {
  member: BStr;
  score: number;
  dist: number;
  x: number;
  y: number;
}

/** geoWithinShape: the distance from the centre, or null when outside. */
function withinShape(shape: Shape, x2: number, y2: number): number | null {
  if (!shape.box) {
    const d = geoDistance(shape.x, shape.y, x2, y2);
    return d > shape.radius * shape.conversion ? null : d;
  }
  if (latDistance(y2, shape.y) > (shape.height * shape.conversion) / 2) return null;
  if (geoDistance(x2, y2, shape.x, y2) > (shape.width * shape.conversion) / 2) return null;
  return geoDistance(shape.x, shape.y, x2, y2);
}

/** membersOfAllNeighbors: scan each cell's score range in zset order; `limit` 0 = no limit. */
function collect(ordered: ZNode[], shape: Shape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const out: GeoPoint[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.bits === 0n && cell.step === 0) continue;
    if (last && cell.bits === cells[last]!.bits && cell.step === cells[last]!.step) continue;
    if (out.length && limit && out.length >= limit) break;
    const shift = BigInt(52 - cell.step * 2);
    const min = Number((cell.bits << shift) & M64);
    const max = Number(((cell.bits + 1n) << shift) & M64);
    let lo = 0,
      hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ordered[mid]!.score < min) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < ordered.length; k++) {
      const node = ordered[k]!;
      if (!(node.score < max)) break;
      const [x, y] = decodeScore(node.score);
      const dist = withinShape(shape, x, y);
      if (dist !== null) out.push({ member: node.member, score: node.score, dist, x, y });
      if (out.length && limit && out.length >= limit) break;
    }
    last = i;
  }
  return out;
}

const NEED_COUNT = 'ERR the ANY argument requires COUNT argument';

/** extractUnitOrReply: metres per unit. */
function unit(b: Uint8Array): number {
  switch (lower(b)) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      return fail('ERR unsupported unit provided. please use M, KM, FT, MI');
  }
}

function distanceArg(a: Uint8Array[], i: number, shape: Shape): void {
  const d = parseDouble(a[i]!, 'ERR need numeric radius');
  if (d < 0) fail('ERR radius cannot be negative');
  shape.radius = d;
  shape.conversion = unit(a[i + 1]!);
}

/** The member's position decoded from its score, or the decode error. */
function memberPos(z: { value: Map<BStr, ZNode> }, member: Uint8Array): [number, number] {
  const n = z.value.get(bstr(member));
  if (!n) fail('ERR could not decode requested zset member');
  return decodeScore(n.score);
}

type Mode = 'coords' | 'member' | 'search';

/** georadiusGeneric for GEORADIUS (coords), GEORADIUSBYMEMBER (member), GEOSEARCHSTORE (search). */
function georadius(c: Ctx, a: Uint8Array[], mode: Mode): unknown {
  const srcIdx = mode === 'search' ? 2 : 1;
  const zobj = lookupType(c, a[srcIdx]!, 'zset');
  let storekey: Uint8Array | null = null;
  let storedist = false;
  const shape: Shape = { box: false, x: 0, y: 0, conversion: 0, radius: 0, width: 0, height: 0 };
  let base: number;
  if (mode === 'coords') {
    base = 6;
    [shape.x, shape.y] = longLat(a[2]!, a[3]!);
    distanceArg(a, 4, shape);
  } else if (mode === 'member') {
    base = 5;
    if (zobj) {
      [shape.x, shape.y] = memberPos(zobj, a[2]!);
      distanceArg(a, 3, shape);
    }
  } else {
    base = 3;
    storekey = a[1]!;
  }
  let withdist = false,
    withhash = false,
    withcoords = false;
  let frommember = false,
    fromloc = false,
    byradius = false,
    bybox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0n;
  const search = mode === 'search';
  const remaining = a.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = lower(a[base + i]!);
    if (arg === 'withdist') withdist = true;
    else if (arg === 'withhash') withhash = true;
    else if (arg === 'withcoord') withcoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = 'asc';
    else if (arg === 'desc') sort = 'desc';
    else if (arg === 'count' && i + 1 < remaining) {
      count = parseInt64(a[base + i + 1]!);
      if (count <= 0n) fail('ERR COUNT must be > 0');
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !search) {
      storekey = a[base + i + 1]!;
      storedist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && search) {
      storedist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && search && !fromloc) {
      if (zobj) [shape.x, shape.y] = memberPos(zobj, a[base + i + 1]!);
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && search && !frommember) {
      [shape.x, shape.y] = longLat(a[base + i + 1]!, a[base + i + 2]!);
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && search && !bybox) {
      distanceArg(a, base + i + 1, shape);
      shape.box = false;
      byradius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && search && !byradius) {
      const w = parseDouble(a[base + i + 1]!, 'ERR need numeric width');
      const h = parseDouble(a[base + i + 2]!, 'ERR need numeric height');
      if (h < 0 || w < 0) fail('ERR height or width cannot be negative');
      shape.width = w;
      shape.height = h;
      shape.conversion = unit(a[base + i + 3]!);
      shape.box = true;
      bybox = true;
      i += 3;
    } else fail(Err.SYNTAX);
  }
  if (storekey && (withdist || withhash || withcoords)) {
    fail(`ERR ${search ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (search && !(frommember || fromloc)) fail(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${latin1(a[0]!)}`);
  if (search && !(byradius || bybox)) fail(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${latin1(a[0]!)}`);
  if (any && !count) fail(NEED_COUNT);
  if (!zobj) {
    if (storekey) {
      c.db.delete(storekey);
      return 0;
    }
    return [];
  }
  if (count !== 0n && sort === 'none' && !any) sort = 'asc';
  const countN = count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
  const points = collect(zsetSorted(zobj), shape, any ? countN : 0);
  const returned = countN === 0 || points.length < countN ? points.length : countN;
  if (sort === 'asc') points.sort((p, q) => (p.dist > q.dist ? 1 : p.dist === q.dist ? 0 : -1));
  else if (sort === 'desc') points.sort((p, q) => (p.dist > q.dist ? -1 : p.dist === q.dist ? 0 : 1));
  const picked = points.slice(0, returned);
  if (!storekey) {
    return picked.map((p) => {
      const member = strBytes(p.member);
      if (!withdist && !withhash && !withcoords) return member;
      const row: unknown[] = [member];
      if (withdist) row.push(ascii((p.dist / shape.conversion).toFixed(4)));
      if (withhash) row.push(p.score);
      if (withcoords) row.push([ascii(String(p.x)), ascii(String(p.y))]);
      return row;
    });
  }
  if (picked.length === 0) {
    c.db.delete(storekey);
    return 0;
  }
  const m = new Map<BStr, ZNode>();
  let listpack = picked.length <= Limits.zsetMaxListpackEntries;
  for (const p of picked) {
    const score = storedist ? p.dist / shape.conversion : p.score;
    m.set(p.member, { member: p.member, score });
    if (p.member.length > Limits.zsetMaxListpackValue) listpack = false;
  }
  c.db.set(storekey, { type: 'zset', value: m, listpack, sorted: null });
  return picked.length;
}

export const geoCommands: CommandTable = {
  georadius: { arity: -6, run: (c, a) => georadius(c, a, 'coords') },
  georadiusbymember: { arity: -5, run: (c, a) => georadius(c, a, 'member') },
  geosearchstore: { arity: -8, run: (c, a) => georadius(c, a, 'search') },
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
        const [longitude, latitude] = longLat(a[i]!, a[i + 1]!);
        zadd.push(ascii(geohashScore(longitude, latitude).toString()), a[i + 2]!);
      }
      return zsetCommands.zadd!.run(c, zadd);
    },
  },
};
