// The child commit written by git itself: blobs via hash-object, a tree built in a throwaway index,
// commit-tree. ~6 spawns; used where objects cannot be written in-process (SHA-256 or shared
// repositories, messages git would rewrite) and as the reference the in-process writer must match.
import { rm, writeFile } from 'node:fs/promises';
import type { CommitResult } from './port.ts';
import type { RunGitOptions, RunGitResult } from './exec.ts';
import { CambrianError } from '../errors.ts';
import type { ObjectContents } from './object-reader.ts';
import { CAMBRIAN_IDENTITY, modeForWrittenFile, settleAll, type PreparedCommit } from './commit-request.ts';
import { parseRawTree } from './tree-edit.ts';

/** What writing through git needs from the repository object. */
export interface GitPlumbingContext {
  run(args: readonly string[], options?: Omit<RunGitOptions, 'cwd'>): Promise<RunGitResult>;
  /** Raw object by name (`<commit>:<dir>`), from the long-lived reader; null when missing. */
  readObject(name: string): Promise<ObjectContents | null>;
  /** A fresh path in the repository's private scratch directory (nothing is created there). */
  scratchPath(prefix: string): Promise<string>;
}

export async function writeChildCommitWithGit(ctx: GitPlumbingContext, commit: PreparedCommit): Promise<CommitResult> {
  const { parent, changes } = commit;
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
      return `${modeForWrittenFile(modes.get(path))} ${blobs[blobIndex++]}\t${path}\0`;
    });
    await ctx.run(['-c', 'core.splitIndex=false', 'update-index', '-z', '--index-info'], { env: indexEnv, input: indexInfo.join('') });
    const tree = (await ctx.run(['write-tree'], { env: indexEnv })).stdout.trim();

    const date = `@${commit.timestamp} +0000`;
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
    const sha = (await ctx.run(commitArgs, { env: identityEnv, input: commit.message })).stdout.trim();
    return { commit: sha, tree };
  } finally {
    await rm(indexFile, { force: true });
  }
}

/** Stores contents as blobs with one spawn: --stdin for one, temp files + --stdin-paths for many. */
async function writeBlobs(ctx: GitPlumbingContext, contents: string[]): Promise<string[]> {
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
async function modesAt(ctx: GitPlumbingContext, commit: string, paths: string[]): Promise<Map<string, string>> {
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
      const entries = new Map(parseRawTree(tree.content, commit.length / 2).map((entry) => [entry.name.toString('utf8'), entry.mode]));
      for (const name of names) {
        const mode = entries.get(name);
        if (mode !== undefined) modes.set(directory === '' ? name : `${directory}/${name}`, mode);
      }
    }),
  );
  return modes;
}
