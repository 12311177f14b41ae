// Builds the LLM router (with its budget restored from what the run already spent, and optional
// record/replay cassettes) and the LLM / agent operator factories. Every LLM call is persisted as an
// llm_calls row and an `llm_call` ledger event, and charged to its job.
import { randomUUID } from 'node:crypto';
import type { App } from './app.ts';
import { Rng } from './core/rng.ts';
import { CambrianError } from './errors.ts';
import { TreeDirPool } from './git/tree-dir-pool.ts';
import { LlmBudget } from './llm/budget.ts';
import { Cassette, cassetteDir } from './llm/cassette.ts';
import { LlmRouter, type LlmCallRecord } from './llm/router.ts';
import type { LedgerEvent } from './ledger/events.ts';
import { agentOperatorFactory } from './operators/agent/factory.ts';
import { sandboxUnavailable } from './evaluate/evaluator.ts';
import { detectSandbox } from './evaluate/sandbox.ts';
import { llmOperatorFactory } from './operators/llm/factory.ts';
import type { OperatorFactory } from './operators/registry.ts';
import type { JobCostLedger } from './evolution/session.ts';

export interface LlmWiring {
  factories: OperatorFactory[];
  jobCosts: JobCostLedger;
  close(): Promise<void>;
}

export async function llmOperatorFactories(
  app: App,
  options: { record: boolean; replay: boolean; forceNew: boolean; workers: number },
): Promise<LlmWiring> {
  const { config, store } = app;
  const jobCosts = new Map<string, { tokensIn: number; tokensOut: number; usd: number }>();
  const ledger: JobCostLedger = {
    take(jobId) {
      const costs = jobCosts.get(jobId) ?? { tokensIn: 0, tokensOut: 0, usd: 0 };
      jobCosts.delete(jobId);
      return costs;
    },
  };
  const factories: OperatorFactory[] = [];
  let agentPool: TreeDirPool | null = null;
  if (config.operators['agent'] && (config.operators['agent'].weight ?? 0) > 0) {
    // The agent runs hostile-until-proven code paths too: same sandbox rule as evaluators.
    const bwrap = config.evaluator.sandbox !== 'none';
    if (bwrap) {
      const status = await detectSandbox();
      if (!status.bwrap) throw sandboxUnavailable(status.reason);
    }
    agentPool = new TreeDirPool({ repo: app.git, size: Math.max(1, options.workers) });
    factories.push(
      agentOperatorFactory({
        pool: agentPool,
        listFiles: (commit) => app.git.listFiles(commit),
        env: app.env,
        bwrap,
        redactor: app.redactor,
        templatesDir: config.llm?.templatesDir,
        maxPromptChars: config.llm?.maxPromptChars,
      }),
    );
  }
  if (options.record && options.replay) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', '--record and --replay cannot be used together');
  }
  if (config.llm) {
    const resumable = options.forceNew ? null : await store.runs.latestResumable(app.repository);
    const spent = resumable ? await store.llmCalls.totals(resumable.id) : { usd: 0, tokensIn: 0, tokensOut: 0 };
    const budget = new LlmBudget({ maxUsd: config.budget.maxUsd, maxTokens: config.budget.maxTokens }, spent);
    const mode = options.replay ? 'replay' : options.record ? 'record' : null;
    const router = new LlmRouter({
      config: config.llm,
      env: app.env,
      budget,
      rng: Rng.fromSeed(`${config.seed}:llm`),
      onCall: (record) => persistCall(app, record, jobCosts),
      redactor: app.redactor,
      ...(mode ? { cassette: new Cassette({ dir: cassetteDir(app.repoDir), mode }) } : {}),
    });
    factories.push(llmOperatorFactory({ llm: router, templatesDir: config.llm.templatesDir, maxPromptChars: config.llm.maxPromptChars }));
  } else if (options.record || options.replay) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', '--record/--replay need an `llm:` section in the config');
  }
  return {
    factories,
    jobCosts: ledger,
    async close() {
      await agentPool?.close();
    },
  };
}

async function persistCall(
  app: App,
  record: LlmCallRecord,
  jobCosts: Map<string, { tokensIn: number; tokensOut: number; usd: number }>,
): Promise<void> {
  if (record.jobId) {
    const costs = jobCosts.get(record.jobId) ?? { tokensIn: 0, tokensOut: 0, usd: 0 };
    costs.tokensIn += record.tokensIn;
    costs.tokensOut += record.tokensOut;
    costs.usd += record.usd;
    jobCosts.set(record.jobId, costs);
  }
  const runId = record.runId ?? null;
  const event: LedgerEvent | null = runId
    ? {
        type: 'llm_call',
        runId,
        jobId: record.jobId ?? null,
        model: record.model,
        tokensIn: record.tokensIn,
        tokensOut: record.tokensOut,
        usd: record.usd,
        latencyMs: record.latencyMs,
        outcome: record.outcome,
      }
    : null;
  await app.store.transaction(async (tx) => {
    await tx.llmCalls.insert({
      id: randomUUID(),
      runId,
      jobId: record.jobId ?? null,
      model: record.model,
      provider: record.provider,
      tokensIn: record.tokensIn,
      tokensOut: record.tokensOut,
      usd: record.usd,
      latencyMs: record.latencyMs,
      outcome: record.outcome,
      error: record.error ?? null,
      createdAt: new Date(),
    });
    if (runId && event) {
      await tx.runs.addSpend(runId, { usd: record.usd, tokens: record.tokensIn + record.tokensOut });
      await tx.ledger.append(runId, [event]);
    }
  });
}
