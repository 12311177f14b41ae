// Builds the `agent` operator from its `operators.agent` settings (command, promptVia, timeoutMs,
// and how it is contained: network, environment, memory, extra read-only paths).
import { z } from 'zod';
import { evaluatorMemory } from '../../config/schema.ts';
import { computeSandboxView } from '../../evaluate/sandbox-view.ts';
import type { TreeEntry, WorktreePool } from '../../git/port.ts';
import type { Redactor } from '../../security/redact.ts';
import { parseSettings } from '../llm/factory.ts';
import type { OperatorFactory } from '../registry.ts';
import { createAgentOperator } from './agent.ts';

export const DEFAULT_AGENT_TIMEOUT_MS = 600_000;

const agentSettingsSchema = z.strictObject({
  command: z.string().min(1).describe('Shell command run in a worktree at the parent, e.g. `claude -p`.'),
  promptVia: z.enum(['stdin', 'file']).default('stdin').describe('Prompt on stdin, or in the file named by $CAMBRIAN_PROMPT_FILE.'),
  timeoutMs: z.number().int().positive().default(DEFAULT_AGENT_TIMEOUT_MS).describe('Wall-clock limit; the process group is killed after it.'),
  network: z.boolean().default(false).describe('Let the agent reach the network (hosted agents need it to call their model).'),
  env: z.array(z.string().min(1)).default([]).describe('Environment variables passed to the agent besides PATH, HOME, LANG…, e.g. its API key.'),
  memoryMb: z.number().int().min(64).default(4096).describe('Memory budget of the agent in MB (private /tmp and /dev/shm included).'),
  homeMb: z.number().int().positive().default(256).describe('Size of the agent\'s private, writable home directory in MB.'),
  readOnlyPaths: z.array(z.string().min(1)).default([]).describe('Extra host paths the agent may read (e.g. its settings directory); credential locations stay hidden.'),
});

export function agentOperatorFactory(deps: {
  pool: WorktreePool;
  listFiles(commit: string): Promise<TreeEntry[]>;
  env: Record<string, string | undefined>;
  /** False only when the user opted out of sandboxing (evaluator.sandbox: none). */
  bwrap: boolean;
  redactor?: Redactor;
  templatesDir?: string;
  maxPromptChars?: number;
}): OperatorFactory {
  return (name, settings) => {
    if (name !== 'agent') return null;
    const parsed = parseSettings(name, agentSettingsSchema, settings);
    const memory = evaluatorMemory({ memoryMb: parsed.memoryMb });
    const view = computeSandboxView({
      path: deps.env['PATH'],
      home: deps.env['HOME'],
      commands: [parsed.command],
      readOnlyPaths: parsed.readOnlyPaths,
      network: parsed.network,
    });
    const { bwrap, ...rest } = deps;
    return createAgentOperator({
      ...rest,
      command: parsed.command,
      promptVia: parsed.promptVia,
      timeoutMs: parsed.timeoutMs,
      envNames: parsed.env,
      sandbox: { bwrap, view, network: parsed.network, dataMb: memory.dataMb, tmpMb: memory.tmpMb, shmMb: memory.shmMb, homeMb: parsed.homeMb },
    });
  };
}
