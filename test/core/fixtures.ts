// Seeded data for the core tests: random unit vectors, clustered embeddings, and archive entries.
import type { ArchiveEntry } from '../../src/core/archive/archive.ts';
import { Rng } from '../../src/core/rng.ts';

export function unitVector(rng: Rng, dim: number): number[] {
  const v = Array.from({ length: dim }, () => rng.normal());
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Samples with a few strong directions (decreasing variance) plus isotropic noise, like real embeddings. */
export function structuredSamples(rng: Rng, count: number, dim: number, basis: number[][], noise = 0.05): number[][] {
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: dim }, () => rng.normal() * noise);
    basis.forEach((direction, i) => {
      const amount = rng.normal() * (basis.length - i);
      for (let j = 0; j < dim; j++) v[j]! += amount * direction[j]!;
    });
    return v;
  });
}

export type NewEntry = Omit<ArchiveEntry, 'coords' | 'cell'>;

export function learnedEntry(id: string, island: number, fitness: number, embedding: number[]): NewEntry {
  return { id, island, fitness, metrics: { score: fitness }, embedding };
}

export function metricEntry(id: string, island: number, fitness: number, x: number, y: number): NewEntry {
  return { id, island, fitness, metrics: { score: fitness, x, y }, embedding: null };
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
