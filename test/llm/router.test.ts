// The router over real HTTP: both SDKs, JSON and streaming, retries with Retry-After, timeouts,
// failover along the fallback chain, benching, concurrency limits and abort.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { CambrianError } from '../../src/errors.ts';
import { startLlmServer, type LlmServer, type Reply } from '../support/llm-server.ts';
import { ask, llmConfig, makeRouter, modelEntry } from './fixtures.ts';

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const modelOf = (request: { body: any }) => String(request.body.model).replace(/-model$/, '');

describe('LlmRouter', () => {
  for (const provider of ['openai', 'anthropic'] as const) {
    for (const stream of [false, true]) {
      it(`answers through ${provider} (${stream ? 'streaming' : 'JSON'}) and records the priced call`, async () => {
        server = await startLlmServer([{ text: `hi from ${provider}`, tokensIn: 1000, tokensOut: 500 }]);
        const config = llmConfig([
          modelEntry(server, 'm', { provider, stream, priceUsdPerMTokIn: 2, priceUsdPerMTokOut: 10, temperature: 0.3 }),
        ]);
        const { router, records, budget } = makeRouter(config);
        const response = await router.complete(ask('hello', { runId: 'run-1', jobId: 'job-1', purpose: 'llm-diff' }));
        const usd = (1000 * 2 + 500 * 10) / 1e6;
        assert.deepEqual(
          { ...response, latencyMs: 0 },
          { text: `hi from ${provider}`, model: 'm', provider, tokensIn: 1000, tokensOut: 500, usd, latencyMs: 0, replayed: false },
        );
        assert.deepEqual(records, [
          { model: 'm', provider, tokensIn: 1000, tokensOut: 500, usd, latencyMs: 0, outcome: 'ok', purpose: 'llm-diff', runId: 'run-1', jobId: 'job-1' },
        ]);
        assert.deepEqual(budget.spent(), { usd, tokensIn: 1000, tokensOut: 500 });
        assert.equal(server.requests[0]?.body.stream ?? false, stream);
        assert.equal(server.requests[0]?.body.temperature, 0.3);
      });
    }
  }

  it('waits at least Retry-After after a 429, then succeeds', async () => {
    server = await startLlmServer([{ status: 429, retryAfterSeconds: 3 }, { text: 'ok' }]);
    const { router, records, sleeps } = makeRouter(llmConfig([modelEntry(server, 'm')]));
    assert.equal((await router.complete(ask('x'))).text, 'ok');
    assert.equal(sleeps.length, 1);
    assert.ok(sleeps[0]! >= 3000, `slept ${sleeps[0]} ms, expected at least 3000`);
    assert.deepEqual(records.map((r) => r.outcome), ['rate_limited', 'ok']);
  });

  it('retries a 500 with exponential backoff and full jitter', async () => {
    server = await startLlmServer([{ status: 500 }, { status: 502 }, { status: 503 }, { text: 'finally' }]);
    const { router, records, sleeps } = makeRouter(llmConfig([modelEntry(server, 'm')], { retries: 3, benchAfterFailures: 10 }));
    assert.equal((await router.complete(ask('x'))).text, 'finally');
    assert.deepEqual(records.map((r) => r.outcome), ['error', 'error', 'error', 'ok']);
    assert.match(records[0]!.error!, /server 500/);
    assert.equal(sleeps.length, 3);
    sleeps.forEach((ms, retry) => assert.ok(ms >= 0 && ms < 500 * 2 ** retry, `retry ${retry} slept ${ms} ms`));
  });

  it('retries a timed-out call', async () => {
    server = await startLlmServer([{ delayMs: 10_000 }, { text: 'fast now' }]);
    const { router, records } = makeRouter(llmConfig([modelEntry(server, 'm', { timeoutMs: 1_000 })], { retries: 1 }));
    assert.equal((await router.complete(ask('x'))).text, 'fast now');
    assert.deepEqual(records.map((r) => r.outcome), ['timeout', 'ok']);
  });

  it('does not retry a client error but falls back to the next model', async () => {
    server = await startLlmServer((req) => (modelOf(req) === 'a' ? { status: 400, message: 'bad request' } : { text: 'from b' }));
    const config = llmConfig([modelEntry(server, 'a', { fallback: ['b'] }), modelEntry(server, 'b', { weight: 0 })]);
    const { router, records } = makeRouter(config);
    assert.equal((await router.complete(ask('x'))).model, 'b');
    assert.deepEqual(records.map((r) => `${r.model}:${r.outcome}`), ['a:error', 'b:ok']);
  });

  it('fails over along the fallback chain after the retries are spent', async () => {
    server = await startLlmServer((req): Reply => (modelOf(req) === 'c' ? { text: 'from c' } : { status: 503 }));
    const config = llmConfig(
      [
        modelEntry(server, 'a', { fallback: ['c', 'b'] }),
        modelEntry(server, 'b', { weight: 0 }),
        modelEntry(server, 'c', { weight: 0, provider: 'anthropic' }),
      ],
      { retries: 2, benchAfterFailures: 10 },
    );
    const { router, records } = makeRouter(config);
    const response = await router.complete(ask('x'));
    assert.deepEqual([response.model, response.provider, response.text], ['c', 'anthropic', 'from c']);
    assert.deepEqual(records.map((r) => `${r.model}:${r.outcome}`), ['a:error', 'a:error', 'a:error', 'c:ok']);
  });

  it('throws CAMBRIAN_LLM_FAILED listing every attempt when all models fail', async () => {
    server = await startLlmServer(() => ({ status: 500, message: 'down' }));
    const config = llmConfig([modelEntry(server, 'a'), modelEntry(server, 'b')], { retries: 1, benchAfterFailures: 10 });
    const { router, records } = makeRouter(config);
    await assert.rejects(router.complete(ask('x')), (error: unknown) => {
      assert.ok(error instanceof CambrianError);
      assert.equal(error.code, 'CAMBRIAN_LLM_FAILED');
      assert.match(error.message, /a attempt 2: server 500/);
      assert.match(error.message, /b attempt 2: server 500/);
      return true;
    });
    assert.equal(records.length, 4);
  });

  it('benches a model after consecutive failures and lets it back after benchMs', async () => {
    let aHealthy = false;
    server = await startLlmServer((req): Reply => (modelOf(req) === 'a' && !aHealthy ? { status: 500 } : { text: `from ${modelOf(req)}` }));
    const config = llmConfig([modelEntry(server, 'a', { weight: 1e9 }), modelEntry(server, 'b', { weight: 1e-9 })], {
      retries: 5,
      benchAfterFailures: 2,
      benchMs: 10_000,
    });
    const h = makeRouter(config);
    assert.equal((await h.router.complete(ask('1'))).model, 'b');
    assert.deepEqual(h.records.map((r) => `${r.model}:${r.outcome}`), ['a:error', 'a:error', 'b:ok'], 'benched after 2, not 6 attempts');

    const before = server.requests.length;
    assert.equal((await h.router.complete(ask('2'))).model, 'b');
    assert.equal(server.requests.length, before + 1, 'a benched model gets no request');

    aHealthy = true;
    h.clock.ms += 10_000;
    assert.equal((await h.router.complete(ask('3'))).model, 'a', 'back after benchMs');
  });

  it('reports every model benched as CAMBRIAN_LLM_FAILED without calling anything', async () => {
    server = await startLlmServer(() => ({ status: 500 }));
    const h = makeRouter(llmConfig([modelEntry(server, 'a')], { retries: 0, benchAfterFailures: 1 }));
    await assert.rejects(h.router.complete(ask('1')), { code: 'CAMBRIAN_LLM_FAILED' });
    const before = server.requests.length;
    await assert.rejects(h.router.complete(ask('2')), /benched/);
    assert.equal(server.requests.length, before);
  });

  it('keeps at most maxConcurrency calls in flight per model', async () => {
    let inFlight = 0;
    let peak = 0;
    server = await startLlmServer(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight--;
      return { text: 'done' };
    });
    const { router } = makeRouter(llmConfig([modelEntry(server, 'm', { maxConcurrency: 2 })]));
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => router.complete(ask(`q${i}`))));
    assert.equal(answers.length, 5);
    assert.equal(peak, 2);
  });

  it("stops on the caller's abort while backing off", async () => {
    const controller = new AbortController();
    server = await startLlmServer(() => {
      setTimeout(() => controller.abort(new Error('user stopped the run')), 50);
      return { status: 429, retryAfterSeconds: 30 };
    });
    const { router, records } = makeRouter(llmConfig([modelEntry(server, 'm')]), { realSleep: true });
    const started = Date.now();
    await assert.rejects(router.complete(ask('x', { signal: controller.signal })), /user stopped the run/);
    assert.ok(Date.now() - started < 5_000, 'the 30 s Retry-After wait was cut short');
    assert.deepEqual(records.map((r) => r.outcome), ['rate_limited']);
    assert.equal(server.requests.length, 1);
  });

  it('rejects a prompt longer than maxPromptChars before calling anything', async () => {
    server = await startLlmServer([{ text: 'never' }]);
    const { router } = makeRouter(llmConfig([modelEntry(server, 'm')], { maxPromptChars: 10 }));
    await assert.rejects(router.complete(ask('x'.repeat(11))), { code: 'CAMBRIAN_BAD_ARGUMENT' });
    assert.equal(server.requests.length, 0);
  });

  it('rejects a fallback to an unknown model and duplicate names at construction', async () => {
    const s = (server = await startLlmServer([]));
    assert.throws(() => makeRouter(llmConfig([modelEntry(s, 'a', { fallback: ['nope'] })])), /falls back to 'nope'/);
    assert.throws(() => makeRouter(llmConfig([modelEntry(s, 'a'), modelEntry(s, 'a')])), /two LLM models are named 'a'/);
  });
});
