// Validation of an already-parsed config value: the zod schema plus the cross-field rules, all
// problems collected. Files, lines and the environment are the loader's business, not this one's.
import { configSchema, type CambrianConfig } from './schema.ts';
import { crossFieldIssues } from './checks.ts';
import { fromZodIssues, type ConfigIssue } from './issues.ts';

export type ValidationResult = { ok: true; config: CambrianConfig } | { ok: false; issues: ConfigIssue[] };

export function validateConfig(input: unknown): ValidationResult {
  const parsed = configSchema.safeParse(input);
  const issues = [...(parsed.success ? [] : fromZodIssues(parsed.error.issues, configSchema)), ...crossFieldIssues(input)];
  if (parsed.success && issues.length === 0) return { ok: true, config: parsed.data };
  return { ok: false, issues };
}
