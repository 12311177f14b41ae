// CommandEvaluator on a real temp git repo and GitWorktreePool: outcomes and reasons, the cascade,
// repeats, the metrics file, the environment, and that candidates cannot hurt the repository.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluatorSchema, type EvaluatorConfig, type MetricSpec } from '../../src/config/schema.ts';
import { CommandEvaluator } from '../../src/evaluate/evaluator.ts';
import { looksLikeEvaluatorBug } from '../../src/evaluate/outcome.ts';
import type { EvaluationResult } from '../../src/evaluate/port.ts';
import { detectSandbox } from '../../src/evaluate/sandbox.ts';
import { GitWorktreePool } from '../../src/git/worktree-pool.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';
import { survivors, uniqueMarker } from './helpers.ts';

const EVAL_PY = `import json, os
value = float(open("value.txt").read())
print("evaluating", flush=True)
print(json.dumps({"score": value, "double": value * 2}))
`;

const MAX: Record<string, MetricSpec> = { score: { direction: 'max' } };

function reasonOf(result: EvaluationResult): string {
  assert.notEqual(result.outcome, 'ok', `expected a failure, got ${JSON.stringify(result)}`);
  return (result as { reason: string }).reason;
}

describe('CommandEvaluator', () => {
  let repo: TempRepo;
  let pool: GitWorktreePool;
  const warnings: string[] = [];

  before(async () => {
    repo = await createTempRepo({ 'eval.py': EVAL_PY, 'value.txt': '3\n' });
    pool = new GitWorktreePool({ repo: repo.dir, size: 1 });
  });
  after(async () => {
    await pool.close();
    await repo.cleanup();
  });

  function evaluator(config: Record<string, unknown>, options: { metrics?: Record<string, MetricSpec>; parentEnv?: NodeJS.ProcessEnv } = {}) {
    return new CommandEvaluator({
      config: evaluatorSchema.parse(config),
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

  it('runs the evaluator in a worktree of the commit and reads its metrics', async () => {
    const result = await evaluate(evaluator({ command: 'python3 eval.py' }));
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

  it('lets a candidate wreck its worktree without touching the repository', async () => {
    const wreck = await evaluate(evaluator({ command: 'rm -rf ./* ./.git && echo \'{"score": 1}\'' }));
    assert.equal(wreck.outcome, 'ok');
    assert.equal(await readFile(join(repo.dir, 'eval.py'), 'utf8'), EVAL_PY);
    const again = await evaluate(evaluator({ command: 'python3 eval.py' }));
    assert.deepEqual(again.outcome === 'ok' && again.metrics, { score: 3, double: 6 });
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

  it('warns once, and only when bubblewrap is unusable', async () => {
    const seen: string[] = [];
    const ev = new CommandEvaluator({ config: evaluatorSchema.parse({ command: 'echo \'{"score": 1}\'' }), metrics: MAX, fitness: 'score', pool, onWarning: (m) => seen.push(m) });
    await evaluate(ev);
    await evaluate(ev);
    const { bwrap } = await detectSandbox();
    assert.equal(seen.length, bwrap ? 0 : 1, seen.join('\n'));
    if (bwrap) assert.deepEqual(warnings, [], 'no evaluator in this file warned');
  });
});
