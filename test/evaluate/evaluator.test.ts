// CommandEvaluator on a real temp git repo and TreeDirPool: outcomes and reasons, the cascade,
// repeats, the metrics file, the environment, that candidates cannot hurt the repository, and the
// sandbox decision (bubblewrap, or `evaluator.sandbox: none` with a warning; never silently neither).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluatorSchema, type EvaluatorConfig, type MetricSpec } from '../../src/config/schema.ts';
import { isCambrianError } from '../../src/errors.ts';
import { CommandEvaluator, sandboxUnavailable } from '../../src/evaluate/evaluator.ts';
import { looksLikeEvaluatorBug } from '../../src/evaluate/outcome.ts';
import type { EvaluationResult } from '../../src/evaluate/port.ts';
import { detectSandbox } from '../../src/evaluate/sandbox.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import { openRepo } from '../../src/git/repo.ts';
import { TreeDirPool } from '../../src/git/tree-dir-pool.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';
import { survivors, uniqueMarker } from './helpers.ts';

const EVAL_PY = `import json, os
value = float(open("value.txt").read())
print("evaluating", flush=True)
print(json.dumps({"score": value, "double": value * 2}))
`;

const MAX: Record<string, MetricSpec> = { score: { direction: 'max' } };
const hasBwrap = (await detectSandbox()).bwrap;
/** Where bubblewrap cannot run, the tests opt out explicitly (and expect the warning that costs). */
const SANDBOX = hasBwrap ? 'bwrap' : 'none';
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

function reasonOf(result: EvaluationResult): string {
  assert.notEqual(result.outcome, 'ok', `expected a failure, got ${JSON.stringify(result)}`);
  return (result as { reason: string }).reason;
}

