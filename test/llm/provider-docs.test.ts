// The provider guide's config snippets are real configs: every `llm:` block in
// docs/guide/providers/*.md must validate against the schema, and a router must accept it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { llmSchema } from '../../src/config/schema.ts';
import { Rng } from '../../src/core/rng.ts';
import { LlmBudget } from '../../src/llm/budget.ts';
import { LlmRouter } from '../../src/llm/router.ts';

const dir = fileURLToPath(new URL('../../docs/guide/providers/', import.meta.url));
const pages = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('provider guide snippets', () => {
  it('has a page per provider', () => {
    assert.deepEqual(pages.sort(), ['anthropic.md', 'llama-cpp.md', 'ollama.md', 'openai.md', 'openrouter.md', 'vllm.md']);
  });

  for (const page of pages) {
    it(`${page}: the yaml snippet is a valid llm config`, () => {
      const blocks = [...readFileSync(join(dir, page), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(blocks.length, 1, 'one config snippet per page');
      const config = llmSchema.parse(parse(blocks[0]!).llm);
      const env = Object.fromEntries(config.models.flatMap((m) => (m.apiKeyEnv ? [[m.apiKeyEnv, 'doc-test-key']] : [])));
      assert.doesNotThrow(() => new LlmRouter({ config, env, budget: new LlmBudget(), rng: Rng.fromSeed(1), onCall: () => {} }));
    });
  }
});
