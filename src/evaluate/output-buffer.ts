// Keeps the head and the tail of a stream and counts what lies between, so a candidate printing
// gigabytes costs bounded memory while the first lines (errors) and the last line (metrics) survive.

export class HeadTailBuffer {
  private readonly limitBytes: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  /** Chunks after the head; trimmed from the front so they hold at most limitBytes (plus one chunk). */
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private totalBytesSeen = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  get totalBytes(): number {
    return this.totalBytesSeen;
  }

  push(chunk: Buffer): void {
    this.totalBytesSeen += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.limitBytes) {
      const take = Math.min(this.limitBytes - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    // Copy: a subarray would pin the whole (possibly large) source chunk in memory.
    this.tail.push(Buffer.from(rest));
    this.tailBytes += rest.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.limitBytes) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** Head, a "[… N bytes omitted …]" line when something was dropped, then the tail. */
  toString(): string {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.limitBytes) tail = tail.subarray(tail.length - this.limitBytes);
    const omitted = this.totalBytesSeen - head.length - tail.length;
    if (omitted === 0) return Buffer.concat([head, tail]).toString('utf8');
    return `${head.toString('utf8')}\n[… ${omitted} bytes omitted …]\n${tail.toString('utf8')}`;
  }
}
