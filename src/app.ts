// Composition root: builds the adapters (store, git, worktree pool, evaluator, operators) from the
// config and hands them to the loop. Nothing below this file picks a driver or reads the environment.
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { loadConfig, type LoadedConfig } from './config/loader.ts';
import type { CambrianConfig } from './config/schema.ts';
import { CommandEvaluator } from './evaluate/evaluator.ts';
import { CommitEmbedder } from './evolution/embeddings.ts';
import { EventBus } from './evolution/event-bus.ts';
import type { JobCostLedger, LoopDeps } from './evolution/session.ts';
import { profiledPool, type Profiler } from './evolution/profile.ts';
import { TreeDirPool } from './git/tree-dir-pool.ts';
import { reapOrphanWorktrees } from './git/worktree-reaper.ts';
import { assertCleanPath, openRepo } from './git/repo.ts';
import type { GitRepo } from './git/plumbing.ts';
import { repositoryIdentity } from './git/identity.ts';
import type { RepositoryIdentity } from './core/types.ts';
import { weightedOperatorChooser } from './operators/chooser.ts';
import { buildOperators, type OperatorFactory } from './operators/registry.ts';
import type { EvolveScope } from './operators/scope.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/port.ts';
import { redactingStore } from './store/redacting-store.ts';
import { createRedactor, type Redactor } from './security/redact.ts';

export type Env = Record<string, string | undefined>;

export interface AppOptions {
  repoDir: string;
  configPath?: string;
  databaseUrl?: string;
  env: Env;
  warn?: (message: string) => void;
}

/** The pieces every command needs: the config, the repository and the store. */
export interface App {
  repoDir: string;
  loaded: LoadedConfig;
  config: CambrianConfig;
  git: GitRepo;
  /** Which repository this is (root commits, origin): the store shows and resumes only its runs. */
  repository: RepositoryIdentity;
  store: Store;
  env: Env;
  /** Scrubs known secrets (API keys, *_TOKEN-like variables, database passwords) from text. */
  redactor: Redactor;
  warn: (message: string) => void;
  close(): Promise<void>;
}

export async function openApp(options: AppOptions): Promise<App> {
  const git = await openRepo(options.repoDir);
  const repoDir = git.repoDir;
  const [loaded, repository] = await Promise.all([
    loadConfig({ repoDir, configPath: options.configPath, env: options.env }),
    repositoryIdentity(repoDir),
  ]);
  const redactor = createRedactor({ env: options.env, config: loaded.config, databaseUrl: options.databaseUrl });
  // Every write to the store is scrubbed here, once, whoever writes (see redacting-store.ts).
  const rawStore = await openStore(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { repoDir });
  const store = redactingStore(rawStore, redactor);
  const printWarning = options.warn ?? ((message: string) => process.stderr.write(`cambrian: warning: ${message}\n`));
  const warn = (message: string): void => printWarning(redactor.redact(message));
  return {
    repoDir,
    loaded,
    config: loaded.config,
    git,
    repository,
    store,
    env: options.env,
    redactor,
    warn,
    async close() {
      await store.close();
      await git.close();
    },
  };
}

export function scopeOf(app: Pick<App, 'config' | 'loaded'>): EvolveScope {
  const { evolve } = app.config;
  return {
    include: evolve.include,
    exclude: evolve.exclude,
    protect: app.loaded.protect,
    limits: { maxFiles: evolve.maxFiles, maxChangedLines: evolve.maxChangedLines },
  };
}

export function defaultWorkers(config: CambrianConfig): number {
  return config.workers ?? Math.max(1, availableParallelism());
}

/**
 * The evaluator as runs and `cambrian eval` use it: orphan worktrees of crashed processes reaped
 * first, then a pool of `size` reused worktrees. The caller closes both.
 */
export async function createEvaluator(
  git: GitRepo,
  config: CambrianConfig,
  options: { size: number; warn: (message: string) => void; profiler?: Profiler },
): Promise<{ pool: TreeDirPool; evaluator: CommandEvaluator }> {
  await reapOrphanWorktrees(git.repoDir);
  const pool = new TreeDirPool({ repo: git, size: options.size });
  const evaluator = new CommandEvaluator({
    config: config.evaluator,
    metrics: config.metrics,
    fitness: config.fitness,
    pool: options.profiler ? profiledPool(pool, options.profiler) : pool,
    onWarning: options.warn,
  });
  // Refuse before anything runs when candidates cannot be contained (and the user did not opt out).
  await evaluator.ensureSandbox().catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  return { pool, evaluator };
}

/** Everything the loop needs, with the worktree pool and evaluator it owns; close() releases them. */
export async function buildLoop(
  app: App,
  options: { workers: number; bus: EventBus; extraOperators?: OperatorFactory[]; jobCosts?: JobCostLedger; profiler?: Profiler },
): Promise<{ deps: LoopDeps; close(): Promise<void> }> {
  const { config } = app;
  const configRel = relative(app.repoDir, app.loaded.path);
  if (!configRel.startsWith('..')) await assertCleanPath(app.git, configRel);
  const { pool, evaluator } = await createEvaluator(app.git, config, { size: options.workers, warn: app.warn, profiler: options.profiler });
  const scope = scopeOf(app);
  // The loop publishes to its own bus; what reaches the caller's subscribers (the live view, --json
  // lines on stdout) is the same event scrubbed of secrets, as the ledger row is.
  const bus = new EventBus();
  bus.subscribe((event) => options.bus.publish([app.redactor.redactDeep(event)]));
  const deps: LoopDeps = {
    config,
    store: app.store,
    git: app.git,
    repository: app.repository,
    evaluator,
    operators: buildOperators(config, options.extraOperators ?? []),
    chooser: weightedOperatorChooser,
    scope,
    bus,
    clock: { now: () => Date.now() },
    embedder: config.archive.descriptors === 'learned' ? new CommitEmbedder(app.git, scope) : null,
    workers: options.workers,
    warn: app.warn,
    ...(options.jobCosts ? { jobCosts: options.jobCosts } : {}),
    ...(options.profiler ? { profiler: options.profiler } : {}),
  };
  return {
    deps,
    async close() {
      await evaluator.close();
      await pool.close();
    },
  };
}
