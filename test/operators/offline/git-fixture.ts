// Test fixture for the offline operators: a real temp git repository, commits built from file maps,
// and a FileReader over it that shells out to git (show, ls-tree, merge-file, merge-base, diff).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IndividualView } from '../../../src/core/types.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { FileReader, ProposeContext } from '../../../src/operators/port.ts';
import type { EvolveScope } from '../../../src/operators/scope.ts';

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

export interface TempRepo {
  dir: string;
  files: FileReader;
  /** Commit `files` (path → content; null deletes) on top of `parent` (or as a root commit). */
  commit(files: Record<string, string | null>, parent?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createTempRepo(): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'cambrian-offline-'));
  /** Run git; a non-zero exit is an error unless `okExit` accepts its code. */
  const gitWithCode = async (args: string[], okExit: (code: number) => boolean = () => false) => {
    try {
      const { stdout } = await run('git', args, { cwd: dir, env: GIT_ENV, timeout: 10_000, maxBuffer: 16 << 20 });
      return { stdout, code: 0 };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && okExit(code)) return { stdout: (error as { stdout: string }).stdout, code };
      throw error;
    }
  };
  const git = async (args: string[]) => (await gitWithCode(args)).stdout;
  await git(['init', '-q', '-b', 'main']);
  let counter = 0;

  const files: FileReader = {
    async readFile(commit, path) {
      // `git show` exits 128 for a path the commit does not have.
      const { stdout, code } = await gitWithCode(['show', `${commit}:${path}`], (c) => c === 128);
      return code === 0 ? stdout : null;
    },
    async listFiles(commit) {
      return (await git(['ls-tree', '-r', '--name-only', '-z', commit])).split('\0').filter(Boolean);
    },
    diff(from, to, paths = []) {
      return git(['diff', from, to, '--', ...paths]);
    },
    async mergeFile(base, ours, theirs) {
      const n = ++counter;
      const names = ['ours', 'base', 'theirs'].map((k) => join(dir, '.git', `merge-${n}-${k}`));
      await Promise.all([writeFile(names[0]!, ours), writeFile(names[1]!, base), writeFile(names[2]!, theirs)]);
      // git merge-file exits with the number of conflicts (capped at 127); higher codes are errors.
      const { stdout, code } = await gitWithCode(['merge-file', '-p', ...names], (c) => c > 0 && c < 128);
      await Promise.all(names.map((f) => rm(f, { force: true })));
      return { content: stdout, conflicts: code > 0 };
    },
    async mergeBase(a, b) {
      const { stdout } = await gitWithCode(['merge-base', a, b], (c) => c === 1);
      return stdout.trim() || null;
    },
  };

  async function commit(fileMap: Record<string, string | null>, parent?: string): Promise<string> {
    const index = join(dir, '.git', `index-${++counter}`);
    const env = { ...GIT_ENV, GIT_INDEX_FILE: index };
    const g = async (args: string[], stdin?: string) => {
      const child = run('git', args, { cwd: dir, env, timeout: 10_000 });
      if (stdin !== undefined) child.child.stdin!.end(stdin);
      return (await child).stdout.trim();
    };
    if (parent) await g(['read-tree', parent]);
    for (const [path, content] of Object.entries(fileMap)) {
      if (content === null) await g(['update-index', '--force-remove', '--', path]);
      else {
        const blob = await g(['hash-object', '-w', '--stdin'], content);
        await g(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
      }
    }
    const tree = await g(['write-tree']);
    const sha = await g(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `commit ${counter}`]);
    await rm(index, { force: true });
    return sha;
  }

  return { dir, files, commit, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const defaultScope = (include: string[] = ['**/*']): EvolveScope => ({
  include,
  exclude: [],
  protect: ['eval/', 'cambrian.yaml'],
  limits: { maxFiles: 10, maxChangedLines: 400 },
});

export function individual(id: string, commit: string, meta: Record<string, unknown> = {}): IndividualView {
  return { id, commit, tree: '', parentId: null, generation: 0, island: 0, operator: 'seed', fitness: null, metrics: {}, meta };
}

/** A ProposeContext over a temp repo; only what the offline operators read is meaningful. */
export function contextFor(
  repo: TempRepo,
  parent: IndividualView,
  opts: { seed?: number; scope?: EvolveScope; inspirations?: IndividualView[]; baseCommit?: string } = {},
): ProposeContext {
  return {
    runId: 'run-test',
    jobId: 'job-test',
    goal: 'test',
    baseCommit: opts.baseCommit ?? parent.commit,
    parent,
    inspirations: opts.inspirations ?? [],
    lineage: [],
    recentFailures: [],
    scope: opts.scope ?? defaultScope(),
    files: repo.files,
    fitnessDirection: 'max',
    rng: Rng.fromSeed(opts.seed ?? 1),
    signal: AbortSignal.timeout(30_000),
    costs: { addLlmCall() {} },
  };
}
