// Both providers over real HTTP through their SDKs against the scripted server: JSON and streaming,
// usage accounting, the key header, and how failures are classified.
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { llmModelSchema, type LlmModelConfig } from '../../src/config/schema.ts';
import { createProvider } from '../../src/llm/providers/provider.ts';
import { ProviderError } from '../../src/llm/providers/provider-error.ts';
import { startLlmServer, type LlmServer, type Reply } from '../support/llm-server.ts';

const KEY = 'sk-test-provider-0123456789';
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say hello to the world, please.' },
];

function modelFor(server: LlmServer, provider: 'openai' | 'anthropic', extra: Partial<LlmModelConfig> = {}): LlmModelConfig {
  return llmModelSchema.parse({
    name: `${provider}-test`,
    provider,
    model: provider === 'openai' ? 'gpt-test' : 'claude-test',
    baseUrl: provider === 'openai' ? `${server.url}/v1` : server.url,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
  return error;
}

// The four provider × mode suites have their own servers, so they run side by side (timeouts dominate).
describe('providers', { concurrency: 4 }, () => {
for (const provider of ['openai', 'anthropic'] as const) {
  for (const stream of [false, true]) {
    describe(`${provider} provider (${stream ? 'streaming' : 'JSON'})`, { concurrency: 1 }, () => {
      let replies: Reply[] = [];
      let server: LlmServer;
      before(async () => {
        server = await startLlmServer(() => replies.shift() ?? { status: 500, message: 'no reply scripted' });
      });
      after(() => server.close());
      const script = (...next: Reply[]) => {
        replies = next;
        server.requests.length = 0;
      };

      it('returns the text and the usage the server reports, and sends the key', async () => {
        script({ text: 'Hello, world! This reply spans several stream chunks.', tokensIn: 21, tokensOut: 13 });
        const chat = createProvider(modelFor(server, provider, { stream }), KEY);
        const result = await chat.chat({ messages, maxTokens: 64, temperature: 0.2, stream });
        assert.deepEqual(result, { text: 'Hello, world! This reply spans several stream chunks.', tokensIn: 21, tokensOut: 13 });
        const [request] = server.requests;
        assert.equal(request?.api, provider);
        assert.equal(request?.body.stream ?? false, stream);
        assert.equal(request?.body.temperature, 0.2);
        const sentKey = request?.headers['x-api-key'] ?? request?.headers.authorization;
        assert.match(String(sentKey), new RegExp(KEY));
        if (provider === 'anthropic') {
          assert.equal(request?.body.system, 'You are terse.');
          assert.deepEqual(request?.body.messages, [{ role: 'user', content: 'Say hello to the world, please.' }]);
          assert.equal(request?.body.max_tokens, 64);
        } else {
          assert.equal(request?.body.messages.length, 2);
          assert.equal(request?.body.max_tokens, 64, 'compatible servers get max_tokens');
          if (stream) assert.deepEqual(request?.body.stream_options, { include_usage: true });
        }
      });

      it('estimates usage as ceil(chars / 4) when the server gives none', async () => {
        script({ text: 'abcdefghij' });
        const chat = createProvider(modelFor(server, provider, { stream }), KEY);
        const result = await chat.chat({ messages, maxTokens: 64, stream });
        const chars = messages.reduce((n, m) => n + m.content.length, 0);
        assert.equal(result.tokensIn, Math.ceil(chars / 4));
        assert.equal(result.tokensOut, 3);
      });

      it('sends a placeholder key to a server that needs none', async () => {
        script({ text: 'local' });
        const chat = createProvider(modelFor(server, provider, { stream }), undefined);
        assert.equal((await chat.chat({ messages, maxTokens: 8, stream })).text, 'local');
        const sent = server.requests[0]?.headers['x-api-key'] ?? server.requests[0]?.headers.authorization;
        assert.match(String(sent), /no-key/);
      });

      it('classifies 429 with Retry-After, 500, 400, a timeout, a hang-up and a malformed body', async () => {
        const chat = createProvider(modelFor(server, provider, { stream, timeoutMs: 1_000 }), KEY);
        const call = () => chat.chat({ messages, maxTokens: 8, stream });
        script({ status: 429, retryAfterSeconds: 2 });
        const limited = await failure(call());
        assert.deepEqual([limited.kind, limited.status, limited.retryAfterMs], ['rate_limited', 429, 2000]);
        script({ status: 503 });
        assert.equal((await failure(call())).kind, 'server');
        script({ status: 400, message: 'prompt too long' });
        const client = await failure(call());
        assert.deepEqual([client.kind, client.retryable], ['client', false]);
        script({ delayMs: 10_000 });
        assert.equal((await failure(call())).kind, 'timeout');
        script({ hangUp: true });
        assert.equal((await failure(call())).kind, 'network');
        script({ malformed: true });
        assert.equal((await failure(call())).kind, 'server');
      });

      it('times out a stream that stalls between chunks', { skip: !stream && 'streaming only' }, async () => {
        script({ text: 'a slow stream of many many chunks', chunkDelayMs: 600 });
        const chat = createProvider(modelFor(server, provider, { stream, timeoutMs: 1_000 }), KEY);
        assert.equal((await failure(chat.chat({ messages, maxTokens: 8, stream }))).kind, 'timeout');
      });

      it("rethrows the caller's abort instead of classifying it", async () => {
        script({ delayMs: 10_000 });
        const chat = createProvider(modelFor(server, provider, { stream }), KEY);
        const controller = new AbortController();
        setTimeout(() => controller.abort(new Error('stop now')), 50);
        await assert.rejects(chat.chat({ messages, maxTokens: 8, stream, signal: controller.signal }), /stop now/);
      });
    });
  }
}
});
