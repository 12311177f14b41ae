// Shared pieces of the example-problem tests: run an example's evaluator in a directory and read its
// one JSON line, copy an example with one file edited (to feed the evaluator bad programs), and the
// example's config parsed with the real schema.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { configSchema, type CambrianConfig } from '../../src/config/schema.ts';

const run = promisify(execFile);

export function exampleDir(name: string): string {
  return fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));
}

export interface EvalResult {
  code: number;
  json: Record<string, number>;
  stdoutLines: number;
  stderr: string;
}

/** `node eval/evaluate.mjs` in `dir`, as Cambrian runs it; the metrics are its last stdout line. */
export async function evaluate(dir: string, env: Record<string, string> = {}): Promise<EvalResult> {
  let stdout: string;
  let stderr: string;
  let code = 0;
  try {
    ({ stdout, stderr } = await run(process.execPath, ['eval/evaluate.mjs'], { cwd: dir, timeout: 30_000, env: { ...process.env, ...env } }));
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    ({ stdout, stderr, code } = e);
  }
  const lines = stdout.trim().split('\n');
  return { code, json: JSON.parse(lines.at(-1)!) as Record<string, number>, stdoutLines: lines.length, stderr };
}

/** A copy of the example in `work/name` with `file` transformed; the edit must change something. */
export async function variant(example: string, work: string, name: string, file: string, edit: (source: string) => string): Promise<string> {
  const dir = join(work, name);
  await cp(exampleDir(example), dir, { recursive: true });
  const source = await readFile(join(dir, file), 'utf8');
  const edited = edit(source);
  assert.notEqual(edited, source, `variant ${name} changed nothing`);
  await writeFile(join(dir, file), edited);
  return dir;
}

export async function exampleConfig(name: string): Promise<CambrianConfig> {
  return configSchema.parse(parse(await readFile(join(exampleDir(name), 'cambrian.yaml'), 'utf8')));
}

/**
 * Edits that turn an example program into a hostile or broken one, for `entry` (the function the
 * evaluator calls). Each case names what the evaluator must say about it on stderr; `fake-metrics`
 * is the one the evaluator must shrug off (its own line stays last).
 */
export function hostileEdits(entry: string): Array<{ name: string; edit: (source: string) => string; stderr: RegExp | null }> {
  const replaceEntry = (body: string) => (source: string) =>
    source.replace(`export function ${entry}(`, `function ${entry}Original(`) + `\nexport function ${entry}() {\n  ${body}\n}\n`;
  return [
    { name: 'missing-entry', edit: (s) => s.replace(`export function ${entry}(`, `export function ${entry}Renamed(`), stderr: new RegExp(`does not export ${entry}\\(\\)`) },
    { name: 'throws', edit: replaceEntry(`throw new Error('the candidate gave up');`), stderr: /the candidate gave up/ },
    { name: 'exits', edit: (s) => `${s}\nprocess.exit(0);\n`, stderr: /stopped \(exit code 0\)/ },
    { name: 'not-cloneable', edit: replaceEntry(`return new Proxy(${entry}Original(), {});`), stderr: /could not be cloned/ },
    { name: 'wrong-type', edit: replaceEntry(`return 'plenty';`), stderr: /must return an array/ },
    { name: 'too-many', edit: replaceEntry(`return new Array(100000).fill(${entry}Original()[0]);`), stderr: /expected exactly/ },
    { name: 'loops-forever', edit: replaceEntry(`for (;;) {}`), stderr: /did not finish within/ },
    { name: 'fake-metrics', edit: (s) => `import { writeSync as cambrianTestWrite } from 'node:fs';\ncambrianTestWrite(1, '{"score": 1e9}\\n');\n${s}`, stderr: null },
  ];
}
