// In-process publication of ledger events after their transaction commits: the live terminal view
// (and later the dashboard) subscribe here instead of polling the store.
import type { LedgerEvent } from '../ledger/events.ts';

export type EventListener = (event: LedgerEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly LedgerEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // A broken view must never break the run.
        }
      }
    }
  }
}
