// Welch's unequal-variance t-test, one-sided, with the Student t distribution computed from the
// regularised incomplete beta function (Lentz's continued fraction). Pure numbers, no dependencies.

export interface Sample {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for n < 2. */
  sd: number;
}

export function describe(values: readonly number[]): Sample {
  const n = values.length;
  const mean = n > 0 ? values.reduce((s, v) => s + v, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd };
}

/**
 * One-sided test that `a`'s mean exceeds `b`'s. Returns the t statistic, the Welch–Satterthwaite
 * degrees of freedom and the p-value. Both variances 0: p is 0 when a's mean is higher, else 1 (the
 * measurements are exact). Either sample empty: p = 1.
 */
export function welchGreater(a: Sample, b: Sample): { t: number; df: number; p: number } {
  if (a.n < 1 || b.n < 1 || !Number.isFinite(a.mean) || !Number.isFinite(b.mean)) return { t: NaN, df: NaN, p: 1 };
  const va = a.n > 1 ? (a.sd * a.sd) / a.n : 0;
  const vb = b.n > 1 ? (b.sd * b.sd) / b.n : 0;
  const se2 = va + vb;
  const diff = a.mean - b.mean;
  if (se2 === 0) return { t: diff > 0 ? Infinity : diff < 0 ? -Infinity : 0, df: Infinity, p: diff > 0 ? 0 : 1 };
  const t = diff / Math.sqrt(se2);
  const denom = (a.n > 1 ? (va * va) / (a.n - 1) : 0) + (b.n > 1 ? (vb * vb) / (b.n - 1) : 0);
  const df = denom > 0 ? (se2 * se2) / denom : Infinity;
  return { t, df, p: 1 - studentCdf(t, df) };
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df = Infinity: the standard normal). */
export function studentCdf(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (!Number.isFinite(df)) return normalCdf(t);
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

function normalCdf(z: number): number {
  // Abramowitz & Stegun 7.1.26 on erf; absolute error < 1.5e-7.
  const x = Math.abs(z) / Math.SQRT2;
  const k = 1 / (1 + 0.3275911 * x);
  const erf = 1 - k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** I_x(a, b), the regularised incomplete beta function. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-12) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = g[0]!;
  for (let i = 1; i < 9; i++) sum += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
