// `cambrian run` with LLM operators against the scripted OpenAI-compatible server (real HTTP): it
// produces evaluated children, stops cleanly at maxUsd, fails over to a second endpoint, shows why
// malformed replies were rejected, replays a recorded run to the same SHAs, and runs a coding agent.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { createExampleRepo, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { promptOf, startLlmServer, type RecordedRequest, type Reply } from '../support/llm-server.ts';
import { createTempDir } from '../support/temp-repo.ts';

const KEY = 'sk-test-secret-0123456789';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A well-formed SEARCH/REPLACE reply that widens SPREAD by 4 % of whatever the prompt shows. */
function spreadEdit(request: RecordedRequest): Reply {
  const match = /export const SPREAD = ([0-9.]+);/.exec(promptOf(request));
  if (!match) return { text: 'I cannot find SPREAD.' };
  const next = Math.min(1.55, Number(match[1]) * 1.04 + 0.001);
  return {
    text: [
      'Subject: widen the grid a little',
      'pack.js',
      '<<<<<<< SEARCH',
      `export const SPREAD = ${match[1]};`,
      '=======',
      `export const SPREAD = ${next.toFixed(4)};`,
      '>>>>>>> REPLACE',
    ].join('\n'),
  };
}

function llmConfig(models: string, operators: string, budget: string): (yaml: string) => string {
  return (yaml) => {
    const head = yaml.slice(0, yaml.indexOf('budget:'));
    return `${head}budget:\n${budget}\narchive:\n  warmup: 4\n  refitEvery: 8\n  islands: 2\noperators:\n${operators}\nllm:\n  retries: 1\n  benchMs: 60000\n  models:\n${models}\n`;
  };
}

function model(name: string, url: string, extra = ''): string {
  return [
    `    - name: ${name}`,
    '      provider: openai',
    `      baseUrl: ${url}/v1`,
    '      apiKeyEnv: STUB_KEY',
    '      model: stub-coder',
    '      priceUsdPerMTokIn: 1',
    '      priceUsdPerMTokOut: 2',
    '      timeoutMs: 5000',
    extra,
  ]
    .filter(Boolean)
    .join('\n');
}

async function exampleRepo(edit: (yaml: string) => string): Promise<ExampleRepo> {
  const repo = await createExampleRepo('circle-packing', edit);
  cleanups.push(() => repo.cleanup());
  return repo;
}

async function server(script: (request: RecordedRequest) => Reply) {
  const s = await startLlmServer(script);
  cleanups.push(() => s.close());
  return s;
}

const env = { STUB_KEY: KEY };

