// runGit: failures name the command and stderr, abort and timeout kill promptly (children too),
// prompts are off and the user's hooks never run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '../../src/git/exec.ts';
import { createTempRepo } from '../support/temp-repo.ts';

// A git alias that shells out keeps a grandchild alive: the case a plain kill of git would miss.
const SLOW = ['-c', 'alias.slow=!sleep 5', 'slow'];

describe('runGit', () => {
  it('turns a non-zero exit into CAMBRIAN_GIT_FAILED with the command and stderr', async () => {
    const repo = await createTempRepo();
    try {
      await assert.rejects(runGit(['rev-parse', '--verify', 'no-such-ref'], { cwd: repo.dir }), (error: { code: string; message: string }) => {
        assert.equal(error.code, 'CAMBRIAN_GIT_FAILED');
        assert.match(error.message, /git rev-parse --verify no-such-ref exited with 128/);
        assert.match(error.message, /fatal/);
        return true;
      });
      const allowed = await runGit(['merge-base', '--is-ancestor', 'HEAD', 'HEAD~0'], { cwd: repo.dir, allowExitCodes: [1] });
      assert.equal(allowed.exitCode, 0);
    } finally {
      await repo.cleanup();
    }
  });

  it('kills git and its children promptly on abort and on timeout', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    let started = Date.now();
    await assert.rejects(runGit(SLOW, { cwd: process.cwd(), signal: controller.signal }), /cancelled/);
    assert.ok(Date.now() - started < 2_000, `abort took ${Date.now() - started} ms`);

    started = Date.now();
    await assert.rejects(runGit(SLOW, { cwd: process.cwd(), timeoutMs: 50 }), { code: 'CAMBRIAN_GIT_FAILED', message: /timed out after 50 ms/ });
    assert.ok(Date.now() - started < 2_000, `timeout took ${Date.now() - started} ms`);
  });

  it('disables terminal prompts and never runs the user hooks', async () => {
    const repo = await createTempRepo({ 'a.txt': 'a' });
    try {
      const { stdout } = await runGit(['-c', 'alias.env=!env', 'env'], { cwd: repo.dir });
      assert.match(stdout, /^GIT_TERMINAL_PROMPT=0$/m);

      const marker = join(repo.dir, 'hook-ran');
      const hook = join(repo.dir, '.git/hooks/post-checkout');
      await writeFile(hook, `#!/bin/sh\ntouch "${marker}"\n`);
      await chmod(hook, 0o755);
      await runGit(['checkout', '--quiet', '--detach', 'HEAD'], { cwd: repo.dir });
      await assert.rejects(access(marker), 'the post-checkout hook must not run');
      await repo.git('-c', `core.hooksPath=${join(repo.dir, '.git/hooks')}`, 'checkout', '--quiet', 'main');
      await access(marker); // the same hook does run for the user's own git, so the test can fail
    } finally {
      await repo.cleanup();
    }
  });
});
