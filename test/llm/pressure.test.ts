// Budget pressure: which tiers a call may use as the remaining budget falls, and the router obeying it.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { LlmBudget } from '../../src/llm/budget.ts';
import { tiersFor } from '../../src/llm/pressure.ts';
import { startLlmServer, type LlmServer } from '../support/llm-server.ts';
import { ask, llmConfig, makeRouter, modelEntry } from './fixtures.ts';

describe('tiersFor', () => {
  const fractions = [0.5, 0.2] as const;

  it('allows every tier while the budget is comfortable', () => {
    assert.deepEqual(tiersFor(0.9, fractions, 'auto'), { level: 'low', allowed: ['local', 'cloud', 'deep'], preferred: ['local', 'cloud', 'deep'] });
  });

  it('prefers cheaper tiers at or below the first fraction and goes local-only at or below the second', () => {
    assert.deepEqual(tiersFor(0.5, fractions, 'auto').preferred, ['local', 'cloud']);
    assert.deepEqual(tiersFor(0.5, fractions, 'auto').allowed, ['local', 'cloud', 'deep']);
    assert.equal(tiersFor(0.21, fractions, 'auto').level, 'medium');
    assert.deepEqual(tiersFor(0.2, fractions, 'auto'), { level: 'high', allowed: ['local'], preferred: ['local'] });
  });

  it('obeys an explicit setting whatever the budget', () => {
    assert.equal(tiersFor(0.01, fractions, 'low').level, 'low');
    assert.deepEqual(tiersFor(1, fractions, 'high').allowed, ['local']);
  });
});

describe('LlmRouter under budget pressure', () => {
  let server: LlmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const tiers = (s: LlmServer) => [
    modelEntry(s, 'deep', { tier: 'deep', weight: 1000 }),
    modelEntry(s, 'cloud', { tier: 'cloud', weight: 10 }),
    modelEntry(s, 'local', { tier: 'local', weight: 1, apiKeyEnv: undefined }),
  ];
  const chosen = async (s: LlmServer, spentUsd: number, calls = 5, extra: Record<string, unknown> = {}) => {
    const budget = new LlmBudget({ maxUsd: 1 }, { usd: spentUsd, tokensIn: 0, tokensOut: 0 });
    const { router } = makeRouter(llmConfig(tiers(s), extra), { budget });
    const models = new Set<string>();
    for (let i = 0; i < calls; i++) models.add((await router.complete(ask(`q${i}`))).model);
    return [...models].sort();
  };

  it('uses the heavily weighted deep model while most of the budget is left', async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    assert.deepEqual(await chosen(server, 0.1), ['deep']);
  });

  it('prefers cloud over deep once the remaining budget falls to the first fraction', async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    assert.deepEqual(await chosen(server, 0.6), ['cloud']);
  });

  it('calls only local models once the remaining budget falls to the second fraction (resumed run)', async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    assert.deepEqual(await chosen(server, 0.85), ['local']);
    assert.ok(server.requests.every((r) => r.body.model === 'local-model'));
  });

  it("restricts to the request's tiers", async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    const { router } = makeRouter(llmConfig(tiers(server)));
    assert.equal((await router.complete(ask('x', { tiers: ['cloud'] }))).model, 'cloud');
  });

  it("keeps going on the cheapest configured tier under 'auto' when no local model exists", async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    const budget = new LlmBudget({ maxUsd: 1 }, { usd: 0.9, tokensIn: 0, tokensOut: 0 });
    const config = llmConfig([modelEntry(server, 'deep', { tier: 'deep', weight: 1000 }), modelEntry(server, 'cloud', { tier: 'cloud' })]);
    const { router } = makeRouter(config, { budget });
    assert.equal((await router.complete(ask('x'))).model, 'cloud');
  });

  it("fails loudly when pressure is set to 'high' and no local model exists", async () => {
    server = await startLlmServer(() => ({ text: 'ok' }));
    const { router } = makeRouter(llmConfig([modelEntry(server, 'cloud')], { pressure: 'high' }));
    await assert.rejects(router.complete(ask('x')), { code: 'CAMBRIAN_CONFIG_INVALID' });
    assert.equal(server.requests.length, 0);
  });
});
