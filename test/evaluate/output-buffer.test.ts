// HeadTailBuffer keeps the first and last N bytes of a stream and says how much it dropped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeadTailBuffer } from '../../src/evaluate/output-buffer.ts';

describe('HeadTailBuffer', () => {
  it('keeps everything up to twice the limit', () => {
    const buffer = new HeadTailBuffer(4);
    for (const part of ['ab', 'cdef', 'gh']) buffer.push(Buffer.from(part));
    assert.equal(buffer.toString(), 'abcdefgh');
  });

  it('keeps head and tail across many chunks and marks the gap', () => {
    const buffer = new HeadTailBuffer(4);
    for (let i = 0; i < 1000; i++) buffer.push(Buffer.from('0123456789'));
    assert.equal(buffer.totalBytes, 10_000);
    assert.equal(buffer.toString(), '0123\n[… 9992 bytes omitted …]\n6789');
  });

  it('trims a single oversized chunk', () => {
    const buffer = new HeadTailBuffer(3);
    buffer.push(Buffer.from('abcdefghij'));
    assert.equal(buffer.toString(), 'abc\n[… 4 bytes omitted …]\nhij');
  });
});
