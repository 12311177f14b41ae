// The LLM budget: reservations for the worst case, settlement with actual costs, restoring a resumed
// run's spending, and the router refusing to start any call that could overspend.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { LlmBudget } from '../../src/llm/budget.ts';
import { costUsd, estimateCall } from '../../src/llm/cost.ts';
import { startLlmServer, type LlmServer } from '../support/llm-server.ts';
import { ask, llmConfig, makeRouter, modelEntry } from './fixtures.ts';

const estimate = (usd: number, tokensIn = 0, tokensOut = 0) => ({ usd, tokensIn, tokensOut });

describe('LlmBudget', () => {
  it('grants reservations only while spent + reserved + estimate stays within maxUsd', () => {
    const budget = new LlmBudget({ maxUsd: 1 });
    const first = budget.reserve(estimate(0.6));
    assert.ok(first);
    assert.equal(budget.reserve(estimate(0.6)), null, 'two in-flight reservations may not exceed the limit');
    budget.release(first);
    assert.ok(budget.reserve(estimate(0.6)), 'a released reservation frees its share');
  });

  it('settles with the actual cost, not the estimate', () => {
    const budget = new LlmBudget({ maxUsd: 1 });
    const r = budget.reserve(estimate(0.9))!;
    budget.settle(r, { usd: 0.1, tokensIn: 10, tokensOut: 20 });
    assert.deepEqual(budget.spent(), { usd: 0.1, tokensIn: 10, tokensOut: 20 });
    assert.ok(Math.abs(budget.remainingFraction() - 0.9) < 1e-12);
    assert.ok(budget.reserve(estimate(0.85)));
  });

  it('limits tokens too, and reports the tighter of the two limits', () => {
    const budget = new LlmBudget({ maxUsd: 100, maxTokens: 1000 });
    assert.equal(budget.reserve(estimate(0, 600, 401)), null);
    const r = budget.reserve(estimate(1, 300, 500))!;
    budget.settle(r, { usd: 1, tokensIn: 300, tokensOut: 500 });
    assert.ok(Math.abs(budget.remainingFraction() - 0.2) < 1e-12);
  });

  it('continues a resumed run from what it already spent', () => {
    const storeTotals = { calls: 12, usd: 1.5, tokensIn: 1000, tokensOut: 2000 };
    const budget = new LlmBudget({ maxUsd: 2 }, storeTotals);
    assert.deepEqual(budget.spent(), { usd: 1.5, tokensIn: 1000, tokensOut: 2000 });
    assert.equal(budget.remainingFraction(), 0.25);
    assert.equal(budget.reserve(estimate(0.6)), null);
    assert.ok(budget.reserve(estimate(0.5)));
  });

  it('is unlimited without limits and rejects settling a closed reservation', () => {
    const budget = new LlmBudget();
    const r = budget.reserve(estimate(1e9, 1e9, 1e9))!;
    assert.equal(budget.remainingFraction(), 1);
    budget.release(r);
    assert.throws(() => budget.release(r), /not open/);
  });

  it('estimates a call as prompt chars / 4 in plus the output cap out, at the model prices', () => {
    const prices = { priceUsdPerMTokIn: 3, priceUsdPerMTokOut: 15 };
    const call = estimateCall(prices, [{ role: 'user', content: 'x'.repeat(401) }], 1000);
    assert.deepEqual(call, { tokensIn: 101, tokensOut: 1000, usd: costUsd(prices, 101, 1000) });
    assert.equal(call.usd, (101 * 3 + 1000 * 15) / 1e6);
  });
});

describe('LlmRouter under a budget', () => {
  let server: LlmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  // $10 per million output tokens: a 1,000-token cap reserves $0.01 (plus a sliver for the prompt).
  const priced = { priceUsdPerMTokIn: 10, priceUsdPerMTokOut: 10, maxTokens: 1000 };

  it('starts no call whose worst case could exceed maxUsd', async () => {
    server = await startLlmServer([{ text: 'never sent' }]);
    const { router, records } = makeRouter(llmConfig([modelEntry(server, 'm', priced)]), { budget: new LlmBudget({ maxUsd: 0.01 }) });
    await assert.rejects(router.complete(ask('hello')), (error: any) => {
      assert.equal(error.code, 'CAMBRIAN_BUDGET_EXHAUSTED');
      return true;
    });
    assert.equal(server.requests.length, 0);
    assert.equal(records.length, 0);
  });

  it('counts in-flight calls: a second concurrent call that could overspend is refused', async () => {
    server = await startLlmServer(() => ({ text: 'slow', delayMs: 100, tokensIn: 5, tokensOut: 5 }));
    const budget = new LlmBudget({ maxUsd: 0.015 });
    const { router } = makeRouter(llmConfig([modelEntry(server, 'm', priced)]), { budget });
    const [first, second] = await Promise.allSettled([router.complete(ask('a')), router.complete(ask('b'))]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'rejected');
    assert.equal((second as PromiseRejectedResult).reason.code, 'CAMBRIAN_BUDGET_EXHAUSTED');
    assert.equal(server.requests.length, 1);
    assert.deepEqual(budget.spent(), { usd: 10 * 10 / 1e6, tokensIn: 5, tokensOut: 5 }, 'settled with actual usage');
    assert.equal((await router.complete(ask('c'))).text, 'slow', 'the small actual cost left room for another call');
  });

  it('moves to a model the budget can still cover', async () => {
    server = await startLlmServer((req) => ({ text: `from ${req.body.model}` }));
    const config = llmConfig([
      modelEntry(server, 'pricey', { ...priced, weight: 100 }),
      modelEntry(server, 'free', { weight: 1, apiKeyEnv: undefined }),
    ]);
    const { router } = makeRouter(config, { budget: new LlmBudget({ maxUsd: 0.005 }) });
    assert.equal((await router.complete(ask('x'))).model, 'free');
    assert.deepEqual(server.requests.map((r) => r.body.model), ['free-model']);
  });

  it('caps the output tokens at the model maxTokens', async () => {
    server = await startLlmServer([{ text: 'ok' }]);
    const { router } = makeRouter(llmConfig([modelEntry(server, 'm', { maxTokens: 256 })]));
    await router.complete(ask('x', { maxTokens: 100_000 }));
    assert.equal(server.requests[0]?.body.max_tokens, 256);
  });
});
