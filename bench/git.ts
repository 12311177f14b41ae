// Git hot-path figures: commitChild (with a branch, as the engine calls it) and switching a reused
// pool directory to such a commit (in-process materialisation: only what differs is rewritten).
// Run: node --import tsx bench/git.ts [commits]
// Prints a small table, then as its last line one JSON object with the medians.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Rng } from '../src/core/rng.ts';
import { materializeTree } from '../src/git/materialize.ts';
import { openRepo } from '../src/git/repo.ts';
import { TreeDirPool } from '../src/git/tree-dir-pool.ts';

const exec = promisify(execFile);
const COMMITS = Number(process.argv[2] ?? 200);
const WARMUP = 10;
const DIRECTORIES = ['src', 'src/core', 'src/io', 'lib', 'test', 'docs', 'scripts', 'assets/data'];
const FILES_PER_DIRECTORY = 25;

interface Stats {
  median: number;
  p90: number;
  mean: number;
}

function stats(samplesMs: number[]): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length };
}

async function createRepo(): Promise<{ dir: string; paths: string[] }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'cambrian-bench-git-')));
  const paths = DIRECTORIES.flatMap((directory) => Array.from({ length: FILES_PER_DIRECTORY }, (_, i) => `${directory}/file-${i}.ts`));
  for (const path of paths) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), `// ${path}\nexport const value = ${path.length};\n`.repeat(20));
  }
  const git = (...args: string[]) => exec('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], { cwd: dir });
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'initial');
  return { dir, paths };
}

async function main(): Promise<void> {
  const { dir, paths } = await createRepo();
  const repo = await openRepo(dir);
  const poolRoot = join(dir, '..', `${dir.split('/').pop()}-pool`);
  let pool = new TreeDirPool({ repo, size: 1, root: poolRoot });
  const rng = Rng.fromSeed('bench-git');
  try {
    let parent = await repo.resolve('HEAD');
    const commits: string[] = [];
    const commitMs: number[] = [];
    for (let i = 0; i < WARMUP + COMMITS; i++) {
      const changed = Array.from({ length: 1 + rng.int(3) }, () => paths[rng.int(paths.length)] as string);
      const started = performance.now();
      const { commit } = await repo.commitChild({
        parent,
        changes: changed.map((path) => ({ path, content: `// ${path} v${i}\nexport const value = ${i};\n` })),
        subject: `bench mutation ${i}`,
        trailers: [['Cambrian-Run', 'bench']],
        branch: `cambrian/bench/g0/i${i}`,
        timestamp: 1_700_000_000 + i,
      });
      if (i >= WARMUP) commitMs.push(performance.now() - started);
      commits.push(commit);
      parent = commit;
    }

    const checkoutMs: number[] = [];
    for (const [i, commit] of commits.entries()) {
      const started = performance.now();
      const worktree = await pool.acquire(commit);
      await worktree.release();
      if (i >= WARMUP) checkoutMs.push(performance.now() - started);
    }

    // Reference: writing a whole tree into an empty directory (what reuse saves).
    const readBlob = async (blob: string): Promise<Buffer> => (await repo.readObject(blob))!.content;
    const freshRoot = await mkdtemp(join(tmpdir(), 'cambrian-bench-fresh-'));
    const freshMs: number[] = [];
    for (const [i, commit] of commits.slice(0, 60).entries()) {
      const target = join(freshRoot, `t-${i}`);
      await mkdir(target);
      const started = performance.now();
      await materializeTree(target, await repo.listFiles(commit), new Map(), readBlob);
      if (i >= WARMUP) freshMs.push(performance.now() - started);
      await rm(target, { recursive: true, force: true });
    }
    await rm(freshRoot, { recursive: true, force: true });
    await pool.close();
    pool = new TreeDirPool({ repo, size: 1, root: poolRoot });

    // The same switch when the previous candidate left a stray file behind (clean must run).
    const dirtyMs: number[] = [];
    for (const [i, commit] of commits.slice(0, 60).entries()) {
      const started = performance.now();
      const worktree = await pool.acquire(commit);
      await worktree.release();
      if (i >= WARMUP) dirtyMs.push(performance.now() - started);
      await writeFile(join(worktree.path, 'stray.tmp'), 'left behind');
    }

    const rows: Array<[string, Stats]> = [
      [`commitChild, 1-3 files (${commitMs.length})`, stats(commitMs)],
      [`directory switch, clean (${checkoutMs.length})`, stats(checkoutMs)],
      [`  whole tree, empty directory (${freshMs.length})`, stats(freshMs)],
      [`directory switch, stray file (${dirtyMs.length})`, stats(dirtyMs)],
    ];
    console.log(`repo: ${paths.length} files in ${DIRECTORIES.length} directories`);
    console.log(`${'measure'.padEnd(38)}${'median'.padStart(9)}${'p90'.padStart(9)}${'mean'.padStart(9)}  (ms)`);
    for (const [name, s] of rows) {
      console.log(`${name.padEnd(38)}${s.median.toFixed(2).padStart(9)}${s.p90.toFixed(2).padStart(9)}${s.mean.toFixed(2).padStart(9)}`);
    }
    const round = (x: number): number => Math.round(x * 100) / 100;
    console.log(JSON.stringify({ commitMsMedian: round(stats(commitMs).median), checkoutMsMedian: round(stats(checkoutMs).median) }));
  } finally {
    await pool.close();
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
