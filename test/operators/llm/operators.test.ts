import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLlmCrossoverOperator,
  createLlmDiffOperator,
  createLlmRepairOperator,
  createLlmRewriteOperator,
  createPlanCodeOperator,
} from '../../../src/operators/llm/index.ts';
import type { Proposal } from '../../../src/operators/port.ts';
import { createFixture, PACK_JS, promptOf, searchReplace, view } from './harness.ts';

function changes(proposal: Proposal): Record<string, string | null> {
  assert.equal(proposal.kind, 'changes', proposal.kind === 'rejected' ? proposal.reason : '');
  assert.ok(proposal.kind === 'changes');
  return Object.fromEntries(proposal.changes.map((c) => [c.path, c.content]));
}

const BIGGER = searchReplace('src/pack.js', '  const base = 0.1;', '  const base = 0.12;', 'Grow the base radius');

describe('llm-diff', () => {
  it('sends the goal, the EVOLVE block and the metrics over HTTP and applies the SEARCH/REPLACE reply', async () => {
    const local = await createFixture([{ text: BIGGER }]);
    try {
      let recordedCosts = 0;
      const ctx = local.context({ costs: { addLlmCall: () => void recordedCosts++ } });
      const proposal = await createLlmDiffOperator({ llm: local.router }).propose(ctx);
      assert.deepEqual(changes(proposal), { 'src/pack.js': PACK_JS.replace('0.1;', '0.12;') });
      assert.ok(proposal.kind === 'changes');
      assert.equal(proposal.description, 'Grow the base radius');
      assert.equal(local.server.requests.length, 1);
      const prompt = promptOf(local.server, 0);
      assert.match(prompt, /Pack circles into the unit square/);
      assert.match(prompt, /src\/pack\.js \(only its EVOLVE blocks are shown/);
      assert.match(prompt, /const base = 0\.1;/);
      assert.match(prompt, /Fitness: 0\.5 \(higher is better\)\. Metrics: score=0\.5/);
      assert.match(prompt, /<<<<<<< SEARCH/);
      assert.doesNotMatch(prompt, /console\.log\(JSON\.stringify/, 'protected evaluator is not shown');
      assert.equal(local.calls.length, 1, 'the router records the call');
      assert.equal(local.calls[0]!.purpose, 'llm-diff');
      assert.equal(recordedCosts, 0, 'the operator does not record the call a second time');
    } finally {
      await local.close();
    }
  });

  it('retries once with the diagnostic after a near miss, then applies the corrected reply', async () => {
    const miss = searchReplace('src/pack.js', '  const base = 0.15;', '  const base = 0.2;');
    const local = await createFixture([{ text: miss }, { text: BIGGER }]);
    try {
      const proposal = await createLlmDiffOperator({ llm: local.router }).propose(local.context());
      assert.deepEqual(changes(proposal), { 'src/pack.js': PACK_JS.replace('0.1;', '0.12;') });
      assert.equal(local.server.requests.length, 2);
      const retry = local.server.requests[1]!.body.messages as Array<{ role: string; content: string }>;
      assert.deepEqual(retry.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
      assert.equal(retry[2]!.content, miss);
      assert.match(retry[3]!.content, /matches nothing in the file/);
      assert.match(retry[3]!.content, /closest lines of the file \(lines 5-5, \d+% similar\)/);
      assert.match(retry[3]!.content, /    5\|   const base = 0\.1;/);
      assert.equal(local.calls[1]!.purpose, 'llm-diff:retry');
    } finally {
      await local.close();
    }
  });

  it('rejects after the one retry also misses, without a third call', async () => {
    const miss = searchReplace('src/pack.js', 'nothing like this', 'x');
    const local = await createFixture([{ text: miss }, { text: miss }, { text: BIGGER }]);
    try {
      const proposal = await createLlmDiffOperator({ llm: local.router }).propose(local.context());
      assert.equal(proposal.kind, 'rejected');
      assert.ok(proposal.kind === 'rejected');
      assert.match(proposal.reason, /^llm-diff: SEARCH\/REPLACE block 1 \(src\/pack\.js\) matches nothing/);
      assert.equal(local.server.requests.length, 2);
    } finally {
      await local.close();
    }
  });

  it('keeps the retry conversation within maxPromptChars by leaving out its own long answer', async () => {
    const miss = `${'Long reasoning. '.repeat(300)}\n${searchReplace('src/pack.js', '  const base = 0.15;', '  const base = 0.2;')}`;
    const local = await createFixture([{ text: miss }, { text: BIGGER }]);
    try {
      const proposal = await createLlmDiffOperator({ llm: local.router, maxPromptChars: 3_000 }).propose(local.context());
      assert.equal(proposal.kind, 'changes');
      const retry = local.server.requests[1]!.body.messages as Array<{ role: string; content: string }>;
      assert.match(retry[2]!.content, /previous answer is omitted/);
      assert.ok(retry.reduce((n, m) => n + m.content.length, 0) <= 3_000);
    } finally {
      await local.close();
    }
  });

  it('rejects an edit outside the EVOLVE block and falls back to its own subject otherwise', async () => {
    const outside = searchReplace('src/pack.js', 'export const name = helper();', 'export const name = "x";');
    const plain = searchReplace('src/util.js', "  return 'pack';", "  return 'packer';");
    const local = await createFixture([{ text: outside }, { text: outside }, { text: plain }]);
    try {
      const operator = createLlmDiffOperator({ llm: local.router });
      const refused = await operator.propose(local.context());
      assert.ok(refused.kind === 'rejected');
      assert.match(refused.reason, /edits outside the EVOLVE-BLOCK/);
      const ok = await operator.propose(local.context());
      assert.ok(ok.kind === 'changes');
      assert.equal(ok.description, 'llm-diff: edit util.js');
    } finally {
      await local.close();
    }
  });
});

describe('llm-rewrite', () => {
  it('replaces a whole file given in a fence after its path', async () => {
    const rewritten = PACK_JS.replace('  return base / Math.sqrt(n);', '  return (base * 1.5) / Math.sqrt(n);');
    const local = await createFixture([{ text: `Subject: scale radii\n\nsrc/pack.js\n\`\`\`js\n${rewritten}\`\`\`\n` }]);
    try {
      const proposal = await createLlmRewriteOperator({ llm: local.router }).propose(local.context());
      assert.deepEqual(changes(proposal), { 'src/pack.js': rewritten });
      assert.match(promptOf(local.server, 0), /complete new content/);
    } finally {
      await local.close();
    }
  });
});

describe('llm-crossover', () => {
  it('shows the second parent as a diff, edits the first, and records alsoParentId', async () => {
    const local = await createFixture([{ text: BIGGER }]);
    try {
      const otherCommit = await local.repo.commit({ 'src/pack.js': PACK_JS.replace('Math.sqrt(n)', 'Math.pow(n, 0.45)') });
      const other = view('other-elite', otherCommit, 0.7, { operator: 'llm-diff' });
      const operator = createLlmCrossoverOperator({ llm: local.router });
      assert.equal(operator.needsInspirations, true);
      const proposal = await operator.propose(local.context({ inspirations: [other] }));
      assert.ok(proposal.kind === 'changes');
      assert.equal(proposal.alsoParentId, 'other-elite');
      assert.deepEqual(changes(proposal), { 'src/pack.js': PACK_JS.replace('0.1;', '0.12;') });
      const prompt = promptOf(local.server, 0);
      assert.match(prompt, /# Second parent\nFitness: 0\.7/);
      assert.match(prompt, /\+  return base \/ Math\.pow\(n, 0\.45\);/);
    } finally {
      await local.close();
    }
  });

  it('rejects without a second parent and makes no call', async () => {
    const local = await createFixture([]);
    try {
      const proposal = await createLlmCrossoverOperator({ llm: local.router }).propose(local.context());
      assert.ok(proposal.kind === 'rejected');
      assert.match(proposal.reason, /needs a second parent/);
      assert.equal(local.server.requests.length, 0);
    } finally {
      await local.close();
    }
  });
});

describe('llm-repair', () => {
  it('shows the failure and its stderr tail and applies the fix', async () => {
    const local = await createFixture([{ text: BIGGER }]);
    try {
      const failure = { individualId: 'seed', operator: 'llm-diff', reason: 'evaluator exited with code 1', stderrTail: 'TypeError: base is not a function\n    at radius (src/pack.js:5:3)' };
      const proposal = await createLlmRepairOperator({ llm: local.router }).propose(local.context({ recentFailures: [failure] }));
      assert.ok(proposal.kind === 'changes');
      const prompt = promptOf(local.server, 0);
      assert.match(prompt, /# The failure\nevaluator exited with code 1\n```\nTypeError: base is not a function/);
      const none = await createLlmRepairOperator({ llm: local.router }).propose(local.context());
      assert.ok(none.kind === 'rejected');
      assert.equal(local.server.requests.length, 1);
    } finally {
      await local.close();
    }
  });
});

describe('plan-code', () => {
  const plan = { summary: 'Grow the base radius', steps: ['raise base from 0.1 to 0.12'], risks: ['overlaps'] };

  it('retries an invalid plan with the zod error, then codes the valid plan', async () => {
    const local = await createFixture([
      { text: '{"summary": "Grow", "risks": []}' },
      { text: '```json\n' + JSON.stringify(plan) + '\n```' },
      { text: searchReplace('src/pack.js', '  const base = 0.1;', '  const base = 0.12;') },
    ]);
    try {
      const proposal = await createPlanCodeOperator({ llm: local.router }).propose(local.context());
      assert.deepEqual(changes(proposal), { 'src/pack.js': PACK_JS.replace('0.1;', '0.12;') });
      assert.ok(proposal.kind === 'changes');
      assert.equal(proposal.description, 'plan-code: Grow the base radius');
      assert.equal(local.server.requests.length, 3);
      const retry = local.server.requests[1]!.body.messages as Array<{ role: string; content: string }>;
      assert.match(retry[3]!.content, /does not match the plan schema: .*steps/);
      assert.match(promptOf(local.server, 2), /# The plan to implement\nGrow the base radius\n\nSteps:\n1\. raise base from 0\.1 to 0\.12\n\nRisks to avoid:\n- overlaps/);
      assert.deepEqual(local.calls.map((c) => c.purpose), ['plan', 'plan:retry', 'plan-code']);
    } finally {
      await local.close();
    }
  });

  it('rejects after two invalid plans without a coding call', async () => {
    const local = await createFixture([{ text: 'I would grow the radius.' }, { text: '{"summary": 3}' }, { text: BIGGER }]);
    try {
      const proposal = await createPlanCodeOperator({ llm: local.router }).propose(local.context());
      assert.ok(proposal.kind === 'rejected');
      assert.match(proposal.reason, /^plan-code: no valid plan after 2 attempts: the JSON does not match the plan schema/);
      assert.equal(local.server.requests.length, 2);
    } finally {
      await local.close();
    }
  });
});
