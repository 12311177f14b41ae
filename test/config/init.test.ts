import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { defaultAnswers, detectProject, renderConfig } from '../../src/config/init.ts';
import { INSTALLED_SCHEMA_PATH, schemaReference, writeInitialConfig } from '../../src/config/init-files.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { CambrianError } from '../../src/errors.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const INIT_CLI = fileURLToPath(new URL('./init-cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Run `cambrian init ARGS` in a child process with stdin not a terminal. */
function runInit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', INIT_CLI, 'init', ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(30_000),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('detectProject', () => {
  const cases: [string, Record<string, string>, Partial<ReturnType<typeof detectProject>>][] = [
    [
      'a Python project with an evaluator in eval/',
      { 'requirements.txt': '', 'src/model.py': '', 'eval/evaluate.py': '' },
      { language: 'python', include: ['src/**/*.py'], evaluatorCommand: 'python3 eval/evaluate.py', evaluatorFound: true },
    ],
    [
      'a TypeScript package with an evaluate script',
      { 'package.json': '{"scripts":{"evaluate":"tsx bench.ts"}}', 'tsconfig.json': '{}', 'lib.ts': '' },
      { language: 'typescript', include: ['**/*.{ts,tsx}'], evaluatorCommand: 'npm run --silent evaluate', evaluatorFound: true },
    ],
    [
      'a JavaScript package without an evaluator',
      { 'package.json': '{}', 'index.js': '' },
      { language: 'javascript', evaluatorCommand: 'npm test --silent', evaluatorFound: false },
    ],
    ['a Rust crate', { 'Cargo.toml': '', 'src/main.rs': '' }, { language: 'rust', include: ['src/**/*.rs'] }],
    ['a Go module', { 'go.mod': '', 'main.go': '' }, { language: 'go', evaluatorCommand: 'go test ./...' }],
    ['loose Python files', { 'solve.py': '', 'evaluate.py': '' }, { language: 'python', evaluatorCommand: 'python3 evaluate.py' }],
  ];
  for (const [name, files, expected] of cases) {
    it(`recognises ${name}`, async () => {
      const repo = await createTempRepo(files, { commit: false });
      try {
        const guess = detectProject(repo.dir);
        for (const [key, value] of Object.entries(expected)) {
          assert.deepEqual(guess[key as keyof typeof guess], value, key);
        }
      } finally {
        await repo.cleanup();
      }
    });
  }
});

describe('renderConfig', () => {
  it('starts with the yaml-language-server schema modeline and parses to the answers', () => {
    const answers = { ...defaultAnswers(detectProject(ROOT), './schema.json'), metric: 'tour length', direction: 'min' as const };
    const text = renderConfig(answers);
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=./schema.json');
    const parsed = parseYaml(text) as Record<string, unknown>;
    assert.deepEqual(parsed.metrics, { 'tour length': { direction: 'min' } });
    assert.equal(parsed.fitness, 'tour length');
  });

  it('points at the installed package schema, or the project\'s node_modules copy', async () => {
    const { dir, cleanup } = await createTempDir();
    try {
      assert.equal(schemaReference(dir), INSTALLED_SCHEMA_PATH);
      assert.equal(schemaReference(ROOT), './schema/cambrian.schema.json');
    } finally {
      await cleanup();
    }
  });
});

describe('cambrian init', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await createTempRepo({ 'requirements.txt': '', 'src/solver.py': 'K = 3\n', 'src/evaluate.py': 'print(1)\n' });
  });
  after(() => repo.cleanup());

  it('writes a loadable config and excludes .cambrian/ when stdin is not a terminal', async () => {
    const result = await runInit(['--repo', join(repo.dir, 'src')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*cambrian\.yaml/);
    const loaded = await loadConfig({ repoDir: repo.dir, env: {} });
    assert.equal(loaded.config.fitness, 'score');
    assert.equal(loaded.config.evaluator.command, 'python3 src/evaluate.py');
    // The evaluator sits inside the evolvable folder: only the file itself is protected.
    assert.deepEqual(loaded.config.evaluator.protect, ['src/evaluate.py']);
    assert.deepEqual(loaded.protect, ['cambrian.yaml', 'src/evaluate.py']);
    const exclude = await readFile(join(repo.dir, '.git/info/exclude'), 'utf8');
    assert.equal(exclude.split('\n').filter((l) => l === '/.cambrian/').length, 1);
    assert.equal(await repo.git('check-ignore', '.cambrian/db'), '.cambrian/db');
    assert.equal(await repo.git('status', '--porcelain', '--ignored', '.gitignore'), '');
  });

  it('refuses to overwrite an existing cambrian.yaml without --force', async () => {
    const before = await readFile(join(repo.dir, 'cambrian.yaml'), 'utf8');
    const refused = await runInit(['--repo', repo.dir, '--yes']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already exists\n {2}hint: .*--force/);
    assert.equal(await readFile(join(repo.dir, 'cambrian.yaml'), 'utf8'), before);

    const forced = await runInit(['--repo', repo.dir, '--yes', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const exclude = await readFile(join(repo.dir, '.git/info/exclude'), 'utf8');
    assert.equal(exclude.split('\n').filter((l) => l === '/.cambrian/').length, 1, 'not added twice');
  });

  it('refuses a folder that is not a git repository', async () => {
    const { dir, cleanup } = await createTempDir();
    try {
      const result = await runInit(['--repo', dir, '--yes']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /is not inside a git repository/);
    } finally {
      await cleanup();
    }
  });

  it('validates the answers before writing anything', async () => {
    const fresh = await createTempRepo({ 'main.go': '', 'go.mod': '' });
    try {
      const answers = { ...defaultAnswers(detectProject(fresh.dir), './s.json'), include: [] };
      const error = await writeInitialConfig(fresh.dir, answers, { force: false }).catch((e: unknown) => e);
      assert.ok(error instanceof CambrianError);
      assert.match(error.message, /evolve\.include/);
      assert.equal(await fresh.git('status', '--porcelain'), '');
    } finally {
      await fresh.cleanup();
    }
  });
});
