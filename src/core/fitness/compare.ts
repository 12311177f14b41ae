// Fitness comparison under a metric direction ('min' or 'max'). The one place that decides what
// "better" means, so archive, sampler and loop never disagree about it.
import type { Direction } from '../types.ts';

/** Strictly better: equal fitness never displaces an incumbent. No incumbent → any finite fitness wins. */
export function isBetter(candidate: number, incumbent: number | null | undefined, direction: Direction): boolean {
  if (Number.isNaN(candidate)) return false;
  if (incumbent === null || incumbent === undefined || Number.isNaN(incumbent)) return true;
  return direction === 'max' ? candidate > incumbent : candidate < incumbent;
}

/** Comparator for sorting best-first: negative when `a` is better than `b`, zero when equal. */
export function compareFitness(a: number, b: number, direction: Direction): number {
  // Explicit comparisons rather than subtraction: Infinity - Infinity is NaN.
  if (a === b) return 0;
  const aBetter = direction === 'max' ? a > b : a < b;
  return aBetter ? -1 : 1;
}
