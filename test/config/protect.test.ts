import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/loader.ts';
import { deriveProtectedPaths, pathsNamedBy } from '../../src/config/protect.ts';
import { evaluatorSchema } from '../../src/config/schema.ts';
import { CambrianError } from '../../src/errors.ts';
import { createConfigDir, MINIMAL_CONFIG, type ConfigDir } from './fixtures.ts';

describe('protected paths', () => {
  let dir: ConfigDir;
  before(async () => {
    dir = await createConfigDir();
    await dir.write({ 'data/cities.csv': '1,2\n', 'run.sh': 'python3 eval/evaluate.py\n', 'tools/deep/score.js': '' });
  });
  after(() => dir.cleanup());
  const evaluator = (input: unknown) => evaluatorSchema.parse(input);

  it('protects files the command names, their folder, and cambrian.yaml — but not the repo root', () => {
    const protect = deriveProtectedPaths(evaluator({ command: 'python3 eval/evaluate.py .' }), dir.dir, 'cambrian.yaml');
    assert.deepEqual(protect, ['cambrian.yaml', 'eval/', 'eval/evaluate.py']);
  });

  it('protects named directories as dir/, top-level files alone, and ignores missing or outside paths', () => {
    const paths = pathsNamedBy(`sh ./run.sh --data=data/ missing.py /etc/passwd ../x "tools/deep/score.js";`, dir.dir);
    assert.deepEqual(paths, ['run.sh', 'data/', 'tools/deep/score.js', 'tools/deep/']);
  });

  it('collects paths from every cascade stage', () => {
    const protect = deriveProtectedPaths(
      evaluator({ stages: [{ name: 'quick', command: 'sh run.sh' }, { name: 'full', command: 'node tools/deep/score.js' }] }),
      dir.dir,
      'cambrian.yaml',
    );
    assert.deepEqual(protect, ['cambrian.yaml', 'run.sh', 'tools/deep/', 'tools/deep/score.js']);
  });

  it('uses evaluator.protect instead of deriving when it is set', () => {
    const protect = deriveProtectedPaths(
      evaluator({ command: 'python3 eval/evaluate.py', protect: ['./eval/evaluate.py', 'data/'] }),
      dir.dir,
      'cambrian.yaml',
    );
    assert.deepEqual(protect, ['cambrian.yaml', 'data/', 'eval/evaluate.py']);
  });

  it('rejects an include that lies inside a derived protected folder', async () => {
    await dir.write({ 'cambrian.yaml': MINIMAL_CONFIG.replace('["params.js"]', '["eval/params.py", "params.js"]') });
    const error = await loadConfig({ repoDir: dir.dir, env: {} }).catch((e: unknown) => e);
    assert.ok(error instanceof CambrianError);
    assert.match(error.message, /:3:13 +evolve\.include\[0\]: `eval\/params\.py` lies inside the protected path `eval\/`/);
    assert.match(error.message, /evaluator\.protect/);
  });

  it('accepts that include once evaluator.protect says exactly what to protect', async () => {
    const text = MINIMAL_CONFIG.replace('["params.js"]', '["eval/params.py"]').replace(
      '  timeoutMs: 30000',
      '  timeoutMs: 30000\n  protect: ["eval/evaluate.py"]',
    );
    await dir.write({ 'cambrian.yaml': text });
    const loaded = await loadConfig({ repoDir: dir.dir, env: {} });
    assert.deepEqual(loaded.protect, ['cambrian.yaml', 'eval/evaluate.py']);
  });
});
