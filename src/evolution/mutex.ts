// Serialises async critical sections: scheduling and ingest share the archive, the RNG and the loop
// state, while proposing and evaluating run concurrently outside it.

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
