// The strategies a run's bandit chooses among: every enabled operator, and for an LLM operator
// every model of positive weight (fallback-only models stay the router's) at every configured
// temperature. Offline operators and the coding agent have one strategy each.
import { allocationSettings, type CambrianConfig } from '../config/schema.ts';
import { operatorNeedsLlm } from '../config/operators.ts';
import type { Strategy } from './bandit.ts';

export function enumerateStrategies(config: CambrianConfig, operators: ReadonlyArray<{ name: string }>): Strategy[] {
  const settings = allocationSettings(config);
  const models = settings.varyModels ? (config.llm?.models ?? []).filter((m) => m.weight > 0).map((m) => m.name) : [];
  const temperatures = settings.temperatures;
  const out: Strategy[] = [];
  for (const { name } of operators) {
    if (!operatorNeedsLlm(name)) {
      out.push({ arm: name, operator: name, model: null, temperature: null });
      continue;
    }
    for (const model of models.length > 0 ? models : [null]) {
      for (const temperature of temperatures.length > 0 ? temperatures : [null]) {
        out.push({ arm: armId(name, model, temperature), operator: name, model, temperature });
      }
    }
  }
  return out;
}

export function armId(operator: string, model: string | null, temperature: number | null): string {
  return `${operator}${model === null ? '' : `@${model}`}${temperature === null ? '' : `~${temperature}`}`;
}

/** Whether this run allocates with the bandit (policy `auto` needs more than one strategy). */
export function usesBandit(config: CambrianConfig, strategies: readonly Strategy[]): boolean {
  const { policy } = allocationSettings(config);
  return policy === 'bandit' || (policy === 'auto' && strategies.length > 1);
}
