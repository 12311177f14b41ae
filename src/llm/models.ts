// Checks on the configured models the schema cannot express (unique names, known fallbacks) and the
// one place API keys are read: `env[model.apiKeyEnv]`, once, when the router is built.
import type { LlmModelConfig } from '../config/schema.ts';
import { CambrianError } from '../errors.ts';

export function validateModels(models: readonly LlmModelConfig[]): void {
  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name)) {
      throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `two LLM models are named '${model.name}'`, {
        hint: 'give every entry of llm.models its own name',
      });
    }
    names.add(model.name);
  }
  for (const model of models) {
    for (const name of model.fallback) {
      if (names.has(name)) continue;
      throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `LLM model '${model.name}' falls back to '${name}', which is not configured`, {
        hint: `fallback names must be names of llm.models entries: ${[...names].join(', ')}`,
      });
    }
  }
}

/** The model's key, or undefined for a keyless server. The error names the variable, never a value. */
export function readApiKey(model: LlmModelConfig, env: Record<string, string | undefined>): string | undefined {
  if (model.apiKeyEnv === undefined) {
    if (model.baseUrl !== undefined) return undefined;
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `LLM model '${model.name}' talks to the ${model.provider} cloud API but has no apiKeyEnv`, {
      hint: 'set apiKeyEnv to the name of the environment variable holding the key, or set baseUrl for a local server',
    });
  }
  const value = env[model.apiKeyEnv];
  if (value === undefined || value.trim() === '') {
    throw new CambrianError(
      'CAMBRIAN_CONFIG_INVALID',
      `LLM model '${model.name}' needs an API key in the environment variable ${model.apiKeyEnv}, which is not set`,
      { hint: `export ${model.apiKeyEnv}=… before running, or remove apiKeyEnv if the server needs no key` },
    );
  }
  return value;
}
