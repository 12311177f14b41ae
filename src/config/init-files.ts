// The side effects of `cambrian init`: find the repository's top level, point the editor modeline at
// the installed JSON Schema, write cambrian.yaml (never over an existing one unless forced), and keep
// .cambrian/ out of git through .git/info/exclude (src/store/git-exclude.ts; never .gitignore).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CambrianError } from '../errors.ts';
import { excludeCambrianDir } from '../store/git-exclude.ts';
import { explicitProtectIfNeeded, renderConfig, type InitAnswers } from './init.ts';
import { CONFIG_FILE_NAME, parseConfigSource, type LoadedConfig } from './loader.ts';

const execFileAsync = promisify(execFile);
const GIT_TIMEOUT_MS = 10_000;

/** Where this installation's JSON Schema lives (the package ships schema/ next to src/). */
export const INSTALLED_SCHEMA_PATH = fileURLToPath(new URL('../../schema/cambrian.schema.json', import.meta.url));

/**
 * The `$schema=` reference for a cambrian.yaml at the top of `repoDir`: the project's own
 * node_modules copy when cambrian is a dependency (portable, committed with the repo), else this
 * installation's file (a global install), relative when it lies inside the repo.
 */
export function schemaReference(repoDir: string): string {
  const local = resolve(repoDir, 'node_modules/cambrian/schema/cambrian.schema.json');
  if (existsSync(local)) return './node_modules/cambrian/schema/cambrian.schema.json';
  const rel = relative(resolve(repoDir), INSTALLED_SCHEMA_PATH);
  return rel.startsWith('..') || isAbsolute(rel) ? INSTALLED_SCHEMA_PATH : `./${rel.split(sep).join('/')}`;
}

/** The top level of the git work tree containing `dir`. */
export async function gitTopLevel(dir: string, signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], {
      cwd: resolve(dir),
      timeout: GIT_TIMEOUT_MS,
      signal,
      encoding: 'utf8',
    });
    return stdout.trim();
  } catch (error) {
    throw new CambrianError('CAMBRIAN_NOT_A_GIT_REPO', `${resolve(dir)} is not inside a git repository`, {
      hint: 'cambrian evolves git repositories: run `git init` (and commit your code) first',
      cause: error,
    });
  }
}

/** Refuse early (before any prompt) when cambrian.yaml exists and `force` is not set. */
export function ensureConfigAbsent(repoDir: string, options: { force: boolean }): void {
  const path = resolve(repoDir, CONFIG_FILE_NAME);
  if (!options.force && existsSync(path)) throw configExistsError(path);
}

function configExistsError(path: string): CambrianError {
  return new CambrianError('CAMBRIAN_BAD_ARGUMENT', `${path} already exists`, {
    hint: 'edit it, or run `cambrian init --force` to replace it',
  });
}

/** Write the config; an existing file is only replaced with `force` (checked atomically by 'wx'). */
export async function writeConfigFile(path: string, text: string, options: { force: boolean }): Promise<void> {
  try {
    await writeFile(path, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw configExistsError(path);
    throw error;
  }
}

/**
 * Render, validate (as loadConfig will read it) and write cambrian.yaml at the top of the repo, then
 * exclude .cambrian/ from git. Validation happens before writing, so a bad answer leaves no file.
 */
export async function writeInitialConfig(
  repoDir: string,
  answers: InitAnswers,
  options: { force: boolean },
): Promise<LoadedConfig> {
  const path = resolve(repoDir, CONFIG_FILE_NAME);
  const complete = { ...answers, protect: answers.protect ?? explicitProtectIfNeeded(answers, repoDir) };
  const text = renderConfig(complete);
  const loaded = parseConfigSource(text, { path, repoDir, env: {} });
  await writeConfigFile(path, text, { force: options.force });
  excludeCambrianDir(repoDir);
  return loaded;
}
