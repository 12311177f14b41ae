// Budget pressure: as the remaining budget falls, calls move to cheaper tiers (local < cloud < deep).
// Pure: the router asks which tiers are allowed and which are preferred for the next call.
import type { LlmConfig } from '../config/schema.ts';

export type Tier = 'local' | 'cloud' | 'deep';
export type PressureLevel = 'low' | 'medium' | 'high';
export type PressureSetting = LlmConfig['pressure'];

/** Cheapest first. */
export const TIERS_BY_COST: readonly Tier[] = ['local', 'cloud', 'deep'];

export interface TierPolicy {
  level: PressureLevel;
  /** Tiers a call may use at all. */
  allowed: Tier[];
  /** Tiers to choose from first; the rest of `allowed` only when none of these can serve. */
  preferred: Tier[];
}

/**
 * low: every tier. medium: every tier, cloud and local preferred. high: local only.
 * 'auto' picks the level from the remaining budget: at or below `fractions[0]` medium, at or below
 * `fractions[1]` high.
 */
export function tiersFor(
  remainingFraction: number,
  fractions: readonly [number, number],
  setting: PressureSetting,
): TierPolicy {
  const level = setting === 'auto' ? levelFor(remainingFraction, fractions) : setting;
  switch (level) {
    case 'low':
      return { level, allowed: [...TIERS_BY_COST], preferred: [...TIERS_BY_COST] };
    case 'medium':
      return { level, allowed: [...TIERS_BY_COST], preferred: ['local', 'cloud'] };
    case 'high':
      return { level, allowed: ['local'], preferred: ['local'] };
  }
}

function levelFor(remainingFraction: number, [medium, high]: readonly [number, number]): PressureLevel {
  if (remainingFraction <= high) return 'high';
  if (remainingFraction <= medium) return 'medium';
  return 'low';
}
