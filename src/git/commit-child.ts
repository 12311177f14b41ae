// Writes a child commit with plumbing only: blobs, a tree built in a throwaway index, commit-tree
// with a fixed identity and date. The user's working tree, index, HEAD and branch are never touched.
import { rm, writeFile } from 'node:fs/promises';
import type { CommitRequest, CommitResult } from './port.ts';
import type { RunGitOptions, RunGitResult } from './exec.ts';
import { formatCommitMessage, toTreePath } from './commit-message.ts';
import { CambrianError } from '../errors.ts';
import type { ObjectContents } from './object-reader.ts';

/** What commitChild needs from the repository object (kept narrow so it is easy to follow). */
export interface PlumbingContext {
  run(args: readonly string[], options?: Omit<RunGitOptions, 'cwd'>): Promise<RunGitResult>;
  /** Raw object by name (`<commit>:<dir>`), from the long-lived reader; null when missing. */
  readObject(name: string): Promise<ObjectContents | null>;
  /** A fresh path in the repository's private scratch directory (nothing is created there). */
  scratchPath(prefix: string): Promise<string>;
}

export const CAMBRIAN_IDENTITY = { name: 'Cambrian', email: 'cambrian@localhost' } as const;

/** Modes a changed file keeps from its parent; anything else (new files, gitlinks) becomes 100644. */
const KEPT_MODES = new Set(['100644', '100755', '120000']);

/** `parent` must already be a full commit SHA. */
export async function writeChildCommit(ctx: PlumbingContext, parent: string, request: CommitRequest): Promise<CommitResult> {
  if (!Number.isInteger(request.timestamp) || request.timestamp < 0) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `commit timestamp must be whole unix seconds, got ${request.timestamp}`);
  }
  const message = formatCommitMessage(request);
  const changes = request.changes.map((change) => ({ path: toTreePath(change.path), content: change.content }));
  const written = changes.filter((change): change is { path: string; content: string } => change.content !== null);

  const indexFile = await ctx.scratchPath('index');
  const indexEnv = { GIT_INDEX_FILE: indexFile };
  try {
    // Independent steps run side by side; allSettled so nothing is left running after a failure.
    const [blobs, , modes] = await settleAll([
      writeBlobs(ctx, written.map((change) => change.content)),
      // core.splitIndex would scatter shared index files next to our temporary one.
      ctx.run(['-c', 'core.splitIndex=false', 'read-tree', parent], { env: indexEnv }),
      modesAt(ctx, parent, written.map((change) => change.path)),
    ] as const);

    const zeroOid = '0'.repeat(parent.length);
    let blobIndex = 0;
    const indexInfo = changes.map(({ path, content }) => {
      if (content === null) return `0 ${zeroOid}\t${path}\0`;
      const existing = modes.get(path);
      const mode = existing !== undefined && KEPT_MODES.has(existing) ? existing : '100644';
      return `${mode} ${blobs[blobIndex++]}\t${path}\0`;
    });
    await ctx.run(['-c', 'core.splitIndex=false', 'update-index', '-z', '--index-info'], { env: indexEnv, input: indexInfo.join('') });
    const tree = (await ctx.run(['write-tree'], { env: indexEnv })).stdout.trim();

    const date = `@${request.timestamp} +0000`;
    const identityEnv = {
      GIT_AUTHOR_NAME: CAMBRIAN_IDENTITY.name,
      GIT_AUTHOR_EMAIL: CAMBRIAN_IDENTITY.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: CAMBRIAN_IDENTITY.name,
      GIT_COMMITTER_EMAIL: CAMBRIAN_IDENTITY.email,
      GIT_COMMITTER_DATE: date,
    };
    // i18n.commitEncoding other than UTF-8 would add an encoding header and change the SHA.
    const commitArgs = ['-c', 'i18n.commitEncoding=UTF-8', 'commit-tree', '--no-gpg-sign', tree, '-p', parent, '-F', '-'];
    const commit = (await ctx.run(commitArgs, { env: identityEnv, input: message })).stdout.trim();
    return { commit, tree };
  } finally {
    await rm(indexFile, { force: true });
  }
}

/** Stores contents as blobs with one spawn: --stdin for one, temp files + --stdin-paths for many. */
async function writeBlobs(ctx: PlumbingContext, contents: string[]): Promise<string[]> {
  if (contents.length === 0) return [];
  if (contents.length === 1) {
    const { stdout } = await ctx.run(['hash-object', '-w', '--no-filters', '--stdin'], { input: contents[0] });
    return [stdout.trim()];
  }
  const files = await Promise.all(contents.map(() => ctx.scratchPath('blob')));
  try {
    await Promise.all(files.map((file, i) => writeFile(file, contents[i] ?? '')));
    const { stdout } = await ctx.run(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: `${files.join('\n')}\n` });
    const oids = stdout.split('\n').filter((line) => line !== '');
    if (oids.length !== contents.length) {
      throw new CambrianError('CAMBRIAN_GIT_FAILED', `git hash-object returned ${oids.length} ids for ${contents.length} files`);
    }
    return oids;
  } finally {
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }
}

/**
 * Mode of each path that exists in `commit` (so an executable stays executable when rewritten),
 * read from the parent trees through the batch reader instead of spawning ls-tree.
 */
async function modesAt(ctx: PlumbingContext, commit: string, paths: string[]): Promise<Map<string, string>> {
  const byDirectory = new Map<string, string[]>();
  for (const path of paths) {
    const slash = path.lastIndexOf('/');
    const directory = slash < 0 ? '' : path.slice(0, slash);
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), path.slice(slash + 1)]);
  }
  const modes = new Map<string, string>();
  await Promise.all(
    [...byDirectory].map(async ([directory, names]) => {
      const tree = await ctx.readObject(directory === '' ? `${commit}^{tree}` : `${commit}:${directory}`);
      if (tree === null || tree.type !== 'tree') return; // a new directory, or a file becoming one
      const entries = parseRawTree(tree.content, commit.length / 2);
      for (const name of names) {
        const mode = entries.get(name);
        if (mode !== undefined) modes.set(directory === '' ? name : `${directory}/${name}`, mode);
      }
    }),
  );
  return modes;
}

/** Name → mode of a raw tree object: repeated `<mode> <name>\0<binary oid>`. */
export function parseRawTree(raw: Buffer, oidBytes: number): Map<string, string> {
  const entries = new Map<string, string>();
  let at = 0;
  while (at < raw.length) {
    const space = raw.indexOf(0x20, at);
    const nul = raw.indexOf(0x00, space);
    if (space < 0 || nul < 0) break;
    const mode = raw.toString('latin1', at, space);
    // Trees store 40000 for directories; everything we compare against uses six digits.
    entries.set(raw.toString('utf8', space + 1, nul), mode.padStart(6, '0'));
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/** Promise.all that waits for every promise before rethrowing the first failure. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
