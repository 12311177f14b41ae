// The strategies a run's bandit chooses among: every enabled operator, and for an LLM operator
// every model of positive weight (fallback-only models stay the router's) at every configured
// temperature. Offline operators and the coding agent have one strategy each. Each operator that
// takes its parent from the archive also comes as a second strategy that takes the run's best as
// the parent (`^best`, the hill climber's move): the bandit learns when to climb and when to roam.
import { allocationSettings, type CambrianConfig } from '../config/schema.ts';
import { operatorNeedsLlm } from '../config/operators.ts';
import type { Strategy } from './bandit.ts';

export function enumerateStrategies(config: CambrianConfig, operators: ReadonlyArray<{ name: string; parentPolicy?: string }>): Strategy[] {
  const settings = allocationSettings(config);
  const models = settings.varyModels ? (config.llm?.models ?? []).filter((m) => m.weight > 0).map((m) => m.name) : [];
  const temperatures = settings.temperatures;
  const out: Strategy[] = [];
  for (const { name, parentPolicy } of operators) {
    const parents: Array<'best' | null> = settings.climb && (parentPolicy ?? defaultParentPolicy(name)) === 'archive' ? [null, 'best'] : [null];
    for (const parent of parents) {
      if (!operatorNeedsLlm(name)) {
        out.push({ arm: armId(name, null, null, parent), operator: name, model: null, temperature: null, parent });
        continue;
      }
      for (const model of models.length > 0 ? models : [null]) {
        for (const temperature of temperatures.length > 0 ? temperatures : [null]) {
          out.push({ arm: armId(name, model, temperature, parent), operator: name, model, temperature, parent });
        }
      }
    }
  }
  return out;
}

/** Where an operator takes its parent when the registry does not say (see operators/registry.ts). */
function defaultParentPolicy(name: string): string {
  if (name === 'baseline-independent') return 'seed';
  if (name === 'baseline-hillclimb') return 'best';
  if (name === 'llm-repair') return 'failed';
  return 'archive';
}

export function armId(operator: string, model: string | null, temperature: number | null, parent: 'best' | null = null): string {
  return `${operator}${model === null ? '' : `@${model}`}${temperature === null ? '' : `~${temperature}`}${parent === 'best' ? '^best' : ''}`;
}

/** Whether this run allocates with the bandit (policy `auto` needs more than one strategy). */
export function usesBandit(config: CambrianConfig, strategies: readonly Strategy[]): boolean {
  const { policy } = allocationSettings(config);
  return policy === 'bandit' || (policy === 'auto' && strategies.length > 1);
}
