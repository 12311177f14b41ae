// The single source of truth for cambrian.yaml. Every object is strict (unknown keys are errors);
// defaults live here and nowhere else. The JSON Schema shipped in schema/ and the reference table in
// docs/guide/config.md are generated from this file (scripts/write-json-schema.ts, scripts/write-config-reference.ts).
import { z } from 'zod';
import type { Objective } from '../core/types.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const metricSpecSchema = z.strictObject({
  direction: z.enum(['min', 'max']).describe('Whether smaller (min) or larger (max) values are better.'),
  description: z.string().optional().describe('What the metric measures, in words (shown in reports and LLM prompts).'),
});

export const stageSchema = z.strictObject({
  name: z.string().min(1).describe('Stage name, unique within the cascade (shown in logs and the ledger).'),
  command: z.string().min(1).describe('Shell command run in the candidate worktree.'),
  timeoutMs: positiveInt.default(60_000).describe('Wall-clock limit for this stage; the process group is killed after it.'),
  threshold: z
    .number()
    .optional()
    .describe(
      'Stop the cascade after this stage unless the fitness metric (the first, when `fitness` lists several) reaches this value (compared in its direction).',
    ),
  holdout: z
    .boolean()
    .optional()
    .describe(
      'A holdout stage (e.g. unseen test inputs): skipped in regular evaluations, run only for a challenger to the best and its incumbent at the assimilation gate. It must report the fitness metric.',
    ),
});

export const evaluatorSchema = z
  .strictObject({
    command: z.string().min(1).optional().describe('Shell command run in the candidate worktree (single stage).'),
    timeoutMs: positiveInt.default(60_000).describe('Wall-clock limit for `command`; the process group is killed after it.'),
    stages: z.array(stageSchema).min(1).optional().describe('Cascade form: stages run in order.'),
    repeats: positiveInt.default(1).describe('Run the evaluator n times; metrics record mean (and stdev).'),
    memoryMb: positiveInt
      .default(4096)
      .describe('Memory budget of one evaluation, in MB: the private /tmp and /dev/shm are carved out of it, the rest is each process\'s RLIMIT_DATA.'),
    diskMb: positiveInt
      .optional()
      .describe('Disk limit of the evaluation directory in MB: no file may grow past it (RLIMIT_FSIZE) and the directory is measured twice a second. Default: none.'),
    tmpMb: positiveInt.optional().describe('Size of the private, RAM-backed /tmp in MB (counted in memoryMb). Default: a quarter of memoryMb, at most 1024.'),
    shmMb: positiveInt.optional().describe('Size of the private /dev/shm in MB (counted in memoryMb). Default: a sixteenth of memoryMb, at most 256.'),
    sandbox: z
      .enum(['bwrap', 'none'])
      .default('bwrap')
      .describe('`bwrap` (default) contains every evaluation with bubblewrap and refuses to run without it; `none` runs candidate code with your own privileges (unsafe; recorded in the ledger and shown by status).'),
    readOnlyPaths: z
      .array(z.string().min(1))
      .default([])
      .describe('Extra host paths the evaluator may read (absolute or ~/…), e.g. a data set or a toolchain outside PATH. Credential locations inside them stay hidden.'),
    cpuSeconds: positiveInt.optional().describe('CPU-time limit for the evaluator process (prlimit --cpu).'),
    network: z.boolean().default(false).describe('Let the evaluator reach the network (default: none; the sandbox has its own empty network namespace).'),
    env: z.array(z.string()).default([]).describe('Extra environment variable names passed through to the evaluator.'),
    protect: z
      .array(z.string())
      .optional()
      .describe('Paths operators may never edit. Default: files the evaluator command names, plus cambrian.yaml.'),
    maxOutputBytes: positiveInt.default(65_536).describe('Head and tail of stdout/stderr kept per stream.'),
  })
  .refine((e) => (e.command === undefined) !== (e.stages === undefined), {
    message: 'set exactly one of evaluator.command or evaluator.stages',
  })
  .refine((e) => evaluatorMemory(e).dataMb >= 16, {
    message: 'evaluator.tmpMb + evaluator.shmMb must leave at least 16 MB of evaluator.memoryMb for the processes themselves',
  })
  .describe('How a candidate is measured: one command, or a cascade of stages.');

