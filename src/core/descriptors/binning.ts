// Descriptor coordinates in [0,1]^d → grid cells. A cell key is the comma-joined bin indices ("3,7"),
// stable across processes and safe to store in the database.
import type { Metrics } from '../types.ts';

export interface MetricDescriptor {
  metric: string;
  min: number;
  max: number;
}

/** Bin index per coordinate; 1.0 falls in the last bin, values outside [0,1] are clamped. */
export function cellKey(coords: number[], bins: number): string {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  return coords
    .map((c) => {
      if (Number.isNaN(c)) throw new Error('cannot bin a NaN descriptor coordinate');
      return Math.min(bins - 1, Math.max(0, Math.floor(c * bins)));
    })
    .join(',');
}

/** The bin indices of a cell key (the inverse of `cellKey` up to binning). */
export function cellCoords(key: string): number[] {
  return key.split(',').map((part) => {
    const index = Number(part);
    if (part === '' || !Number.isInteger(index)) throw new Error(`malformed cell key "${key}"`);
    return index;
  });
}

/** Chebyshev distance between two cells (max over dimensions of the bin difference). */
export function cellDistance(a: number[], b: number[]): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) distance = Math.max(distance, Math.abs(a[i]! - (b[i] ?? 0)));
  return distance;
}

/** Metric values scaled to [0,1] by their declared bounds (clipped); null when a metric is missing. */
export function metricCoords(metrics: Metrics, descriptors: MetricDescriptor[]): number[] | null {
  const coords: number[] = [];
  for (const { metric, min, max } of descriptors) {
    const value = metrics[metric];
    if (value === undefined || Number.isNaN(value)) return null;
    // Degenerate bounds (max <= min) cannot spread anything: put every value in the middle.
    const scaled = max > min ? (value - min) / (max - min) : 0.5;
    coords.push(Math.min(1, Math.max(0, scaled)));
  }
  return coords;
}