describe('LLM operators in a run (scripted server over HTTP)', () => {
  it('llm-diff produces evaluated children and the run stops cleanly at maxUsd', async () => {
    const llm = await server(spreadEdit);
    const repo = await exampleRepo(llmConfig(model('stub', llm.url), '  llm-diff: { weight: 1 }', '  maxUsd: 0.05'));
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /LLM budget spent/);

    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'], { env })).stdout) as {
      runs: Array<{ evaluations: number; bestFitness: number; seedFitness: number; llm: { calls: number; usd: number } }>;
    };
    const [run] = status.runs;
    assert.ok(run);
    assert.ok(run.evaluations > 3, `children were evaluated (${run.evaluations})`);
    assert.ok(run.bestFitness > run.seedFitness, 'widening the grid improves the packing');
    assert.ok(run.llm.calls >= run.evaluations - 1);
    assert.ok(run.llm.usd <= 0.05 + 1e-9, `spent ${run.llm.usd} of a 0.05 budget`);
    assert.ok(run.llm.usd > 0.03, `the budget was actually used (${run.llm.usd})`);

    // The API key reached the server but never the store, the ledger or the evaluator's environment.
    assert.equal(llm.requests[0]!.headers['authorization'], `Bearer ${KEY}`);
    const ledger = await runCli(['ledger', 'export', '--repo', repo.dir], { env });
    assert.ok(!ledger.stdout.includes(KEY));
    assert.match(ledger.stdout, /"type":"llm_call"/);
    const dbFiles = await readFile(join(repo.dir, '.cambrian', 'db', 'PG_VERSION'), 'utf8');
    assert.ok(dbFiles.length > 0);
  });

  it('fails over from a failing endpoint to a second one', async () => {
    const broken = await server(() => ({ status: 500, message: 'upstream exploded' }));
    const good = await server(spreadEdit);
    const models = [model('primary', broken.url, '      fallback: [backup]'), model('backup', good.url, '      weight: 0')].join('\n');
    const repo = await exampleRepo(llmConfig(models, '  llm-diff: { weight: 1 }', '  maxEvaluations: 5'));
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(broken.requests.length >= 1, 'the primary was tried');
    assert.ok(good.requests.length >= 4, 'the backup answered');
    const store = await openStore({ repoDir: repo.dir });
    try {
      const [run] = await store.runs.list('any');
      assert.equal(run!.evaluations, 5);
      const calls = await store.llmCalls.list(run!.id, 100);
      assert.ok(calls.some((c) => c.model === 'primary' && c.outcome === 'error'));
      assert.ok(calls.some((c) => c.model === 'backup' && c.outcome === 'ok'));
    } finally {
      await store.close();
    }
  });

  it('rejects malformed replies with reasons shown in status', async () => {
    const bad: Reply[] = [
      { text: 'Sure! I would widen the grid.' },
      { text: 'other.js\n<<<<<<< SEARCH\nfoo\n=======\nbar\n>>>>>>> REPLACE' },
      { text: 'pack.js\n<<<<<<< SEARCH\nconst GROW_SWEEPS = 200;\n=======\nconst GROW_SWEEPS = 5;\n>>>>>>> REPLACE' },
    ];
    let call = 0;
    const llm = await server((request) => (call++ < 6 ? bad[Math.floor((call - 1) / 2) % bad.length]! : spreadEdit(request)));
    const repo = await exampleRepo(llmConfig(model('stub', llm.url), '  llm-diff: { weight: 1 }', '  maxEvaluations: 3'));
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as {
      runs: Array<{ jobs: Record<string, number>; recentRejections: Array<{ reason: string }> }>;
    };
    const reasons = status.runs[0]!.recentRejections.map((r) => r.reason).join('\n');
    // Three malformed replies (each after its one retry); a well-formed edit may also repeat an
    // earlier child exactly, which is rejected as a duplicate tree.
    assert.ok((status.runs[0]!.jobs['failed'] ?? 0) >= 3, reasons);
    assert.match(reasons, /no .*block|SEARCH\/REPLACE/i);
    assert.match(reasons, /other\.js/);
    assert.match(reasons, /EVOLVE|outside/i);
  });

  it('replays a recorded run to the same commit SHAs without any server', async () => {
    const llm = await server(spreadEdit);
    const config = llmConfig(model('stub', llm.url), '  llm-diff: { weight: 1 }', '  maxEvaluations: 6');
    const recorded = await exampleRepo(config);
    const replayed = await exampleRepo(config);
    assert.equal((await runCli(['run', '--repo', recorded.dir, '--workers', '1', '--record'], { env })).code, 0);
    await llm.close();
    await cp(join(recorded.dir, '.cambrian', 'cassettes'), join(replayed.dir, '.cambrian', 'cassettes'), { recursive: true });
    const replay = await runCli(['run', '--repo', replayed.dir, '--workers', '1', '--replay'], { env });
    assert.equal(replay.code, 0, replay.stderr);
    const commits = async (dir: string) => {
      const store = await openStore({ repoDir: dir });
      try {
        const [run] = await store.runs.list('any');
        return (await store.individuals.listByRun(run!.id)).map((i) => i.commit);
      } finally {
        await store.close();
      }
    };
    const a = await commits(recorded.dir);
    assert.equal(a.length, 6);
    assert.deepEqual(await commits(replayed.dir), a);
  });

  it('a replay that misses a cassette fails loudly', async () => {
    const repo = await exampleRepo(llmConfig(model('stub', 'http://127.0.0.1:9'), '  llm-diff: { weight: 1 }', '  maxEvaluations: 3'));
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1', '--replay'], { env });
    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as { runs: Array<{ recentRejections: Array<{ reason: string }> }> };
    const text = result.stderr + result.stdout + JSON.stringify(status);
    assert.match(text, /cassette/i);
  });

  it('the agent operator runs a scripted coding agent in a worktree and yields a child', async () => {
    const tmp = await createTempDir();
    cleanups.push(tmp.cleanup);
    const agent = join(tmp.dir, 'agent.sh');
    await writeFile(agent, '#!/bin/sh\n# a scripted "coding agent": reads the prompt, widens the grid\ncat > /dev/null\nsed -i "s/export const SPREAD = 1.0;/export const SPREAD = 1.12;/" pack.js\n');
    await chmod(agent, 0o755);
    const repo = await exampleRepo((yaml) => {
      const head = yaml.slice(0, yaml.indexOf('budget:'));
      return `${head}budget:\n  maxEvaluations: 2\noperators:\n  agent: { weight: 1, command: "${agent}" }\n`;
    });
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr);
    const best = JSON.parse((await runCli(['best', '--repo', repo.dir, '--json'])).stdout) as { operator: string; fitness: number; seedFitness: number };
    assert.equal(best.operator, 'agent');
    assert.ok(best.fitness > best.seedFitness);
  });
});
