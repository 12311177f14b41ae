// `cambrian init` without the prompts: guess a project's language, evolvable files and evaluator
// command from its files, and render a commented cambrian.yaml from the answers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { includeConflicts, pathsNamedBy } from './protect.ts';

export type Language = 'typescript' | 'javascript' | 'python' | 'rust' | 'go' | 'unknown';

export interface ProjectGuess {
  language: Language;
  include: string[];
  exclude: string[];
  evaluatorCommand: string;
  /** True when the command runs an evaluator script found in the repo, false when it is a guess. */
  evaluatorFound: boolean;
}

export interface InitAnswers {
  goal: string;
  include: string[];
  exclude: string[];
  evaluatorCommand: string;
  timeoutMs: number;
  metric: string;
  direction: 'min' | 'max';
  maxEvaluations: number;
  /** Explicit evaluator.protect, when the derived default would protect evolvable files. */
  protect?: string[];
  /** Path or URL of schema/cambrian.schema.json for the editor modeline. */
  schemaRef: string;
}

/** Metric names become YAML keys and JSON keys the evaluator prints: keep them plain. */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Evaluator scripts we recognise (folder × name, top level first), with the command that runs each. */
const EVALUATOR_DIRS = ['', 'eval/', 'evaluation/', 'scripts/', 'src/'];
const EVALUATOR_NAMES: [string, (path: string) => string][] = [
  ['evaluate.py', (p) => `python3 ${p}`],
  ['evaluator.py', (p) => `python3 ${p}`],
  ['eval.py', (p) => `python3 ${p}`],
  ['evaluate.js', (p) => `node ${p}`],
  ['evaluate.mjs', (p) => `node ${p}`],
  ['evaluate.ts', (p) => `npx tsx ${p}`],
  ['evaluate.sh', (p) => `sh ${p}`],
];
const EVALUATOR_SCRIPTS = EVALUATOR_DIRS.flatMap((dir) =>
  EVALUATOR_NAMES.map(([name, command]): [string, (path: string) => string] => [dir + name, command]),
);

const LANGUAGE_FILES: Record<Exclude<Language, 'unknown'>, { ext: string; exclude: string[]; testCommand: string }> = {
  typescript: { ext: '{ts,tsx}', exclude: ['**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**'], testCommand: 'npm test --silent' },
  javascript: { ext: '{js,mjs,cjs}', exclude: ['**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**'], testCommand: 'npm test --silent' },
  python: { ext: 'py', exclude: ['**/test_*.py', '**/*_test.py', 'tests/**', 'test/**'], testCommand: 'python3 -m pytest -q' },
  rust: { ext: 'rs', exclude: ['tests/**', 'benches/**'], testCommand: 'cargo test --quiet' },
  go: { ext: 'go', exclude: ['**/*_test.go'], testCommand: 'go test ./...' },
};

