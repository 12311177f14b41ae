// Host-side reads of files a candidate could have written (metrics files, an agent's edits): never
// follow a symbolic link, never block on a FIFO or device, only regular files, never more than a
// bound. A refusal says what was wrong in words of ours; it never quotes the file.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type CandidateRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; missing: boolean; reason: string };

/** O_NOFOLLOW: a link in the last component fails (ELOOP); O_NONBLOCK: a FIFO opens without a writer. */
const SAFE_READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Reads `path` if it is a regular file of at most `maxBytes`. The caller must own every directory
 * above the last component (a candidate-writable directory in the middle could redirect the read).
 */
export async function readCandidateFile(path: string, maxBytes: number): Promise<CandidateRead> {
  let handle;
  try {
    handle = await open(path, SAFE_READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, reason: 'does not exist' };
    if (code === 'ELOOP') return { ok: false, missing: false, reason: 'is a symbolic link (only regular files are read)' };
    return { ok: false, missing: false, reason: `could not be opened (${code ?? 'error'})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, missing: false, reason: `is ${kindOf(info)}, not a regular file` };
    if (info.size > maxBytes) return { ok: false, missing: false, reason: `is larger than ${maxBytes} bytes` };
    // The size can grow after fstat (an escaped writer): read at most maxBytes + 1 and check.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(info.size + 1, 1)));
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { ok: false, missing: false, reason: `is larger than ${maxBytes} bytes` };
    return { ok: true, bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, missing: false, reason: `could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function kindOf(info: { isFIFO(): boolean; isDirectory(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'a special file';
}