describe('CommandEvaluator', () => {
  let repo: TempRepo;
  let git: GitRepo;
  let pool: TreeDirPool;
  let scratch: { dir: string; cleanup(): Promise<void> };
  const warnings: string[] = [];

  before(async () => {
    repo = await createTempRepo({ 'eval.py': EVAL_PY, 'value.txt': '3\n' });
    git = await openRepo(repo.dir);
    scratch = await createTempDir('cambrian-evaluator-');
    pool = new TreeDirPool({ repo: git, size: 1, root: join(scratch.dir, 'pool') });
  });
  after(async () => {
    await pool.close();
    await git.close();
    await scratch.cleanup();
    await repo.cleanup();
  });

  function evaluator(config: Record<string, unknown>, options: { metrics?: Record<string, MetricSpec>; parentEnv?: NodeJS.ProcessEnv } = {}) {
    return new CommandEvaluator({
      config: evaluatorSchema.parse({ sandbox: SANDBOX, ...config }),
      metrics: options.metrics ?? MAX,
      fitness: 'score',
      pool,
      onWarning: (message) => warnings.push(message),
      killGraceMs: 500,
      ...(options.parentEnv && { parentEnv: options.parentEnv }),
    });
  }

  const evaluate = (ev: CommandEvaluator, signal?: AbortSignal) =>
    ev.evaluate({ commit: repo.head, tree: 'unused', runId: 'run-1', individualId: 'ind-1', ...(signal && { signal }) });

  it('runs the evaluator in a plain copy of the commit (no .git) and reads its metrics', async () => {
    const result = await evaluate(evaluator({ command: 'test ! -e .git && python3 eval.py' }));
    assert.equal(result.outcome, 'ok', JSON.stringify(result));
    assert.deepEqual(result.metrics, { score: 3, double: 6 });
    assert.equal(result.cached, false);
    assert.equal(result.stages.length, 1);
    const [stage] = result.stages;
    assert.equal(stage?.name, 'main');
    assert.equal(stage?.exitCode, 0);
    assert.ok(stage?.stdout.startsWith('evaluating\n'));
    assert.ok(result.cpuSeconds > 0);
    assert.ok(result.durationMs >= stage!.durationMs);
  });

  it('gives the CAMBRIAN_* variables and only allowlisted ones; secrets stay out', async () => {
    const parentEnv = { ...process.env, OPENAI_API_KEY: 'sk-secret', DATASET_DIR: '/data' };
    const ev = evaluator({ command: 'env >&2; echo "{\\"score\\": 1}"', env: ['DATASET_DIR'] }, { parentEnv });
    const result = await evaluate(ev);
    const stderr = result.stages[0]!.stderr;
    assert.doesNotMatch(stderr, /OPENAI_API_KEY|sk-secret/);
    assert.match(stderr, /^DATASET_DIR=\/data$/m);
    assert.match(stderr, /^CAMBRIAN_RUN_ID=run-1$/m);
    assert.match(stderr, /^CAMBRIAN_INDIVIDUAL_ID=ind-1$/m);
    const worktree = /^CAMBRIAN_WORKTREE=(.+)$/m.exec(stderr)?.[1];
    const metricsFile = /^CAMBRIAN_METRICS_FILE=(.+)$/m.exec(stderr)?.[1];
    assert.ok(worktree && metricsFile);
    assert.ok(!metricsFile.startsWith(worktree), 'the metrics file lives outside the worktree');
  });

  it('prefers the metrics file over stdout', async () => {
    const result = await evaluate(evaluator({ command: 'echo \'{"score": 5}\' > "$CAMBRIAN_METRICS_FILE"; echo \'{"score": 1}\'' }));
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(result.metrics, { score: 5 });
  });

  it('fails a candidate whose metric is NaN, a boolean or a string, naming the key', async () => {
    const nan = await evaluate(evaluator({ command: 'python3 -c \'import json; print(json.dumps({"score": float("nan")}))\'' }));
    assert.equal(nan.outcome, 'candidate_failed');
    assert.match(reasonOf(nan), /metric `score` is NaN/);
    const bool = await evaluate(evaluator({ command: 'echo \'{"score": 1, "valid": true}\'' }));
    assert.match(reasonOf(bool), /metric `valid` is a boolean/);
    const text = await evaluate(evaluator({ command: 'echo \'{"score": "high"}\'' }));
    assert.match(reasonOf(text), /metric `score` is a string/);
  });

  it('fails a candidate that exits non-zero, prints no JSON, or lacks the fitness metric', async () => {
    const exit = await evaluate(evaluator({ command: 'echo boom >&2; exit 1' }));
    assert.equal(exit.outcome, 'candidate_failed');
    assert.equal(reasonOf(exit), 'exited with code 1: boom');
    const noJson = await evaluate(evaluator({ command: 'echo done' }));
    assert.match(reasonOf(noJson), /not JSON.*"score": 1\.0/);
    const missing = await evaluate(evaluator({ command: 'echo \'{"other": 1}\'' }));
    assert.equal(reasonOf(missing), 'metrics have no `score` (the fitness metric); got: other');
  });

  it('times out a candidate that sleeps forever and leaves no process behind', async () => {
    const marker = uniqueMarker();
    const result = await evaluate(evaluator({ command: `sleep 1000 & sleep 1000; : ${marker}`, timeoutMs: 300 }));
    assert.equal(result.outcome, 'candidate_failed');
    assert.equal(reasonOf(result), 'timed out after 300 ms');
    assert.equal(result.stages[0]?.timedOut, true);
    assert.deepEqual(await survivors(marker), []);
  });

  it('fails a candidate that allocates without bound', async () => {
    const command = 'python3 -c "a = []\nwhile True: a.append(bytearray(1 << 20))"';
    const result = await evaluate(evaluator({ command, memoryMb: 200 }));
    assert.equal(result.outcome, 'candidate_failed');
    assert.equal(reasonOf(result), 'ran out of memory (limit 200 MB)');
  });

  it('lets a candidate wreck its directory without touching the repository', async () => {
    const wreck = await evaluate(evaluator({ command: 'rm -rf ./* && echo \'{"score": 1}\'' }));
    assert.equal(wreck.outcome, 'ok');
    assert.equal(await readFile(join(repo.dir, 'eval.py'), 'utf8'), EVAL_PY);
    const again = await evaluate(evaluator({ command: 'python3 eval.py' }));
    assert.deepEqual(again.outcome === 'ok' && again.metrics, { score: 3, double: 6 });
  });

  it('never lets git on the host read what a candidate planted as .git', async () => {
    // Git would run these commands on `git status` or a checkout in a directory holding this .git.
    const marker = join(scratch.dir, 'filter-ran');
    const config = `[core]\n\tfsmonitor = touch ${marker}\n[filter "evil"]\n\tclean = touch ${marker}\n\tsmudge = touch ${marker}\n`;
    const plant = `mkdir -p .git && printf '%s' '${config}' > .git/config && echo '* filter=evil' > .gitattributes && echo '{"score": 1}'`;
    const planted = await evaluate(evaluator({ command: plant }));
    assert.equal(planted.outcome, 'ok', JSON.stringify(planted));
    const next = await evaluate(evaluator({ command: 'test ! -e .git && test ! -e .gitattributes && python3 eval.py' }));
    assert.deepEqual(next.outcome === 'ok' && next.metrics, { score: 3, double: 6 });
    assert.equal(await exists(marker), false, 'no git process on the host ran the planted filter');
    assert.equal(await repo.git('status', '--porcelain'), '');
  });

  it('fails a candidate whose tree holds a path that cannot be written safely', async () => {
    const crafted = new TreeDirPool({
      repo: { repoDir: repo.dir, listFiles: async () => [{ path: '.git/hooks/post-checkout', mode: '100755', blob: 'e'.repeat(40) }], readObject: async () => ({ type: 'blob', content: Buffer.from('#!/bin/sh\n') }) },
      size: 1,
      root: join(scratch.dir, 'crafted'),
    });
    try {
      const ev = new CommandEvaluator({ config: evaluatorSchema.parse({ sandbox: SANDBOX, command: 'true' }), metrics: MAX, fitness: 'score', pool: crafted, onWarning: () => {} });
      const result = await evaluate(ev);
      assert.equal(result.outcome, 'candidate_failed');
      assert.match(reasonOf(result), /cannot be written safely: "\.git\/hooks\/post-checkout"/);
    } finally {
      await crafted.close();
    }
  });

  describe('cascade', () => {
    const cascade = (quickScore: number, threshold: number) => ({
      stages: [
        { name: 'quick', command: `echo '{"score": ${quickScore}, "quick": 1}'`, threshold },
        { name: 'full', command: 'echo \'{"score": 0.9, "full": 1}\'' },
      ],
    });

    it('stops after a stage whose fitness misses the threshold', async () => {
      const result = await evaluate(evaluator(cascade(0.2, 0.5)));
      assert.equal(result.outcome, 'ok');
      assert.equal(result.outcome === 'ok' && result.stoppedAtStage, 'quick');
      assert.deepEqual(result.metrics, { score: 0.2, quick: 1 });
      assert.deepEqual(result.stages.map((s) => s.name), ['quick']);
    });

    it('runs on when the threshold is reached, later stages overriding earlier metrics', async () => {
      const result = await evaluate(evaluator(cascade(0.7, 0.5)));
      assert.equal(result.outcome === 'ok' && result.stoppedAtStage, undefined);
      assert.deepEqual(result.metrics, { score: 0.9, quick: 1, full: 1 });
      assert.deepEqual(result.stages.map((s) => s.name), ['quick', 'full']);
    });

    it('respects a fitness metric to minimise', async () => {
      const min = { score: { direction: 'min' as const } };
      const below = await evaluate(evaluator(cascade(0.2, 0.5), { metrics: min }));
      assert.equal(below.stages.length, 2, 'a low value reaches a min threshold');
      const above = await evaluate(evaluator(cascade(0.7, 0.5), { metrics: min }));
      assert.equal(above.outcome === 'ok' && above.stoppedAtStage, 'quick');
    });

    it('runs holdout stages only when asked (assimilation), and a hostile candidate there fails like anywhere', async () => {
      const stages = {
        stages: [
          { name: 'tests', command: 'echo \'{"score": 1}\'' },
          { name: 'unseen', command: 'echo \'{"score": 0.5, "holdout_only": 1}\'', holdout: true },
        ],
      };
      const ev = evaluator(stages);
      assert.equal(ev.hasHoldout, true);
      const regular = await evaluate(ev);
      assert.deepEqual(regular.outcome === 'ok' && regular.metrics, { score: 1 });
      assert.deepEqual(regular.stages.map((s) => s.name), ['tests'], 'a regular evaluation never runs the holdout stage');
      const held = await ev.evaluate({ commit: repo.head, tree: 'unused', runId: 'run-1', individualId: 'ind-1', holdout: true });
      assert.deepEqual(held.outcome === 'ok' && held.metrics, { score: 0.5, holdout_only: 1 });
      assert.deepEqual(held.stages.map((s) => s.name), ['unseen']);

      const marker = uniqueMarker();
      const hostile = evaluator({ stages: [stages.stages[0], { name: 'unseen', command: `sleep 1000 & sleep 1000; : ${marker}`, timeoutMs: 300, holdout: true }] });
      const hung = await hostile.evaluate({ commit: repo.head, tree: 'unused', runId: 'run-1', individualId: 'ind-1', holdout: true });
      assert.equal(hung.outcome, 'candidate_failed');
      assert.match(reasonOf(hung), /stage `unseen`: timed out after 300 ms/);
      assert.deepEqual(await survivors(marker), []);
      assert.equal(evaluator({ command: 'true' }).hasHoldout, false);
    });

    it('names the failing stage', async () => {
      const result = await evaluate(evaluator({ stages: [{ name: 'build', command: 'exit 2' }, { name: 'run', command: 'true' }] }));
      assert.equal(reasonOf(result), 'stage `build`: exited with code 2');
    });
  });

  it('repeats the evaluation and records mean and sample stdev', async () => {
    // A counter in the worktree (kept between repeats of one evaluation) gives 1, 2, 3.
    const command = 'n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count; echo "{\\"score\\": $n, \\"fixed\\": 4}"';
    const result = await evaluate(evaluator({ command, repeats: 3 }));
    assert.equal(result.outcome, 'ok', JSON.stringify(result));
    assert.deepEqual(result.metrics, { score: 2, fixed: 4 });
    assert.deepEqual(result.outcome === 'ok' && result.stdevs, { score: 1, fixed: 0 });
    assert.equal(result.stages.length, 3);
  });

  it('classifies infrastructure failures and aborts', async () => {
    const ev = evaluator({ command: `sleep 1000; : ${uniqueMarker()}` });
    const badCommit = await ev.evaluate({ commit: 'f'.repeat(40), tree: 't', runId: 'r', individualId: 'i' });
    assert.equal(badCommit.outcome, 'infra_failed');
    assert.match(reasonOf(badCommit), /could not check out f{40}/);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await evaluate(ev, controller.signal);
    assert.equal(aborted.outcome, 'inconclusive');
    const already = await evaluate(ev, AbortSignal.abort());
    assert.equal(already.outcome, 'inconclusive');
    assert.equal(already.stages.length, 0);
  });

  it('tells evaluator bugs from candidate failures', async () => {
    assert.equal(looksLikeEvaluatorBug(await evaluate(evaluator({ command: 'python3 missing_eval.py' }))), true);
    assert.equal(looksLikeEvaluatorBug(await evaluate(evaluator({ command: 'node missing_eval.js' }))), true);
    assert.equal(looksLikeEvaluatorBug(await evaluate(evaluator({ command: 'no-such-command-cambrian' }))), true);
    assert.equal(looksLikeEvaluatorBug(await evaluate(evaluator({ command: 'exit 1' }))), false);
    assert.equal(looksLikeEvaluatorBug(await evaluate(evaluator({ command: 'python3 eval.py' }))), false);
  });

  it('hashes the configuration independently of key order', () => {
    const a = evaluator({ command: 'python3 eval.py', timeoutMs: 1000 });
    const reordered = Object.fromEntries(Object.entries(evaluatorSchema.parse({ command: 'python3 eval.py', timeoutMs: 1000 })).reverse());
    const b = new CommandEvaluator({
      config: reordered as EvaluatorConfig,
      metrics: MAX,
      fitness: 'score',
      pool,
    });
    assert.equal(a.configHash, b.configHash);
    assert.match(a.configHash, /^[0-9a-f]{64}$/);
    assert.notEqual(a.configHash, evaluator({ command: 'python3 eval.py', timeoutMs: 2000 }).configHash);
    assert.notEqual(a.configHash, evaluator({ command: 'python3 eval.py', timeoutMs: 1000 }, { metrics: { score: { direction: 'min' } } }).configHash);
  });

  it('warns once when the user turned the sandbox off, and runs unsandboxed', async () => {
    const seen: string[] = [];
    const config = evaluatorSchema.parse({ sandbox: 'none', command: 'echo \'{"score": 1}\'' });
    const ev = new CommandEvaluator({ config, metrics: MAX, fitness: 'score', pool, onWarning: (m) => seen.push(m) });
    assert.equal((await evaluate(ev)).outcome, 'ok');
    assert.equal((await evaluate(ev)).outcome, 'ok');
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0]!, /evaluator\.sandbox is `none`.*your privileges/);
    assert.deepEqual(await ev.ensureSandbox(), { bwrap: false, reason: 'sandbox turned off (evaluator.sandbox: none)' });
  });

  it('contains candidates with bubblewrap by default, without a warning', { skip: hasBwrap ? false : 'bubblewrap is not usable on this machine' }, async () => {
    const seen: string[] = [];
    // Outside the sandbox /proc/1 is the host's init; inside a pid namespace it is bwrap's first child.
    const ev = new CommandEvaluator({ config: evaluatorSchema.parse({ command: 'echo "{\\"score\\": $(ls /proc | grep -c \'^[0-9]\')}"' }), metrics: MAX, fitness: 'score', pool, onWarning: (m) => seen.push(m) });
    assert.deepEqual(await ev.ensureSandbox(), { bwrap: true });
    const result = await evaluate(ev);
    assert.equal(result.outcome, 'ok', JSON.stringify(result));
    assert.ok(result.outcome === 'ok' && result.metrics['score']! < 10, 'only the sandbox\'s own processes are visible');
    assert.deepEqual(seen, []);
    assert.deepEqual(warnings, [], 'no evaluator in this file warned');
  });

  it('refuses to run candidates unsandboxed when bubblewrap is unusable and the user did not opt out', { skip: hasBwrap ? 'bubblewrap works here; the refusal is checked by its error below' : false }, async () => {
    const ev = new CommandEvaluator({ config: evaluatorSchema.parse({ command: 'echo \'{"score": 1}\'' }), metrics: MAX, fitness: 'score', pool });
    await assert.rejects(ev.ensureSandbox(), (e) => isCambrianError(e) && e.code === 'CAMBRIAN_SANDBOX_UNAVAILABLE');
    const result = await evaluate(ev);
    assert.equal(result.outcome, 'infra_failed');
    assert.match(reasonOf(result), /cannot contain candidate code/);
  });

  it('explains how to get a sandbox, or how to opt out, when none is available', () => {
    const error = sandboxUnavailable('bwrap not available (spawn bwrap ENOENT)');
    assert.equal(error.code, 'CAMBRIAN_SANDBOX_UNAVAILABLE');
    assert.match(error.message, /cannot contain candidate code: bwrap not available/);
    assert.match(error.hint ?? '', /apt-get install bubblewrap/);
    assert.match(error.hint ?? '', /evaluator\.sandbox: none/);
  });
});
