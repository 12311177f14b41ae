// The LlmClient the operators use: per call it picks a model (tiers under budget pressure, weights,
// benching), bounds concurrency per model, reserves budget, retries with backoff, falls back along
// the model's chain, and reports every attempt. API keys are read here once and never leave a provider.
import type { LlmConfig, LlmModelConfig } from '../config/schema.ts';
import type { Rng } from '../core/rng.ts';
import { CambrianError } from '../errors.ts';
import { abortableSleep, backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { ModelBench } from './bench.ts';
import type { LlmBudget } from './budget.ts';
import type { Cassette, CassetteRequest } from './cassette.ts';
import { weightedRandomChooser, type ModelChooser } from './chooser.ts';
import { costUsd, estimateCall, promptChars } from './cost.ts';
import { readApiKey, validateModels } from './models.ts';
import { planAttempts } from './plan.ts';
import type { ChatRequest, ChatResponse, LlmClient, LlmUsage } from './port.ts';
import { tiersFor } from './pressure.ts';
import { ProviderError } from './providers/provider-error.ts';
import { createProvider, type Provider } from './providers/provider.ts';
import { redact } from './providers/sdk-call.ts';
import { Semaphore } from './semaphore.ts';
import type { Redactor } from '../security/redact.ts';

/**
 * One attempt against one model (or one replayed answer). The caller persists it: a row in the
 * store's llmCalls and a ledger `llm_call` event.
 */
export interface LlmCallRecord extends LlmUsage {
  purpose: string;
  runId?: string;
  jobId?: string;
}

export interface LlmRouterOptions {
  config: LlmConfig;
  /** Where API keys come from (`env[model.apiKeyEnv]`), read once at construction. */
  env: Record<string, string | undefined>;
  budget: LlmBudget;
  rng: Rng;
  onCall: (record: LlmCallRecord) => void | Promise<void>;
  cassette?: Cassette;
  chooser?: ModelChooser;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  backoff?: BackoffOptions;
  /**
   * Scrubs known secrets from every message before it is sent, recorded or counted: prompts quote
   * candidate output (a repair prompt shows the failure), which may have printed a secret.
   */
  redactor?: Redactor;
}

/** A Retry-After longer than this is not waited out: the call moves on to the next model. */
const MAX_RETRY_AFTER_MS = 60_000;

interface Slot {
  model: LlmModelConfig;
  provider: Provider;
  semaphore: Semaphore;
}

export class LlmRouter implements LlmClient {
  private readonly config: LlmConfig;
  private readonly slots = new Map<string, Slot>();
  private readonly secrets: string[] = [];
  private readonly bench: ModelBench;
  /** Each model's newest failure, so "every model is benched" can say why. */
  private readonly lastFailure = new Map<string, string>();
  private readonly chooser: ModelChooser;
  private readonly jitterRng: Rng;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: LlmRouterOptions) {
    this.config = options.config;
    this.chooser = options.chooser ?? weightedRandomChooser;
    // Backoff jitter draws from its own stream, so failures never shift the model choices.
    this.jitterRng = options.rng.fork('llm-backoff');
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? Date.now;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.bench = new ModelBench(this.config.benchAfterFailures, this.config.benchMs, this.now);
    validateModels(this.config.models);
    for (const model of this.config.models) {
      const apiKey = readApiKey(model, options.env);
      if (apiKey !== undefined) this.secrets.push(apiKey);
      const provider = createProvider(model, apiKey);
      this.slots.set(model.name, { model, provider, semaphore: new Semaphore(model.maxConcurrency) });
    }
  }

  async complete(unscrubbed: ChatRequest): Promise<ChatResponse> {
    const request = this.scrub(unscrubbed);
    this.checkPrompt(request);
    const policy = tiersFor(this.options.budget.remainingFraction(), this.config.pressureFractions, this.config.pressure);
    const order = planAttempts({
      models: this.config.models,
      policy,
      pressure: this.config.pressure,
      requestTiers: request.tiers,
      isBenched: (name) => this.bench.isBenched(name),
      chooser: this.chooser,
      rng: this.options.rng,
      ...(request.model === undefined ? {} : { preferred: request.model }),
    });
    if (order.length === 0) {
      const causes = [...this.lastFailure].map(([model, failure]) => `${model}: ${failure}`).join('; ');
      throw new CambrianError('CAMBRIAN_LLM_FAILED', `every LLM model that may serve '${request.purpose}' is benched${causes ? ` (last failure: ${causes})` : ''}`, {
        hint: `a model sits out llm.benchMs (${this.config.benchMs} ms) after llm.benchAfterFailures failures in a row; `
          + 'check the providers',
      });
    }
    const cassette = this.options.cassette;
    if (!cassette) return this.live(request, order, undefined);
    const { messages, maxTokens, temperature } = request;
    const occurrence = cassette.nextOccurrence({ messages, maxTokens, temperature });
    if (cassette.mode === 'replay') return this.replay(cassette, request, order, occurrence);
    return this.live(request, order, { cassette, occurrence });
  }

  private async live(
    request: ChatRequest,
    order: LlmModelConfig[],
    recording: { cassette: Cassette; occurrence: number } | undefined,
  ): Promise<ChatResponse> {
    const failures: string[] = [];
    let overBudget = 0;
    for (const model of order) {
      for (let attempt = 0; attempt <= this.config.retries && !this.bench.isBenched(model.name); attempt++) {
        const outcome = await this.attempt(model, request);
        if (outcome === 'over-budget') {
          overBudget++;
          break;
        }
        if (!(outcome instanceof ProviderError)) {
          if (recording) {
            const { text, tokensIn, tokensOut, usd, latencyMs } = outcome;
            const response = { text, provider: model.provider, tokensIn, tokensOut, usd, latencyMs };
            const key = this.cassetteRequest(model, request);
            await recording.cassette.record(key, recording.occurrence, response, request.purpose);
          }
          return outcome;
        }
        const failure = this.describe(outcome);
        this.lastFailure.set(model.name, failure);
        failures.push(`${model.name} attempt ${attempt + 1}: ${failure}`);
        const benched = this.bench.recordFailure(model.name);
        const waitsTooLong = (outcome.retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS;
        if (benched || !outcome.retryable || waitsTooLong || attempt === this.config.retries) break;
        await this.sleep(backoffDelayMs(attempt, this.jitterRng, this.backoff, outcome.retryAfterMs), request.signal);
      }
    }
    if (failures.length === 0 && overBudget > 0) throw this.budgetExhausted(request);
    const attempts = failures.join('\n  ');
    throw new CambrianError('CAMBRIAN_LLM_FAILED', `LLM call for '${request.purpose}' failed on every model:\n  ${attempts}`, {
      hint:
        overBudget > 0
          ? 'some models were skipped because the LLM budget could not cover them'
          : 'check the providers (base URLs, keys, quotas) or add fallback models',
    });
  }

  /** One request to one model inside its concurrency slot and a budget reservation; every outcome is reported. */
  private async attempt(model: LlmModelConfig, request: ChatRequest): Promise<ChatResponse | ProviderError | 'over-budget'> {
    const slot = this.slots.get(model.name)!;
    const { maxTokens, temperature } = this.callSettings(model, request);
    const release = await slot.semaphore.acquire(request.signal);
    try {
      const reservation = this.options.budget.reserve(estimateCall(model, request.messages, maxTokens));
      if (reservation === null) return 'over-budget';
      const started = this.now();
      try {
        const result = await slot.provider.chat({
          messages: request.messages,
          maxTokens,
          ...(temperature === undefined ? {} : { temperature }),
          stream: model.stream,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        const latencyMs = this.now() - started;
        const { tokensIn, tokensOut } = result;
        const usd = costUsd(model, tokensIn, tokensOut);
        this.options.budget.settle(reservation, { usd, tokensIn, tokensOut });
        this.bench.recordSuccess(model.name);
        await this.report(request, model, { tokensIn, tokensOut, usd, latencyMs, outcome: 'ok' });
        const { text } = result;
        return { text, model: model.name, provider: model.provider, tokensIn, tokensOut, usd, latencyMs, replayed: false };
      } catch (error) {
        this.options.budget.release(reservation);
        const failed = { tokensIn: 0, tokensOut: 0, usd: 0, latencyMs: this.now() - started, error: this.describe(error) };
        if (!(error instanceof ProviderError)) {
          // The caller aborted (or a bug): record the attempt, then let it propagate as it is.
          await this.report(request, model, { ...failed, outcome: 'error' });
          throw error;
        }
        const outcome = error.kind === 'timeout' ? 'timeout' : error.kind === 'rate_limited' ? 'rate_limited' : 'error';
        await this.report(request, model, { ...failed, outcome });
        return error;
      }
    } finally {
      release();
    }
  }

  private async replay(
    cassette: Cassette,
    request: ChatRequest,
    order: LlmModelConfig[],
    occurrence: number,
  ): Promise<ChatResponse> {
    let overBudget = 0;
    for (const model of order) {
      const { maxTokens } = this.callSettings(model, request);
      const reservation = this.options.budget.reserve(estimateCall(model, request.messages, maxTokens));
      if (reservation === null) {
        overBudget++;
        continue;
      }
      const started = this.now();
      const entry = await cassette.lookup(this.cassetteRequest(model, request), occurrence);
      if (entry === null) {
        this.options.budget.release(reservation);
        continue;
      }
      const { text, tokensIn, tokensOut, usd } = entry;
      this.options.budget.settle(reservation, { usd, tokensIn, tokensOut });
      const latencyMs = this.now() - started;
      await this.report(request, model, { tokensIn, tokensOut, usd, latencyMs, outcome: 'replayed' });
      return { text, model: model.name, provider: model.provider, tokensIn, tokensOut, usd, latencyMs, replayed: true };
    }
    if (overBudget === order.length) throw this.budgetExhausted(request);
    throw cassette.missError(this.cassetteRequest(order[0]!, request), occurrence, request.purpose);
  }

  private scrub(request: ChatRequest): ChatRequest {
    const redactor = this.options.redactor;
    if (!redactor) return request;
    const messages = redactor.redactDeep(request.messages);
    return messages === request.messages ? request : { ...request, messages };
  }

  private checkPrompt(request: ChatRequest): void {
    if (request.messages.length === 0) throw new Error('LlmRouter.complete needs at least one message');
    const chars = promptChars(request.messages);
    if (chars <= this.config.maxPromptChars) return;
    throw new CambrianError(
      'CAMBRIAN_BAD_ARGUMENT',
      `prompt for '${request.purpose}' has ${chars} characters, over llm.maxPromptChars (${this.config.maxPromptChars})`,
      { hint: 'raise llm.maxPromptChars or send less context' },
    );
  }

  /** The request's output cap (never above the model's) and temperature (the model's by default). */
  private callSettings(model: LlmModelConfig, request: ChatRequest): { maxTokens: number; temperature: number | undefined } {
    return {
      maxTokens: Math.min(request.maxTokens ?? model.maxTokens, model.maxTokens),
      temperature: request.temperature ?? model.temperature,
    };
  }

  private cassetteRequest(model: LlmModelConfig, request: ChatRequest): CassetteRequest {
    return { model: model.name, messages: request.messages, ...this.callSettings(model, request) };
  }

  private async report(
    request: ChatRequest,
    model: LlmModelConfig,
    attempt: Pick<LlmCallRecord, 'tokensIn' | 'tokensOut' | 'usd' | 'latencyMs' | 'outcome' | 'error'>,
  ): Promise<void> {
    await this.options.onCall({
      model: model.name,
      provider: model.provider,
      ...attempt,
      purpose: request.purpose,
      ...(request.runId === undefined ? {} : { runId: request.runId }),
      ...(request.jobId === undefined ? {} : { jobId: request.jobId }),
    });
  }

  private budgetExhausted(request: ChatRequest): CambrianError {
    const spent = this.options.budget.spent();
    return new CambrianError(
      'CAMBRIAN_BUDGET_EXHAUSTED',
      `the LLM budget cannot cover the call for '${request.purpose}' `
        + `(spent $${spent.usd.toFixed(4)}, ${spent.tokensIn + spent.tokensOut} tokens)`,
      { hint: 'raise budget.maxUsd / budget.maxTokens, lower llm maxTokens, or add a cheaper (local) model' },
    );
  }

  /** An error as text with every configured key removed, short enough for a ledger row. */
  private describe(error: unknown): string {
    let text = error instanceof ProviderError
      ? `${error.kind}${error.status === undefined ? '' : ` ${error.status}`}: ${error.message}`
      : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const secret of this.secrets) text = redact(text, secret);
    if (this.options.redactor) text = this.options.redactor.redact(text);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  }
}
