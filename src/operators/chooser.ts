// Which operator gets the next job. Today a seeded weighted-random choice; a cost-aware bandit takes
// the same seat later (it will see each job's outcome and costs through `observe`).
import type { Rng } from '../core/rng.ts';

export interface OperatorChoice {
  name: string;
  weight: number;
}

export interface OperatorChooser {
  choose(options: readonly OperatorChoice[], rng: Rng): string;
  observe?(name: string, outcome: { improved: boolean; evaluated: boolean; costUsd: number }): void;
}

export const weightedOperatorChooser: OperatorChooser = {
  choose(options, rng) {
    return options[rng.weightedIndex(options.map((o) => o.weight))]!.name;
  },
};
