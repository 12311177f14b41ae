// Prompt templates: markdown files with {{placeholders}}, read from the user's `llm.templatesDir`
// when it has the file, else from the built-in templates/prompts/. Unknown placeholders are errors.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CambrianError } from '../../errors.ts';
import type { Rng } from '../../core/rng.ts';

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/prompts/', import.meta.url));

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w-]*)\s*\}\}/g;

export interface Template {
  /** Where it was read from, for error messages. */
  source: string;
  text: string;
}

export async function loadTemplate(name: string, templatesDir?: string): Promise<Template> {
  if (templatesDir !== undefined) {
    const source = join(templatesDir, name);
    const text = await readIfExists(source);
    if (text !== null) return { source, text };
  }
  const source = join(DEFAULT_TEMPLATES_DIR, name);
  let text = builtIn.get(name);
  if (text === undefined) {
    const read = await readIfExists(source);
    if (read === null) throw new Error(`built-in prompt template ${source} is missing`);
    builtIn.set(name, (text = read));
  }
  return { source, text };
}

/**
 * The built-in templates ship with the package and never change under a running process: read once
 * (a job used to read three files and a directory). A user's templatesDir is read on every use.
 */
const builtIn = new Map<string, string>();
let builtInNames: string[] | null = null;

/**
 * One of the system-intro variants (`system*.md`), chosen with the run's rng so phrasing varies
 * between jobs but is reproducible for a seed. A user directory with any variant replaces the set.
 */
export async function pickSystemTemplate(rng: Rng, templatesDir?: string): Promise<Template> {
  if (templatesDir !== undefined && (await listIfExists(templatesDir)) === null) {
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `llm.templatesDir ${templatesDir} is not a directory`, {
      hint: 'point llm.templatesDir at a directory of .md templates, or remove it to use the built-in ones',
    });
  }
  for (const dir of templatesDir === undefined ? [DEFAULT_TEMPLATES_DIR] : [templatesDir, DEFAULT_TEMPLATES_DIR]) {
    const listed = dir === DEFAULT_TEMPLATES_DIR ? (builtInNames ??= (await listIfExists(dir)) ?? []) : ((await listIfExists(dir)) ?? []);
    const names = listed.filter((n) => /^system.*\.md$/.test(n)).sort();
    if (names.length > 0) return loadTemplate(rng.pick(names), dir === DEFAULT_TEMPLATES_DIR ? undefined : dir);
  }
  throw new Error(`no system prompt template (system*.md) in ${DEFAULT_TEMPLATES_DIR}`);
}

/** Fill {{name}} placeholders; a placeholder without a value is a user error in their template. */
export function renderTemplate(template: Template, values: Record<string, string>): string {
  return template.text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `prompt template ${template.source} uses unknown placeholder {{${name}}}`, {
        hint: `placeholders available here: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')}`,
      });
    }
    return value;
  });
}

/** Whether the template mentions a placeholder (so a note can be appended when it does not). */
export function usesPlaceholder(template: Template, name: string): boolean {
  for (const m of template.text.matchAll(PLACEHOLDER)) if (m[1] === name) return true;
  return false;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function listIfExists(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