/** How memoryMb is split: the sized tmpfs mounts first, the rest is each process's RLIMIT_DATA. */
export function evaluatorMemory(e: { memoryMb: number; tmpMb?: number | undefined; shmMb?: number | undefined }): { tmpMb: number; shmMb: number; dataMb: number } {
  const tmpMb = e.tmpMb ?? Math.max(1, Math.min(1024, Math.floor(e.memoryMb / 4)));
  const shmMb = e.shmMb ?? Math.max(1, Math.min(256, Math.floor(e.memoryMb / 16)));
  return { tmpMb, shmMb, dataMb: e.memoryMb - tmpMb - shmMb };
}

export const evolveSchema = z
  .strictObject({
    include: z.array(z.string().min(1)).min(1).describe('Globs of files operators may edit.'),
    exclude: z.array(z.string().min(1)).default([]).describe('Globs removed from `include`.'),
    maxFiles: positiveInt.default(10).describe('Most files one child may change.'),
    maxChangedLines: positiveInt.default(400).describe('Most changed lines (added + removed) in one child.'),
  })
  .describe('What operators may change.');

export const budgetSchema = z
  .strictObject({
    maxEvaluations: positiveInt.optional().describe('Evaluations in the run, the seed included.'),
    maxWallClockMs: positiveInt.optional().describe('Stop after this much wall-clock time.'),
    targetFitness: z.number().optional().describe('Stop once the best fitness (of the first metric, when `fitness` lists several) reaches this value.'),
    plateau: positiveInt.optional().describe('Stop after this many evaluations without improvement (of the first fitness metric).'),
    maxUsd: z.number().positive().optional().describe('Stop once LLM spending reaches this many US dollars.'),
    maxTokens: positiveInt.optional().describe('Stop once LLM calls have used this many tokens (in + out).'),
  })
  .describe('When the run stops; the first limit reached wins. With no limit at all, a run stops after 100 evaluations.');

export const descriptorMetricSchema = z.strictObject({
  metric: z.string().min(1).describe('A declared metric used as one axis of the archive.'),
  min: z.number().describe('Lower bound of the axis; smaller values fall in the first bin.'),
  max: z.number().describe('Upper bound of the axis; larger values fall in the last bin.'),
});

export const archiveSchema = z
  .strictObject({
    islands: positiveInt.default(4).describe('Independent MAP-Elites grids, connected by ring migration.'),
    bins: z.number().int().min(2).default(10).describe('Bins per descriptor dimension.'),
    dims: positiveInt.max(8).default(2).describe('PCA dimensions of the learned descriptor.'),
    descriptors: z
      .union([z.literal('learned'), z.array(descriptorMetricSchema).min(1)])
      .default('learned')
      .describe('"learned" (code embedding + PCA) or a list of metrics with bounds.'),
    warmup: z.number().int().min(2).default(16).describe('Samples needed before the first PCA fit.'),
    refitEvery: positiveInt.default(50).describe('Refit PCA after this many new individuals.'),
    migrationEvery: positiveInt.default(25).describe('Ring migration every M evaluations.'),
    migrants: nonNegativeInt.default(1).describe('Top elites copied to the next island per migration.'),
    noveltyThreshold: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('Reject a child before evaluating it when its code embedding has cosine ≥ this with an elite of its island (e.g. 0.9999). Unset: off. Needs learned descriptors.'),
  })
  .describe('The MAP-Elites archive: islands of grids over behaviour descriptors.');

export const samplerSchema = z
  .strictObject({
    exploit: z.number().nonnegative().default(0.6).describe('Relative weight of picking a parent among the fittest elites.'),
    explore: z.number().nonnegative().default(0.3).describe('Relative weight of picking a parent uniformly at random from the archive.'),
    curiosity: z
      .number()
      .nonnegative()
      .default(0.1)
      .describe('Relative weight of picking a parent from cells whose children have been improving (curiosity).'),
    inspirations: nonNegativeInt.default(3).describe('Other elites shown to an operator alongside the parent.'),
  })
  .describe('How parents and inspirations are chosen; weights are relative and need not sum to 1.');

