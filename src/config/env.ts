// CAMBRIAN_* environment overrides: the only module that interprets the environment for config.
// `CAMBRIAN_BUDGET__MAX_EVALUATIONS=50` sets budget.maxEvaluations to 50: strip the prefix, split on
// `__` for nesting, SCREAMING_SNAKE → camelCase per part; values are parsed as YAML (numbers, [a, b]),
// except for text keys, which take the value verbatim.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CambrianError } from '../errors.ts';
import { didYouMean } from './did-you-mean.ts';
import { formatPath, type KeyPath } from './issues.ts';
import { KNOWN_OPERATORS } from './operators.ts';
import { configSchema } from './schema.ts';
import { describeNode, unwrap, type SchemaNode } from './schema-walk.ts';

export const ENV_PREFIX = 'CAMBRIAN_';

/** Variables Cambrian sets or reads for other purposes; they never override config keys. */
export const RESERVED_ENV_NAMES = [
  'CAMBRIAN_DATABASE_URL',
  'CAMBRIAN_RUN_ID',
  'CAMBRIAN_INDIVIDUAL_ID',
  'CAMBRIAN_WORKTREE',
  'CAMBRIAN_METRICS_FILE',
  'CAMBRIAN_LOG_LEVEL',
  'CAMBRIAN_CONFIG',
  'CAMBRIAN_STAGE',
  'CAMBRIAN_PROMPT_FILE',
  'CAMBRIAN_DIRECT_SPAWN',
  'CAMBRIAN_PG_BIN',
] as const;

export type Env = Record<string, string | undefined>;

export interface EnvOverride {
  variable: string;
  path: KeyPath;
  value: unknown;
}

export interface AppliedOverrides {
  value: unknown;
  /** JSON of each overridden key path → the variable that set it (for error messages). */
  sources: Map<string, string>;
}

/** The config path named by CAMBRIAN_CONFIG, when set and non-empty. */
export function configPathFromEnv(env: Env): string | undefined {
  const value = env.CAMBRIAN_CONFIG;
  return value === undefined || value === '' ? undefined : value;
}

/** `MAX_EVALUATIONS` → `maxEvaluations` */
export function screamingSnakeToCamel(part: string): string {
  return part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Apply every CAMBRIAN_* override to a copy of the parsed YAML. Variables the config itself names
 * (llm.models[].apiKeyEnv, evaluator.env) are secrets or pass-throughs, not overrides, and are skipped.
 * Unknown keys and unparsable values are errors naming the variable, all reported together.
 */
export function applyEnvOverrides(raw: unknown, env: Env): AppliedOverrides {
  const ignored = new Set<string>([...RESERVED_ENV_NAMES, ...variablesNamedByConfig(raw)]);
  const overrides: EnvOverride[] = [];
  const problems: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    const text = env[variable];
    if (!variable.startsWith(ENV_PREFIX) || ignored.has(variable) || text === undefined) continue;
    try {
      const { path, schema } = resolveVariable(variable, raw);
      overrides.push({ variable, path, value: parseValue(text, schema) });
    } catch (error) {
      if (!(error instanceof EnvProblem)) throw error;
      problems.push(`  ${variable}: ${error.message}`);
    }
  }
  // Shorter paths first, so CAMBRIAN_BUDGET__MAX_USD refines a whole-object CAMBRIAN_BUDGET.
  overrides.sort((a, b) => a.path.length - b.path.length);
  const value = structuredClone(raw ?? {});
  const sources = new Map<string, string>();
  for (const override of overrides) {
    try {
      setAt(value, override.path, override.value);
      sources.set(JSON.stringify(override.path), override.variable);
    } catch (error) {
      if (!(error instanceof EnvProblem)) throw error;
      problems.push(`  ${override.variable}: ${error.message}`);
    }
  }
  if (problems.length > 0) {
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `invalid CAMBRIAN_* environment override:\n${problems.join('\n')}`, {
      hint: `CAMBRIAN_A__B_C sets a.bC; unset the variable or fix its name (not config: ${RESERVED_ENV_NAMES.join(', ')})`,
    });
  }
  return { value, sources };
}

