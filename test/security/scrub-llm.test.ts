// Secrets never reach a model: a candidate prints a token it was given and fails; llm-repair then
// shows that failure to the (scripted, real HTTP) model, and no request body carries the token.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.ts';
import { startLlmServer } from '../support/llm-server.ts';
import { createTempRepo } from '../support/temp-repo.ts';

const TOKEN = 'sk-test-scrub-llm-0c9d8e7f6a5b';

const EVALUATOR = `import { readFileSync } from 'node:fs';
const x = Number(/X = (-?[0-9.e+-]+)/.exec(readFileSync('params.js', 'utf8'))[1]);
if (x !== 5) {
  console.error('service refused token ' + process.env.MY_SERVICE_TOKEN + ' for x=' + x);
  process.exit(3);
}
console.log(JSON.stringify({ score: x }));
`;

const config = (url: string): string => `goal: keep X at five
evolve:
  include: ["params.js"]
evaluator:
  command: node evaluate.mjs
  env: [MY_SERVICE_TOKEN]
metrics:
  score: { direction: max }
fitness: score
budget:
  maxEvaluations: 8
archive:
  warmup: 4
  islands: 1
operators:
  numeric: { weight: 1 }
  llm-repair: { weight: 3 }
llm:
  retries: 0
  models:
    - name: stub
      provider: openai
      baseUrl: ${url}/v1
      apiKeyEnv: STUB_KEY
      model: stub-coder
      timeoutMs: 5000
`;

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('prompts sent to a model are scrubbed', () => {
  it('llm-repair shows the failure with *** in place of the token the candidate printed', async () => {
    const server = await startLlmServer(() => ({ text: 'I have no fix to offer.' }));
    cleanups.push(() => server.close());
    const repo = await createTempRepo({ 'params.js': 'export const X = 5;\n', 'evaluate.mjs': EVALUATOR, 'cambrian.yaml': config(server.url) });
    cleanups.push(() => repo.cleanup());

    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], {
      env: { MY_SERVICE_TOKEN: TOKEN, STUB_KEY: 'sk-stub-key-not-secret-here' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(server.requests.length > 0, 'llm-repair called the model');
    const bodies = server.requests.map((request) => JSON.stringify(request.body));
    for (const body of bodies) assert.ok(!body.includes(TOKEN), `a request body carries the token:\n${body}`);
    assert.ok(
      bodies.some((body) => body.includes('service refused token *** for x=')),
      'the failure was shown to the model, scrubbed',
    );
    assert.ok(!(result.stdout + result.stderr).includes(TOKEN));
  });
});
