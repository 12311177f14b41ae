// Hostile-candidate drills for the escape classes of the hardening issue, on real repositories,
// real bubblewrap and real processes: git metadata planted in the evaluation directory, metrics
// files that are links or FIFOs or huge, credential files in the home directory, a unix socket
// under /run, /tmp and /dev/shm filled, and no bubblewrap at all. Each asserts what the attacker
// wanted never happened, and that the run itself carried on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { detectSandbox } from '../../src/evaluate/sandbox.ts';
import { readStageMetrics } from '../../src/evaluate/metrics.ts';
import { openStore } from '../../src/store/open.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const sandbox = await detectSandbox();
const skip = sandbox.bwrap ? false : `bubblewrap cannot run here (${sandbox.reason}); the drills need it`;

/** A value in Cambrian's own environment that no candidate may ever see or make it store. */
const SECRET = `cambrian-drill-secret-${process.pid}-7f3a9c`;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const CANDIDATE = `// EVOLVE-BLOCK-START
export const SALT = 1000;
// EVOLVE-BLOCK-END
`;

function config(command: string, extra = ''): string {
  return `goal: drill
evolve:
  include: ["candidate.mjs"]
evaluator:
  command: ${JSON.stringify(command)}
  timeoutMs: 5000
  memoryMb: 512
${extra}metrics:
  score: { direction: max }
fitness: score
archive:
  warmup: 4
  islands: 1
operators:
  numeric: { weight: 1, maxLiterals: 1, initialSigma: 0.5 }
`;
}

async function drillRepo(files: Record<string, string>): Promise<TempRepo> {
  const repo = await createTempRepo({ 'candidate.mjs': CANDIDATE, ...files });
  cleanups.push(() => repo.cleanup());
  return repo;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: { DRILL_MARK: SECRET, ...env } });
}

/** Every file under `dir` whose content contains `needle` (the store's files, exports, reports). */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await readFile(full).catch(() => Buffer.alloc(0))).includes(needle)) found.push(full);
    }
  };
  await walk(dir);
  return found;
}

/** The repository's only run finished with exactly `evaluations` evaluations. */
async function assertFinished(repo: TempRepo, evaluations: number): Promise<void> {
  const store = await openStore({ repoDir: repo.dir });
  try {
    const [run] = await store.runs.list('any');
    assert.equal(run!.evaluations, evaluations);
    assert.equal(run!.state, 'finished');
  } finally {
    await store.close();
  }
}

async function digestTree(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (path: string): Promise<void> => {
    for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name);
      hash.update(full);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) hash.update(await readFile(full));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

