// Errors a user can cause: a stable code, a message, and a hint saying what to do about it.
// The CLI prints these without a stack trace; anything else is an internal bug and keeps its stack.

export type CambrianErrorCode =
  | 'CAMBRIAN_CONFIG_NOT_FOUND'
  | 'CAMBRIAN_CONFIG_INVALID'
  | 'CAMBRIAN_NOT_A_GIT_REPO'
  | 'CAMBRIAN_NO_COMMITS'
  | 'CAMBRIAN_DIRTY_CONFIG'
  | 'CAMBRIAN_BASE_MISSING'
  | 'CAMBRIAN_BAD_REVISION'
  | 'CAMBRIAN_GIT_FAILED'
  | 'CAMBRIAN_STORE_LOCKED'
  | 'CAMBRIAN_RUN_LEASED'
  | 'CAMBRIAN_STORE_FAILED'
  | 'CAMBRIAN_EVALUATOR_FAILED'
  | 'CAMBRIAN_NO_RUN'
  | 'CAMBRIAN_BAD_ARGUMENT'
  | 'CAMBRIAN_LLM_FAILED'
  | 'CAMBRIAN_CASSETTE_MISS'
  | 'CAMBRIAN_BUDGET_EXHAUSTED'
  | 'CAMBRIAN_PATCH_REJECTED'
  | 'CAMBRIAN_SANDBOX_UNAVAILABLE'
  | 'CAMBRIAN_POSTGRES_UNAVAILABLE'
  | 'CAMBRIAN_POSTGRES_FAILED';

export class CambrianError extends Error {
  readonly code: CambrianErrorCode;
  readonly hint: string | undefined;

  constructor(code: CambrianErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CambrianError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isCambrianError(error: unknown): error is CambrianError {
  return error instanceof CambrianError;
}
