// Builds the `agent` operator from its `operators.agent` settings (command, promptVia, timeoutMs).
import { z } from 'zod';
import type { WorktreePool } from '../../git/port.ts';
import type { Redactor } from '../../security/redact.ts';
import { parseSettings } from '../llm/factory.ts';
import type { OperatorFactory } from '../registry.ts';
import { createAgentOperator } from './agent.ts';

export const DEFAULT_AGENT_TIMEOUT_MS = 600_000;

const agentSettingsSchema = z.strictObject({
  command: z.string().min(1).describe('Shell command run in a worktree at the parent, e.g. `claude -p`.'),
  promptVia: z.enum(['stdin', 'file']).default('stdin').describe('Prompt on stdin, or in the file named by $CAMBRIAN_PROMPT_FILE.'),
  timeoutMs: z.number().int().positive().default(DEFAULT_AGENT_TIMEOUT_MS).describe('Wall-clock limit; the process group is killed after it.'),
});

export function agentOperatorFactory(deps: {
  pool: WorktreePool;
  env: Record<string, string | undefined>;
  redactor?: Redactor;
  templatesDir?: string;
  maxPromptChars?: number;
}): OperatorFactory {
  return (name, settings) => {
    if (name !== 'agent') return null;
    const parsed = parseSettings(name, agentSettingsSchema, settings);
    return createAgentOperator({ ...deps, command: parsed.command, promptVia: parsed.promptVia, timeoutMs: parsed.timeoutMs });
  };
}
