import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCambrianError } from '../../../src/errors.ts';
import { agentOperatorFactory } from '../../../src/operators/agent/factory.ts';
import { llmOperatorFactory } from '../../../src/operators/llm/factory.ts';
import type { LlmClient } from '../../../src/llm/port.ts';
import type { WorktreePool } from '../../../src/git/port.ts';

// Building an operator makes no call and acquires nothing; these only have to exist.
const llm: LlmClient = { complete: () => Promise.reject(new Error('not called while building')) };
const pool: WorktreePool = { acquire: () => Promise.reject(new Error('not called while building')), close: async () => {} };
const listFiles = () => Promise.reject(new Error('not called while building'));

describe('operator factories', () => {
  it('builds each LLM operator by name and leaves other names to other factories', () => {
    const factory = llmOperatorFactory({ llm });
    for (const name of ['llm-diff', 'llm-rewrite', 'llm-crossover', 'llm-repair', 'plan-code']) {
      assert.equal(factory(name, {})?.name, name);
    }
    assert.equal(factory('llm-diff', { format: 'diff', maxRepairAttempts: 0 })?.name, 'llm-diff');
    assert.equal(factory('numeric', {}), null);
    assert.equal(factory('agent', {}), null);
  });

  it('rejects unknown or invalid settings with the operator named', () => {
    const factory = llmOperatorFactory({ llm });
    assert.throws(() => factory('llm-rewrite', { fromat: 'diff' }), (e) => isCambrianError(e) && e.code === 'CAMBRIAN_CONFIG_INVALID' && /operators\.llm-rewrite/.test(e.message));
    assert.throws(() => factory('llm-diff', { format: 'rewrite' }), (e) => isCambrianError(e) && /operators\.llm-diff\.format/.test(e.message));
  });

  it('builds the agent only with a command, and validates its containment settings strictly', () => {
    for (const bwrap of [true, false]) {
      const factory = agentOperatorFactory({ pool, listFiles, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent-home' }, bwrap });
      assert.equal(factory('agent', { command: 'claude -p', promptVia: 'stdin' })?.name, 'agent');
      assert.equal(factory('agent', { command: 'codex exec -', network: true, env: ['OPENAI_API_KEY'], memoryMb: 2048, homeMb: 64, readOnlyPaths: ['~/.codex'] })?.name, 'agent');
      assert.throws(() => factory('agent', {}), (e) => isCambrianError(e) && /operators\.agent\.command/.test(e.message));
      assert.throws(() => factory('agent', { command: 'x', sandbox: 'none' }), (e) => isCambrianError(e) && e.code === 'CAMBRIAN_CONFIG_INVALID');
      assert.throws(() => factory('agent', { command: 'x', memoryMb: 16 }), (e) => isCambrianError(e) && /operators\.agent\.memoryMb/.test(e.message));
      assert.equal(factory('llm-diff', {}), null);
    }
  });
});
