// Metric parsing: a JSON object of finite numbers from the metrics file or the last stdout line,
// and rejections that name the offending key (including Python's bare NaN / Infinity).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastNonEmptyLine, parseMetricsText, readStageMetrics } from '../../src/evaluate/metrics.ts';
import { createTempDir } from '../support/temp-repo.ts';

const reasonOf = (text: string): string => {
  const parsed = parseMetricsText(text, 'the last stdout line');
  assert.equal(parsed.ok, false, `expected ${text} to be rejected`);
  return (parsed as { reason: string }).reason;
};

describe('parseMetricsText', () => {
  it('accepts an object of finite numbers', () => {
    assert.deepEqual(parseMetricsText('{"score": 1.5, "time_s": -2, "n": 0}', 'x'), {
      ok: true,
      metrics: { score: 1.5, time_s: -2, n: 0 },
    });
  });

  it('names the key of a bare NaN or Infinity, as Python json.dumps prints them', () => {
    assert.match(reasonOf('{"ok": 1, "score": NaN}'), /metric `score` is NaN/);
    assert.match(reasonOf('{"loss": -Infinity}'), /metric `loss` is -Infinity/);
    assert.match(reasonOf('{"gain": Infinity}'), /metric `gain` is Infinity/);
  });

  it('leaves NaN inside strings alone', () => {
    assert.deepEqual(parseMetricsText('{"NaN count": 3}', 'x'), { ok: true, metrics: { 'NaN count': 3 } });
    assert.match(reasonOf('{"note": "NaN"}'), /metric `note` is a string \("NaN"\)/);
  });

  it('rejects booleans, strings, nulls and nested objects by key', () => {
    assert.match(reasonOf('{"passed": true}'), /metric `passed` is a boolean \(true\); metrics must be finite numbers/);
    assert.match(reasonOf('{"score": "0.9"}'), /metric `score` is a string/);
    assert.match(reasonOf('{"score": null}'), /metric `score` is null/);
    assert.match(reasonOf('{"detail": {"a": 1}}'), /metric `detail` is an object/);
  });

  it('rejects what is not a JSON object, with a hint', () => {
    assert.match(reasonOf('[1, 2]'), /is an array, not a JSON object.*print\(json\.dumps\(\{"score": 1\.0\}\)\)/);
    assert.match(reasonOf('score: 3'), /the last stdout line is not JSON \("score: 3"\).*"score": 1\.0/);
  });
});

describe('readStageMetrics', () => {
  it('prefers the metrics file, and falls back to the last non-empty stdout line', async () => {
    const scratch = await createTempDir('cambrian-metrics-');
    try {
      const file = join(scratch.dir, 'metrics.json');
      assert.deepEqual(await readStageMetrics(file, 'log\n{"score": 2}\n\n'), { ok: true, metrics: { score: 2 } });
      await writeFile(file, '{"score": 7}\n');
      assert.deepEqual(await readStageMetrics(file, '{"score": 2}\n'), { ok: true, metrics: { score: 7 } });
      await writeFile(file, '{"score": NaN}');
      const bad = await readStageMetrics(file, '{"score": 2}\n');
      assert.equal(bad.ok, false);
      assert.match((bad as { reason: string }).reason, /metric `score` is NaN/);
    } finally {
      await scratch.cleanup();
    }
  });

  it('explains an evaluator that printed nothing', async () => {
    const parsed = await readStageMetrics('/nonexistent/cambrian/metrics.json', '  \n');
    assert.equal(parsed.ok, false);
    assert.match((parsed as { reason: string }).reason, /printed nothing on stdout and wrote no metrics file/);
  });

  it('finds the last non-empty line', () => {
    assert.equal(lastNonEmptyLine('a\nb\r\n\n  \n'), 'b');
    assert.equal(lastNonEmptyLine(''), undefined);
  });
});