describe('escape drills', { skip }, () => {
  let outside: { dir: string; cleanup(): Promise<void> };
  before(async () => {
    outside = await createTempDir('cambrian-drill-outside-');
    cleanups.push(() => outside.cleanup());
  });

  it('git metadata planted in the evaluation directory never reaches host-side git', async () => {
    const marker = join(outside.dir, 'filter-ran');
    const hookMarker = join(outside.dir, 'hook-ran');
    // Every evaluation plants a .git directory with a smudge/clean filter and hooks that would leave
    // a marker (with the environment) on the host, a .gitattributes using it, and a .git file too.
    const plant = [
      'mkdir -p .git/hooks sub',
      `printf '[core]\\n\\trepositoryformatversion = 0\\n\\thooksPath = .git/hooks\\n[filter "pwn"]\\n\\tsmudge = sh -c "env > ${marker}; cat"\\n\\tclean = sh -c "env > ${marker}; cat"\\n' > .git/config`,
      `printf '#!/bin/sh\\nenv > ${hookMarker}\\n' > .git/hooks/post-checkout && chmod +x .git/hooks/post-checkout`,
      'echo "ref: refs/heads/main" > .git/HEAD',
      "echo '* filter=pwn' > .gitattributes",
      'echo "gitdir: /tmp" > sub/.git',
      'node eval/score.mjs',
    ].join(' && ');
    const repo = await drillRepo({
      'eval/score.mjs': "import { SALT } from '../candidate.mjs';\nconsole.log(JSON.stringify({ score: SALT % 97 }));\n",
      'cambrian.yaml': config(plant, '  protect: ["eval/"]\n'),
    });
    const userGitBefore = await digestTree(join(repo.dir, '.git', 'hooks'));
    const userConfigBefore = await readFile(join(repo.dir, '.git', 'config'), 'utf8');

    const result = await cli(['run', '--repo', repo.dir, '--workers', '2', '--max-evals', '12']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(existsSync(marker), false, 'no filter planted by a candidate ran on the host');
    assert.equal(existsSync(hookMarker), false, 'no hook planted by a candidate ran on the host');
    assert.equal(await readFile(join(repo.dir, '.git', 'config'), 'utf8'), userConfigBefore, "the user's git config is unchanged");
    assert.equal(await digestTree(join(repo.dir, '.git', 'hooks')), userGitBefore, "the user's hooks are unchanged");
    assert.equal(await repo.git('status', '--porcelain'), '', "the user's working tree is unchanged");
    assert.deepEqual(await filesContaining(outside.dir, SECRET), [], 'no secret was written outside');
    await assertFinished(repo, 12);
  });

  it('a metrics file linked to /proc/self/environ or a private file is refused and nothing of it is kept', async () => {
    const privateFile = join(outside.dir, 'private.txt');
    await writeFile(privateFile, `PRIVATE-${SECRET}\n`);
    for (const target of ['/proc/self/environ', privateFile]) {
      const repo = await drillRepo({
        'eval/run.sh': `ln -sf ${target} "$CAMBRIAN_METRICS_FILE"\necho '{"score": 1}' >&2\n`,
        'cambrian.yaml': config('bash eval/run.sh'),
      });
      const evaluated = await cli(['eval', '--repo', repo.dir, '--json']);
      assert.equal(evaluated.code, 1, evaluated.stderr);
      const result = JSON.parse(evaluated.stdout) as { outcome: string; reason: string };
      assert.equal(result.outcome, 'candidate_failed');
      assert.match(result.reason, /symbolic link/);
      assert.ok(!evaluated.stdout.includes(SECRET) && !evaluated.stderr.includes(SECRET), `${target}: nothing of it was shown`);

      // The same in a run: nothing of the target is stored, shown by status or exported.
      await repo.commit({ 'eval/run.sh': `if [ -n "$(grep -o 'SALT = 1000;' candidate.mjs)" ]; then echo '{"score": 1}'; else ln -sf ${target} "$CAMBRIAN_METRICS_FILE"; echo '{"score": 2}'; fi\n` });
      const run = await cli(['run', '--repo', repo.dir, '--workers', '1', '--max-evals', '5']);
      assert.equal(run.code, 0, run.stderr);
      const status = await cli(['status', '--repo', repo.dir]);
      const exported = await cli(['ledger', 'export', '--repo', repo.dir]);
      assert.match(status.stdout, /symbolic link/, status.stdout);
      for (const text of [run.stdout, run.stderr, status.stdout, exported.stdout]) assert.ok(!text.includes(SECRET), `${target}: not in any output`);
      assert.deepEqual(await filesContaining(join(repo.dir, '.cambrian'), SECRET), [], `${target}: not in the store`);
    }
  });

  it('a FIFO as the metrics file neither hangs the evaluation nor the run', async () => {
    const repo = await drillRepo({
      'eval/run.sh': 'mkfifo "$CAMBRIAN_METRICS_FILE"\necho \'{"score": 1}\'\n',
      'cambrian.yaml': config('bash eval/run.sh'),
    });
    const started = Date.now();
    const evaluated = await cli(['eval', '--repo', repo.dir, '--json']);
    assert.ok(Date.now() - started < 20_000, 'eval ended');
    const result = JSON.parse(evaluated.stdout) as { outcome: string; reason: string };
    assert.equal(result.outcome, 'candidate_failed');
    assert.match(result.reason, /FIFO/);
    // In a run, candidates (not the seed) leave a FIFO; the run finishes its budget.
    await repo.commit({ 'eval/run.sh': 'grep -q "SALT = 1000;" candidate.mjs || mkfifo "$CAMBRIAN_METRICS_FILE"\necho \'{"score": 1}\'\n' });
    const run = await cli(['run', '--repo', repo.dir, '--workers', '2', '--max-evals', '8']);
    assert.equal(run.code, 0, run.stderr);
    await assertFinished(repo, 8);
  });

  it('a huge metrics object is refused without reading it into memory', async () => {
    const scratch = await createTempDir('cambrian-drill-metrics-');
    cleanups.push(() => scratch.cleanup());
    const file = join(scratch.dir, 'metrics.json');
    const parts: string[] = [];
    for (let i = 0; i < 2_000_000; i++) parts.push(`"k${i}":${i}`);
    await writeFile(file, `{${parts.join(',')}}`);
    parts.length = 0;
    global.gc?.();
    const before = process.memoryUsage().rss;
    const parsed = await readStageMetrics(file, '');
    const grown = process.memoryUsage().rss - before;
    assert.equal(parsed.ok, false);
    assert.match((parsed as { reason: string }).reason, /larger than/);
    assert.ok(grown < 64 * 1024 * 1024, `memory grew by ${Math.round(grown / 1e6)} MB`);
    // Within the size bound, too many keys are refused as well.
    const many: string[] = [];
    for (let i = 0; i < 5_000; i++) many.push(`"k${i}":1`);
    await writeFile(file, `{${many.join(',')}}`);
    const tooMany = await readStageMetrics(file, '');
    assert.equal(tooMany.ok, false);
    assert.match((tooMany as { reason: string }).reason, /at most 1000 metrics/);
  });

  it("credential files in the home directory are not readable, even when the home is listed", async () => {
    const home = await createTempDir('cambrian-drill-home-');
    cleanups.push(() => home.cleanup());
    for (const path of ['.ssh/id_rsa', '.aws/credentials', '.config/gh/hosts.yml', '.netrc', '.git-credentials', '.npmrc']) {
      await mkdir(join(home.dir, path, '..'), { recursive: true });
      await writeFile(join(home.dir, path), `CREDENTIAL-${SECRET}\n`);
    }
    await writeFile(join(home.dir, 'notes.txt'), 'readable\n');
    const probe = [
      'for f in .ssh/id_rsa .aws/credentials .config/gh/hosts.yml .netrc .git-credentials .npmrc; do cat "$HOME/$f" 2>/dev/null; done',
      'ls -la "$HOME" "$HOME/.ssh" 2>&1',
      'n=$(cat "$HOME/notes.txt" 2>/dev/null | wc -l)',
      'echo "{\\"score\\": 1, \\"notes\\": $n}"',
    ].join('; ');
    for (const listed of ['', '  readOnlyPaths: ["~"]\n']) {
      const repo = await drillRepo({ 'eval/run.sh': `${probe}\n`, 'cambrian.yaml': config('bash eval/run.sh', listed) });
      const evaluated = await cli(['eval', '--repo', repo.dir, '--json'], { HOME: home.dir });
      assert.equal(evaluated.code, 0, evaluated.stderr + evaluated.stdout);
      assert.ok(!evaluated.stdout.includes('CREDENTIAL-'), `no credential was readable (${listed || 'home not listed'})`);
      const result = JSON.parse(evaluated.stdout) as { metrics: Record<string, number> };
      assert.equal(result.metrics['notes'], listed ? 1 : 0, 'a listed home is readable, an unlisted one is not');
    }
  });

  it('a unix socket under /run is not reachable', async (t) => {
    const path = `/run/cambrian-drill-${process.pid}.sock`;
    const writable = await writeFile(`/run/cambrian-drill-${process.pid}.probe`, '').then(() => true, () => false);
    if (!writable) return t.skip('/run is not writable here, so no socket can be placed there');
    await rm(`/run/cambrian-drill-${process.pid}.probe`, { force: true });
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await chmod(path, 0o777);
    try {
      const repo = await drillRepo({
        'eval/probe.mjs': `import { connect } from 'node:net';\nconst s = connect(${JSON.stringify(path)});\ns.on('connect', () => { console.log(JSON.stringify({ score: 1, reached: 1 })); process.exit(0); });\ns.on('error', (e) => { console.log(JSON.stringify({ score: 1, reached: 0 })); });\n`,
        'cambrian.yaml': config('node eval/probe.mjs'),
      });
      const evaluated = await cli(['eval', '--repo', repo.dir, '--json']);
      const result = JSON.parse(evaluated.stdout) as { metrics: Record<string, number> };
      assert.equal(result.metrics['reached'], 0);
      assert.equal(connections, 0, 'the host service saw no connection');
    } finally {
      server.close();
      await rm(path, { force: true });
    }
  });

  it('filling /tmp and /dev/shm is bounded by the memory budget', async () => {
    const fill = [
      't=0; for i in $(seq 1 400); do head -c 1048576 /dev/zero > /tmp/f$i 2>/dev/null || break; t=$i; done',
      's=0; for i in $(seq 1 400); do head -c 1048576 /dev/zero > /dev/shm/f$i 2>/dev/null || break; s=$i; done',
      'd=0; head -c 1048576 /dev/zero > /dev/filler 2>/dev/null && d=1',
      'r=0; head -c 1048576 /dev/zero > /filler 2>/dev/null && r=1',
      'echo "{\\"score\\": 1, \\"tmpMb\\": $t, \\"shmMb\\": $s, \\"dev\\": $d, \\"root\\": $r}"',
    ].join('; ');
    const repo = await drillRepo({ 'eval/run.sh': `${fill}\n`, 'cambrian.yaml': config('bash eval/run.sh') });
    const evaluated = await cli(['eval', '--repo', repo.dir, '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const { metrics } = JSON.parse(evaluated.stdout) as { metrics: Record<string, number> };
    // memoryMb 512: /tmp gets 128 MB and /dev/shm 32 MB of it; nothing else is writable storage.
    assert.ok(metrics['tmpMb']! <= 128, `/tmp took ${metrics['tmpMb']} MB`);
    assert.ok(metrics['shmMb']! <= 32, `/dev/shm took ${metrics['shmMb']} MB`);
    assert.ok(metrics['tmpMb']! > 8 && metrics['shmMb']! > 2, 'both are usable');
    assert.equal(metrics['dev'], 0, '/dev is not storage');
    assert.equal(metrics['root'], 0, 'the sandbox root is not storage');
  });

  it('the optional disk limit stops a candidate that fills its directory', async () => {
    for (const [name, fill] of [
      ['one big file', 'head -c 100000000 /dev/zero > big.bin'],
      ['many files', 'for i in $(seq 1 80); do head -c 1000000 /dev/zero > f$i.bin; done; sleep 3'],
    ] as const) {
      const repo = await drillRepo({ 'eval/run.sh': `${fill}\necho '{"score": 1}'\n`, 'cambrian.yaml': config('bash eval/run.sh', '  diskMb: 20\n') });
      const evaluated = await cli(['eval', '--repo', repo.dir, '--json']);
      const result = JSON.parse(evaluated.stdout) as { outcome: string; reason: string };
      assert.equal(result.outcome, 'candidate_failed', `${name}: ${evaluated.stdout}`);
      assert.match(result.reason, /disk limit \(20 MB\)/, name);
    }
  });

  it('without bubblewrap, eval and run refuse unless the user opts out, and an opted-out run is on record', async () => {
    const bin = await createTempDir('cambrian-drill-bin-');
    cleanups.push(() => bin.cleanup());
    for (const tool of ['node', 'git', 'bash', 'sh', 'env', 'cat', 'head', 'mkdir', 'rm']) {
      const { stdout } = await import('node:child_process').then(({ execFileSync }) => ({ stdout: execFileSync('bash', ['-c', `command -v ${tool}`]).toString().trim() }));
      await symlink(stdout, join(bin.dir, tool));
    }
    const repo = await drillRepo({
      'eval/score.mjs': "import { SALT } from '../candidate.mjs';\nconsole.log(JSON.stringify({ score: SALT % 97 }));\n",
      'cambrian.yaml': config('node eval/score.mjs'),
    });
    const env = { PATH: bin.dir };
    for (const command of [['eval'], ['run', '--max-evals', '3']]) {
      const refused = await cli([...command, '--repo', repo.dir], env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /cannot contain candidate code/);
      assert.match(refused.stderr, /install bubblewrap/);
      assert.ok(!refused.stderr.includes('    at '), 'no stack trace');
    }
    const status = await cli(['status', '--repo', repo.dir], env);
    assert.doesNotMatch(status.stdout, /^run r\d/m, 'the refused run did not start');

    const opted = await cli(['run', '--repo', repo.dir, '--max-evals', '3', '--no-sandbox'], env);
    assert.equal(opted.code, 0, opted.stderr);
    assert.match(opted.stderr, /sandbox is `none`/);
    const shown = await cli(['status', '--repo', repo.dir], env);
    assert.match(shown.stdout, /UNSANDBOXED/);
    const exported = await cli(['ledger', 'export', '--repo', repo.dir], env);
    assert.match(exported.stdout, /sandbox_disabled/);
  });
});
