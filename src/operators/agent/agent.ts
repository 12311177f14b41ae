// The `agent` operator: runs any coding agent (codex exec, claude -p, aider --message-file, a
// script) with the same prompt the LLM operators build, in its own plain copy of the parent's tree
// (no git metadata), inside the same kind of sandbox as evaluators: a minimal read-only view of the
// host, a private writable home, network only when allowed, an allowlisted environment. What it
// changed is read back in-process (collect-changes.ts) and scope-checked. Examples:
//   codex exec --full-auto -            (promptVia: stdin)
//   claude -p --permission-mode acceptEdits   (promptVia: stdin)
//   aider --yes-always --no-auto-commits --message-file "$CAMBRIAN_PROMPT_FILE"   (promptVia: file)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStageEnv, runCommand, type CommandResult } from '../../evaluate/process.ts';
import type { SandboxView } from '../../evaluate/sandbox-view.ts';
import type { TreeEntry, WorktreePool } from '../../git/port.ts';
import type { Redactor } from '../../security/redact.ts';
import { extractSubject } from '../llm/patch/index.ts';
import { buildPrompt, DEFAULT_MAX_PROMPT_CHARS } from '../llm/prompt.ts';
import { describeChanges } from '../llm/propose-edit.ts';
import type { Operator, Proposal, ProposeContext } from '../port.ts';
import { checkChanges, isEvolvable } from '../scope.ts';
import { collectChanges } from './collect-changes.ts';

/** How the agent is contained; `bwrap: false` only when the user opted out (evaluator.sandbox: none). */
export interface AgentSandbox {
  bwrap: boolean;
  view: SandboxView;
  network: boolean;
  /** RLIMIT_DATA per process, and the sizes of the private /tmp, /dev/shm and home. */
  dataMb: number;
  tmpMb: number;
  shmMb: number;
  homeMb: number;
}

export interface AgentOperatorDeps {
  pool: WorktreePool;
  /** The parent's tree, to tell what the agent changed. */
  listFiles(commit: string): Promise<TreeEntry[]>;
  /** Shell command run in the agent's directory (`bash -c`). */
  command: string;
  /** Prompt on stdin, or in a file whose path is in env CAMBRIAN_PROMPT_FILE. */
  promptVia: 'stdin' | 'file';
  timeoutMs: number;
  /** The parent environment; only the base names and `envNames` reach the agent. */
  env: Record<string, string | undefined>;
  /** Variables passed through to the agent, e.g. its API key (ANTHROPIC_API_KEY). */
  envNames: readonly string[];
  sandbox: AgentSandbox;
  /** Scrubs secrets from the prompt: it quotes candidate output, and the agent may send it anywhere. */
  redactor?: Redactor;
  templatesDir?: string;
  maxPromptChars?: number;
}

export const PROMPT_FILE_ENV = 'CAMBRIAN_PROMPT_FILE';
const REASON_TAIL_CHARS = 600;
/** Head and tail of the agent's stdout and stderr kept. */
const AGENT_OUTPUT_BYTES = 64 * 1024;

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
      // The prompt lives outside the agent's directory so it never shows up as a change.
      const promptDir = await mkdtemp(join(tmpdir(), 'cambrian-agent-'));
      const worktree = await deps.pool.acquire(ctx.parent.commit, ctx.signal).catch(async (error: unknown) => {
        await rm(promptDir, { recursive: true, force: true });
        throw error;
      });
      try {
        const promptFile = join(promptDir, 'prompt.md');
        await writeFile(promptFile, text);
        const home = deps.env['HOME'];
        const env = buildStageEnv(deps.env, deps.envNames, { [PROMPT_FILE_ENV]: promptFile });
        const { sandbox } = deps;
        const run = await runCommand({
          // stdin is not connected: the prompt is redirected from its file inside the sandbox.
          command: deps.promptVia === 'stdin' ? `{ ${deps.command}\n} < "$${PROMPT_FILE_ENV}"` : deps.command,
          sandbox: {
            bwrap: sandbox.bwrap,
            worktree: worktree.path,
            writableDirs: [promptDir],
            network: sandbox.network,
            view: sandbox.view,
            tmpMb: sandbox.tmpMb,
            shmMb: sandbox.shmMb,
            ...(home !== undefined && home.startsWith('/') && { privateHome: { path: home, sizeMb: sandbox.homeMb } }),
          },
          limits: { memoryMb: sandbox.dataMb },
          env,
          timeoutMs: deps.timeoutMs,
          maxOutputBytes: AGENT_OUTPUT_BYTES,
          signal: ctx.signal,
        });
        ctx.signal.throwIfAborted();
        const failed = runFailure(run, deps.timeoutMs);
        if (failed) return { kind: 'rejected', reason: failed, operatorFailed: true };
        return await proposalFrom(ctx, deps, worktree.path, run);
      } finally {
        await worktree.release();
        await rm(promptDir, { recursive: true, force: true });
      }
    },
  };
}

async function proposalFrom(ctx: ProposeContext, deps: AgentOperatorDeps, dir: string, run: CommandResult): Promise<Proposal> {
  // New files outside the evolve scope are the agent's own droppings (.aider.chat.history.md,
  // scratch notes): left out unread. Edits to existing files are all checked.
  const parent = await deps.listFiles(ctx.parent.commit);
  const collected = await collectChanges(dir, parent, (path, isNew) => !isNew || isEvolvable(ctx.scope, path));
  if (!collected.ok) return { kind: 'rejected', reason: `agent: ${collected.reason}` };
  const changes = collected.changes.map(({ path, content }) => ({ path, content }));
  if (changes.length === 0) return { kind: 'rejected', reason: 'agent: the agent changed no evolvable file' };
  const check = await checkChanges(ctx.scope, changes, (path) => ctx.files.readFile(ctx.parent.commit, path));
  if (!check.ok) return { kind: 'rejected', reason: `agent: ${check.reason}` };
  return {
    kind: 'changes',
    changes,
    description: extractSubject(tail(run.stdout)) ?? describeChanges('agent', changes.map((c) => c.path)),
  };
}

function runFailure(run: CommandResult, timeoutMs: number): string | null {
  if (run.spawnError) return `agent: the command could not start: ${run.spawnError.message}`;
  if (run.timedOut) return `agent: timed out after ${timeoutMs} ms${tailNote(run.stderr)}`;
  if (run.exitCode !== 0) {
    const how = run.exitCode === null ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
    return `agent: the command ${how}${tailNote(run.stderr || run.stdout)}`;
  }
  return null;
}

/** The end of the output (where an agent's summary is). */
function tail(text: string): string {
  return text.length > REASON_TAIL_CHARS * 4 ? text.slice(-REASON_TAIL_CHARS * 4) : text;
}

function tailNote(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  return `: ${trimmed.length > REASON_TAIL_CHARS ? '…' + trimmed.slice(-REASON_TAIL_CHARS) : trimmed}`;
}
