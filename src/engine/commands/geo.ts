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
 * The geohash cells are in ../geo/geohash.ts, the search area and scan in ../geo/search.ts, and
 * the correctly rounded sin/cos/asin (glibc's results, which V8's may miss by an ulp) in
 * ../geo/trig.ts. Members at the same distance straddling a COUNT cut are ordered by Redis's
 * pqsort, here by a stable sort.
 */
import { ascii, latin1 } from '../../model/bytes.js';
import { Err, fail, lower, parseDouble, parseInt64 } from '../argv.js';
import { type CommandTable, type Ctx, lookupType } from '../context.js';
import { decodeScore, geohashScore, LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN } from '../geo/geohash.js';
import { collect, type Shape } from '../geo/search.js';
import { bstr, Limits, strBytes, type ZMap, type ZsetValue, zsetReshape, zsetSorted } from '../keyspace.js';
import { ZScoreMap } from '../zmap.js';
import { zsetCommands } from './zsets.js';

/** extractLongLatOrReply: a validated longitude/latitude pair. */
function longLat(lonArg: Uint8Array, latArg: Uint8Array): [number, number] {
  const longitude = parseDouble(lonArg);
  const latitude = parseDouble(latArg);
  if (longitude < LONG_MIN || longitude > LONG_MAX || latitude < LAT_MIN || latitude > LAT_MAX) {
    fail(`ERR invalid longitude,latitude pair ${longitude.toFixed(6)},${latitude.toFixed(6)}`);
  }
  return [longitude, latitude];
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
function memberPos(z: { value: ZMap }, member: Uint8Array): [number, number] {
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
  const m = new ZScoreMap();
  let listpack = picked.length <= Limits.zsetMaxListpackEntries;
  for (const p of picked) {
    const score = storedist ? p.dist / shape.conversion : p.score;
    m.set(p.member, { member: p.member, score });
    if (p.member.length > Limits.zsetMaxListpackValue) listpack = false;
  }
  const z: ZsetValue = { type: 'zset', value: m, listpack, sorted: null };
  zsetReshape(z);
  c.db.set(storekey, z);
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
