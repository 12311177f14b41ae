// The one error a provider throws: a small classification of what went wrong, so the router can
// decide between retrying, falling back and giving up without knowing which SDK was involved.

export type ProviderErrorKind = 'rate_limited' | 'server' | 'timeout' | 'client' | 'network';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: ProviderErrorKind, message: string, options: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth another attempt on the same model (rate limits and transient server or transport trouble). */
  get retryable(): boolean {
    return this.kind !== 'client';
  }
}

/** The kind of failure an HTTP status means. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

/**
 * Milliseconds the server asked us to wait: `retry-after-ms`, else `retry-after` as seconds or as an
 * HTTP date (relative to `nowMs`). Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
