// Individual records this session has created, restored or read, by id (LRU): a job's parent and
// inspirations are mostly archive members, so most jobs read them without a statement. Only this
// process writes a run's individuals (the store is locked), and every write it makes after a record
// is cached goes through `patch` once committed, so a cached record equals the stored row.
import type { IndividualPatch, IndividualRecord, IndividualRepo } from '../store/port.ts';

/** Records kept (each a few KB with its embedding); the archive's elites fit many times over. */
export const RECORD_CACHE_ENTRIES = 2048;

export class RecordCache {
  private readonly records = new Map<string, IndividualRecord>();

  constructor(
    private readonly repo: Pick<IndividualRepo, 'getMany'>,
    private readonly maxEntries: number = RECORD_CACHE_ENTRIES,
  ) {}

  async get(id: string): Promise<IndividualRecord | null> {
    const [record] = await this.getMany([id]);
    return record ?? null;
  }

  /** In the order asked for; unknown ids are left out (as IndividualRepo.getMany). */
  async getMany(ids: readonly string[]): Promise<IndividualRecord[]> {
    const missing = ids.filter((id) => !this.records.has(id));
    const fetched = new Map<string, IndividualRecord>();
    if (missing.length > 0) {
      for (const record of await this.repo.getMany(missing)) {
        fetched.set(record.id, record);
        this.put(record);
      }
    }
    return ids.flatMap((id) => {
      const record = this.touch(id) ?? fetched.get(id);
      // A copy: callers may spread or reassign fields without changing the cached row.
      return record ? [{ ...record }] : [];
    });
  }

  /** Remember a record as committed to the store. */
  put(record: IndividualRecord): void {
    this.records.delete(record.id);
    this.records.set(record.id, { ...record });
    if (this.records.size > this.maxEntries) this.records.delete(this.records.keys().next().value!);
  }

  /** Apply an update the store has committed (a no-op for records not cached). */
  patch(id: string, patch: IndividualPatch): void {
    const record = this.records.get(id);
    if (!record) return;
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
    }
  }

  get size(): number {
    return this.records.size;
  }

  private touch(id: string): IndividualRecord | undefined {
    const record = this.records.get(id);
    if (record) {
      this.records.delete(id);
      this.records.set(id, record);
    }
    return record;
  }
}
