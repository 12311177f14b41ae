// The LLM port: one chat completion through the router (model choice, retries, fallback, budget).
// Operators depend on this, never on an SDK.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** What the call is for (e.g. 'llm-diff', 'plan'), recorded with the call. */
  purpose: string;
  runId?: string;
  jobId?: string;
  maxTokens?: number;
  temperature?: number;
  /**
   * The model (config name) the caller's allocation chose: tried first when budget pressure and the
   * bench allow it, without a chooser draw; otherwise the router chooses as usual.
   */
  model?: string;
  /** Restrict to these tiers (pressure); undefined = any allowed by the run's budget pressure. */
  tiers?: Array<'local' | 'cloud' | 'deep'>;
  signal?: AbortSignal;
}

/** Which model answered, and what the answer cost. */
export interface LlmCost {
  model: string;
  provider: string;
  tokensIn: number;
  tokensOut: number;
  usd: number;
  latencyMs: number;
}

export interface ChatResponse extends LlmCost {
  text: string;
  /** true when answered from a cassette. */
  replayed: boolean;
}

export interface LlmClient {
  complete(request: ChatRequest): Promise<ChatResponse>;
}

/** How one LLM attempt ended, and what it cost: the unit of LLM accounting everywhere. */
export interface LlmUsage extends LlmCost {
  outcome: 'ok' | 'error' | 'timeout' | 'rate_limited' | 'replayed';
  error?: string;
}
