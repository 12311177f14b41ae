import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyEnvOverrides, RESERVED_ENV_NAMES, screamingSnakeToCamel } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { CambrianError } from '../../src/errors.ts';
import { createConfigDir, MINIMAL_CONFIG, type ConfigDir } from './fixtures.ts';

describe('CAMBRIAN_* environment overrides', () => {
  let dir: ConfigDir;
  before(async () => {
    dir = await createConfigDir();
  });
  after(() => dir.cleanup());
  const load = (env: Record<string, string>) => loadConfig({ repoDir: dir.dir, env });

  it('converts SCREAMING_SNAKE parts to camelCase keys', () => {
    assert.equal(screamingSnakeToCamel('MAX_EVALUATIONS'), 'maxEvaluations');
    assert.equal(screamingSnakeToCamel('PRICE_USD_PER_M_TOK_IN'), 'priceUsdPerMTokIn');
    assert.equal(screamingSnakeToCamel('WORKERS'), 'workers');
  });

  it('overrides top-level and nested keys, parsing values as YAML', async () => {
    const { config } = await load({
      CAMBRIAN_WORKERS: '2',
      CAMBRIAN_BUDGET__MAX_EVALUATIONS: '50',
      CAMBRIAN_EVALUATOR__TIMEOUT_MS: '5000',
      CAMBRIAN_EVOLVE__EXCLUDE: '[a.js, "b c.js"]',
      CAMBRIAN_GOAL: 'Shorter: please',
    });
    assert.equal(config.workers, 2);
    assert.deepEqual(config.budget, { maxEvaluations: 50 });
    assert.equal(config.evaluator.timeoutMs, 5000);
    assert.deepEqual(config.evolve.exclude, ['a.js', 'b c.js']);
    assert.equal(config.goal, 'Shorter: please');
  });

  it('matches record keys the file already uses, and operator names with dashes', async () => {
    await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG.replaceAll('length', 'tour_length') });
    try {
      const { config } = await load({
        CAMBRIAN_METRICS__TOUR_LENGTH__DIRECTION: 'max',
        CAMBRIAN_OPERATORS__BASELINE_HILLCLIMB__WEIGHT: '0.5',
      });
      assert.deepEqual(config.metrics, { tour_length: { direction: 'max' } });
      assert.deepEqual(config.operators, { 'baseline-hillclimb': { weight: 0.5 } });
    } finally {
      await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG });
    }
  });

  it('indexes lists with numeric parts', async () => {
    const { config } = await load({
      CAMBRIAN_ARCHIVE__DESCRIPTORS__0__METRIC: 'length',
      CAMBRIAN_ARCHIVE__DESCRIPTORS__0__MIN: '0',
      CAMBRIAN_ARCHIVE__DESCRIPTORS__0__MAX: '100',
    });
    assert.deepEqual(config.archive.descriptors, [{ metric: 'length', min: 0, max: 100 }]);
  });

  it('ignores the reserved variables that are not config', async () => {
    const env = Object.fromEntries(RESERVED_ENV_NAMES.map((name) => [name, 'anything']));
    delete env.CAMBRIAN_CONFIG; // that one names the file; tested in the loader tests
    const { config } = await load(env);
    assert.equal(config.goal, 'Shorten the tour');
  });

  it('rejects an override naming an unknown key, naming the variable', async () => {
    const error = await load({ CAMBRIAN_BUDGET__MAX_EVALS: '5', CAMBRIAN_WORKRS: '2' }).catch((e: unknown) => e);
    assert.ok(error instanceof CambrianError);
    assert.equal(error.code, 'CAMBRIAN_CONFIG_INVALID');
    assert.match(error.message, /CAMBRIAN_BUDGET__MAX_EVALS: `budget\.maxEvals` is not a config key — did you mean `maxEvaluations`\?/);
    assert.match(error.message, /CAMBRIAN_WORKRS: `workrs` is not a config key — did you mean `workers`\?/);
  });

  it('rejects nesting under a single value', async () => {
    const error = await load({ CAMBRIAN_GOAL__TEXT: 'x' }).catch((e: unknown) => e);
    assert.ok(error instanceof CambrianError);
    assert.match(error.message, /CAMBRIAN_GOAL__TEXT: `goal` holds a single value/);
  });

  it('names the variable when an overridden value fails validation', async () => {
    const error = await load({ CAMBRIAN_WORKERS: 'two' }).catch((e: unknown) => e);
    assert.ok(error instanceof CambrianError);
    assert.match(error.message, /\n {2}CAMBRIAN_WORKERS +workers: expected number, received string/);
  });

  it('leaves variables the config names as API keys or pass-throughs alone', () => {
    const raw = { llm: { models: [{ apiKeyEnv: 'CAMBRIAN_OPENAI_KEY' }] }, evaluator: { env: ['CAMBRIAN_DATA_DIR'] } };
    const { value, sources } = applyEnvOverrides(raw, { CAMBRIAN_OPENAI_KEY: 'sk-secret', CAMBRIAN_DATA_DIR: '/data' });
    assert.deepEqual(value, raw);
    assert.equal(sources.size, 0);
  });

  it('does not modify the parsed input', () => {
    const raw = { budget: { maxUsd: 1 } };
    const { value, sources } = applyEnvOverrides(raw, { CAMBRIAN_BUDGET__MAX_USD: '2' });
    assert.deepEqual(raw, { budget: { maxUsd: 1 } });
    assert.deepEqual(value, { budget: { maxUsd: 2 } });
    assert.equal(sources.get(JSON.stringify(['budget', 'maxUsd'])), 'CAMBRIAN_BUDGET__MAX_USD');
  });
});