export const operatorSettingsSchema = z
  .object({
    weight: z.number().nonnegative().default(1).describe('Relative chance of choosing this operator for a job.'),
  })
  .catchall(z.unknown())
  .describe('Operator settings: `weight` plus operator-specific keys.');

export const llmModelSchema = z.strictObject({
  name: z.string().min(1).describe('Your name for this model entry (referenced by `fallback`).'),
  provider: z.enum(['openai', 'anthropic']).describe('API flavour; `openai` also covers compatible local servers.'),
  baseUrl: z.string().url().optional().describe('API base URL (for local or proxy servers).'),
  apiKeyEnv: z.string().min(1).optional().describe('Name of the environment variable holding the API key.'),
  model: z.string().min(1).describe('Model id sent to the provider.'),
  tier: z.enum(['local', 'cloud', 'deep']).default('cloud').describe('Cost class, used by budget pressure routing.'),
  weight: z.number().nonnegative().default(1).describe('Relative chance of choosing this model within its tier.'),
  priceUsdPerMTokIn: z.number().nonnegative().default(0).describe('US dollars per million input tokens.'),
  priceUsdPerMTokOut: z.number().nonnegative().default(0).describe('US dollars per million output tokens.'),
  maxConcurrency: positiveInt.default(4).describe('Most calls in flight to this model.'),
  timeoutMs: positiveInt.default(120_000).describe('Wall-clock limit for one call.'),
  maxTokens: positiveInt.default(4096).describe('Most output tokens per call.'),
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature; provider default when unset.'),
  stream: z.boolean().default(true).describe('Stream responses.'),
  fallback: z.array(z.string()).default([]).describe('Model names to try, in order, when this one fails.'),
});

export const llmSchema = z
  .strictObject({
    models: z.array(llmModelSchema).min(1).describe('The models operators may call.'),
    retries: nonNegativeInt.default(3).describe('Retries of a failed call before falling back to the next model.'),
    benchAfterFailures: positiveInt.default(3).describe('Consecutive failures before a model is benched.'),
    benchMs: positiveInt.default(60_000).describe('How long a benched model is skipped.'),
    pressure: z
      .enum(['auto', 'low', 'medium', 'high'])
      .default('auto')
      .describe('Budget pressure: `auto` derives it from the remaining budget; otherwise fixed.'),
    pressureFractions: z
      .tuple([z.number(), z.number()])
      .default([0.5, 0.2])
      .describe('Remaining-budget fractions below which cheaper tiers are preferred (medium, high).'),
    templatesDir: z.string().optional().describe('Directory of prompt templates overriding the built-in ones.'),
    maxPromptChars: positiveInt.default(60_000).describe('Longest prompt sent, in characters; context beyond it is trimmed.'),
  })
  .describe('Language models for the llm-* and plan-code operators. Required when one of them is enabled.');

export const economySchema = z
  .strictObject({
    enabled: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('`auto`: on when there is more than one island and `policy` is not `fixed`; `off`: islands take turns (round-robin).'),
    initialEnergy: z.number().positive().default(20).describe('Energy each island starts (and restarts after a cull) with, in job tickets.'),
    price: z.number().positive().default(8).describe('Energy an island earns per unit of reward (before the scarcity factor of 0.5–4×).'),
    maxShare: z.number().gt(0).max(1).default(0.5).describe('Largest share of recent job slots one island may take.'),
    giniCap: z.number().gt(0).max(1).default(0.5).describe('Gini coefficient of island energy above which part of the richest islands\' surplus is spread over the poorer ones.'),
    checkEvery: positiveInt.default(10).describe('Evaluations between economy checks (upkeep, Gini levy, bankruptcy, top-ups).'),
    upkeep: z.number().min(0).default(1).describe('Energy every island pays at each check, so an island that gets no job slots still drains towards a cull.'),
    cullAfter: positiveInt.default(3).describe('Checks in a row an island may be bankrupt (energy ≤ 0) before it is culled and reseeded.'),
    reseed: positiveInt.default(4).describe('Elites of other islands (distinct cells, never the global best alone) a culled island is reseeded with.'),
    topUp: z.number().min(0).default(5).describe('Energy credited at a check to an island with an above-median ROI whose best is near the global best.'),
  })
  .describe('The energy economy that gives job slots to islands (see docs/guide/allocation.md).');

