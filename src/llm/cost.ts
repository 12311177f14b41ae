// Prices and token estimates: what a call costs (from the model's configured USD per million tokens)
// and what a call could cost before it is made (prompt chars / 4 in, the output cap out).
import type { LlmModelConfig } from '../config/schema.ts';
import type { ChatMessage } from './port.ts';

type PricedModel = Pick<LlmModelConfig, 'priceUsdPerMTokIn' | 'priceUsdPerMTokOut'>;

/** USD for a call with these token counts under the model's prices. */
export function costUsd(model: PricedModel, tokensIn: number, tokensOut: number): number {
  return (tokensIn * model.priceUsdPerMTokIn + tokensOut * model.priceUsdPerMTokOut) / 1_000_000;
}

/** The rough token count of a text: one token per four characters, rounded up. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export function promptChars(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + message.content.length, 0);
}

export interface CallEstimate {
  tokensIn: number;
  tokensOut: number;
  usd: number;
}

/** The most a call can cost: the estimated prompt plus every output token it may produce. */
export function estimateCall(model: PricedModel, messages: readonly ChatMessage[], maxTokens: number): CallEstimate {
  const tokensIn = estimateTokens(promptChars(messages));
  return { tokensIn, tokensOut: maxTokens, usd: costUsd(model, tokensIn, maxTokens) };
}
