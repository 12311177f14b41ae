// Code embeddings of individuals for learned descriptors: the evolvable files of a commit, each
// embedded once per blob SHA (bounded LRU cache), combined weighted by file size. A new child is
// embedded from its parent's listing and its changes, which spares listing its tree.
import { combineEmbeddings, embedText } from '../core/descriptors/embedding.ts';
import type { FileChange } from '../core/types.ts';
import type { Git, TreeEntry } from '../git/port.ts';
import { evolvableFiles, type EvolveScope } from '../operators/scope.ts';

export class CommitEmbedder {
  private readonly cache = new Map<string, { vector: number[]; weight: number }>();

  constructor(
    private readonly git: Git,
    private readonly scope: EvolveScope,
    private readonly maxCached = 4096,
  ) {}

  /** The embedding of a commit, listing its tree (the reference the incremental paths must match). */
  async embed(commit: string): Promise<number[]> {
    return this.embedListing(await this.git.listFiles(commit));
  }

  /** The embedding of a commit whose tree listing the caller already has. */
  async embedListing(entries: readonly TreeEntry[]): Promise<number[]> {
    const wanted = new Set(evolvableFiles(this.scope, entries.map((e) => e.path)));
    const parts: Array<{ vector: number[]; weight: number }> = [];
    for (const entry of entries) {
      if (!wanted.has(entry.path)) continue;
      parts.push(await this.embedBlob(entry.path, entry.blob));
    }
    return combineEmbeddings(parts);
  }

  /**
   * What embed(child) returns, for a child made from a parent (its listing) by `changes`, without
   * listing the child: unchanged files come from the parent's blobs, changed ones from their new
   * content, in the parent's order. Null when a change adds a file (its place in git's order, which
   * fixes the floating-point sum, is not known here): embed the child commit instead.
   */
  async embedChild(parentEntries: readonly TreeEntry[], changes: readonly FileChange[]): Promise<number[] | null> {
    const known = new Set(parentEntries.map((e) => e.path));
    if (changes.some((change) => change.content !== null && !known.has(change.path))) return null;
    const changed = new Map(changes.map((change) => [change.path, change.content]));
    const wanted = new Set(evolvableFiles(this.scope, [...known]));
    const parts: Array<{ vector: number[]; weight: number }> = [];
    for (const entry of parentEntries) {
      if (!wanted.has(entry.path)) continue;
      if (!changed.has(entry.path)) parts.push(await this.embedBlob(entry.path, entry.blob));
      else {
        const content = changed.get(entry.path);
        if (content !== null && content !== undefined) parts.push(embedContent(entry.path, content));
      }
    }
    return combineEmbeddings(parts);
  }

  private async embedBlob(path: string, blob: string): Promise<{ vector: number[]; weight: number }> {
    const key = `${path}\u0000${blob}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const part = embedContent(path, await this.git.readBlob(blob));
    this.cache.set(key, part);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return part;
  }
}

function embedContent(path: string, content: string): { vector: number[]; weight: number } {
  return { vector: embedText(path, content), weight: Math.max(1, Math.sqrt(content.length)) };
}
