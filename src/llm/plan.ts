// Which models one call will try, in order: the chooser's pick among the preferred tiers, then that
// model's fallback chain, then every other allowed model. Pure; one chooser draw per call at most, so
// a recorded run and its replay consume the same random numbers whatever failed in between.
import type { LlmModelConfig } from '../config/schema.ts';
import type { Rng } from '../core/rng.ts';
import { CambrianError } from '../errors.ts';
import type { ModelChooser } from './chooser.ts';
import { TIERS_BY_COST, type PressureSetting, type Tier, type TierPolicy } from './pressure.ts';

export interface PlanInput {
  models: readonly LlmModelConfig[];
  policy: TierPolicy;
  pressure: PressureSetting;
  /** The request's own restriction, if any. */
  requestTiers: readonly Tier[] | undefined;
  isBenched: (modelName: string) => boolean;
  chooser: ModelChooser;
  rng: Rng;
  /** A model the request asks for; first when eligible and not benched (no chooser draw then). */
  preferred?: string;
}

/** The attempt order; empty when every eligible model is benched. */
export function planAttempts(input: PlanInput): LlmModelConfig[] {
  const eligible = eligibleModels(input);
  const available = eligible.filter((m) => !input.isBenched(m.name));
  if (available.length === 0) return [];
  const preferred = available.filter((m) => input.policy.preferred.includes(m.tier));
  const pool = preferred.length > 0 ? preferred : available;
  const weighted = pool.filter((m) => m.weight > 0);
  const asked = input.preferred === undefined ? undefined : available.find((m) => m.name === input.preferred);
  const first = asked ?? input.chooser.choose(weighted.length > 0 ? weighted : pool, input.rng);

  const byName = new Map(available.map((m) => [m.name, m]));
  const order: LlmModelConfig[] = [first];
  const add = (model: LlmModelConfig | undefined) => {
    if (model && !order.includes(model)) order.push(model);
  };
  for (const name of first.fallback) add(byName.get(name));
  const rest = [...available].sort(
    (a, b) => Number(pool.includes(b)) - Number(pool.includes(a)) || b.weight - a.weight,
  );
  for (const model of rest) add(model);
  return order;
}

function eligibleModels(input: PlanInput): LlmModelConfig[] {
  const requested = input.models.filter((m) => input.requestTiers === undefined || input.requestTiers.includes(m.tier));
  const allowed = requested.filter((m) => input.policy.allowed.includes(m.tier));
  if (allowed.length > 0) return allowed;
  // Under 'auto' pressure a run without models in the cheap tiers keeps going on its cheapest tier;
  // the budget reservation still stops any call that could overspend.
  if (input.pressure === 'auto' && requested.length > 0) {
    const cheapest = TIERS_BY_COST.find((tier) => requested.some((m) => m.tier === tier));
    return requested.filter((m) => m.tier === cheapest);
  }
  const tiers = input.requestTiers ?? TIERS_BY_COST;
  throw new CambrianError(
    'CAMBRIAN_CONFIG_INVALID',
    `no configured LLM model in tiers [${tiers.join(', ')}] allowed by budget pressure '${input.policy.level}' ([${input.policy.allowed.join(', ')}])`,
    { hint: 'add a model with one of those tiers under llm.models, or lower llm.pressure' },
  );
}
