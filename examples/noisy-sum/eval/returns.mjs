// The noise-free landscape of the noisy-sum example: 100 hours split across 12 projects, project i
// returning value_i · ln(1 + hours_i / cost_i). Concave, so the best split is known in closed form
// (water-filling), and improvements shrink as a split approaches it. Pure functions, shared by the
// evaluator and the tests.

export const BUDGET_HOURS = 100;

/** value: what the project is worth; cost: the hours it takes before returns start to flatten. */
export const PROJECTS = Object.freeze([
  { name: 'apiary', value: 10, cost: 6 },
  { name: 'bridge', value: 8, cost: 14 },
  { name: 'cistern', value: 7, cost: 3 },
  { name: 'dovecote', value: 6, cost: 9 },
  { name: 'orchard', value: 5, cost: 2 },
  { name: 'forge', value: 4, cost: 12 },
  { name: 'granary', value: 3.5, cost: 5 },
  { name: 'herbarium', value: 3, cost: 1 },
  { name: 'icehouse', value: 2.5, cost: 8 },
  { name: 'jetty', value: 2, cost: 4 },
  { name: 'kiln', value: 1.5, cost: 20 },
  { name: 'loom', value: 1, cost: 7 },
].map((p) => Object.freeze(p)));

/** Hours per project from the program's shares: negative shares count as 0, the rest are scaled to the budget. */
export function hoursFor(shares) {
  const kept = shares.map((s) => Math.max(0, s));
  const total = kept.reduce((sum, s) => sum + s, 0);
  return kept.map((s) => (BUDGET_HOURS * s) / total);
}

/** Total return of an allocation of hours. */
export function totalReturn(hours) {
  return PROJECTS.reduce((sum, p, i) => sum + p.value * Math.log1p(hours[i] / p.cost), 0);
}

/**
 * The best allocation: hours_i = max(0, value_i / λ − cost_i), with λ found by bisection so the
 * hours add up to the budget (the marginal return value_i / (cost_i + hours_i) is λ everywhere funded).
 */
export function optimalHours() {
  let low = 1e-9;
  let high = Math.max(...PROJECTS.map((p) => p.value / p.cost));
  const at = (lambda) => PROJECTS.map((p) => Math.max(0, p.value / lambda - p.cost));
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (at(mid).reduce((sum, h) => sum + h, 0) > BUDGET_HOURS) low = mid;
    else high = mid;
  }
  return at((low + high) / 2);
}

export const OPTIMAL_RETURN = totalReturn(optimalHours());

/** The noise-free score of a list of shares: its return as a percentage of the best possible. */
export function trueScore(shares) {
  return (100 * totalReturn(hoursFor(shares))) / OPTIMAL_RETURN;
}