export function detectLanguage(repoDir: string): Language {
  const has = (name: string) => existsSync(join(repoDir, name));
  if (has('Cargo.toml')) return 'rust';
  if (has('go.mod')) return 'go';
  if (has('tsconfig.json')) return 'typescript';
  if (['pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt'].some(has)) return 'python';
  if (has('package.json')) return 'javascript';
  // No manifest: go by the most common source extension at the top level and in src/.
  const counts = new Map<Language, number>();
  const byExt: Record<string, Language> = { py: 'python', js: 'javascript', mjs: 'javascript', ts: 'typescript', rs: 'rust', go: 'go' };
  for (const dir of ['.', 'src']) {
    for (const name of safeReaddir(join(repoDir, dir))) {
      const language = byExt[name.slice(name.lastIndexOf('.') + 1)];
      if (language && name.includes('.')) counts.set(language, (counts.get(language) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

export function detectProject(repoDir: string): ProjectGuess {
  const language = detectLanguage(repoDir);
  const srcDir = existsSync(join(repoDir, 'src')) ? 'src/' : '';
  const files = language === 'unknown' ? undefined : LANGUAGE_FILES[language];
  const include = files ? [`${srcDir}**/*.${files.ext}`] : [`${srcDir}**/*`];
  const exclude = files ? [...files.exclude] : [];
  const script = EVALUATOR_SCRIPTS.find(([path]) => existsSync(join(repoDir, path)));
  if (script) return { language, include, exclude, evaluatorCommand: script[1](script[0]), evaluatorFound: true };
  const npmScript = language === 'javascript' || language === 'typescript' ? packageScript(repoDir, ['evaluate', 'eval']) : undefined;
  if (npmScript) return { language, include, exclude, evaluatorCommand: `npm run --silent ${npmScript}`, evaluatorFound: true };
  return { language, include, exclude, evaluatorCommand: files?.testCommand ?? 'sh evaluate.sh', evaluatorFound: false };
}

function packageScript(repoDir: string, names: string[]): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return names.find((n) => typeof manifest.scripts?.[n] === 'string');
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * When the evaluator lives in a folder that an include glob points into, protecting the whole
 * folder (the default) would leave nothing to evolve: protect exactly the files the command names.
 */
export function explicitProtectIfNeeded(answers: Pick<InitAnswers, 'include' | 'evaluatorCommand'>, repoDir: string): string[] | undefined {
  const named = pathsNamedBy(answers.evaluatorCommand, repoDir);
  if (includeConflicts(answers.include, named).length === 0) return undefined;
  return named.filter((p) => !p.endsWith('/'));
}

const yamlString = (value: string) => JSON.stringify(value);
const yamlList = (values: readonly string[]) => `[${values.map(yamlString).join(', ')}]`;

/** A commented cambrian.yaml; its first line points editors at the JSON Schema. */
export function renderConfig(answers: InitAnswers): string {
  const metricKey = METRIC_NAME.test(answers.metric) ? answers.metric : yamlString(answers.metric);
  const lines = [
    `# yaml-language-server: $schema=${answers.schemaRef}`,
    '# Cambrian configuration. Every key is described in cambrian\'s docs/guide/config.md; unknown keys',
    '# are errors. Any key can be overridden from the environment: CAMBRIAN_BUDGET__MAX_EVALUATIONS=50.',
    '',
    '# What the evolution should achieve, in words (used in LLM prompts and reports).',
    `goal: ${yamlString(answers.goal)}`,
    '',
    '# Files operators may edit (globs). The evaluator\'s files and this file are always protected.',
    '# Put EVOLVE-BLOCK-START / EVOLVE-BLOCK-END comments in a file to confine edits to those regions.',
    'evolve:',
    `  include: ${yamlList(answers.include)}`,
    `  exclude: ${yamlList(answers.exclude)}`,
    '  maxFiles: 10 # most files one child may change',
    '  maxChangedLines: 400 # most added + removed lines in one child',
    '',
    '# How a candidate is measured. The command runs in a checkout of the candidate and must print a',
    `# JSON object of metrics on the last line of its stdout, e.g. {${JSON.stringify(answers.metric)}: 1.5}.`,
    'evaluator:',
    `  command: ${yamlString(answers.evaluatorCommand)}`,
    `  timeoutMs: ${answers.timeoutMs}`,
    ...(answers.protect ? [`  protect: ${yamlList(answers.protect)} # paths no operator may edit`] : []),
    '',
    '# Metrics the evaluator prints (min: smaller is better, max: larger is better) and the one that decides.',
    'metrics:',
    `  ${metricKey}: { direction: ${answers.direction} }`,
    `fitness: ${metricKey}`,
    '',
    '# When to stop; the first limit reached wins (also: maxWallClockMs, targetFitness, plateau, maxUsd).',
    'budget:',
    `  maxEvaluations: ${answers.maxEvaluations}`,
    '',
    '# numeric tunes the numbers in the code; crossover merges two parents. The llm-* and plan-code',
    '# operators need an `llm:` section with models (see docs/guide/config.md).',
    'operators:',
    '  numeric: { weight: 1 }',
    '  crossover: { weight: 0.2 }',
    '',
  ];
  return lines.join('\n');
}

/** The answers `cambrian init --yes` uses: the guess, a `score` metric to maximise, 100 evaluations. */
export function defaultAnswers(guess: ProjectGuess, schemaRef: string): InitAnswers {
  return {
    goal: 'Maximise score',
    include: guess.include,
    exclude: guess.exclude,
    evaluatorCommand: guess.evaluatorCommand,
    timeoutMs: 60_000,
    metric: 'score',
    direction: 'max',
    maxEvaluations: 100,
    schemaRef,
  };
}
