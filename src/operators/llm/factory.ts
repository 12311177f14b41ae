// Builds the LLM operators named in `operators:` from their settings (besides `weight`), for the
// operator registry. Settings are strict: an unknown key or a bad value is a config error.
import { z } from 'zod';
import { CambrianError } from '../../errors.ts';
import type { Operator } from '../port.ts';
import type { OperatorFactory } from '../registry.ts';
import { createLlmCrossoverOperator } from './crossover.ts';
import { createLlmDiffOperator } from './diff.ts';
import { createPlanCodeOperator } from './plan-code.ts';
import type { LlmOperatorDeps } from './propose-edit.ts';
import { createLlmRepairOperator } from './repair.ts';
import { createLlmRewriteOperator } from './rewrite.ts';

const repairAttempts = z.number().int().nonnegative().optional().describe('Retries after a reply that could not be applied (default 1).');

const settingsSchemas = {
  'llm-diff': z.strictObject({ format: z.enum(['search-replace', 'diff']).optional(), maxRepairAttempts: repairAttempts }),
  'llm-rewrite': z.strictObject({ maxRepairAttempts: repairAttempts }),
  'llm-crossover': z.strictObject({ maxRepairAttempts: repairAttempts }),
  'llm-repair': z.strictObject({ maxRepairAttempts: repairAttempts }),
  'plan-code': z.strictObject({ maxRepairAttempts: repairAttempts }),
} as const;

export function llmOperatorFactory(deps: LlmOperatorDeps): OperatorFactory {
  return (name, settings) => {
    if (!(name in settingsSchemas)) return null;
    const key = name as keyof typeof settingsSchemas;
    const parsed = parseSettings(name, settingsSchemas[key], settings);
    const merged: LlmOperatorDeps = parsed.maxRepairAttempts === undefined ? deps : { ...deps, maxRepairAttempts: parsed.maxRepairAttempts };
    const build: Record<keyof typeof settingsSchemas, () => Operator> = {
      'llm-diff': () => createLlmDiffOperator({ ...merged, ...('format' in parsed && parsed.format ? { format: parsed.format } : {}) }),
      'llm-rewrite': () => createLlmRewriteOperator(merged),
      'llm-crossover': () => createLlmCrossoverOperator(merged),
      'llm-repair': () => createLlmRepairOperator(merged),
      'plan-code': () => createPlanCodeOperator(merged),
    };
    return build[key]();
  };
}

/** Validate operator settings, turning zod issues into a CambrianError naming `operators.<name>`. */
export function parseSettings<T extends z.ZodType>(name: string, schema: T, settings: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `operators.${name}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
  throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `invalid settings for operator ${name}: ${issues.join('; ')}`, {
    hint: 'see docs/guide/operators-llm.md for the settings each LLM operator and the agent accept',
  });
}
