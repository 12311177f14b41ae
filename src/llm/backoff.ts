// Retry pacing: exponential backoff with full jitter, never shorter than the server's Retry-After.
import type { Rng } from '../core/rng.ts';

export interface BackoffOptions {
  /** The ceiling of the first retry's delay; it doubles per retry. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Delay before retry number `retry` (0 = the first retry). */
export function backoffDelayMs(retry: number, rng: Rng, options: BackoffOptions, retryAfterMs?: number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** retry);
  const jittered = Math.floor(rng.next() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
