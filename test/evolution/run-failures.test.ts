// `cambrian run` when things go wrong (issue 8, classes 5 and 6): replies naming bad paths are
// rejected one job at a time while the run spends its budget; a run whose only LLM endpoint is
// unreachable fails loudly (exit 3, the cause with the URL, `status` shows it) and is resumed by
// the next `cambrian run`.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { EXIT_RUN_FAILED } from '../../src/cli/run.ts';
import { MAX_OPERATOR_FAILURES } from '../../src/evolution/stop.ts';
import { createExampleRepo, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { startLlmServer, type RecordedRequest, type Reply } from '../support/llm-server.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const env = { STUB_KEY: 'sk-test-0123456789' };

function promptOf(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as Array<{ content: unknown }>;
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}

/** Widens SPREAD by a different step each call, so no two children share a tree. */
function spreadEdit(request: RecordedRequest, step: number): Reply {
  const match = /export const SPREAD = ([0-9.]+);/.exec(promptOf(request));
  if (!match) return { text: 'I cannot find SPREAD.' };
  const next = Number(match[1]) + 0.0011 * step;
  return { text: ['pack.js', '<<<<<<< SEARCH', `export const SPREAD = ${match[1]};`, '=======', `export const SPREAD = ${next.toFixed(4)};`, '>>>>>>> REPLACE'].join('\n') };
}

/** A reply that creates `path` (an empty SEARCH section creates a file). */
function createFile(path: string): Reply {
  return { text: ['Subject: add a helper', path, '<<<<<<< SEARCH', '=======', 'export const HELPER = 1;', '>>>>>>> REPLACE'].join('\n') };
}

/** The example with every file evolvable (so only the path gate stands between a reply and git). */
function llmRepo(url: string, budget: string): Promise<ExampleRepo> {
  return createExampleRepo('circle-packing', (yaml) => {
    const head = yaml.slice(0, yaml.indexOf('budget:')).replace('include: ["pack.js"]', 'include: ["**/*"]');
    const model = [
      '    - name: stub',
      '      provider: openai',
      `      baseUrl: ${url}/v1`,
      '      apiKeyEnv: STUB_KEY',
      '      model: stub-coder',
      '      timeoutMs: 5000',
    ].join('\n');
    return `${head}budget:\n${budget}\narchive:\n  warmup: 4\noperators:\n  llm-diff: { weight: 1 }\nllm:\n  retries: 1\n  benchMs: 60000\n  models:\n${model}\n`;
  }).then((repo) => {
    cleanups.push(() => repo.cleanup());
    return repo;
  });
}

interface Status {
  runs: Array<{ run: string; state: string; stopReason: string | null; evaluations: number; recentRejections: Array<{ reason: string }> }>;
}

async function status(dir: string): Promise<Status> {
  const result = await runCli(['status', '--repo', dir, '--json'], { env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Status;
}

describe('a bad proposal fails its job, never the run', () => {
  it('rejects replies editing src//b.js, src/./c.js, .git/config, sub/.GIT/hooks/x and /etc/passwd, and spends the budget', async () => {
    const bad = ['src//b.js', 'src/./c.js', '.git/config', 'sub/.GIT/hooks/x', '/etc/passwd'];
    let call = 0;
    // Each bad reply twice: the first answer and the one retry its feedback asks for.
    const llm = await startLlmServer((request) => {
      const index = Math.floor(call++ / 2);
      return index < bad.length ? createFile(bad[index]!) : spreadEdit(request, call);
    });
    cleanups.push(() => llm.close());
    const repo = await llmRepo(llm.url, '  maxEvaluations: 4');
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /finished: evaluation budget of 4 spent/);

    const [run] = (await status(repo.dir)).runs;
    assert.equal(run!.state, 'finished');
    assert.equal(run!.evaluations, 4);
    const shown = run!.recentRejections.map((r) => r.reason).join('\n');
    const store = await openStore({ repoDir: repo.dir });
    try {
      const reasons = (await store.jobs.recentErrors(run!.run, 50)).map((j) => j.error ?? '').join('\n');
      for (const path of bad) assert.ok(reasons.includes(JSON.stringify(path)), `no rejection names ${path}:\n${reasons}`);
      assert.match(reasons, /src\/\/b\.js" has an empty segment/);
      assert.match(reasons, /src\/\.\/c\.js" has a '\.' or '\.\.' segment/);
      assert.match(reasons, /"\.git\/config" is inside a \.git directory/);
      assert.match(reasons, /"sub\/\.GIT\/hooks\/x" is inside a \.git directory/);
      assert.match(reasons, /"\/etc\/passwd" is absolute/);
      // `status` shows the newest five rejections: here exactly the five path problems.
      for (const path of bad) assert.ok(shown.includes(JSON.stringify(path)), `status does not show ${path}:\n${shown}`);
      // Nothing of those paths reached git.
      const individuals = await store.individuals.listByRun(run!.run);
      assert.equal(individuals.length, 4);
    } finally {
      await store.close();
    }
  });
});

describe('a run that cannot make progress fails, says why, and resumes', () => {
  it('fails with exit 3 when its only LLM endpoint is unreachable, shows the cause, and `cambrian run` resumes it', async () => {
    const url = 'http://127.0.0.1:9';
    const repo = await llmRepo(url, '  maxEvaluations: 200');
    const first = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(first.code, EXIT_RUN_FAILED, first.stderr + first.stdout);
    assert.notEqual(first.code, 0);
    assert.notEqual(first.code, 130);
    assert.match(first.stderr, /run r1 failed: .*could not connect to http:\/\/127\.0\.0\.1:9\/v1/);
    assert.match(first.stdout, /run r1 failed \(resumable/);
    assert.doesNotMatch(first.stdout + first.stderr, /no more work/);

    const [run] = (await status(repo.dir)).runs;
    assert.equal(run!.state, 'failed');
    assert.match(run!.stopReason ?? '', new RegExp(`failed ${MAX_OPERATOR_FAILURES} jobs in a row`));
    assert.match(run!.stopReason ?? '', /http:\/\/127\.0\.0\.1:9\/v1/);
    const text = await runCli(['status', '--repo', repo.dir], { env });
    assert.match(text.stdout, /run r1: failed \(.*127\.0\.0\.1:9\/v1/);

    // It gave up after a handful of jobs, not 200.
    const store = await openStore({ repoDir: repo.dir });
    try {
      const jobs = await store.jobs.countByStatus(run!.run);
      assert.equal(jobs['failed'], MAX_OPERATOR_FAILURES);
    } finally {
      await store.close();
    }

    // Still unreachable: the next `cambrian run` resumes r1 (no r2) and fails the same way.
    const second = await runCli(['run', '--repo', repo.dir, '--workers', '1'], { env });
    assert.equal(second.code, EXIT_RUN_FAILED, second.stderr + second.stdout);
    assert.match(second.stdout, /run r1 failed/);
    const runs = (await status(repo.dir)).runs;
    assert.deepEqual(runs.map((r) => r.run), ['r1']);
    const export_ = await runCli(['ledger', 'export', '--repo', repo.dir], { env });
    assert.match(export_.stdout, /"type":"run_resumed"/);
  });
});
