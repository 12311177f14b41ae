// Runs one SDK request under a deadline and turns whatever it throws into a ProviderError. Both SDKs
// share the same error family (APIError with status and headers, connection, timeout, user abort).
import { kindForStatus, parseRetryAfter, ProviderError } from './provider-error.ts';

/** The error classes both the OpenAI and the Anthropic SDK export. */
export interface SdkErrorClasses {
  APIError: abstract new (...args: any[]) => Error & { status: number | undefined; headers: Headers | undefined };
  APIConnectionError: abstract new (...args: any[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: any[]) => Error;
}

export interface DeadlineOptions {
  timeoutMs: number;
  /** The caller's signal: when it aborts, its reason is rethrown as is (not a provider failure). */
  signal: AbortSignal | undefined;
  errors: SdkErrorClasses;
  /** Removed from every error message, in case an SDK or proxy ever echoes it. */
  secret: string;
  /** The base URL, named in connection errors (the SDKs only say "Connection error."). */
  endpoint?: string;
}

/**
 * Calls `fn` with a signal that aborts on the caller's signal or after `timeoutMs`. The SDK's own
 * timeout only covers waiting for response headers; this deadline also covers reading a stream.
 */
export async function withDeadline<T>(options: DeadlineOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  try {
    options.signal?.throwIfAborted();
    const result = await fn(signal);
    // The SDKs end a stream quietly when its signal aborts, so an aborted call can look finished.
    signal.throwIfAborted();
    return result;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.signal.aborted) throw new ProviderError('timeout', `no complete answer within ${options.timeoutMs} ms`);
    throw toProviderError(error, options);
  } finally {
    clearTimeout(timer);
  }
}

function toProviderError(error: unknown, options: DeadlineOptions): ProviderError {
  if (error instanceof ProviderError) return error;
  const { errors } = options;
  const message = redact(error instanceof Error ? error.message : String(error), options.secret);
  if (error instanceof errors.APIConnectionTimeoutError) return new ProviderError('timeout', message);
  if (error instanceof errors.APIConnectionError) return new ProviderError('network', connectionMessage(error, message, options));
  if (error instanceof errors.APIError && typeof error.status === 'number') {
    const retryAfterMs = parseRetryAfter(error.headers);
    return new ProviderError(kindForStatus(error.status), message, {
      status: error.status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  // A body that is not JSON, a stream that breaks off mid-event: the server's fault, worth a retry.
  return new ProviderError('server', `malformed response: ${message}`);
}

/** "could not connect to <url>: connection refused (connect ECONNREFUSED …)" from the error's causes. */
function connectionMessage(error: Error, message: string, options: DeadlineOptions): string {
  let root: unknown = error;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const code = (root as { code?: unknown } | null)?.code;
  const detail = root instanceof Error && root !== error ? root.message : '';
  const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : '';
  const cause = [what, detail].filter(Boolean).join(': ');
  if (options.endpoint === undefined && cause === '') return message;
  const text = `could not connect${options.endpoint === undefined ? '' : ` to ${options.endpoint}`}${cause ? `: ${cause}` : ''} (${message})`;
  return redact(text, options.secret);
}

export function redact(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('[redacted]') : text;
}
