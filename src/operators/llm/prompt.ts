// Builds an operator's prompt from its template and the job's context, within maxPromptChars:
// the least important context goes first (failures, then inspirations, then the lineage, oldest
// first), and the prompt says what was left out. Shared by the LLM operators and the agent.
import type { IndividualView } from '../../core/types.ts';
import { evolvableFiles } from '../scope.ts';
import type { FailureNote, ProposeContext } from '../port.ts';
import {
  capText,
  failureItems,
  inspirationItems,
  lineageItems,
  renderFailures,
  renderFiles,
  renderInspirations,
  renderLineage,
  renderMetrics,
  type FileView,
} from './context.ts';
import { REWRITE_EXAMPLE, SEARCH_REPLACE_EXAMPLE, UNIFIED_DIFF_EXAMPLE, type PatchFormat } from './patch/index.ts';
import { loadTemplate, pickSystemTemplate, renderTemplate, usesPlaceholder } from './templates.ts';

export const DEFAULT_MAX_PROMPT_CHARS = 60_000;

export type PromptTask = 'diff' | 'rewrite' | 'crossover' | 'repair' | 'plan' | 'code-from-plan' | 'agent';

export interface PromptRequest {
  task: PromptTask;
  /** The answer format to describe; null when the template states its own (plan JSON, agent). */
  format: PatchFormat | null;
  fileView: FileView;
  maxPromptChars: number;
  templatesDir?: string;
  /** Required task-specific sections by placeholder name (`other`, `error`, `plan`). */
  extra?: Record<string, string>;
  /** Inspirations to show; defaults to ctx.inspirations. */
  inspirations?: readonly IndividualView[];
  /** Failure notes to show; defaults to ctx.recentFailures (newest first). */
  failures?: readonly FailureNote[];
}

export interface Prompt {
  system: string;
  user: string;
  /** The parent's evolvable files, sorted: what the model was shown and may edit. */
  files: string[];
  /** What was left out to fit maxPromptChars, in words; empty when nothing was. */
  omitted: string[];
}

const FORMAT_TEMPLATES: Record<PatchFormat, { name: string; example: string }> = {
  'search-replace': { name: 'format-search-replace.md', example: SEARCH_REPLACE_EXAMPLE },
  diff: { name: 'format-diff.md', example: UNIFIED_DIFF_EXAMPLE },
  rewrite: { name: 'format-rewrite.md', example: REWRITE_EXAMPLE },
};

/** The evolvable files of the parent commit, sorted. */
export async function parentFiles(ctx: ProposeContext): Promise<string[]> {
  return evolvableFiles(ctx.scope, await ctx.files.listFiles(ctx.parent.commit));
}

export async function buildPrompt(ctx: ProposeContext, request: PromptRequest): Promise<Prompt> {
  const { templatesDir, maxPromptChars } = request;
  const systemTemplate = await pickSystemTemplate(ctx.rng, templatesDir);
  const template = await loadTemplate(`${request.task}.md`, templatesDir);
  const files = await parentFiles(ctx);
  let filesText = await renderFiles(ctx.files, ctx.parent.commit, files, request.fileView);
  let format = '';
  if (request.format !== null) {
    const spec = FORMAT_TEMPLATES[request.format];
    format = renderTemplate(await loadTemplate(spec.name, templatesDir), { example: spec.example });
  }

  const lists = {
    failures: failureItems(request.failures ?? ctx.recentFailures),
    inspirations: await inspirationItems(
      ctx.files,
      ctx.parent,
      request.inspirations ?? ctx.inspirations,
      files,
      ctx.fitnessDirection,
      Math.max(500, Math.floor(maxPromptChars / 8)),
    ),
    lineage: lineageItems(ctx.lineage),
  };
  const kept = { failures: lists.failures.length, inspirations: lists.inspirations.length, lineage: lists.lineage.length };
  let filesCut = false;
  const system = renderTemplate(systemTemplate, { goal: ctx.goal });

  const omitted = (): string[] => {
    const out: string[] = [];
    const dropped = (key: keyof typeof kept) => lists[key].length - kept[key];
    if (dropped('failures') > 0) out.push(`${dropped('failures')} older failure note(s)`);
    if (dropped('inspirations') > 0) out.push(`${dropped('inspirations')} inspiration(s)`);
    if (dropped('lineage') > 0) out.push(`${dropped('lineage')} older lineage entr${dropped('lineage') === 1 ? 'y' : 'ies'}`);
    if (filesCut) out.push('the end of the program files');
    return out;
  };
  const render = (): string => {
    const left = omitted();
    const note = left.length === 0 ? '' : `\nNote: to fit the prompt size limit, this prompt leaves out ${left.join(', ')}.`;
    const user = renderTemplate(template, {
      goal: ctx.goal,
      files: filesText,
      metrics: renderMetrics(ctx.parent, ctx.fitnessDirection),
      lineage: renderLineage(lists.lineage.slice(0, kept.lineage), ctx.lineage),
      inspirations: renderInspirations(lists.inspirations.slice(0, kept.inspirations)),
      failures: renderFailures(lists.failures.slice(0, kept.failures)),
      format,
      truncation: note,
      ...request.extra,
    });
    const withNote = note && !usesPlaceholder(template, 'truncation') ? `${user}\n${note}` : user;
    return withNote.replace(/\n{3,}/g, '\n\n').trim() + '\n';
  };

  let user = render();
  const over = () => system.length + user.length - maxPromptChars;
  for (const key of ['failures', 'inspirations', 'lineage'] as const) {
    while (over() > 0 && kept[key] > 0) {
      kept[key]--;
      user = render();
    }
  }
  if (over() > 0) {
    // Only the essentials are left; cut the end of the file listing rather than send an oversized
    // prompt (the margin leaves room for the notes the cut itself adds).
    filesCut = true;
    filesText = capText(filesText, Math.max(0, filesText.length - over() - 200));
    user = render();
  }
  return { system, user, files, omitted: omitted() };
}
