// API keys: read once from the given env, sent to the provider, and found nowhere else — not in the
// onCall records, not in error messages, not in cassette files — even when a server echoes them back.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cassette } from '../../src/llm/cassette.ts';
import { startLlmServer, type LlmServer, type RecordedRequest } from '../support/llm-server.ts';
import { ask, KEY, llmConfig, makeRouter, modelEntry } from './fixtures.ts';

const sentKey = (request: RecordedRequest | undefined) => String(request?.headers['x-api-key'] ?? request?.headers.authorization ?? '');

describe('API keys', () => {
  let server: LlmServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    server = undefined;
    dir = undefined;
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    it(`never leak into records, errors or cassettes (${provider})`, async () => {
      dir = await mkdtemp(join(tmpdir(), 'cambrian-keys-'));
      // A hostile server: failures quote the credentials it got (the first call, then from the third on).
      let calls = 0;
      server = await startLlmServer((req) => {
        calls++;
        if (calls === 2) return { text: 'fine' };
        return { status: calls === 1 ? 401 : 500, message: `rejected credentials ${sentKey(req)}` };
      });
      const config = llmConfig([modelEntry(server, 'a', { provider, fallback: ['b'] }), modelEntry(server, 'b', { provider, weight: 0 })], { retries: 0 });
      const cassette = new Cassette({ dir, mode: 'record' });
      const { router, records } = makeRouter(config, { cassette });

      assert.equal((await router.complete(ask('hello'))).text, 'fine');
      assert.ok(server.requests.every((r) => sentKey(r).includes(KEY)), 'the provider did receive the key');
      assert.match(records[0]!.error!, /rejected credentials/);
      assert.ok(records[0]!.error!.includes('[redacted]'));

      await assert.rejects(router.complete(ask('again')), (error: Error) => {
        assert.ok(!error.message.includes(KEY), error.message);
        assert.ok(!String((error.cause as Error | undefined)?.message ?? '').includes(KEY));
        return true;
      });
      for (const record of records) assert.ok(!JSON.stringify(record).includes(KEY), JSON.stringify(record));
      const files = await readdir(dir);
      assert.ok(files.length > 0);
      for (const file of files) assert.ok(!(await readFile(join(dir, file), 'utf8')).includes(KEY), file);
    });
  }

  it('are read only from the env given, and a missing one is named without a value', async () => {
    server = await startLlmServer([]);
    const config = llmConfig([modelEntry(server, 'a', { apiKeyEnv: 'CAMBRIAN_TEST_MISSING_KEY' })]);
    process.env.CAMBRIAN_TEST_MISSING_KEY = 'from-process-env';
    try {
      assert.throws(() => makeRouter(config, { env: {} }), (error: any) => {
        assert.equal(error.code, 'CAMBRIAN_CONFIG_INVALID');
        assert.match(error.message, /CAMBRIAN_TEST_MISSING_KEY/);
        assert.ok(!error.message.includes('from-process-env'));
        return true;
      });
      assert.throws(() => makeRouter(config, { env: { CAMBRIAN_TEST_MISSING_KEY: '  ' } }), /CAMBRIAN_TEST_MISSING_KEY/);
    } finally {
      delete process.env.CAMBRIAN_TEST_MISSING_KEY;
    }
  });

  it('are required for the cloud APIs but not for a local server', async () => {
    server = await startLlmServer([{ text: 'local ok' }]);
    assert.throws(
      () => makeRouter(llmConfig([{ name: 'cloud', provider: 'anthropic', model: 'claude' }]), { env: {} }),
      /talks to the anthropic cloud API but has no apiKeyEnv/,
    );
    const { router } = makeRouter(llmConfig([modelEntry(server, 'ollama', { apiKeyEnv: undefined })]), { env: {} });
    assert.equal((await router.complete(ask('x'))).text, 'local ok');
  });
});
