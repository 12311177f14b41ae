// Ctrl-C during `cambrian run`: the run stops gracefully (exit 130), is left `stopped` and
// resumable, and the next `cambrian run` finishes exactly the budget.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { runCli, startCli } from '../support/cli.ts';
import { git } from '../support/temp-repo.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('cambrian run and Ctrl-C', () => {
  it('stops gracefully on SIGINT and resumes to exactly the budget', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(16));
    repos.push(repo);
    const { child, done } = startCli(['run', '--repo', repo.dir, '--json', '--workers', '2']);
    let evaluations = 0;
    let interrupted = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      evaluations += chunk.toString().split('\n').filter((line) => line.includes('"type":"evaluation_finished"')).length;
      if (evaluations >= 5 && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const stopped = await done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /stopping after the jobs in flight/);

    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as {
      runs: Array<{ state: string; evaluations: number; budget: number }>;
    };
    assert.equal(status.runs[0]!.state, 'stopped');
    assert.ok(status.runs[0]!.evaluations < 16);
    assert.equal((await git(repo.dir, 'worktree', 'list')).split('\n').length, 1, 'worktrees released on stop');

    const resumed = await runCli(['run', '--repo', repo.dir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /run r1 finished/);
    const final = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as {
      runs: Array<{ state: string; evaluations: number }>;
    };
    assert.equal(final.runs.length, 1, 'the same run was resumed');
    assert.equal(final.runs[0]!.state, 'finished');
    assert.equal(final.runs[0]!.evaluations, 16);
  });

  it('prints user mistakes without a stack trace', async () => {
    const repo = await createExampleRepo('circle-packing');
    repos.push(repo);
    const bad = await runCli(['run', '--repo', repo.dir, '--max-evals', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-evals must be a positive whole number/);
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/);
    const notRepo = await runCli(['status', '--repo', '/']);
    assert.equal(notRepo.code, 2);
    assert.match(notRepo.stderr, /not a git repository|git/i);
    assert.match(notRepo.stderr, /hint:/);
  });
});
