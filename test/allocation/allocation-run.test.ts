// The strategy bandit inside real runs, through the CLI and the scripted OpenAI-compatible server
// (real HTTP): each job records its strategy, the router calls the model the bandit chose, a model
// whose replies never apply loses its jobs, the telemetry reaches the ledger and `status`, and a
// new run takes the previous run's statistics only through the gate (or not at all with
// --fresh-policy).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import type { JobRecord } from '../../src/store/port.ts';
import { createExampleRepo, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { promptOf, startLlmServer, type RecordedRequest, type Reply } from '../support/llm-server.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let edits = 0;
/** `good-coder` widens SPREAD a little (a new value every time); `broken-coder` answers prose. */
function reply(request: RecordedRequest): Reply {
  const match = /export const SPREAD = ([0-9.]+);/.exec(promptOf(request));
  if (request.body?.model === 'broken-coder' || !match) return { text: 'Let me think about circles for a while.' };
  const next = Math.min(1.5, Number(match[1]) * 1.02) + ++edits * 1e-5;
  return { text: ['pack.js', '<<<<<<< SEARCH', `export const SPREAD = ${match[1]};`, '=======', `export const SPREAD = ${next.toFixed(5)};`, '>>>>>>> REPLACE'].join('\n') };
}

function model(name: string, id: string, url: string): string {
  return [`    - name: ${name}`, '      provider: openai', `      baseUrl: ${url}/v1`, '      apiKeyEnv: STUB_KEY', `      model: ${id}`, '      priceUsdPerMTokIn: 1', '      priceUsdPerMTokOut: 2', '      timeoutMs: 5000'].join('\n');
}

async function repoWithModels(url: string, evaluations: number): Promise<ExampleRepo> {
  const repo = await createExampleRepo('circle-packing', (yaml) => {
    const head = yaml.slice(0, yaml.indexOf('budget:'));
    return `${head}budget:\n  maxEvaluations: ${evaluations}\narchive:\n  warmup: 4\n  refitEvery: 8\n  islands: 2\noperators:\n  llm-diff: { weight: 1, maxRepairAttempts: 0 }\nallocation:\n  temperatures: []\n  climb: false\n  reportEvery: 10\nllm:\n  retries: 0\n  models:\n${model('good', 'good-coder', url)}\n${model('broken', 'broken-coder', url)}\n`;
  });
  cleanups.push(() => repo.cleanup());
  return repo;
}

async function jobsOf(dir: string): Promise<{ runId: string; jobs: JobRecord[]; callsByJob: Map<string, string[]> }> {
  const store = await openStore({ repoDir: dir });
  try {
    const runs = await store.runs.list('any');
    const run = runs.at(-1)!;
    const jobs: JobRecord[] = [];
    for (let seq = 0; ; seq++) {
      const job = await store.jobs.get(`${run.id}-j${seq}`);
      if (!job) break;
      jobs.push(job);
    }
    const callsByJob = new Map<string, string[]>();
    for (const call of (await store.llmCalls.list(run.id, 10_000)).reverse()) {
      if (call.jobId) callsByJob.set(call.jobId, [...(callsByJob.get(call.jobId) ?? []), call.model]);
    }
    return { runId: run.id, jobs, callsByJob };
  } finally {
    await store.close();
  }
}

const env = { STUB_KEY: 'sk-test-secret-0123456789' };

describe('the strategy bandit in a run', () => {
  it('records each job\'s strategy, calls the chosen model, and starves a model whose replies never apply', async () => {
    const llm = await startLlmServer(reply);
    cleanups.push(() => llm.close());
    const repo = await repoWithModels(llm.url, 40);
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr);

    const { jobs, callsByJob } = await jobsOf(repo.dir);
    assert.ok(jobs.length >= 39, `${jobs.length} jobs`);
    for (const job of jobs) {
      assert.ok(job.strategy, `${job.id} records its strategy`);
      assert.equal(job.strategy.arm, `llm-diff@${job.strategy.model}`);
      assert.deepEqual(callsByJob.get(job.id), [job.strategy.model], `${job.id} called the model its strategy names`);
    }
    const broken = jobs.filter((j) => j.strategy?.model === 'broken').length;
    const good = jobs.filter((j) => j.strategy?.model === 'good').length;
    assert.ok(broken < good / 2, `broken model got ${broken} jobs, good ${good}`);

    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as {
      runs: Array<{ allocation: { policy: string; arms: Array<{ arm: string; pulls: number; meanReward: number }> } }>;
    };
    const allocation = status.runs[0]!.allocation;
    assert.equal(allocation.policy, 'bandit');
    assert.equal(allocation.arms[0]!.arm, 'llm-diff@good');
    assert.equal(allocation.arms.find((a) => a.arm === 'llm-diff@broken')?.meanReward, 0);
    const text = (await runCli(['status', '--repo', repo.dir])).stdout;
    assert.match(text, /allocation \(strategy bandit\), top strategies:\n {4}llm-diff@good: \d+ jobs/);

    const ledger = (await runCli(['ledger', 'export', '--repo', repo.dir])).stdout;
    const summaries = ledger.split('\n').filter((line) => line.includes('"allocation_summary"'));
    assert.ok(summaries.length >= 3, `${summaries.length} allocation summaries for 40 evaluations every 10`);

    // The report plots each strategy's share of jobs over the run and tabulates the last summary.
    const out = join(repo.dir, 'report');
    assert.equal((await runCli(['report', '--repo', repo.dir, '--out', out])).code, 0);
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    assert.match(markdown, /## Allocation\n!\[allocation\]\(allocation\.svg\)/);
    assert.match(markdown, /\| llm-diff@good \| \d+ \| [0-9.]+ \|/);
    assert.match(markdown, /\| llm-diff@broken \| \d+ \| 0\.000 \|/);
    const svg = await readFile(join(out, 'allocation.svg'), 'utf8');
    assert.equal((svg.match(/<path /g) ?? []).length, 2, 'a line per strategy');
    assert.match(await readFile(join(out, 'report.html'), 'utf8'), /<h2>Allocation<\/h2><svg/);
  });

  it('starts a new run from the previous run\'s statistics through the gate, or without them with --fresh-policy', async () => {
    const llm = await startLlmServer(reply);
    cleanups.push(() => llm.close());
    const repo = await repoWithModels(llm.url, 30);
    assert.equal((await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env })).code, 0);
    const second = await runCli(['run', '--repo', repo.dir, '--workers', '1', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    const priorEvents = second.stdout.split('\n').filter((line) => line.includes('"allocation_prior"')).map((line) => JSON.parse(line) as { status: string; fromRun: string; checked: number });
    assert.equal(priorEvents[0]?.status, 'pending');
    assert.equal(priorEvents[0]?.fromRun, 'r1');
    // The same world as the earlier run: its statistics predict this one, and they are kept.
    assert.equal(priorEvents[1]?.status, 'accepted');
    assert.equal(priorEvents[1]?.checked, 20);

    const fresh = await runCli(['run', '--repo', repo.dir, '--workers', '1', '--json', '--fresh-policy'], { env });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.doesNotMatch(fresh.stdout, /allocation_prior/);
  });
});
