/** Number formatting shared by the codecs and the engine, as Redis prints numbers. */

/** C printf "%.17g" for a finite double. */
export function formatG17(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
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
