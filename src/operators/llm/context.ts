// Renders the pieces of an operator prompt from a ProposeContext: the parent's files (whole, or only
// their EVOLVE blocks with a little context), metrics, lineage trend, inspirations and failures.
// Lists are returned item by item so the prompt builder can drop the least important ones to fit.
import type { IndividualView } from '../../core/types.ts';
import { findBlocks } from '../scope.ts';
import type { FailureNote, FileReader } from '../port.ts';

export type FileView = 'full' | 'blocks' | 'list';

/** Lines shown above and below each EVOLVE block so SEARCH text can anchor on them. */
const BLOCK_CONTEXT_LINES = 3;
const MAX_STDERR_CHARS = 1_500;

export async function renderFiles(files: FileReader, commit: string, paths: readonly string[], view: FileView): Promise<string> {
  if (paths.length === 0) return '(no evolvable files)';
  const parts: string[] = [];
  for (const path of paths) {
    const content = (await files.readFile(commit, path)) ?? '';
    if (view === 'list') {
      parts.push(`- ${path} (${content.split('\n').length} lines)`);
      continue;
    }
    const blocks = view === 'blocks' ? findBlocks(content) : [];
    if (blocks.length === 0) {
      parts.push(`${path}\n${fenced(content, languageOf(path))}`);
      continue;
    }
    parts.push(`${path} (only its EVOLVE blocks are shown; lines outside them must not change)\n${fenced(blockExcerpt(content, blocks), languageOf(path))}`);
  }
  return parts.join('\n\n');
}

function blockExcerpt(content: string, blocks: ReturnType<typeof findBlocks>): string {
  const lines = content.split('\n');
  const out: string[] = [];
  let shownUntil = 0;
  for (const block of blocks) {
    const from = Math.max(shownUntil, block.startLine - 1 - BLOCK_CONTEXT_LINES);
    const to = Math.min(lines.length, block.endLine + 1 + BLOCK_CONTEXT_LINES);
    if (from > shownUntil) out.push('…');
    out.push(...lines.slice(from, to));
    shownUntil = to;
  }
  if (shownUntil < lines.length && lines.slice(shownUntil).some((l) => l.trim() !== '')) out.push('…');
  return out.join('\n');
}

export function renderMetrics(view: IndividualView, direction: 'min' | 'max'): string {
  const better = direction === 'max' ? 'higher is better' : 'lower is better';
  const fitness = view.fitness === null ? 'not measured' : formatNumber(view.fitness);
  const metrics = Object.entries(view.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${formatNumber(value)}`)
    .join(', ');
  return `Fitness: ${fitness} (${better}). Metrics: ${metrics || 'none yet'}. Generation ${view.generation}.`;
}

/** One line per ancestor, newest first (as ctx.lineage is ordered). */
export function lineageItems(lineage: readonly IndividualView[]): string[] {
  return lineage.map((v) => `- generation ${v.generation}, ${v.operator}: fitness ${v.fitness === null ? 'not measured' : formatNumber(v.fitness)}`);
}

export function renderLineage(items: readonly string[], lineage: readonly IndividualView[]): string {
  if (items.length === 0) return '';
  const values = lineage.slice(0, items.length).map((v) => v.fitness).filter((f): f is number => f !== null).reverse();
  const trend = values.length >= 2 ? `\nFitness along the lineage, oldest to newest: ${values.map(formatNumber).join(' → ')}.` : '';
  return `# Lineage (ancestors of the current program, newest first)\n${items.join('\n')}${trend}`;
}

/** Each inspiration as its metrics plus its diff against the parent (capped per item). */
export async function inspirationItems(
  files: FileReader,
  parent: IndividualView,
  inspirations: readonly IndividualView[],
  paths: readonly string[],
  direction: 'min' | 'max',
  maxDiffChars: number,
): Promise<string[]> {
  const items: string[] = [];
  for (const [index, other] of inspirations.entries()) {
    items.push(`## Inspiration ${index + 1} (by ${other.operator})\n${await describeOther(files, parent, other, paths, direction, maxDiffChars)}`);
  }
  return items;
}

/** Another individual as metrics plus the diff from `parent` to it, limited to the evolvable paths. */
export async function describeOther(
  files: FileReader,
  parent: IndividualView,
  other: IndividualView,
  paths: readonly string[],
  direction: 'min' | 'max',
  maxDiffChars: number,
): Promise<string> {
  const diff = paths.length === 0 ? '' : await files.diff(parent.commit, other.commit, [...paths]);
  const shown = diff.trim() === '' ? '(its evolvable files are identical to the current program)' : fenced(capText(diff, maxDiffChars), 'diff');
  return `${renderMetrics(other, direction)}\nIts differences from the current program:\n${shown}`;
}

export function renderInspirations(items: readonly string[]): string {
  return items.length === 0 ? '' : `# Inspirations (other good programs from the archive)\n${items.join('\n\n')}`;
}

export function failureItems(failures: readonly FailureNote[]): string[] {
  return failures.map((f) => `- a child made by ${f.operator} failed: ${f.reason}${f.stderrTail.trim() ? `\n${fenced(tail(f.stderrTail, MAX_STDERR_CHARS), '')}` : ''}`);
}

export function renderFailures(items: readonly string[]): string {
  return items.length === 0 ? '' : `# Recent failed attempts from this program (avoid repeating them)\n${items.join('\n')}`;
}

/** The failure a repair should fix: reason and the end of stderr. */
export function renderError(failure: FailureNote): string {
  return `${failure.reason}\n${fenced(tail(failure.stderrTail, MAX_STDERR_CHARS * 2) || '(no stderr)', '')}`;
}

export function fenced(text: string, language: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** Keep the head of a text, saying how much was cut. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[… ${text.length - maxChars} more characters omitted]`;
}

function tail(text: string, maxChars: number): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= maxChars ? trimmed : `[…]\n${trimmed.slice(-maxChars)}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

const LANGUAGES: Record<string, string> = {
  js: 'js', mjs: 'js', cjs: 'js', ts: 'ts', tsx: 'tsx', jsx: 'jsx', py: 'python', rs: 'rust', go: 'go',
  c: 'c', h: 'c', cpp: 'cpp', cc: 'cpp', hpp: 'cpp', java: 'java', rb: 'ruby', sh: 'sh', json: 'json',
  yaml: 'yaml', yml: 'yaml', md: 'markdown', toml: 'toml', sql: 'sql', jl: 'julia', lua: 'lua',
};

function languageOf(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return LANGUAGES[ext] ?? '';
}
