// Shared set-up for the router tests: a config pointing at the scripted server, a router whose sleeps
// are recorded instead of waited, and the onCall records it produced.
import { llmSchema, type LlmConfig } from '../../src/config/schema.ts';
import { Rng } from '../../src/core/rng.ts';
import { LlmBudget } from '../../src/llm/budget.ts';
import type { Cassette } from '../../src/llm/cassette.ts';
import { LlmRouter, type LlmCallRecord } from '../../src/llm/router.ts';
import type { LlmServer } from '../support/llm-server.ts';

export const KEY = 'sk-live-SECRET-4f9a2c7e1b';

/** A model entry served by `server`, speaking `provider`'s wire format. */
export function modelEntry(server: LlmServer, name: string, extra: Record<string, unknown> = {}) {
  const provider = (extra.provider as string | undefined) ?? 'openai';
  return {
    name,
    provider,
    model: `${name}-model`,
    baseUrl: provider === 'openai' ? `${server.url}/v1` : server.url,
    apiKeyEnv: 'TEST_LLM_KEY',
    stream: false,
    ...extra,
  };
}

export function llmConfig(models: unknown[], extra: Record<string, unknown> = {}): LlmConfig {
  return llmSchema.parse({ models, ...extra });
}

export interface Harness {
  router: LlmRouter;
  budget: LlmBudget;
  records: LlmCallRecord[];
  sleeps: number[];
  clock: { ms: number };
}

export function makeRouter(
  config: LlmConfig,
  options: {
    budget?: LlmBudget;
    cassette?: Cassette;
    env?: Record<string, string | undefined>;
    seed?: number;
    /** Really wait (abortably) instead of recording the delay. */
    realSleep?: boolean;
  } = {},
): Harness {
  const records: LlmCallRecord[] = [];
  const sleeps: number[] = [];
  const clock = { ms: 1_000_000 };
  const budget = options.budget ?? new LlmBudget();
  const router = new LlmRouter({
    config,
    env: options.env ?? { TEST_LLM_KEY: KEY },
    budget,
    rng: Rng.fromSeed(options.seed ?? 7),
    onCall: (record) => {
      records.push(record);
    },
    ...(options.cassette ? { cassette: options.cassette } : {}),
    ...(options.realSleep
      ? {}
      : {
          sleep: async (ms: number) => {
            sleeps.push(ms);
            clock.ms += ms;
          },
          // The fake clock moves only by sleeps and explicit advances; latencies are therefore 0.
          now: () => clock.ms,
        }),
  });
  return { router, budget, records, sleeps, clock };
}

export const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user' as const, content: text }],
  purpose: 'test',
  ...extra,
});
