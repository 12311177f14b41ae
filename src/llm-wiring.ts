// Builds the LLM router and the LLM / agent operator factories when the config has an `llm:` section
// (filled in by the LLM operators work; without `llm:` there is nothing to build).
import type { App } from './app.ts';
import type { OperatorFactory } from './operators/registry.ts';

export async function llmOperatorFactories(
  app: App,
  _options: { record: boolean; replay: boolean },
): Promise<{ factories: OperatorFactory[]; close(): Promise<void> }> {
  void app;
  return { factories: [], async close() {} };
}
