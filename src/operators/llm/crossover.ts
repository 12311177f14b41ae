// llm-crossover: two parents, the sampled parent and its first inspiration. The prompt shows the
// parent's files and the second parent as metrics plus its diff from the parent; the model edits
// the parent with SEARCH/REPLACE blocks. The second parent is recorded as alsoParentId.
import type { Operator } from '../port.ts';
import { describeOther } from './context.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS, parentFiles } from './prompt.ts';
import { proposeEdit, type LlmOperatorDeps } from './propose-edit.ts';

export function createLlmCrossoverOperator(deps: LlmOperatorDeps): Operator {
  return {
    name: 'llm-crossover',
    usesHistory: true,
    needsInspirations: true,
    async propose(ctx) {
      const [other, ...rest] = ctx.inspirations;
      if (other === undefined) return { kind: 'rejected', reason: 'llm-crossover needs a second parent among the inspirations' };
      if (other.id === ctx.parent.id) return { kind: 'rejected', reason: 'llm-crossover got the parent itself as second parent' };
      const maxPromptChars = deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
      const files = await parentFiles(ctx);
      // The second parent is required context; give it a quarter of the budget at most.
      const otherText = await describeOther(ctx.files, ctx.parent, other, files, ctx.fitnessDirection, Math.floor(maxPromptChars / 4));
      const prompt = await buildPrompt(ctx, {
        task: 'crossover',
        format: 'search-replace',
        fileView: 'blocks',
        maxPromptChars,
        inspirations: rest,
        extra: { other: otherText },
        ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
      });
      return proposeEdit(ctx, deps, {
        operator: 'llm-crossover',
        purpose: 'llm-crossover',
        prompt,
        format: 'search-replace',
        alsoParentId: other.id,
      });
    },
  };
}
