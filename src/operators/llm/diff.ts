// llm-diff: the model sees the parent (EVOLVE blocks in context, or whole files) with its metrics,
// lineage, inspirations and recent failures, and answers with SEARCH/REPLACE blocks (or, when
// configured, a unified diff).
import type { Operator } from '../port.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from './prompt.ts';
import { proposeEdit, type LlmOperatorDeps } from './propose-edit.ts';

export function createLlmDiffOperator(deps: LlmOperatorDeps & { format?: 'search-replace' | 'diff' }): Operator {
  const format = deps.format ?? 'search-replace';
  return {
    name: 'llm-diff',
    usesHistory: true,
    async propose(ctx) {
      const prompt = await buildPrompt(ctx, {
        task: 'diff',
        format,
        fileView: 'blocks',
        maxPromptChars: deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
        ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
      });
      return proposeEdit(ctx, deps, { operator: 'llm-diff', purpose: 'llm-diff', prompt, format });
    },
  };
}
