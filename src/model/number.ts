/** Number formatting shared by the codecs and the engine, as Redis prints numbers. */

/** C printf "%.17g" for a finite double. */
export function formatG17(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Fast path: toPrecision(17) rounds the exact value to 17 digits as toExponential(16) below does,
  // and writes fixed notation from 1e-6 (%g: from 1e-4) up to 1e17 (as %g); only the trailing
  // zeros remain to strip. 4-5x faster than the general form (zset scores of `--to rdb`).
  const s = v.toPrecision(17);
  if (s.indexOf('e') < 0) {
    const a = v < 0 ? 1 : 0;
    // "0.0000d…" is below 1e-4: %g writes it with an exponent
    if (!s.startsWith('0.0000', a)) {
      let end = s.length;
      if (s.indexOf('.') >= 0) {
        while (s.charCodeAt(end - 1) === 0x30) end--;
        if (s.charCodeAt(end - 1) === 0x2e) end--;
      }
      return end === s.length ? s : s.slice(0, end);
    }
  }
  const exp = Math.floor(Math.log10(Math.abs(v)));
  let e = Number(v.toExponential(16).split('e')[1]);
  if (Number.isNaN(e)) e = exp;
  if (e < -4 || e >= 17) {
    const [m, x] = v.toExponential(16).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const xn = Number(x);
    return `${mant}e${xn < 0 ? '-' : '+'}${String(Math.abs(xn)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, 16 - e));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
