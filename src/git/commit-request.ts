// What every child commit shares, whichever way it is written: the checked request (message,
// tree paths, time), the fixed Cambrian identity, and the mode a rewritten file keeps.
import { CambrianError } from '../errors.ts';
import type { CommitRequest } from './port.ts';
import { formatCommitMessage, toTreePath } from './commit-message.ts';

export const CAMBRIAN_IDENTITY = { name: 'Cambrian', email: 'cambrian@localhost' } as const;

/** A validated commit: `parent` is a full SHA, paths are tree paths, `message` is final text. */
export interface PreparedCommit {
  parent: string;
  message: string;
  /** In request order: a later change to the same path wins. */
  changes: Array<{ path: string; content: string | null }>;
  /** Author and committer time, unix seconds (UTC). */
  timestamp: number;
}

/** Checks a request before anything is written; `parent` must already be a full commit SHA. */
export function prepareCommit(parent: string, request: CommitRequest): PreparedCommit {
  if (!Number.isInteger(request.timestamp) || request.timestamp < 0) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `commit timestamp must be whole unix seconds, got ${request.timestamp}`);
  }
  return {
    parent,
    message: formatCommitMessage(request),
    changes: request.changes.map((change) => ({ path: toTreePath(change.path), content: change.content })),
    timestamp: request.timestamp,
  };
}

/** Modes a changed file keeps from its parent; anything else (new files, gitlinks) becomes 100644. */
const KEPT_MODES = new Set(['100644', '100755', '120000']);

/** Mode of a written file, given the mode at its path in the parent (undefined when absent). */
export function modeForWrittenFile(parentMode: string | undefined): string {
  const padded = parentMode?.padStart(6, '0');
  return padded !== undefined && KEPT_MODES.has(padded) ? padded : '100644';
}

/** Promise.all that waits for every promise before rethrowing the first failure. */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