class EnvProblem extends Error {}

/** Text keys take the value verbatim (a goal may contain `: `); everything else is parsed as YAML. */
function parseValue(text: string, schema: z.ZodType): unknown {
  if (['string', 'enum'].includes(unwrap(schema).def.type)) return text;
  try {
    return parseYaml(text);
  } catch (error) {
    throw new EnvProblem(`value is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
}

/** The key path a variable names and its schema, resolved against the schema (and the file, for record keys). */
function resolveVariable(variable: string, raw: unknown): { path: KeyPath; schema: z.ZodType } {
  const parts = variable.slice(ENV_PREFIX.length).split('__');
  if (parts.some((p) => p === '')) throw new EnvProblem('empty name part (use `__` only between keys)');
  const path: KeyPath = [];
  let schema: z.ZodType = configSchema;
  let rawHere: unknown = raw;
  for (const part of parts) {
    const node = pickUnionBranch(describeNode(schema), part);
    let key: string | number;
    let child: z.ZodType | undefined;
    if (node.kind === 'object') {
      key = screamingSnakeToCamel(part);
      child = node.child(key);
      if (!child) {
        const suggestion = didYouMean(key, node.keys);
        throw new EnvProblem(`\`${formatPath([...path, key])}\` is not a config key${suggestion ? ` — ${suggestion}` : ''}`);
      }
    } else if (node.kind === 'record') {
      key = recordKey(part, path, rawHere);
      child = node.value;
    } else if (node.kind === 'array' && /^\d+$/.test(part)) {
      key = Number(part);
      child = node.element(key);
      if (!child) throw new EnvProblem(`\`${formatPath(path)}\` has no index ${key}`);
    } else {
      throw new EnvProblem(`\`${formatPath(path)}\` holds a single value; nothing can be nested under it (\`${part}\`)`);
    }
    path.push(key);
    schema = child;
    rawHere = typeof rawHere === 'object' && rawHere !== null ? (rawHere as Record<string | number, unknown>)[key] : undefined;
  }
  return { path, schema };
}

function pickUnionBranch(node: SchemaNode, part: string): SchemaNode {
  if (node.kind !== 'union') return node;
  const wantsIndex = /^\d+$/.test(part);
  for (const option of node.options) {
    const branch = describeNode(option);
    if ((branch.kind === 'array') === wantsIndex && branch.kind !== 'leaf') return branch;
  }
  return { kind: 'leaf' };
}

/** Record keys are user names (metrics, operators): match existing ones ignoring case, '_' and '-'. */
function recordKey(part: string, path: KeyPath, rawHere: unknown): string {
  const normalise = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const existing = typeof rawHere === 'object' && rawHere !== null ? Object.keys(rawHere) : [];
  const candidates = path.length === 1 && path[0] === 'operators' ? [...existing, ...KNOWN_OPERATORS] : existing;
  return candidates.find((c) => normalise(c) === normalise(part)) ?? screamingSnakeToCamel(part);
}

function setAt(root: unknown, path: KeyPath, value: unknown): void {
  let here = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = here[key];
    if (next === undefined || next === null) here[key] = typeof path[i + 1] === 'number' ? [] : {};
    else if (typeof next !== 'object') throw new EnvProblem(`\`${formatPath(path.slice(0, i + 1))}\` is not a mapping or list in the file`);
    here = here[key] as Record<string | number, unknown>;
  }
  here[path[path.length - 1]!] = value;
}

function variablesNamedByConfig(raw: unknown): string[] {
  const root = raw as { llm?: { models?: unknown }; evaluator?: { env?: unknown } } | null;
  const names: string[] = [];
  const models = root?.llm?.models;
  if (Array.isArray(models)) {
    for (const m of models) if (typeof m?.apiKeyEnv === 'string') names.push(m.apiKeyEnv);
  }
  const passed = root?.evaluator?.env;
  if (Array.isArray(passed)) names.push(...passed.filter((n): n is string => typeof n === 'string'));
  return names;
}
