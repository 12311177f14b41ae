// The run's LLM budget (USD and/or tokens). A call starts only after a reservation for its worst-case
// cost fits next to what is spent and what other in-flight calls reserved; it then settles with its
// actual cost (or releases the reservation when it fails). Restorable from persisted totals on resume.
import type { CallEstimate } from './cost.ts';

export interface BudgetLimits {
  maxUsd?: number;
  maxTokens?: number;
}

export interface BudgetSpent {
  usd: number;
  tokensIn: number;
  tokensOut: number;
}

export interface Reservation {
  readonly id: number;
  readonly usd: number;
  readonly tokens: number;
}

export class LlmBudget {
  private readonly limits: BudgetLimits;
  private readonly totals: BudgetSpent;
  private readonly open = new Map<number, Reservation>();
  private nextId = 1;

  /** `alreadySpent` is what a resumed run spent before (e.g. the store's LLM totals for the run). */
  constructor(limits: BudgetLimits = {}, alreadySpent: BudgetSpent = { usd: 0, tokensIn: 0, tokensOut: 0 }) {
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && !(value > 0)) throw new Error(`LlmBudget: ${name} must be positive, got ${value}`);
    }
    this.limits = { ...limits };
    // Copied field by field: a store's totals row may carry more (e.g. a call count).
    this.totals = { usd: alreadySpent.usd, tokensIn: alreadySpent.tokensIn, tokensOut: alreadySpent.tokensOut };
  }

  /** A reservation for the estimate, or null when it could push spending past a limit. */
  reserve(estimate: CallEstimate): Reservation | null {
    const tokens = estimate.tokensIn + estimate.tokensOut;
    let reservedUsd = 0;
    let reservedTokens = 0;
    for (const r of this.open.values()) {
      reservedUsd += r.usd;
      reservedTokens += r.tokens;
    }
    const { maxUsd, maxTokens } = this.limits;
    if (maxUsd !== undefined && this.totals.usd + reservedUsd + estimate.usd > maxUsd) return null;
    if (maxTokens !== undefined && this.spentTokens() + reservedTokens + tokens > maxTokens) return null;
    const reservation: Reservation = { id: this.nextId++, usd: estimate.usd, tokens };
    this.open.set(reservation.id, reservation);
    return reservation;
  }

  /** Closes the reservation and books the call's actual cost (which may differ from the estimate). */
  settle(reservation: Reservation, actual: BudgetSpent): void {
    this.close(reservation);
    this.totals.usd += actual.usd;
    this.totals.tokensIn += actual.tokensIn;
    this.totals.tokensOut += actual.tokensOut;
  }

  /** Closes the reservation without spending anything (the call failed or never started). */
  release(reservation: Reservation): void {
    this.close(reservation);
  }

  spent(): BudgetSpent {
    return { ...this.totals };
  }

  /** The smallest remaining share over the configured limits, in [0, 1]; 1 when nothing is limited. */
  remainingFraction(): number {
    const fractions: number[] = [];
    if (this.limits.maxUsd !== undefined) fractions.push(1 - this.totals.usd / this.limits.maxUsd);
    if (this.limits.maxTokens !== undefined) fractions.push(1 - this.spentTokens() / this.limits.maxTokens);
    if (fractions.length === 0) return 1;
    return Math.min(1, Math.max(0, Math.min(...fractions)));
  }

  private spentTokens(): number {
    return this.totals.tokensIn + this.totals.tokensOut;
  }

  private close(reservation: Reservation): void {
    if (!this.open.delete(reservation.id)) throw new Error(`LlmBudget: reservation ${reservation.id} is not open`);
  }
}
