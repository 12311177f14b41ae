// llm-rewrite: the model sees the parent's evolvable files in full and answers with complete new
// files, for larger restructurings than a diff invites.
import type { Operator } from '../port.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from './prompt.ts';
import { proposeEdit, type LlmOperatorDeps } from './propose-edit.ts';

export function createLlmRewriteOperator(deps: LlmOperatorDeps): Operator {
  return {
    name: 'llm-rewrite',
    usesHistory: true,
    async propose(ctx) {
      const prompt = await buildPrompt(ctx, {
        task: 'rewrite',
        format: 'rewrite',
        fileView: 'full',
        maxPromptChars: deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
        ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
      });
      return proposeEdit(ctx, deps, { operator: 'llm-rewrite', purpose: 'llm-rewrite', prompt, format: 'rewrite' });
    },
  };
}
