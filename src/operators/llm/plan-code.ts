// plan-code: two calls. A planning call returns a JSON plan {summary, steps, risks} (an invalid one
// gets one retry with the validation error, then the job is rejected); a coding call implements the
// plan as SEARCH/REPLACE blocks, with the same near-miss retry as llm-diff.
import type { ChatMessage } from '../../llm/port.ts';
import type { Operator, ProposeContext } from '../port.ts';
import { sanitiseSubject } from './patch/index.ts';
import { parsePlan, renderPlan, type Plan } from './plan.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from './prompt.ts';
import { continueConversation, llmChoiceOf, proposeEdit, type LlmOperatorDeps } from './propose-edit.ts';
import { loadTemplate, renderTemplate } from './templates.ts';

const PLAN_ATTEMPTS = 2;

export function createPlanCodeOperator(deps: LlmOperatorDeps): Operator {
  const maxPromptChars = deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  const dir = deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {};
  return {
    name: 'plan-code',
    usesHistory: true,
    async propose(ctx) {
      const planned = await requestPlan(ctx, deps, maxPromptChars);
      if (!planned.ok) return { kind: 'rejected', reason: `plan-code: ${planned.error}` };
      const prompt = await buildPrompt(ctx, {
        task: 'code-from-plan',
        format: 'search-replace',
        fileView: 'blocks',
        maxPromptChars,
        extra: { plan: renderPlan(planned.plan) },
        ...dir,
      });
      return proposeEdit(ctx, deps, {
        operator: 'plan-code',
        purpose: 'plan-code',
        prompt,
        format: 'search-replace',
        fallbackSubject: sanitiseSubject(`plan-code: ${planned.plan.summary}`) ?? 'plan-code',
      });
    },
  };
}

async function requestPlan(
  ctx: ProposeContext,
  deps: LlmOperatorDeps,
  maxPromptChars: number,
): Promise<{ ok: true; plan: Plan } | { ok: false; error: string }> {
  const prompt = await buildPrompt(ctx, {
    task: 'plan',
    format: null,
    fileView: 'blocks',
    maxPromptChars,
    ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
  });
  const messages: ChatMessage[] = [
    { role: 'system', content: prompt.system },
    { role: 'user', content: prompt.user },
  ];
  let error = '';
  let calls = 0;
  for (let attempt = 0; attempt < PLAN_ATTEMPTS; attempt++) {
    calls++;
    const response = await deps.llm.complete({
      messages,
      purpose: attempt === 0 ? 'plan' : 'plan:retry',
      runId: ctx.runId,
      jobId: ctx.jobId,
      signal: ctx.signal,
      ...llmChoiceOf(ctx),
    });
    const parsed = parsePlan(response.text);
    if (parsed.ok) return parsed;
    error = parsed.error;
    if (attempt + 1 === PLAN_ATTEMPTS) break;
    const retry = await loadTemplate('plan-retry.md', deps.templatesDir);
    const turns = continueConversation(messages, response.text, renderTemplate(retry, { error }), maxPromptChars);
    if (turns === null) break;
    messages.push(...turns);
  }
  return { ok: false, error: `no valid plan after ${calls} ${calls === 1 ? 'attempt' : 'attempts'}: ${error}` };
}
