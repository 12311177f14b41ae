// OpenAI chat completions (and every server that speaks them: OpenRouter, Ollama, vLLM, llama.cpp).
// Streams when the model says so, accumulating deltas and taking usage from the final usage chunk.
import OpenAI from 'openai';
import type { LlmModelConfig } from '../../config/schema.ts';
import { estimateTokens, promptChars } from '../cost.ts';
import type { Provider, ProviderCredentials, ProviderRequest, ProviderResult } from './provider.ts';
import { ProviderError } from './provider-error.ts';
import { withDeadline } from './sdk-call.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export class OpenAiProvider implements Provider {
  private readonly client: OpenAI;
  private readonly model: LlmModelConfig;
  private readonly secret: string;
  /** api.openai.com wants max_completion_tokens (reasoning models reject max_tokens); compatible servers want max_tokens. */
  private readonly officialApi: boolean;
  private readonly baseUrl: string;

  constructor(model: LlmModelConfig, credentials: ProviderCredentials) {
    this.model = model;
    this.secret = credentials.secret;
    const baseURL = model.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
    this.baseUrl = baseURL;
    this.officialApi = new URL(baseURL).hostname === 'api.openai.com';
    // Everything explicit, so the SDK reads no OPENAI_* variables behind the config's back.
    this.client = new OpenAI({
      apiKey: credentials.apiKey,
      baseURL,
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: model.timeoutMs,
      // Failures surface as ProviderErrors; the SDK's own console output would only duplicate them.
      logLevel: 'off',
    });
  }

  chat(request: ProviderRequest): Promise<ProviderResult> {
    const options = { timeoutMs: this.model.timeoutMs, signal: request.signal, errors: OpenAI, secret: this.secret, endpoint: this.baseUrl };
    return withDeadline(options, (signal) => (request.stream ? this.streamed(request, signal) : this.single(request, signal)));
  }

  private params(request: ProviderRequest) {
    return {
      model: this.model.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(this.officialApi ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
  }

  private async single(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
    const completion = await this.client.chat.completions.create({ ...this.params(request), stream: false }, { signal });
    const choice = completion.choices[0];
    if (!choice) throw new ProviderError('server', 'the completion has no choices');
    const text = choice.message.content ?? '';
    return {
      text,
      tokensIn: completion.usage?.prompt_tokens ?? estimateTokens(promptChars(request.messages)),
      tokensOut: completion.usage?.completion_tokens ?? estimateTokens(text.length),
    };
  }

  private async streamed(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
    const stream = await this.client.chat.completions.create(
      { ...this.params(request), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let text = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    let finished = false;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta?.content ?? '';
      if (choice?.finish_reason) finished = true;
      if (chunk.usage) usage = chunk.usage;
    }
    if (!finished) throw new ProviderError('server', 'the stream ended before a finish_reason');
    // Some compatible servers ignore include_usage: fall back to the chars/4 estimate.
    return {
      text,
      tokensIn: usage?.prompt_tokens ?? estimateTokens(promptChars(request.messages)),
      tokensOut: usage?.completion_tokens ?? estimateTokens(text.length),
    };
  }
}
