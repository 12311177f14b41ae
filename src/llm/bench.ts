// Benching: a model that failed `threshold` times in a row sits out for `benchMs`, so calls stop
// paying retries and timeouts to a provider that is down. Any success clears its record.

export class ModelBench {
  private readonly failures = new Map<string, number>();
  private readonly benchedUntil = new Map<string, number>();

  constructor(
    private readonly threshold: number,
    private readonly benchMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts a failure; true when it benched the model. */
  recordFailure(model: string): boolean {
    const count = (this.failures.get(model) ?? 0) + 1;
    if (count >= this.threshold) {
      this.failures.set(model, 0);
      this.benchedUntil.set(model, this.now() + this.benchMs);
      return true;
    }
    this.failures.set(model, count);
    return false;
  }

  recordSuccess(model: string): void {
    this.failures.set(model, 0);
  }

  isBenched(model: string): boolean {
    const until = this.benchedUntil.get(model);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.benchedUntil.delete(model);
    return false;
  }
}
