// The LLM operator family: factories for llm-diff, llm-rewrite, llm-crossover, llm-repair and
// plan-code, plus the patch engine and prompt builder they share (the agent operator reuses them).
export { createLlmDiffOperator } from './diff.ts';
export { createLlmRewriteOperator } from './rewrite.ts';
export { createLlmCrossoverOperator } from './crossover.ts';
export { createLlmRepairOperator } from './repair.ts';
export { createPlanCodeOperator } from './plan-code.ts';
export type { LlmOperatorDeps } from './propose-edit.ts';
export { applyReply, type ApplyResult, type PatchFormat } from './patch/index.ts';
export { buildPrompt, type Prompt, type PromptRequest, type PromptTask } from './prompt.ts';
export { llmOperatorFactory } from './factory.ts';
