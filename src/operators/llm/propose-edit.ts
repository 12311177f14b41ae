// The conversation every editing LLM operator has: send the prompt, apply the reply as a patch,
// and on a near miss send the diagnostic back for another try (once by default) before rejecting.
// The router records every call's cost itself, so nothing is added to ctx.costs here.
import type { ChatMessage, LlmClient } from '../../llm/port.ts';
import type { ProposeContext, Proposal } from '../port.ts';
import { applyReply, sanitiseSubject, type PatchFormat } from './patch/index.ts';
import { DEFAULT_MAX_PROMPT_CHARS, type Prompt } from './prompt.ts';
import { loadTemplate, renderTemplate } from './templates.ts';

/** What every LLM operator factory takes. */
export interface LlmOperatorDeps {
  llm: LlmClient;
  /** User templates overriding the built-in ones (`llm.templatesDir`). */
  templatesDir?: string;
  /** Prompt size bound in characters (`llm.maxPromptChars`). */
  maxPromptChars?: number;
  /** Extra attempts after a reply that could not be applied, with the diagnostic fed back. Default 1. */
  maxRepairAttempts?: number;
}

export const DEFAULT_REPAIR_ATTEMPTS = 1;

export interface EditRequest {
  operator: string;
  /** Recorded with each call (the router's ledger); retries append ':retry'. */
  purpose: string;
  prompt: Prompt;
  format: PatchFormat;
  /** Crossover's second parent, passed through to the proposal. */
  alsoParentId?: string;
  /** Subject used when the model wrote none. */
  fallbackSubject?: string;
}

export async function proposeEdit(ctx: ProposeContext, deps: LlmOperatorDeps, request: EditRequest): Promise<Proposal> {
  const messages: ChatMessage[] = [
    { role: 'system', content: request.prompt.system },
    { role: 'user', content: request.prompt.user },
  ];
  const extraAttempts = Math.max(0, deps.maxRepairAttempts ?? DEFAULT_REPAIR_ATTEMPTS);
  const read = (path: string) => ctx.files.readFile(ctx.parent.commit, path);
  let lastReason = '';
  for (let attempt = 0; attempt <= extraAttempts; attempt++) {
    const response = await deps.llm.complete({
      messages,
      purpose: attempt === 0 ? request.purpose : `${request.purpose}:retry`,
      runId: ctx.runId,
      jobId: ctx.jobId,
      signal: ctx.signal,
      ...llmChoiceOf(ctx),
    });
    const result = await applyReply(response.text, request.format, read, { files: request.prompt.files, scope: ctx.scope });
    if (result.ok) {
      const description =
        result.subject ?? request.fallbackSubject ?? describeChanges(request.operator, result.changes.map((c) => c.path));
      return {
        kind: 'changes',
        changes: result.changes,
        description,
        ...(request.alsoParentId !== undefined ? { alsoParentId: request.alsoParentId } : {}),
      };
    }
    lastReason = result.reason;
    if (result.diagnostic === undefined) break;
    const retry = await loadTemplate('retry.md', deps.templatesDir);
    const feedback = renderTemplate(retry, { reason: result.reason, diagnostic: result.diagnostic });
    const turns = continueConversation(messages, response.text, feedback, deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS);
    if (turns === null) break;
    messages.push(...turns);
  }
  return { kind: 'rejected', reason: `${request.operator}: ${lastReason}` };
}

/** The job's model and temperature from the allocation, as request fields (none when unset). */
export function llmChoiceOf(ctx: ProposeContext): { model?: string; temperature?: number } {
  const choice = ctx.llmChoice;
  return {
    ...(choice?.model ? { model: choice.model } : {}),
    ...(choice?.temperature !== null && choice?.temperature !== undefined ? { temperature: choice.temperature } : {}),
  };
}

/**
 * The two turns that continue a conversation after a failed answer, within the prompt size bound
 * (the router refuses larger requests): the model's own answer is replaced by a note when it does
 * not fit; null when even that does not fit, so the caller gives up instead of failing the call.
 */
export function continueConversation(messages: readonly ChatMessage[], answer: string, feedback: string, maxPromptChars: number): ChatMessage[] | null {
  const used = messages.reduce((sum, m) => sum + m.content.length, 0) + feedback.length;
  const omitted = '[your previous answer is omitted here to fit the prompt size limit]';
  const content = used + answer.length <= maxPromptChars ? answer : omitted;
  if (used + content.length > maxPromptChars) return null;
  return [
    { role: 'assistant', content },
    { role: 'user', content: feedback },
  ];
}

/** 'llm-diff: edit pack.js, util.js' — the operator's own subject when the model wrote none. */
export function describeChanges(operator: string, paths: readonly string[]): string {
  const names = paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
  return sanitiseSubject(`${operator}: edit ${names.join(', ')}`) ?? operator;
}
