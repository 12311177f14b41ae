// Loads cambrian.yaml: read the file (never fall back to defaults when it is missing), parse YAML with
// positions, apply CAMBRIAN_* overrides, validate, and derive the protected paths.
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CambrianError } from '../errors.ts';
import { applyEnvOverrides, configPathFromEnv, type Env } from './env.ts';
import { configInvalidError, type IssueContext } from './issues.ts';
import { deriveProtectedPaths, includeConflicts } from './protect.ts';
import type { CambrianConfig } from './schema.ts';
import { createSourceMap } from './source-map.ts';
import { validateConfig } from './validate.ts';

export const CONFIG_FILE_NAME = 'cambrian.yaml';

export interface LoadConfigOptions {
  repoDir: string;
  /** Relative to the current directory, or absolute. Default: CAMBRIAN_CONFIG, else <repoDir>/cambrian.yaml. */
  configPath?: string;
  env: Env;
}

export interface LoadedConfig {
  config: CambrianConfig;
  /** Absolute path of the config file. */
  path: string;
  /** The file's text exactly as read (hash it to detect a config that changed under a run). */
  source: string;
  /** Repo-relative paths no operator may edit; directories end in '/'. */
  protect: string[];
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const repoDir = resolve(options.repoDir);
  const requested = options.configPath ?? configPathFromEnv(options.env);
  const path = requested === undefined ? resolve(repoDir, CONFIG_FILE_NAME) : resolve(requested);
  const shownPath = displayPath(path);
  const source = await readConfigFile(path, shownPath);
  return parseConfigSource(source, { path, repoDir, env: options.env });
}

/**
 * Parse and validate config text as if it were the file at `path` (used by loadConfig, and by
 * `cambrian init` to check what it is about to write).
 */
export function parseConfigSource(source: string, options: { path: string; repoDir: string; env: Env }): LoadedConfig {
  const path = resolve(options.path);
  const repoDir = resolve(options.repoDir);
  const shownPath = displayPath(path);

  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      const headline = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `  ${shownPath}${at ? `:${at.line}:${at.col}` : ''}  ${headline}`;
    });
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `${shownPath} is not valid YAML:\n${lines.join('\n')}`, {
      hint: 'fix the YAML syntax at the position above (indentation, an unclosed bracket or quote, a duplicated key)',
    });
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `${shownPath} must be a YAML mapping of keys (it is ${raw === null ? 'empty' : 'not a mapping'})`, {
      hint: 'start from the file `cambrian init` writes, or see docs/guide/config.md',
    });
  }

  const { value, sources } = applyEnvOverrides(raw, options.env);
  const context: IssueContext = { file: shownPath, sourceMap: createSourceMap(doc, lineCounter), envSources: sources };
  const result = validateConfig(value);
  if (!result.ok) throw configInvalidError(result.issues, context);

  const configRel = relative(repoDir, path);
  const insideRepo = configRel !== '' && !configRel.startsWith('..') && !isAbsolute(configRel);
  const protect = deriveProtectedPaths(result.config.evaluator, repoDir, insideRepo ? configRel.split(sep).join('/') : '');
  // With explicit evaluator.protect the user has decided; only derived protection can surprise.
  const conflicts = result.config.evaluator.protect === undefined ? includeConflicts(result.config.evolve.include, protect) : [];
  if (conflicts.length > 0) throw configInvalidError(conflicts, context);

  return { config: result.config, path, source, protect };
}

async function readConfigFile(path: string, shownPath: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CambrianError('CAMBRIAN_CONFIG_NOT_FOUND', `no config file at ${shownPath}`, {
        hint: 'run `cambrian init` to write one, or pass --config PATH',
        cause: error,
      });
    }
    if (code === 'EISDIR') {
      throw new CambrianError('CAMBRIAN_CONFIG_NOT_FOUND', `${shownPath} is a directory, not a config file`, {
        hint: 'point --config at the cambrian.yaml file itself',
      });
    }
    throw error;
  }
}

/** The path relative to the current directory when that is shorter (what a user would type). */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && rel.length < path.length ? rel : path;
}
