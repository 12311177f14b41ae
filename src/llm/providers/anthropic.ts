// Anthropic messages API. System messages become the `system` parameter; consecutive messages of
// one role are merged (the API wants user and assistant turns to alternate). Streams when configured.
import Anthropic from '@anthropic-ai/sdk';
import type { LlmModelConfig } from '../../config/schema.ts';
import { estimateTokens, promptChars } from '../cost.ts';
import type { ChatMessage } from '../port.ts';
import type { Provider, ProviderCredentials, ProviderRequest, ProviderResult } from './provider.ts';
import { ProviderError } from './provider-error.ts';
import { withDeadline } from './sdk-call.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

interface AnthropicUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export class AnthropicProvider implements Provider {
  private readonly client: Anthropic;
  private readonly model: LlmModelConfig;
  private readonly secret: string;

  constructor(model: LlmModelConfig, credentials: ProviderCredentials) {
    this.model = model;
    this.secret = credentials.secret;
    this.client = new Anthropic({
      apiKey: credentials.apiKey,
      baseURL: model.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
      maxRetries: 0,
      timeout: model.timeoutMs,
      // Failures surface as ProviderErrors; the SDK's own console output would only duplicate them.
      logLevel: 'off',
    });
  }

  chat(request: ProviderRequest): Promise<ProviderResult> {
    const endpoint = this.model.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
    const options = { timeoutMs: this.model.timeoutMs, signal: request.signal, errors: Anthropic, secret: this.secret, endpoint };
    return withDeadline(options, (signal) => (request.stream ? this.streamed(request, signal) : this.single(request, signal)));
  }

  private params(request: ProviderRequest) {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
    return {
      model: this.model.model,
      max_tokens: request.maxTokens,
      messages: alternatingTurns(request.messages),
      ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
  }

  private async single(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
    const message = await this.client.messages.create({ ...this.params(request), stream: false }, { signal });
    let text = '';
    for (const block of message.content) if (block.type === 'text') text += block.text;
    return { text, ...tokens(message.usage, request, text) };
  }

  private async streamed(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
    const stream = await this.client.messages.create({ ...this.params(request), stream: true }, { signal });
    let text = '';
    let usage: AnthropicUsage | undefined;
    let finished = false;
    for await (const event of stream) {
      if (event.type === 'message_stop') finished = true;
      if (event.type === 'message_start') usage = { ...event.message.usage };
      else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      else if (event.type === 'message_delta') {
        // message_delta carries cumulative output tokens (and input tokens on some servers).
        usage = { ...usage, ...definedOnly(event.usage) } as AnthropicUsage;
      }
    }
    if (!finished) throw new ProviderError('server', 'the stream ended before message_stop');
    return { text, ...tokens(usage, request, text) };
  }
}

/** Non-system messages with consecutive same-role turns joined. */
function alternatingTurns(messages: readonly ChatMessage[]): Array<{ role: 'user' | 'assistant'; content: string }> {
  const turns: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = turns.at(-1);
    if (last && last.role === m.role) last.content += `\n\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  return turns;
}

function tokens(usage: AnthropicUsage | undefined, request: ProviderRequest, text: string) {
  const cached = (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
  return {
    tokensIn: usage?.input_tokens != null ? usage.input_tokens + cached : estimateTokens(promptChars(request.messages)),
    tokensOut: usage?.output_tokens != null ? usage.output_tokens : estimateTokens(text.length),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
