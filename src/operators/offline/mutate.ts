// Self-adaptive mutation of one numeric literal and how the new value is written back into source.
// Pure functions of (literal, step size, rng): the numeric operator and the sanity checks share them.
import type { Rng } from '../../core/rng.ts';
import type { NumericLiteral } from './literals.ts';

/**
 * Learning rate of the step size. Each literal adapts alone (a 1-D strategy), so the textbook
 * τ = 1/√n would be 1 and make σ jump by e±1 per generation; 0.3 lets σ drift a factor ~1.35 per
 * mutation, slow enough that selection (not noise) decides where it goes.
 */
export const SIGMA_LEARNING_RATE = 0.3;
export const SIGMA_MIN = 1e-6;
export const SIGMA_MAX = 2;
/** Additive steps are relative to |x|, but never smaller than this, so values at 0 can move. */
export const ADDITIVE_FLOOR = 1e-3;
/** Share of float mutations (x ≠ 0) that use the multiplicative log-normal step. */
export const LOG_NORMAL_SHARE = 0.5;

export interface LiteralMutation {
  sigma: number;
  value: number;
  /** Replacement source text for the literal's span. */
  text: string;
}

/**
 * Mutate a literal, or return null when no distinct value could be drawn (σ at its floor and the
 * draws too small to show at 17 significant digits). The scheme:
 *  - σ' = clamp(σ·exp(τ·N(0,1))), drawn first so the step that is judged is the one σ' produced;
 *  - floats, x ≠ 0: with probability ½ the log-normal step x·exp(σ'·N) (keeps the sign and the
 *    order of magnitude: right for scales, rates, tolerances), otherwise the additive step
 *    x + σ'·max(|x|, 1e-3)·N (can cross zero, moves values sitting at 0);
 *  - integers: additive step x + σ'·max(|x|, 1)·N, rounded; a step that rounds to x becomes ±1.
 */
export function mutateLiteral(literal: NumericLiteral, sigma: number, rng: Rng): LiteralMutation | null {
  const nextSigma = clamp(sigma * Math.exp(SIGMA_LEARNING_RATE * rng.normal()), SIGMA_MIN, SIGMA_MAX);
  const x = literal.value;
  if (literal.isInteger) {
    const draw = rng.normal();
    let value = Math.round(x + nextSigma * Math.max(Math.abs(x), 1) * draw);
    if (value === x) value = x + (draw < 0 ? -1 : 1);
    if (!Number.isSafeInteger(value)) return null;
    return { sigma: nextSigma, value, text: String(value) };
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const value =
      x !== 0 && rng.next() < LOG_NORMAL_SHARE
        ? x * Math.exp(nextSigma * rng.normal())
        : x + nextSigma * Math.max(Math.abs(x), ADDITIVE_FLOOR) * rng.normal();
    if (!Number.isFinite(value)) continue;
    const text = formatFloat(value, x);
    if (text !== null) return { sigma: nextSigma, value: Number(text), text };
  }
  return null;
}

/**
 * The shortest decimal text (from 6 significant digits up) whose value differs from `previous`,
 * with a float look kept (`2.0`, not `2`) so Python floats stay floats and Rust-like `1.0`s stay
 * valid. Exponent notation appears only where JavaScript's own `String(number)` would use it.
 */
export function formatFloat(value: number, previous: number): string | null {
  for (let digits = 6; digits <= 17; digits++) {
    const rounded = Number(value.toPrecision(digits));
    if (rounded === previous) continue;
    const text = String(rounded);
    return /[.e]/.test(text) ? text : `${text}.0`;
  }
  return null;
}

/**
 * The text to splice in for a literal: a value that turned negative where the source had no
 * minus sign is parenthesised unless the position is plainly an operand start (after `=`, `(`,
 * `[`, `{`, `,`, `:`), since `a-0.5` → `a--0.3` or `0.5 ** 2` → `-0.3 ** 2` would not parse in JS.
 */
export function spliceText(content: string, literal: NumericLiteral, replacement: string): string {
  if (!replacement.startsWith('-') || literal.text.startsWith('-')) return replacement;
  let before = literal.start - 1;
  while (before >= 0 && /\s/.test(content[before]!)) before--;
  const after = content.slice(literal.end).trimStart();
  const operandStart = before < 0 || '=([{,:'.includes(content[before]!);
  const nextIsBinding = after.startsWith('**') || after.startsWith('.');
  return operandStart && !nextIsBinding ? replacement : `(${replacement})`;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
