// The ModelChooser seam: which model gets the next call among the candidates the router allows.
// Today weighted random by the configured weights; a cost-aware bandit takes the same seat later.
import type { LlmModelConfig } from '../config/schema.ts';
import type { Rng } from '../core/rng.ts';

export interface ModelChooser {
  /** One of `candidates` (never empty). */
  choose(candidates: readonly LlmModelConfig[], rng: Rng): LlmModelConfig;
}

/**
 * Picks with probability proportional to `weight`. A single candidate costs no draw; when every
 * weight is 0 (only fallback-only models are left) the first in config order is taken.
 */
export const weightedRandomChooser: ModelChooser = {
  choose(candidates, rng) {
    if (candidates.length === 0) throw new Error('ModelChooser.choose needs at least one candidate');
    if (candidates.length === 1) return candidates[0]!;
    const weights = candidates.map((m) => m.weight);
    if (!weights.some((w) => w > 0)) return candidates[0]!;
    return candidates[rng.weightedIndex(weights)]!;
  },
};
