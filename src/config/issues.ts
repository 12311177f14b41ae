// Config problems as data (key path + message + hint), converted from zod issues, and rendered
// into one CambrianError that lists every problem with its file:line:col or CAMBRIAN_* variable.
import type { z } from 'zod';
import { CambrianError } from '../errors.ts';
import { didYouMean } from './did-you-mean.ts';
import { knownKeysAt, schemaAt } from './schema-walk.ts';
import type { SourceMap } from './source-map.ts';

export type KeyPath = (string | number)[];

export interface ConfigIssue {
  path: KeyPath;
  message: string;
  hint?: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

/** `archive.descriptors[0].metric` */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

/** Translate zod issues into config issues, with did-you-mean hints for unknown keys. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], root: z.ZodType, prefix: KeyPath = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as KeyPath)];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(root, path);
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, known);
        out.push({
          path: [...path, key],
          message: `unknown key \`${key}\``,
          hint: suggestion || (known.length > 0 ? `known keys here: ${known.join(', ')}` : undefined),
          atKey: true,
        });
      }
    } else if (issue.code === 'invalid_union') {
      out.push(...fromUnionIssue(issue, root, path));
    } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      out.push({ path, message: `required key is missing (expected ${issue.expected})` });
    } else {
      out.push({ path, message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  return out;
}

/** A union failed: report the branch that got furthest into the value, else describe what fits. */
function fromUnionIssue(issue: z.core.$ZodIssueInvalidUnion, root: z.ZodType, path: KeyPath): ConfigIssue[] {
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(0, ...branch.map((i) => i.path.length));
  const deepest = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
  if (deepest && depth(deepest) > 0) return fromZodIssues(deepest, root, path);
  const description = schemaAt(root, path)?.description;
  return [{ path, message: description ? `invalid value: expected ${description}` : 'invalid value' }];
}

export interface IssueContext {
  /** The config file as the user named it (for `file:line:col`). */
  file: string;
  sourceMap?: SourceMap;
  /** Key paths set by CAMBRIAN_* variables (JSON of the path → variable name). */
  envSources?: ReadonlyMap<string, string>;
}

/** Where an issue comes from: `cambrian.yaml:3:5`, `CAMBRIAN_WORKERS`, or just the file. */
export function issueOrigin(issue: ConfigIssue, context: IssueContext): { label: string; line?: number } {
  const variable = envVariableFor(issue.path, context.envSources);
  if (variable) return { label: variable };
  const position = context.sourceMap?.locate(issue.path, { key: issue.atKey === true });
  return position ? { label: `${context.file}:${position.line}:${position.col}`, line: position.line } : { label: context.file };
}

function envVariableFor(path: KeyPath, sources: ReadonlyMap<string, string> | undefined): string | undefined {
  if (!sources) return undefined;
  for (let length = path.length; length > 0; length--) {
    const variable = sources.get(JSON.stringify(path.slice(0, length)));
    if (variable) return variable;
  }
  return undefined;
}

/** One CambrianError listing every issue, sorted by line (env-variable problems last). */
export function configInvalidError(issues: readonly ConfigIssue[], context: IssueContext): CambrianError {
  const rendered = issues
    .map((issue, index) => ({ issue, index, origin: issueOrigin(issue, context) }))
    .sort((a, b) => (a.origin.line ?? Infinity) - (b.origin.line ?? Infinity) || a.index - b.index)
    .map(({ issue, origin }) => {
      const hint = issue.hint ? ` — ${issue.hint}` : '';
      return `  ${origin.label}  ${formatPath(issue.path)}: ${issue.message}${hint}`;
    });
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new CambrianError('CAMBRIAN_CONFIG_INVALID', `${context.file} is invalid (${count}):\n${rendered.join('\n')}`, {
    hint: 'fix the keys above; every key is described in docs/guide/config.md (editors validate it via schema/cambrian.schema.json)',
  });
}
