// llm-repair: for a parent whose latest evaluation failed (the loop decides when to use it), the
// newest note in ctx.recentFailures (reason + stderr tail) is shown and the model asked for a fix.
import type { Operator } from '../port.ts';
import { renderError } from './context.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from './prompt.ts';
import { proposeEdit, type LlmOperatorDeps } from './propose-edit.ts';

export function createLlmRepairOperator(deps: LlmOperatorDeps): Operator {
  return {
    name: 'llm-repair',
    usesHistory: true,
    async propose(ctx) {
      const [failure, ...older] = ctx.recentFailures;
      if (failure === undefined) return { kind: 'rejected', reason: 'llm-repair needs a failed evaluation to repair (no recent failure)' };
      const prompt = await buildPrompt(ctx, {
        task: 'repair',
        format: 'search-replace',
        fileView: 'full',
        maxPromptChars: deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
        failures: older,
        extra: { error: renderError(failure) },
        ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
      });
      return proposeEdit(ctx, deps, { operator: 'llm-repair', purpose: 'llm-repair', prompt, format: 'search-replace' });
    },
  };
}
