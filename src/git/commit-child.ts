// Writes a child commit without spawning: the parent's trees come from the long-lived cat-file
// reader, blobs, the edited trees and the commit are hashed and stored as loose objects in-process.
// The user's working tree, index, HEAD and branch are never touched.
import type { CommitRequest, CommitResult } from './port.ts';
import { CambrianError } from '../errors.ts';
import { prepareObject, type LooseObjectStore, type PreparedObject } from './loose-objects.ts';
import { CAMBRIAN_IDENTITY, modeForWrittenFile, prepareCommit, type PreparedCommit } from './commit-request.ts';
import { writeChildCommitWithGit, type GitPlumbingContext } from './commit-child-git.ts';
import { parseRawTree, TreeEditor } from './tree-edit.ts';

export { CAMBRIAN_IDENTITY } from './commit-request.ts';

/** What commitChild needs from the repository object (kept narrow so it is easy to follow). */
export interface PlumbingContext extends GitPlumbingContext {
  /** The in-process object writer, or null when this repository needs git to write objects. */
  looseObjects(): Promise<LooseObjectStore | null>;
}

/**
 * Bytes `git commit-tree` would not store verbatim: it refuses a NUL, and rewrites Unicode
 * noncharacters (U+FFFE, U+FDD0…) as if they were Latin-1. Such messages go through git itself.
 */
const REWRITTEN_BY_GIT = /\0|\p{Noncharacter_Code_Point}/u;

/** `parent` must already be a full commit SHA. */
export async function writeChildCommit(ctx: PlumbingContext, parent: string, request: CommitRequest): Promise<CommitResult> {
  const commit = prepareCommit(parent, request);
  const store = await ctx.looseObjects();
  if (store === null || REWRITTEN_BY_GIT.test(commit.message)) return writeChildCommitWithGit(ctx, commit);
  return writeChildCommitInProcess(ctx, store, commit);
}

/** The same objects, byte for byte, as writeChildCommitWithGit, with no spawn. */
export async function writeChildCommitInProcess(ctx: PlumbingContext, store: LooseObjectStore, commit: PreparedCommit): Promise<CommitResult> {
  const { parent, changes } = commit;
  const directories = [...new Set(changes.flatMap((change) => parentDirectories(change.path)))];
  // One pipelined round trip: the parent, its root tree, and every tree on a changed path.
  const [parentObject, rootTree, ...trees] = await Promise.all([
    ctx.readObject(parent),
    ctx.readObject(`${parent}^{tree}`),
    ...directories.map((directory) => ctx.readObject(`${parent}:${directory}`)),
  ]);
  if (parentObject?.type !== 'commit' || rootTree?.type !== 'tree') {
    throw new CambrianError('CAMBRIAN_BAD_REVISION', `parent ${parent} is not a commit in this repository`);
  }
  const treesByOid = new Map<string, Buffer>([[rootTree.oid, rootTree.content]]);
  const treesByDirectory = new Map<string, Buffer>([['', rootTree.content]]);
  directories.forEach((directory, i) => {
    const tree = trees[i];
    if (tree?.type !== 'tree') return; // a new directory, or a file that becomes one
    treesByOid.set(tree.oid, tree.content);
    treesByDirectory.set(directory, tree.content);
  });
  const oidBytes = parent.length / 2;
  const loadTree = async (oid: string): Promise<Buffer> => {
    const known = treesByOid.get(oid);
    if (known !== undefined) return known;
    const found = await ctx.readObject(oid);
    if (found?.type !== 'tree') throw new CambrianError('CAMBRIAN_GIT_FAILED', `tree ${oid} of ${parent} is missing`);
    return found.content;
  };

  const editor = new TreeEditor(rootTree.content, loadTree, oidBytes);
  const blobs: PreparedObject[] = [];
  for (const { path, content } of changes) {
    if (content === null) {
      await editor.remove(path);
      continue;
    }
    const blob = prepareObject('blob', Buffer.from(content, 'utf8'));
    blobs.push(blob);
    await editor.write(path, modeForWrittenFile(parentMode(treesByDirectory, path, oidBytes)), blob.oid);
  }
  const { tree, objects: treeObjects } = editor.finish((body) => prepareObject('tree', body));
  const commitObject = prepareObject('commit', Buffer.from(formatCommitObject(tree, commit), 'utf8'));

  // The commit last, so no commit is ever stored whose tree or blobs are not.
  for (const object of [...blobs, ...treeObjects, commitObject]) store.write(object);
  return { commit: commitObject.oid, tree };
}

/** The commit object text commit-tree writes for our fixed identity, UTC date and no signature. */
function formatCommitObject(tree: string, commit: PreparedCommit): string {
  const who = `${CAMBRIAN_IDENTITY.name} <${CAMBRIAN_IDENTITY.email}> ${commit.timestamp} +0000`;
  return `tree ${tree}\nparent ${commit.parent}\nauthor ${who}\ncommitter ${who}\n\n${commit.message}`;
}

/** `a/b/c.txt` → [`a`, `a/b`]. */
function parentDirectories(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

/** Mode of `path` in the parent commit, looked up in its (prefetched) directory. */
function parentMode(treesByDirectory: Map<string, Buffer>, path: string, oidBytes: number): string | undefined {
  const slash = path.lastIndexOf('/');
  const tree = treesByDirectory.get(slash < 0 ? '' : path.slice(0, slash));
  if (tree === undefined) return undefined;
  const name = Buffer.from(path.slice(slash + 1), 'utf8');
  return parseRawTree(tree, oidBytes).find((entry) => entry.name.equals(name))?.mode;
}
