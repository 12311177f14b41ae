// The coding-agent operator family: any CLI agent run in a worktree at the parent.
export { createAgentOperator, PROMPT_FILE_ENV, type AgentOperatorDeps } from './agent.ts';
export { agentOperatorFactory, DEFAULT_AGENT_TIMEOUT_MS } from './factory.ts';