export const assimilationSchema = z
  .strictObject({
    gate: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('`auto`: gate unless `policy` is `fixed`, re-measuring only until the evaluator proves exact; `on`: always re-measure; `off`: one measurement decides (the behaviour before the gate).'),
    samples: positiveInt.max(20).default(3).describe('Fresh measurements of the challenger and of the incumbent when the evaluator is noisy.'),
    alpha: z.number().gt(0).lt(1).default(0.05).describe('Largest p-value (one-sided Welch t-test) at which the uplift counts.'),
    minUplift: z.number().min(0).default(0).describe('Smallest uplift of the mean (in fitness units) a challenger must show.'),
    holdoutTolerance: z.number().min(0).default(0).describe('How much worse than the incumbent a challenger may do on the holdout stages.'),
    screen: z
      .number()
      .min(0)
      .default(2)
      .describe('Once the gate has measured the evaluator\'s noise: standard deviations of it by which a single measurement must beat the best before it is re-measured (0: re-measure every challenger).'),
  })
  .describe('The gate a challenger passes before it becomes the run\'s best (see docs/guide/allocation.md).');

export const allocationSchema = z
  .strictObject({
    policy: z
      .enum(['auto', 'bandit', 'fixed'])
      .default('auto')
      .describe('`auto`: the strategy bandit when more than one strategy exists; `bandit`: always; `fixed`: the weights of `operators:` and `llm.models` (the behaviour before the bandit).'),
    temperatures: z
      .array(z.number().min(0).max(2))
      .max(6)
      .default([0.4, 0.9])
      .describe('Temperatures each LLM operator and model is tried at; [] leaves each model its configured temperature.'),
    varyModels: z.boolean().default(true).describe('Try each LLM operator with each model of positive weight (false: the router picks as configured).'),
    discount: z.number().gt(0).max(1).default(0.995).describe('Weight kept by past observations at each new one (1 = never forget; lower adapts faster).'),
    explorationFloor: z.number().min(0).max(1).default(0.05).describe('Share of jobs given to a strategy drawn uniformly, so none starves.'),
    contextPrior: z.number().positive().default(16).describe('Observations the strategy\'s overall mean is worth inside each job context.'),
    cellBonus: z.number().min(0).default(0.5).describe('Reward added when a child fills an archive cell no one held.'),
    bestBonus: z.number().min(0).default(1).describe('Reward added when a child becomes the run\'s best.'),
    climb: z
      .boolean()
      .default(true)
      .describe('Also offer each archive operator as a strategy that takes the run\'s best as the parent (`operator^best`, the hill climber\'s move).'),
    usdPerCpuSecond: z
      .number()
      .min(0)
      .default(0)
      .describe('Price of one evaluator CPU-second in a strategy\'s cost. Above 0, choices depend on measured time: runs with the same seed, and cassette replays, may diverge.'),
    usdPerWallSecond: z
      .number()
      .min(0)
      .default(0)
      .describe('Price of one second of a job\'s wall time in a strategy\'s cost (same caveat as usdPerCpuSecond).'),
    stagnation: positiveInt.default(30).describe('Evaluations without improving an island after which its jobs count as stagnant.'),
    memory: z.boolean().default(true).describe('Start a new run from the previous run\'s strategy statistics, kept only if they pass a gate (see docs/guide/allocation.md).'),
    reportEvery: positiveInt.default(25).describe('An allocation summary event every this many evaluations.'),
    economy: economySchema.default(economySchema.parse({})),
    assimilation: assimilationSchema.default(assimilationSchema.parse({})),
  })
  .describe('How jobs are allocated to strategies (operator × model × temperature); see docs/guide/allocation.md.');

export const fitnessSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe(
    'The metric that decides which individual is better, or a list of distinct metrics optimised together: selection then uses Pareto rank with a crowding tie-break, and the run keeps front branches. The first listed is the primary (best branch, targetFitness, plateau, stage thresholds).',
  );

