// Throwaway git repositories for tests: a temp dir with files and an initial commit on `main`,
// a `git()` helper with a fixed test identity, and cleanup. Usage:
//   const repo = await createTempRepo({ 'src/a.ts': 'x' });  ...  await repo.cleanup();
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TempRepo {
  /** Real path of the work tree (symlinks in tmpdir resolved, as git reports it). */
  dir: string;
  /** SHA of the initial commit, or '' when created with `commit: false`. */
  head: string;
  /** Runs `git <args>` in the repo as "Test <test@example.com>"; returns trimmed stdout. */
  git(...args: string[]): Promise<string>;
  /** Writes files (relative paths, parent directories created) without committing. */
  write(files: Record<string, string>): Promise<void>;
  /** Writes files, `git add -A`, commits; returns the new SHA. */
  commit(files: Record<string, string>, message?: string): Promise<string>;
  /** Deletes the repository directory. */
  cleanup(): Promise<void>;
}

export const DEFAULT_FILES: Readonly<Record<string, string>> = { 'README.md': '# temp repo\n' };

const TEST_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in `cwd` with the test identity and no hooks or signing; returns trimmed stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'commit.gpgSign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd,
    env: { ...process.env, ...TEST_ENV },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  return stdout.trim();
}

/** A fresh temp directory (real path) and its cleanup; for tests that need a non-repo folder. */
export async function createTempDir(prefix = 'cambrian-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function createTempRepo(
  files: Record<string, string> = DEFAULT_FILES,
  options: { commit?: boolean } = {},
): Promise<TempRepo> {
  const { dir, cleanup } = await createTempDir('cambrian-repo-');
  const write = async (more: Record<string, string>): Promise<void> => {
    for (const [path, content] of Object.entries(more)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  };
  const commit = async (more: Record<string, string>, message = 'test commit'): Promise<string> => {
    await write(more);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  const head = options.commit === false ? (await write(files), '') : await commit(files, 'initial');
  return { dir, head, git: (...args) => git(dir, ...args), write, commit, cleanup };
}
