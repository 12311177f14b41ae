// The `agent` operator: runs any coding agent (codex exec, claude -p, aider --message-file, a
// script) in a worktree checked out at the parent, with the same prompt the LLM operators build,
// then turns what it changed into FileChanges and applies the scope check. Examples:
//   codex exec --full-auto -            (promptVia: stdin)
//   claude -p --permission-mode acceptEdits   (promptVia: stdin)
//   aider --yes-always --no-auto-commits --message-file "$CAMBRIAN_PROMPT_FILE"   (promptVia: file)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorktreePool } from '../../git/port.ts';
import type { Redactor } from '../../security/redact.ts';
import { extractSubject } from '../llm/patch/index.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from '../llm/prompt.ts';
import { describeChanges } from '../llm/propose-edit.ts';
import type { Operator, Proposal, ProposeContext } from '../port.ts';
import { checkChanges, isEvolvable } from '../scope.ts';
import { collectChanges } from './collect-changes.ts';
import { runAgentCommand, type AgentRun } from './run-command.ts';

export interface AgentOperatorDeps {
  pool: WorktreePool;
  /** Shell command run in the worktree (`sh -c`). */
  command: string;
  /** Prompt on stdin, or in a file whose path is in env CAMBRIAN_PROMPT_FILE. */
  promptVia: 'stdin' | 'file';
  timeoutMs: number;
  /** The agent's environment (API keys, PATH); undefined values are left out. */
  env: Record<string, string | undefined>;
  /** Scrubs secrets from the prompt: it quotes candidate output, and the agent may send it anywhere. */
  redactor?: Redactor;
  templatesDir?: string;
  maxPromptChars?: number;
}

export const PROMPT_FILE_ENV = 'CAMBRIAN_PROMPT_FILE';
const REASON_TAIL_CHARS = 600;

export function createAgentOperator(deps: AgentOperatorDeps): Operator {
  return {
    name: 'agent',
    usesHistory: true,
    async propose(ctx) {
      const prompt = await buildPrompt(ctx, {
        task: 'agent',
        format: null,
        fileView: 'list',
        maxPromptChars: deps.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
        ...(deps.templatesDir !== undefined ? { templatesDir: deps.templatesDir } : {}),
      });
      const raw = `${prompt.system}\n\n${prompt.user}`;
      const text = deps.redactor ? deps.redactor.redact(raw) : raw;
      // The prompt file lives outside the worktree so it never shows up as a change.
      const promptDir = deps.promptVia === 'file' ? await mkdtemp(join(tmpdir(), 'cambrian-agent-')) : null;
      const worktree = await deps.pool.acquire(ctx.parent.commit, ctx.signal).catch(async (error: unknown) => {
        if (promptDir) await rm(promptDir, { recursive: true, force: true });
        throw error;
      });
      try {
        const env = definedEnv(deps.env);
        if (promptDir) {
          const promptFile = join(promptDir, 'prompt.md');
          await writeFile(promptFile, text);
          env[PROMPT_FILE_ENV] = promptFile;
        }
        const run = await runAgentCommand({
          command: deps.command,
          cwd: worktree.path,
          env,
          timeoutMs: deps.timeoutMs,
          signal: ctx.signal,
          ...(deps.promptVia === 'stdin' ? { stdin: text } : {}),
        });
        ctx.signal.throwIfAborted();
        const failed = runFailure(run, deps.timeoutMs);
        if (failed) return { kind: 'rejected', reason: failed, operatorFailed: true };
        return await proposalFrom(ctx, worktree.path, run);
      } finally {
        await worktree.release();
        if (promptDir) await rm(promptDir, { recursive: true, force: true });
      }
    },
  };
}

async function proposalFrom(ctx: ProposeContext, worktreeDir: string, run: AgentRun): Promise<Proposal> {
  const collected = await collectChanges(worktreeDir, ctx.parent.commit, ctx.signal);
  if (!collected.ok) return { kind: 'rejected', reason: `agent: ${collected.reason}` };
  // New files outside the evolve scope are the agent's own droppings (.aider.chat.history.md,
  // scratch notes): leave them out. Edits to existing files are all checked.
  const changes = collected.changes
    .filter((c) => !(c.isNew && !isEvolvable(ctx.scope, c.path)))
    .map(({ path, content }) => ({ path, content }));
  if (changes.length === 0) return { kind: 'rejected', reason: 'agent: the agent changed no evolvable file' };
  const check = await checkChanges(ctx.scope, changes, (path) => ctx.files.readFile(ctx.parent.commit, path));
  if (!check.ok) return { kind: 'rejected', reason: `agent: ${check.reason}` };
  return {
    kind: 'changes',
    changes,
    description: extractSubject(run.stdoutTail) ?? describeChanges('agent', changes.map((c) => c.path)),
  };
}

function runFailure(run: AgentRun, timeoutMs: number): string | null {
  if (run.timedOut) return `agent: timed out after ${timeoutMs} ms${tailNote(run.stderrTail)}`;
  if (run.exitCode !== 0) {
    const how = run.exitCode === null ? `was killed by ${run.killedBy}` : `exited with code ${run.exitCode}`;
    return `agent: the command ${how}${tailNote(run.stderrTail || run.stdoutTail)}`;
  }
  return null;
}

function tailNote(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  return `: ${trimmed.length > REASON_TAIL_CHARS ? '…' + trimmed.slice(-REASON_TAIL_CHARS) : trimmed}`;
}

function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
