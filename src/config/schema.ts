// The single source of truth for cambrian.yaml. Every object is strict (unknown keys are errors);
// defaults live here and nowhere else. The JSON Schema shipped in schema/ is generated from this file.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const metricSpecSchema = z.strictObject({
  direction: z.enum(['min', 'max']).describe('Whether smaller (min) or larger (max) values are better.'),
  description: z.string().optional(),
});

export const stageSchema = z.strictObject({
  name: z.string().min(1),
  command: z.string().min(1).describe('Shell command run in the candidate worktree.'),
  timeoutMs: positiveInt.default(60_000),
  threshold: z
    .number()
    .optional()
    .describe('Stop the cascade after this stage unless the fitness metric reaches this value.'),
});

export const evaluatorSchema = z
  .strictObject({
    command: z.string().min(1).optional().describe('Shell command run in the candidate worktree (single stage).'),
    timeoutMs: positiveInt.default(60_000),
    stages: z.array(stageSchema).min(1).optional().describe('Cascade form: stages run in order.'),
    repeats: positiveInt.default(1).describe('Run the evaluator n times; metrics record mean (and stdev).'),
    memoryMb: positiveInt.default(4096).describe('Address-space limit for the evaluator process (prlimit --as).'),
    cpuSeconds: positiveInt.optional().describe('CPU-time limit for the evaluator process (prlimit --cpu).'),
    network: z.boolean().default(false).describe('Allow network access (default: isolated with bwrap when available).'),
    env: z.array(z.string()).default([]).describe('Extra environment variable names passed through to the evaluator.'),
    protect: z
      .array(z.string())
      .optional()
      .describe('Paths operators may never edit. Default: files the evaluator command names, plus cambrian.yaml.'),
    maxOutputBytes: positiveInt.default(65_536).describe('Head and tail of stdout/stderr kept per stream.'),
  })
  .refine((e) => (e.command === undefined) !== (e.stages === undefined), {
    message: 'set exactly one of evaluator.command or evaluator.stages',
  });

export const evolveSchema = z.strictObject({
  include: z.array(z.string().min(1)).min(1).describe('Globs of files operators may edit.'),
  exclude: z.array(z.string().min(1)).default([]),
  maxFiles: positiveInt.default(10).describe('Most files one child may change.'),
  maxChangedLines: positiveInt.default(400).describe('Most changed lines (added + removed) in one child.'),
});

export const budgetSchema = z.strictObject({
  maxEvaluations: positiveInt.optional().describe('Evaluations in the run, the seed included.'),
  maxWallClockMs: positiveInt.optional(),
  targetFitness: z.number().optional().describe('Stop once the best fitness reaches this value.'),
  plateau: positiveInt.optional().describe('Stop after this many evaluations without improvement.'),
  maxUsd: z.number().positive().optional(),
  maxTokens: positiveInt.optional(),
});

export const descriptorMetricSchema = z.strictObject({
  metric: z.string().min(1),
  min: z.number(),
  max: z.number(),
});

export const archiveSchema = z.strictObject({
  islands: positiveInt.default(4),
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
});

export const samplerSchema = z.strictObject({
  exploit: z.number().nonnegative().default(0.6),
  explore: z.number().nonnegative().default(0.3),
  curiosity: z.number().nonnegative().default(0.1),
  inspirations: nonNegativeInt.default(3),
});

export const operatorSettingsSchema = z
  .object({
    weight: z.number().nonnegative().default(1),
  })
  .catchall(z.unknown());

export const llmModelSchema = z.strictObject({
  name: z.string().min(1),
  provider: z.enum(['openai', 'anthropic']),
  baseUrl: z.string().url().optional(),
  apiKeyEnv: z.string().min(1).optional().describe('Name of the environment variable holding the API key.'),
  model: z.string().min(1),
  tier: z.enum(['local', 'cloud', 'deep']).default('cloud'),
  weight: z.number().nonnegative().default(1),
  priceUsdPerMTokIn: z.number().nonnegative().default(0),
  priceUsdPerMTokOut: z.number().nonnegative().default(0),
  maxConcurrency: positiveInt.default(4),
  timeoutMs: positiveInt.default(120_000),
  maxTokens: positiveInt.default(4096).describe('Most output tokens per call.'),
  temperature: z.number().min(0).max(2).optional(),
  stream: z.boolean().default(true),
  fallback: z.array(z.string()).default([]).describe('Model names to try, in order, when this one fails.'),
});

export const llmSchema = z.strictObject({
  models: z.array(llmModelSchema).min(1),
  retries: nonNegativeInt.default(3),
  benchAfterFailures: positiveInt.default(3).describe('Consecutive failures before a model is benched.'),
  benchMs: positiveInt.default(60_000),
  pressure: z.enum(['auto', 'low', 'medium', 'high']).default('auto'),
  pressureFractions: z
    .tuple([z.number(), z.number()])
    .default([0.5, 0.2])
    .describe('Remaining-budget fractions below which cheaper tiers are preferred (medium, high).'),
  templatesDir: z.string().optional(),
  maxPromptChars: positiveInt.default(60_000),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  goal: z.string().min(1).describe('What the evolution should achieve, in words (used in LLM prompts and reports).'),
  evolve: evolveSchema,
  evaluator: evaluatorSchema,
  metrics: z.record(z.string().min(1), metricSpecSchema).refine((m) => Object.keys(m).length > 0, {
    message: 'declare at least one metric',
  }),
  fitness: z.string().min(1).describe('The metric that decides which individual is better.'),
  budget: budgetSchema.default({}),
  workers: positiveInt.optional().describe('Concurrent jobs. Default: number of CPU cores.'),
  seed: z.number().int().default(0),
  archive: archiveSchema.default(archiveSchema.parse({})),
  sampler: samplerSchema.default(samplerSchema.parse({})),
  operators: z
    .record(z.string().min(1), operatorSettingsSchema)
    .default({ numeric: { weight: 1 }, crossover: { weight: 0.2 } }),
  llm: llmSchema.optional(),
});

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
