// Protected paths: what no operator may edit, so a candidate cannot improve its score by changing
// the judge. Derived from the evaluator command(s) unless `evaluator.protect` lists them explicitly.
import { statSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { EvaluatorConfig } from './schema.ts';
import type { ConfigIssue } from './issues.ts';

/**
 * Every whitespace-separated token of the evaluator command(s) that names an existing file or
 * directory inside the repo (directories as `dir/`), the directory of such a file when it lives in a
 * subfolder, plus the config file. With `evaluator.protect` set, exactly those entries plus the config.
 */
export function deriveProtectedPaths(evaluator: EvaluatorConfig, repoDir: string, configRelPath: string): string[] {
  const protect = new Set<string>(['cambrian.yaml', configRelPath]);
  if (evaluator.protect !== undefined) {
    for (const entry of evaluator.protect) protect.add(entry.replace(/^\.\//, ''));
  } else {
    const commands = evaluator.stages?.map((s) => s.command) ?? (evaluator.command ? [evaluator.command] : []);
    for (const command of commands) for (const path of pathsNamedBy(command, repoDir)) protect.add(path);
  }
  return [...protect].filter((p) => p !== '').sort();
}

/** Repo-relative paths a shell command names: `python3 eval/run.py data/` → eval/run.py, eval/, data/. */
export function pathsNamedBy(command: string, repoDir: string): string[] {
  const root = resolve(repoDir);
  const found: string[] = [];
  for (const token of commandTokens(command)) {
    const absolute = resolve(root, token);
    const rel = relative(root, absolute);
    // The repo root itself (`.`) and anything outside the repo are not protectable paths.
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    const kind = statKind(absolute);
    if (!kind) continue;
    const posixRel = rel.split(sep).join('/');
    if (kind === 'dir') found.push(`${posixRel}/`);
    else {
      found.push(posixRel);
      const dir = posix.dirname(posixRel);
      if (dir !== '.') found.push(`${dir}/`);
    }
  }
  return found;
}

/** Whitespace tokens without quotes and shell punctuation; `--data=x.csv` contributes `x.csv`. */
function commandTokens(command: string): string[] {
  return command
    .split(/\s+/)
    .map((t) => t.replace(/^['"(]+|['";&|)<>]+$/g, ''))
    .map((t) => (t.startsWith('-') && t.includes('=') ? t.slice(t.indexOf('=') + 1) : t))
    .filter((t) => t !== '' && !t.startsWith('-') && !/[*?$`]/.test(t));
}

function statKind(path: string): 'file' | 'dir' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An include glob whose fixed prefix lies inside a protected directory could never match an
 * editable file — usually because the evaluator sits next to the code. Report it instead of
 * running an evolution that cannot change anything.
 */
export function includeConflicts(include: readonly string[], protect: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  include.forEach((glob, index) => {
    const clean = glob.replace(/^\.\//, '');
    const fixed = clean.slice(0, clean.search(/[*?{[]|$/));
    const blocker = protect.find((p) => (p.endsWith('/') ? fixed.startsWith(p) : fixed === p && fixed === clean));
    if (blocker) {
      issues.push({
        path: ['evolve', 'include', index],
        message: `\`${glob}\` lies inside the protected path \`${blocker}\`, so nothing it matches can be edited`,
        hint: 'move the evaluator out of that folder, or list exactly what to protect in `evaluator.protect`',
      });
    }
  });
  return issues;
}
