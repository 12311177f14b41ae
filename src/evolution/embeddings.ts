// Code embeddings of individuals for learned descriptors: the evolvable files of a commit, each
// embedded once per blob SHA (bounded LRU cache), combined weighted by file size.
import { combineEmbeddings, embedText } from '../core/descriptors/embedding.ts';
import type { Git } from '../git/port.ts';
import { evolvableFiles, type EvolveScope } from '../operators/scope.ts';

export class CommitEmbedder {
  private readonly cache = new Map<string, { vector: number[]; weight: number }>();

  constructor(
    private readonly git: Git,
    private readonly scope: EvolveScope,
    private readonly maxCached = 4096,
  ) {}

  async embed(commit: string): Promise<number[]> {
    const entries = await this.git.listFiles(commit);
    const wanted = new Set(evolvableFiles(this.scope, entries.map((e) => e.path)));
    const parts: Array<{ vector: number[]; weight: number }> = [];
    for (const entry of entries) {
      if (!wanted.has(entry.path)) continue;
      parts.push(await this.embedBlob(entry.path, entry.blob));
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
    const content = await this.git.readBlob(blob);
    const part = { vector: embedText(path, content), weight: Math.max(1, Math.sqrt(content.length)) };
    this.cache.set(key, part);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return part;
  }
}
