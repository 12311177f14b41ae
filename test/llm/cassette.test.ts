// Record/replay: a recorded run replays with identical answers (identical prompts in order) and no
// network; a prompt that was never recorded fails loudly with the key and the purpose.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cassette, cassetteDir, cassetteKey } from '../../src/llm/cassette.ts';
import { CambrianError } from '../../src/errors.ts';
import { startLlmServer, type LlmServer } from '../support/llm-server.ts';
import { ask, llmConfig, makeRouter, modelEntry } from './fixtures.ts';

describe('Cassette', () => {
  let server: LlmServer | undefined;
  let repo: string | undefined;
  afterEach(async () => {
    await server?.close();
    if (repo) await rm(repo, { recursive: true, force: true });
    server = undefined;
    repo = undefined;
  });

  it('replays a recorded run with identical answers, in order, without calling the server', async () => {
    repo = await mkdtemp(join(tmpdir(), 'cambrian-cassette-'));
    const dir = cassetteDir(repo);
    // Model a fails its first three requests: the first call is answered by b after failover, the
    // second by a after one retry, the rest by a.
    let aRequests = 0;
    let answers = 0;
    server = await startLlmServer((req) => {
      if (req.body.model === 'a-model' && ++aRequests <= 3) return { status: 500 };
      answers++;
      return { text: `answer ${answers}`, tokensIn: 40 + answers, tokensOut: 7 };
    });
    const models = [modelEntry(server, 'a', { fallback: ['b'], priceUsdPerMTokIn: 1, priceUsdPerMTokOut: 2 }), modelEntry(server, 'b', { weight: 0, stream: true, provider: 'anthropic' })];
    const config = llmConfig(models, { retries: 1, benchAfterFailures: 10 });
    const prompts = [ask('same'), ask('different', { purpose: 'plan' }), ask('same'), ask('same', { temperature: 0.9 })];

    const recording = makeRouter(config, { cassette: new Cassette({ dir, mode: 'record' }), seed: 3 });
    const recorded = [];
    for (const prompt of prompts) recorded.push(await recording.router.complete(prompt));
    assert.deepEqual(recorded.map((r) => `${r.model}:${r.text}`), ['b:answer 1', 'a:answer 2', 'a:answer 3', 'a:answer 4']);
    const files = await readdir(dir);
    assert.equal(files.length, 4);
    assert.ok(files.every((f) => f.endsWith('.json')), 'no temp files left behind');

    await server.close();
    server = undefined;
    const replaying = makeRouter(config, { cassette: new Cassette({ dir, mode: 'replay' }), seed: 3 });
    for (const [i, prompt] of prompts.entries()) {
      const replayed = await replaying.router.complete(prompt);
      assert.deepEqual(
        { text: replayed.text, model: replayed.model, tokensIn: replayed.tokensIn, tokensOut: replayed.tokensOut, usd: replayed.usd, replayed: replayed.replayed },
        { text: recorded[i]!.text, model: recorded[i]!.model, tokensIn: recorded[i]!.tokensIn, tokensOut: recorded[i]!.tokensOut, usd: recorded[i]!.usd, replayed: true },
      );
    }
    assert.ok(replaying.records.every((r) => r.outcome === 'replayed'));
    assert.deepEqual(replaying.budget.spent(), recording.budget.spent(), 'a replay spends what the recording spent');
  });

  it('fails loudly on a miss, naming the key and the purpose', async () => {
    repo = await mkdtemp(join(tmpdir(), 'cambrian-cassette-'));
    server = await startLlmServer([{ text: 'recorded once' }]);
    const config = llmConfig([modelEntry(server, 'm')]);
    const dir = cassetteDir(repo);
    await makeRouter(config, { cassette: new Cassette({ dir, mode: 'record' }) }).router.complete(ask('known'));

    const { router } = makeRouter(config, { cassette: new Cassette({ dir, mode: 'replay' }) });
    assert.equal((await router.complete(ask('known'))).text, 'recorded once');
    const expectedKey = cassetteKey({ model: 'm', messages: [{ role: 'user', content: 'known' }], maxTokens: 4096, temperature: undefined });
    await assert.rejects(router.complete(ask('known', { purpose: 'llm-diff' })), (error: unknown) => {
      assert.ok(error instanceof CambrianError);
      assert.equal(error.code, 'CAMBRIAN_CASSETTE_MISS');
      assert.match(error.message, /purpose 'llm-diff'/);
      assert.ok(error.message.includes(expectedKey), error.message);
      assert.match(error.message, /occurrence 1/);
      return true;
    });
    await assert.rejects(router.complete(ask('never recorded')), { code: 'CAMBRIAN_CASSETTE_MISS' });
    assert.equal(server.requests.length, 1, 'replay never calls the server');
  });

  it('keys on model, messages, maxTokens and temperature only', async () => {
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }], maxTokens: 10, temperature: undefined };
    const key = cassetteKey(base);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(cassetteKey({ ...base }), key);
    assert.notEqual(cassetteKey({ ...base, model: 'n' }), key);
    assert.notEqual(cassetteKey({ ...base, maxTokens: 11 }), key);
    assert.notEqual(cassetteKey({ ...base, temperature: 0 }), key);
    assert.notEqual(cassetteKey({ ...base, messages: [{ role: 'system', content: 'x' }] }), key);
  });

  it('writes readable JSON with the request and the answer but no headers', async () => {
    repo = await mkdtemp(join(tmpdir(), 'cambrian-cassette-'));
    const cassette = new Cassette({ dir: cassetteDir(repo), mode: 'record' });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'q' }], maxTokens: 5, temperature: 0.5 };
    await cassette.record(request, 0, { text: 'a', provider: 'openai', tokensIn: 1, tokensOut: 1, usd: 0, latencyMs: 3 }, 'p');
    const [file] = await readdir(cassetteDir(repo));
    const entry = JSON.parse(await readFile(join(cassetteDir(repo), file!), 'utf8'));
    assert.equal(file, `${cassetteKey(request)}-0.json`);
    assert.deepEqual(Object.keys(entry).sort(), ['key', 'latencyMs', 'occurrence', 'provider', 'purpose', 'request', 'text', 'tokensIn', 'tokensOut', 'usd', 'version']);
  });
});
