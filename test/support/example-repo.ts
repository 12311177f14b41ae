// A temp git repository holding a bundled example (as `cambrian example` writes it), optionally with
// its cambrian.yaml patched for a small, fast test budget.
import { readFile, realpath, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materialiseExample } from '../../src/cli/example.ts';
import { runGit } from '../../src/git/exec.ts';
import { git } from './temp-repo.ts';

export interface ExampleRepo {
  dir: string;
  head: string;
  cleanup(): Promise<void>;
}

/** `edit` receives the example's cambrian.yaml text and returns the text to commit. */
export async function createExampleRepo(name: string, edit?: (yaml: string) => string): Promise<ExampleRepo> {
  const parent = await realpath(await mkdtemp(join(tmpdir(), 'cambrian-example-')));
  const dir = join(parent, name);
  await materialiseExample(name, dir);
  if (edit) {
    const path = join(dir, 'cambrian.yaml');
    await writeFile(path, edit(await readFile(path, 'utf8')));
    // A fixed date keeps the seed commit identical across repos made from the same edit.
    await runGit(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qam', 'test config'], {
      cwd: dir,
      env: { GIT_AUTHOR_DATE: '2026-01-02T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-02T00:00:00Z' },
    });
  }
  return {
    dir,
    head: await git(dir, 'rev-parse', 'HEAD'),
    cleanup: () => rm(parent, { recursive: true, force: true }),
  };
}

/** Replaces the `budget:` and `archive:` sections of the circle-packing config for quick tests. */
export function smallBudget(maxEvaluations: number, extra = ''): (yaml: string) => string {
  return (yaml) =>
    yaml
      .replace(/budget:\n  maxEvaluations: \d+\n/, `budget:\n  maxEvaluations: ${maxEvaluations}\n`)
      .replace(/archive:\n  warmup: \d+\n/, 'archive:\n  warmup: 6\n  refitEvery: 8\n  migrationEvery: 6\n') + extra;
}
