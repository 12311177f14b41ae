// The operator names a config may enable, and which of them need an `llm:` section. The operator
// registry (src/operators/) must provide exactly these; config validation rejects anything else.

export const KNOWN_OPERATORS = [
  'numeric',
  'crossover',
  'baseline-independent',
  'baseline-hillclimb',
  'llm-diff',
  'llm-rewrite',
  'llm-crossover',
  'llm-repair',
  'plan-code',
  'agent',
] as const;

export type OperatorName = (typeof KNOWN_OPERATORS)[number];

/** Operators that call a language model through the router and so require `llm.models`. */
export const LLM_OPERATORS: readonly OperatorName[] = ['llm-diff', 'llm-rewrite', 'llm-crossover', 'llm-repair', 'plan-code'];

export function isKnownOperator(name: string): name is OperatorName {
  return (KNOWN_OPERATORS as readonly string[]).includes(name);
}

export function operatorNeedsLlm(name: string): boolean {
  return (LLM_OPERATORS as readonly string[]).includes(name);
}
