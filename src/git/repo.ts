// Opening the user's repository and the checks that turn git's terse failures into errors a user
// can act on: not a repo, no commits yet, an uncommitted config, a base commit that is gone.
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { stat } from 'node:fs/promises';
import { CambrianError } from '../errors.ts';
import { runGit } from './exec.ts';
import { GitRepo } from './plumbing.ts';
import type { Git } from './port.ts';

/** A GitRepo for the work tree containing `dir` (its top level), which must have a commit. */
export async function openRepo(dir: string): Promise<GitRepo> {
  const absolute = resolvePath(dir);
  const isDirectory = await stat(absolute).then((s) => s.isDirectory(), () => false);
  const topLevel = isDirectory
    ? await runGit(['rev-parse', '--show-toplevel'], { cwd: absolute, allowExitCodes: [128] })
    : null;
  if (topLevel === null || topLevel.exitCode !== 0 || topLevel.stdout.trim() === '') {
    throw new CambrianError('CAMBRIAN_NOT_A_GIT_REPO', `${absolute} is not inside a git work tree`, {
      hint: 'Run `git init` and commit your project first (bare repositories are not supported).',
    });
  }
  const repoDir = topLevel.stdout.trim();
  const head = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repoDir, allowExitCodes: [1] });
  if (head.exitCode !== 0) {
    throw new CambrianError('CAMBRIAN_NO_COMMITS', `${repoDir} has no commits yet`, {
      hint: 'Commit your project first (`git add -A && git commit -m "start"`): Cambrian evolves commits.',
    });
  }
  return new GitRepo(repoDir);
}

/**
 * Fails with CAMBRIAN_DIRTY_CONFIG when `path` (absolute or relative to the repo top) is modified,
 * staged, untracked or ignored: the evaluator runs on committed trees, so it would never see it.
 */
export async function assertCleanPath(git: Pick<Git, 'repoDir'>, path: string): Promise<void> {
  const inRepo = isAbsolute(path) ? relative(git.repoDir, path) : path;
  if (inRepo === '' || inRepo.startsWith('..')) {
    throw new CambrianError('CAMBRIAN_DIRTY_CONFIG', `${path} is outside the repository ${git.repoDir}`, {
      hint: 'Keep the config file inside the repository and commit it.',
    });
  }
  const args = ['--literal-pathspecs', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching', '--', inRepo];
  const { stdout } = await runGit(args, { cwd: git.repoDir });
  const status = stdout.slice(0, 2);
  if (status === '') return;
  const state = status === '??' ? 'is not committed (untracked)' : status === '!!' ? 'is ignored by .gitignore, so it is never committed' : 'has uncommitted changes';
  throw new CambrianError('CAMBRIAN_DIRTY_CONFIG', `${inRepo} ${state}`, {
    hint: `Commit it (\`git add ${inRepo} && git commit\`): the evaluator runs on committed trees, not on your working copy.`,
  });
}

/** Fails with CAMBRIAN_BASE_MISSING when a run's base commit no longer exists in the repository. */
export async function assertCommitExists(git: Pick<Git, 'repoDir'>, sha: string): Promise<void> {
  const { exitCode } = await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: git.repoDir, allowExitCodes: [1, 128] });
  if (exitCode !== 0) {
    throw new CambrianError('CAMBRIAN_BASE_MISSING', `the run's base commit ${sha} is not in ${git.repoDir}`, {
      hint: 'It was garbage-collected or the repository was re-cloned. Fetch it back (e.g. from the cambrian/<run>/ branches of the old clone) or start a new run.',
    });
  }
}
