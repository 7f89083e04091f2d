/**
 * Correctly rounded sin, cos and asin. glibc's (Redis links them) round correctly in all but
 * rare cases; V8's fdlibm ports may be one ulp off, which shows in STOREDIST scores. These
 * evaluate in double-double (about 104 bits) and round once.
 */

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