const configObjectSchema = z.strictObject({
  $schema: z.string().optional().describe('JSON Schema reference for editors; ignored by cambrian.'),
  goal: z.string().min(1).describe('What the evolution should achieve, in words (used in LLM prompts and reports).'),
  evolve: evolveSchema,
  evaluator: evaluatorSchema,
  metrics: z
    .record(z.string().min(1), metricSpecSchema)
    .refine((m) => Object.keys(m).length > 0, {
      message: 'declare at least one metric',
    })
    .describe('Metrics the evaluator reports (keys of the JSON object on its last stdout line).'),
  fitness: fitnessSchema,
  budget: budgetSchema.default({}),
  workers: positiveInt.optional().describe('Concurrent jobs. Default: number of CPU cores.'),
  seed: z.number().int().default(0).describe('Seed of the run\'s random generator (same seed + same config: same choices).'),
  archive: archiveSchema.default(archiveSchema.parse({})),
  sampler: samplerSchema.default(samplerSchema.parse({})),
  operators: z
    .record(z.string().min(1), operatorSettingsSchema)
    .default({ numeric: { weight: 1 }, crossover: { weight: 0.2 } })
    .describe('Enabled operators by name, with their settings. Names: see src/config/operators.ts.'),
  llm: llmSchema.optional(),
  // Optional, so configs without it keep their search hash (runs started before it resume as they were).
  allocation: allocationSchema.optional(),
});

/**
 * The config as the rest of the code reads it: `fitness` is always the primary metric's name, and
 * `objectives` lists every fitness metric when there are several (absent otherwise, so single-metric
 * configs are exactly what they were — same object, same search hash).
 */
export const configSchema = configObjectSchema.transform(withObjectives);

function withObjectives<T extends { fitness: string | string[] }>(config: T): Omit<T, 'fitness'> & { fitness: string; objectives?: string[] } {
  const { fitness } = config;
  if (typeof fitness === 'string') return { ...config, fitness };
  const [primary, ...rest] = fitness as [string, ...string[]];
  return rest.length > 0 ? { ...config, fitness: primary, objectives: fitness } : { ...config, fitness: primary };
}

export type CambrianConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type MetricSpec = z.infer<typeof metricSpecSchema>;
export type EvaluatorConfig = z.infer<typeof evaluatorSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
export type ArchiveConfig = z.infer<typeof archiveSchema>;
export type SamplerConfig = z.infer<typeof samplerSchema>;
export type LlmConfig = z.infer<typeof llmSchema>;
export type LlmModelConfig = z.infer<typeof llmModelSchema>;
export type BudgetConfig = z.infer<typeof budgetSchema>;
export type AllocationConfig = z.infer<typeof allocationSchema>;
export type EconomyConfig = z.infer<typeof economySchema>;
export type AssimilationConfig = z.infer<typeof assimilationSchema>;

/** The fitness metrics with their directions, the primary first (one entry for a single-metric run). */
export function objectivesOf(config: Pick<CambrianConfig, 'fitness' | 'objectives' | 'metrics'>): Objective[] {
  return (config.objectives ?? [config.fitness]).map((metric) => ({ metric, direction: config.metrics[metric]!.direction }));
}

/** The fitness part of a run's saved config (`runs.config`, the parsed shape); other keys are not checked. */
const savedFitnessSchema = z.object({
  fitness: z.string().min(1),
  objectives: z.array(z.string().min(1)).min(2).optional(),
  metrics: z.record(z.string().min(1), z.object({ direction: z.enum(['min', 'max']) })),
});

/** The objectives a run was started with, read from its saved config. */
export function savedObjectives(saved: Record<string, unknown>): Objective[] {
  const config = savedFitnessSchema.parse(saved);
  for (const metric of config.objectives ?? [config.fitness]) {
    if (config.metrics[metric] === undefined) throw new Error(`saved config: fitness metric \`${metric}\` is not among its metrics`);
  }
  return objectivesOf(config);
}

/** The allocation settings in force: the section's own, or every default. */
export function allocationSettings(config: CambrianConfig): AllocationConfig {
  return config.allocation ?? allocationSchema.parse({});
}
