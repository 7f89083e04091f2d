/**
 * The search of GEOSEARCH / GEORADIUS as Redis runs it (geohash_helper.c, geo.c): the search area
 * (bounding box, step from geohashEstimateStepsByRadius, the centre cell and its 8 neighbours,
 * one step coarser when a neighbour does not reach the box, neighbours dropped when the centre
 * cell already covers that side), each cell scanned as the score range [cell, next cell) in zset
 * order, each member decoded to its cell centre and kept when within the radius (haversine on the
 * 6372797.560856 m sphere) or the box.
 */
import type { BStr, ZNode } from '../keyspace.js';
import { type Cell, decode, decodeScore, encode, M64, neighbors } from './geohash.js';
import { crAsin, crCos, crSin } from './trig.js';

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
function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
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
export interface Shape {
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

export interface GeoPoint {
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
export function collect(ordered: ZNode[], shape: Shape, limit: number): GeoPoint[] {
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
