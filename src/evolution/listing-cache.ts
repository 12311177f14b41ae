// Tree listings of commits, memoised for one session. A commit's listing never changes, and the loop
// asks for the same ones again and again (operators list the parent, one of a few hundred elites;
// the embedder lists it too), while each miss costs the Git port a subprocess.
import type { Git, TreeEntry } from '../git/port.ts';

/** Only full object names are immutable; anything else (a branch, HEAD) is passed straight through. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export class ListingCache {
  /** Insertion order is recency order (a hit moves to the end). */
  private readonly listings = new Map<string, { entries: Promise<TreeEntry[]>; size: number }>();
  private cachedEntries = 0;

  /** `maxEntries` bounds the tree entries held over all commits (about 200 bytes each). */
  constructor(
    private readonly git: Pick<Git, 'listFiles'>,
    private readonly maxEntries = 100_000,
  ) {}

  listFiles(commit: string): Promise<TreeEntry[]> {
    if (!OBJECT_NAME.test(commit)) return this.git.listFiles(commit);
    const hit = this.listings.get(commit);
    if (hit) {
      this.listings.delete(commit);
      this.listings.set(commit, hit);
      return hit.entries;
    }
    const slot = { entries: this.git.listFiles(commit), size: 0 };
    this.listings.set(commit, slot);
    slot.entries.then(
      (entries) => {
        if (this.listings.get(commit) !== slot) return;
        slot.size = entries.length;
        this.cachedEntries += entries.length;
        this.evict();
      },
      // A failed read is not remembered; the caller sees the rejection through the returned promise.
      () => {
        if (this.listings.get(commit) === slot) this.listings.delete(commit);
      },
    );
    return slot.entries;
  }

  private evict(): void {
    for (const [commit, slot] of this.listings) {
      // Keep at least the newest listing, however large.
      if (this.cachedEntries <= this.maxEntries || this.listings.size <= 1) return;
      this.listings.delete(commit);
      this.cachedEntries -= slot.size;
    }
  }
}
