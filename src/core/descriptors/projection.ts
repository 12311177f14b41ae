// Learned descriptors: a PCA projection of code embeddings to a few standardised coordinates in [0,1].
// Components are aligned with the previous fit (align.ts), so a refit does not flip or rotate cells.
import { alignComponents } from './align.ts';
import { principalComponents } from './pca.ts';

/** Plain data (JSON-serialisable), persisted with the archive so a resumed run bins identically. */
export interface Projection {
  mean: number[];
  components: number[][];
  /** Standard deviation of the fitted samples along each component (never zero). */
  scale: number[];
}

/** Fits use at most this many samples (an even stride over the given ones), bounding the cost of a refit. */
export const MAX_FIT_SAMPLES = 512;
/** Coordinates are standardised and clipped to ±CLIP_SIGMA before mapping to [0,1]. */
export const CLIP_SIGMA = 3;
/** A component whose spread is below this is treated as not varying at all. */
const MIN_SCALE = 1e-9;

export function fitProjection(samples: number[][], dims: number, previous?: Projection | null): Projection {
  if (samples.length === 0) throw new Error('fitProjection needs at least one sample');
  const fitted = strided(samples, MAX_FIT_SAMPLES);
  const usablePrevious = previous && previous.mean.length === fitted[0]!.length ? previous : null;
  const pca = principalComponents(fitted, dims, usablePrevious?.components ?? []);

  const components = alignComponents(pca.components, usablePrevious?.components ?? null);

  const scale = components.map((c) => standardDeviation(fitted.map((s) => centredDot(s, pca.mean, c))));
  const spread = scale.filter((s) => s >= MIN_SCALE);
  // A direction the samples do not vary along gets the widest observed spread, so that a later
  // individual that does vary that way lands near the middle rather than at an extreme.
  const fallback = spread.length > 0 ? Math.max(...spread) : 1 / Math.sqrt(pca.mean.length);
  return { mean: pca.mean, components, scale: scale.map((s) => (s >= MIN_SCALE ? s : fallback)) };
}

/** Standardised coordinates, clipped to ±3σ and mapped to [0,1] (the mean lands at 0.5). */
export function project(p: Projection, vector: number[]): number[] {
  if (vector.length !== p.mean.length) throw new Error(`cannot project a ${vector.length}-dim vector with a ${p.mean.length}-dim projection`);
  return p.components.map((c, i) => {
    const z = centredDot(vector, p.mean, c) / p.scale[i]!;
    return (Math.min(CLIP_SIGMA, Math.max(-CLIP_SIGMA, z)) + CLIP_SIGMA) / (2 * CLIP_SIGMA);
  });
}

function strided<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

function centredDot(vector: number[], mean: number[], component: number[]): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i]! - mean[i]!) * component[i]!;
  return sum;
}

function standardDeviation(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}
