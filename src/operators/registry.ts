// Builds the configured operators (config `operators:`) into entries the scheduler chooses from.
// Baselines are the numeric operator with a fixed parent policy, so users can tell whether the
// archive beats random restarts from the seed or plain hill climbing at the same budget.
import type { CambrianConfig } from '../config/schema.ts';
import { CambrianError } from '../errors.ts';
import type { Operator } from './port.ts';
import { createNumericOperator } from './offline/numeric.ts';
import { createCrossoverOperator } from './offline/crossover.ts';

/**
 * Where the parent of a job comes from: the sampler over the archive, always the seed, the best,
 * or a recent child whose evaluation failed (for repair operators).
 */
export type ParentPolicy = 'archive' | 'seed' | 'best' | 'failed';

export interface OperatorEntry {
  name: string;
  weight: number;
  operator: Operator;
  parentPolicy: ParentPolicy;
}

/** Extra operator families (LLM, agent) register a factory here from the composition root. */
export type OperatorFactory = (name: string, settings: Record<string, unknown>) => Operator | null;

export function buildOperators(config: CambrianConfig, extra: OperatorFactory[] = []): OperatorEntry[] {
  const entries: OperatorEntry[] = [];
  for (const [name, settings] of Object.entries(config.operators)) {
    const { weight, ...options } = settings;
    if (weight <= 0) continue;
    entries.push({ name, weight, ...buildOne(name, options, extra) });
  }
  if (entries.length === 0) {
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', 'no operator has a positive weight', {
      hint: 'give at least one entry under `operators:` a weight > 0, e.g. `numeric: { weight: 1 }`',
    });
  }
  return entries;
}

function buildOne(
  name: string,
  options: Record<string, unknown>,
  extra: OperatorFactory[],
): { operator: Operator; parentPolicy: ParentPolicy } {
  switch (name) {
    case 'numeric':
      return { operator: createNumericOperator(numericOptions(options)), parentPolicy: 'archive' };
    case 'crossover':
      return { operator: createCrossoverOperator(), parentPolicy: 'archive' };
    case 'baseline-independent':
      return { operator: renamed(createNumericOperator(numericOptions(options)), name), parentPolicy: 'seed' };
    case 'baseline-hillclimb':
      return { operator: renamed(createNumericOperator(numericOptions(options)), name), parentPolicy: 'best' };
  }
  for (const factory of extra) {
    const operator = factory(name, options);
    if (operator) return { operator, parentPolicy: name === 'llm-repair' ? 'failed' : 'archive' };
  }
  throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `operator \`${name}\` cannot be built`, {
    hint: name.startsWith('llm') || name === 'plan-code' ? 'LLM operators need an `llm:` section with at least one model' : 'check the name under `operators:`',
  });
}

function numericOptions(options: Record<string, unknown>): { maxLiterals?: number; initialSigma?: number } {
  const out: { maxLiterals?: number; initialSigma?: number } = {};
  if (typeof options['maxLiterals'] === 'number') out.maxLiterals = options['maxLiterals'];
  if (typeof options['initialSigma'] === 'number') out.initialSigma = options['initialSigma'];
  return out;
}

function renamed(operator: Operator, name: string): Operator {
  return { ...operator, name, propose: (ctx) => operator.propose(ctx) };
}
