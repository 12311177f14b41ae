import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config/loader.ts';
import { objectivesOf, savedObjectives } from '../../src/config/schema.ts';
import { searchConfigHash } from '../../src/evolution/config-hash.ts';
import { CambrianError } from '../../src/errors.ts';
import { createConfigDir, MINIMAL_CONFIG, type ConfigDir } from './fixtures.ts';

/** Load `text` as cambrian.yaml and return the CambrianError it must raise. */
async function loadError(dir: ConfigDir, text: string, env: Record<string, string> = {}): Promise<CambrianError> {
  await dir.write({ 'cambrian.yaml': text });
  const error = await loadConfig({ repoDir: dir.dir, env }).then(
    () => assert.fail('expected the config to be rejected'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CambrianError, `expected a CambrianError, got ${String(error)}`);
  return error;
}

describe('loadConfig', () => {
  let dir: ConfigDir;
  before(async () => {
    dir = await createConfigDir();
  });
  after(() => dir.cleanup());

  it('accepts the minimal config as is and fills in the defaults', async () => {
    await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG });
    const loaded = await loadConfig({ repoDir: dir.dir, env: {} });
    assert.equal(loaded.path, join(dir.dir, 'cambrian.yaml'));
    assert.equal(loaded.source, MINIMAL_CONFIG);
    const { config } = loaded;
    assert.equal(config.goal, 'Shorten the tour');
    assert.equal(config.evaluator.timeoutMs, 30000);
    assert.equal(config.evaluator.repeats, 1);
    assert.equal(config.evaluator.network, false);
    assert.deepEqual(config.evolve, { include: ['params.js'], exclude: [], maxFiles: 10, maxChangedLines: 400 });
    assert.deepEqual(config.metrics, { length: { direction: 'min' } });
    assert.equal(config.fitness, 'length');
    assert.deepEqual(config.budget, {});
    assert.equal(config.archive.islands, 4);
    assert.equal(config.archive.descriptors, 'learned');
    assert.equal(config.sampler.exploit, 0.6);
    assert.deepEqual(config.operators, { numeric: { weight: 1 }, crossover: { weight: 0.2 } });
    assert.equal(config.llm, undefined);
    assert.deepEqual(loaded.protect, ['cambrian.yaml', 'eval/', 'eval/evaluate.py']);
  });

  it('rejects an unknown key with a did-you-mean hint and its line', async () => {
    const text = MINIMAL_CONFIG.replace('  timeoutMs: 30000', '  timeout_ms: 30000');
    const error = await loadError(dir, text);
    assert.equal(error.code, 'CAMBRIAN_CONFIG_INVALID');
    assert.match(error.message, /cambrian\.yaml:6:3 +evaluator\.timeout_ms: unknown key `timeout_ms` — did you mean `timeoutMs`\?/);
  });

  it('names the key path and line of a type error', async () => {
    const error = await loadError(dir, MINIMAL_CONFIG.replace('timeoutMs: 30000', 'timeoutMs: "soon"'));
    assert.match(error.message, /cambrian\.yaml:6:14 +evaluator\.timeoutMs: expected number, received string/);
  });

  it('lists every problem in one error, in file order', async () => {
    const text = `${MINIMAL_CONFIG.replace('fitness: length', 'fitness: lenght')}workers: 0\nsed: 3\n`;
    const error = await loadError(dir, text);
    assert.match(error.message, /\(3 problems\)/);
    const lines = error.message.split('\n').slice(1);
    assert.match(lines[0]!, /:9:10 +fitness: `lenght` is not a declared metric — did you mean `length`\?/);
    assert.match(lines[1]!, /:10:10 +workers: Too small/);
    assert.match(lines[2]!, /:11:1 +sed: unknown key `sed` — did you mean `seed`\?/);
  });

  it('reports a missing required key at its parent', async () => {
    const error = await loadError(dir, MINIMAL_CONFIG.replace('goal: "Shorten the tour"\n', ''));
    assert.match(error.message, /goal: required key is missing \(expected string\)/);
  });

  it('rejects a fitness that is not a declared metric, listing the declared ones', async () => {
    const error = await loadError(dir, MINIMAL_CONFIG.replace('fitness: length', 'fitness: speed'));
    assert.match(error.message, /fitness: `speed` is not a declared metric — declared metrics: length/);
  });

  it('accepts a list of fitness metrics: the first is the primary, objectivesOf gives each with its direction', async () => {
    const metrics = 'metrics:\n  length: { direction: min }\n  speed: { direction: max }\n';
    const text = MINIMAL_CONFIG.replace('metrics:\n  length: { direction: min }\n', metrics).replace('fitness: length', 'fitness: [speed, length]');
    await dir.write({ 'cambrian.yaml': text });
    const { config } = await loadConfig({ repoDir: dir.dir, env: {} });
    assert.equal(config.fitness, 'speed');
    assert.deepEqual(config.objectives, ['speed', 'length']);
    assert.deepEqual(objectivesOf(config), [
      { metric: 'speed', direction: 'max' },
      { metric: 'length', direction: 'min' },
    ]);
    // A run saves the parsed config as JSON; its objectives read back the same.
    assert.deepEqual(savedObjectives(JSON.parse(JSON.stringify(config)) as Record<string, unknown>), objectivesOf(config));
    assert.throws(() => savedObjectives({ fitness: 'speed', metrics: {} }), /not among its metrics/);
  });

  it('reads a one-metric list exactly as the metric alone (same config, same search hash)', async () => {
    await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG });
    const single = (await loadConfig({ repoDir: dir.dir, env: {} })).config;
    await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG.replace('fitness: length', 'fitness: [length]') });
    const listed = (await loadConfig({ repoDir: dir.dir, env: {} })).config;
    assert.deepEqual(listed, single);
    assert.equal('objectives' in single, false);
    assert.equal(searchConfigHash(listed), searchConfigHash(single));
    assert.deepEqual(objectivesOf(single), [{ metric: 'length', direction: 'min' }]);
    assert.deepEqual(savedObjectives(JSON.parse(JSON.stringify(single)) as Record<string, unknown>), objectivesOf(single));
  });

  it('rejects fitness lists that are empty, name undeclared metrics or repeat one', async () => {
    const empty = await loadError(dir, MINIMAL_CONFIG.replace('fitness: length', 'fitness: []'));
    assert.match(empty.message, /:9:10 +fitness: /);
    const error = await loadError(dir, MINIMAL_CONFIG.replace('fitness: length', 'fitness: [length, speed, length]'));
    assert.match(error.message, /:9:19 +fitness\[1\]: `speed` is not a declared metric — declared metrics: length/);
    assert.match(error.message, /:9:26 +fitness\[2\]: `length` is listed twice/);
  });

  it('rejects descriptor metrics that are not declared', async () => {
    const text = `${MINIMAL_CONFIG}archive:\n  descriptors:\n    - { metric: length, min: 0, max: 10 }\n    - { metric: width, min: 0, max: 1 }\n`;
    const error = await loadError(dir, text);
    assert.match(error.message, /:13:17 +archive\.descriptors\[1\]\.metric: `width` is not a declared metric/);
  });

  it('rejects unknown operators and LLM operators without an llm section', async () => {
    const text = `${MINIMAL_CONFIG}operators:\n  numerc: { weight: 1 }\n  llm-diff: { weight: 1 }\n`;
    const error = await loadError(dir, text);
    assert.match(error.message, /:11:3 +operators\.numerc: unknown operator `numerc` — did you mean `numeric`\?/);
    assert.match(error.message, /:12:3 +operators\.llm-diff: operator `llm-diff` calls a language model but there is no `llm:` section/);
  });

  it('accepts LLM operators when models are configured', async () => {
    const text = `${MINIMAL_CONFIG}operators:\n  llm-diff: { weight: 1 }\nllm:\n  models:\n    - { name: local, provider: openai, model: qwen, tier: local }\n`;
    await dir.write({ 'cambrian.yaml': text });
    const { config } = await loadConfig({ repoDir: dir.dir, env: {} });
    assert.equal(config.llm?.models[0]?.maxConcurrency, 4);
    assert.equal(config.llm?.retries, 3);
  });

  it('requires exactly one of evaluator.command and evaluator.stages', async () => {
    const text = MINIMAL_CONFIG.replace('  command: "python3 eval/evaluate.py ."\n', '');
    const error = await loadError(dir, text);
    assert.match(error.message, /:5:3 +evaluator: set exactly one of evaluator\.command or evaluator\.stages/);
  });

  it('refuses a cascade whose every stage is a holdout stage', async () => {
    const text = MINIMAL_CONFIG.replace('  command: "python3 eval/evaluate.py ."\n', '  stages:\n    - { name: unseen, command: "python3 eval/evaluate.py .", holdout: true }\n');
    const error = await loadError(dir, text);
    assert.match(error.message, /every stage is a holdout stage/);
    assert.match(error.message, /leave `holdout: true` only on/);
  });

  it('reports YAML syntax errors with file:line:col', async () => {
    const error = await loadError(dir, MINIMAL_CONFIG.replace('length: { direction: min }', 'length: { direction: min'));
    assert.equal(error.code, 'CAMBRIAN_CONFIG_INVALID');
    assert.match(error.message, /cambrian\.yaml is not valid YAML:\n {2}\S*cambrian\.yaml:9:1 +Flow map in block collection must .* end with a \}/);
  });

  it('reports a duplicated key as a YAML error', async () => {
    const error = await loadError(dir, `${MINIMAL_CONFIG}goal: "again"\n`);
    assert.match(error.message, /cambrian\.yaml:10:1 +Map keys must be unique/);
  });

  it('rejects an empty file instead of defaulting everything', async () => {
    const error = await loadError(dir, '# nothing yet\n');
    assert.match(error.message, /must be a YAML mapping of keys \(it is empty\)/);
  });

  it('fails with CAMBRIAN_CONFIG_NOT_FOUND when the file is missing, never falling back', async () => {
    const empty = await createConfigDir(null);
    try {
      const error = await loadConfig({ repoDir: empty.dir, env: {} }).catch((e: unknown) => e);
      assert.ok(error instanceof CambrianError);
      assert.equal(error.code, 'CAMBRIAN_CONFIG_NOT_FOUND');
      assert.match(error.hint ?? '', /cambrian init/);
      const explicit = await loadConfig({ repoDir: dir.dir, configPath: join(empty.dir, 'other.yaml'), env: {} }).catch((e: unknown) => e);
      assert.ok(explicit instanceof CambrianError);
      assert.equal(explicit.code, 'CAMBRIAN_CONFIG_NOT_FOUND');
      assert.match(explicit.message, /other\.yaml/);
    } finally {
      await empty.cleanup();
    }
  });

  it('reads configPath relative to the current directory, or from CAMBRIAN_CONFIG', async () => {
    await dir.write({ 'configs/alt.yaml': MINIMAL_CONFIG.replace('Shorten', 'Trim') });
    const path = join(dir.dir, 'configs/alt.yaml');
    const byOption = await loadConfig({ repoDir: dir.dir, configPath: relative(process.cwd(), path), env: {} });
    assert.equal(byOption.path, path);
    assert.equal(byOption.config.goal, 'Trim the tour');
    assert.ok(byOption.protect.includes('configs/alt.yaml'));
    const byEnv = await loadConfig({ repoDir: dir.dir, env: { CAMBRIAN_CONFIG: path } });
    assert.equal(byEnv.config.goal, 'Trim the tour');
  });
});
