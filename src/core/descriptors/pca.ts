// The top principal components of a sample set by orthogonal (subspace) iteration. We need at most
// 8 of 256 components: this is several times cheaper than ml-pca's full SVD (measured 0.2–1.2 s for
// 200–2000 samples) and warm-starts from the previous fit. Deterministic for given inputs.
import { Rng } from '../rng.ts';

export interface PrincipalComponents {
  mean: number[];
  /** Unit-length, mutually orthogonal, ordered by decreasing variance. */
  components: number[][];
  /** Sample variance along each component (0 when the samples do not vary that way). */
  variances: number[];
}

/** Extra vectors iterated alongside the wanted ones: they speed convergence when eigenvalues are close. */
const OVERSAMPLE = 2;
/** Bound a fit's cost when the spectrum is flat (hashed numeric features make it so; measured ~3 ms
 *  an iteration at 512 samples). A warm-started refit continues where the last fit stopped, so
 *  convergence accumulates over refits and they can afford fewer iterations than a cold fit. */
const MAX_ITERATIONS_COLD = 40;
const MAX_ITERATIONS_WARM = 12;
/** Stop when every wanted vector moved by less than ~1e-3 rad in one iteration. */
const CONVERGED_DOT = 1 - 5e-7;

export function principalComponents(samples: number[][], count: number, start: number[][] = []): PrincipalComponents {
  const n = samples.length;
  if (n === 0) throw new Error('principal components need at least one sample');
  const d = samples[0]!.length;
  if (samples.some((s) => s.length !== d)) throw new Error('samples have different dimensions');
  if (!(count >= 1 && count <= d)) throw new Error(`cannot take ${count} components of ${d}-dimensional samples`);

  const mean = new Array<number>(d).fill(0);
  for (const s of samples) for (let j = 0; j < d; j++) mean[j]! += s[j]! / n;
  const centred = samples.map((s) => Float64Array.from(s, (v, j) => v - mean[j]!));

  const width = Math.min(count + OVERSAMPLE, d);
  const initial = [...start.filter((v) => v.length === d).slice(0, width)];
  const maxIterations = initial.length > 0 ? MAX_ITERATIONS_WARM : MAX_ITERATIONS_COLD;
  for (let j = initial.length; j < width; j++) initial.push(fallbackVector(d, j, 0));
  let basis = orthonormalise(initial.map((v) => Float64Array.from(v)));

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = orthonormalise(covarianceTimes(centred, basis));
    const converged = next.slice(0, count).every((v, j) => Math.abs(dot(v, basis[j]!)) >= CONVERGED_DOT);
    basis = next;
    if (converged) break;
  }

  const images = covarianceTimes(centred, basis);
  const ranked = basis
    .map((v, k) => ({ v, variance: Math.max(0, dot(v, images[k]!)) }))
    .sort((a, b) => b.variance - a.variance)
    .slice(0, count);
  return { mean, components: ranked.map((r) => Array.from(r.v)), variances: ranked.map((r) => r.variance) };
}

/** V ↦ C V for the sample covariance C = XᵀX/(n−1), applied as Xᵀ(X V) without forming the d×d matrix:
 *  2·n·d·k work per iteration, and warm-started refits converge in a few iterations. */
function covarianceTimes(centred: Float64Array[], basis: Float64Array[]): Float64Array[] {
  const d = basis[0]!.length;
  const denominator = Math.max(1, centred.length - 1);
  const out = basis.map(() => new Float64Array(d));
  for (const x of centred) {
    for (let k = 0; k < basis.length; k++) {
      const coefficient = dot(x, basis[k]!) / denominator;
      if (coefficient === 0) continue;
      const column = out[k]!;
      for (let j = 0; j < d; j++) column[j]! += coefficient * x[j]!;
    }
  }
  return out;
}

/** Modified Gram–Schmidt. A column that vanishes (the samples do not span that many directions) is
 *  replaced by a fixed pseudo-random vector, so degenerate inputs still give a full orthonormal basis. */
function orthonormalise(columns: Float64Array[]): Float64Array[] {
  const largest = Math.max(...columns.map(norm));
  const out: Float64Array[] = [];
  for (let j = 0; j < columns.length; j++) {
    let v = reject(columns[j]!.slice(), out);
    for (let attempt = 1; norm(v) <= 1e-10 * largest; attempt++) {
      v = reject(Float64Array.from(fallbackVector(v.length, j, attempt)), out);
      if (attempt > 8) throw new Error('could not complete an orthonormal basis');
    }
    const length = norm(v);
    out.push(v.map((x) => x / length));
  }
  return out;
}

function reject(v: Float64Array, orthonormal: Float64Array[]): Float64Array {
  for (const u of orthonormal) {
    const projection = dot(v, u);
    for (let i = 0; i < v.length; i++) v[i]! -= projection * u[i]!;
  }
  return v;
}

function fallbackVector(d: number, column: number, attempt: number): number[] {
  const rng = Rng.fromSeed(`cambrian-pca:${column}:${attempt}`);
  return Array.from({ length: d }, () => rng.normal());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function norm(v: ArrayLike<number>): number {
  return Math.sqrt(dot(v, v));
}
