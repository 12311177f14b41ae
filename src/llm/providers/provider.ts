// The Provider seam: one chat completion against one configured model, through its SDK. Providers
// do not retry (maxRetries: 0); retries, fallback and budget are the router's job.
import type { LlmModelConfig } from '../../config/schema.ts';
import type { ChatMessage } from '../port.ts';
import { AnthropicProvider } from './anthropic.ts';
import { OpenAiProvider } from './openai.ts';

export interface ProviderRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  stream: boolean;
  signal?: AbortSignal;
}

export interface ProviderResult {
  text: string;
  tokensIn: number;
  tokensOut: number;
}

export interface Provider {
  /** Resolves with the completion or rejects with a ProviderError (or the caller's abort reason). */
  chat(request: ProviderRequest): Promise<ProviderResult>;
}

export interface ProviderCredentials {
  /** What the SDK sends. */
  apiKey: string;
  /** The real key ('' for the placeholder): redacted from every error message. */
  secret: string;
}

/** Sent to servers that need no key (Ollama, llama.cpp, vLLM without --api-key); the SDKs insist on one. */
export const PLACEHOLDER_API_KEY = 'no-key';

/** `apiKey` undefined means the model has no apiKeyEnv: the placeholder is sent. */
export function createProvider(model: LlmModelConfig, apiKey: string | undefined): Provider {
  const credentials: ProviderCredentials = { apiKey: apiKey ?? PLACEHOLDER_API_KEY, secret: apiKey ?? '' };
  switch (model.provider) {
    case 'openai':
      return new OpenAiProvider(model, credentials);
    case 'anthropic':
      return new AnthropicProvider(model, credentials);
  }
}
