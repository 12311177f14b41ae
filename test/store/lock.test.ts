// The embedded store's lock file on its own: who holds it, when it is stale, and who may remove it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireStoreLock, readLockHolder } from '../../src/store/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'cambrian-lock-'));
let n = 0;
const lockPath = () => join(dir, `db-${++n}.lock`);

function isLocked(error: unknown, pattern: RegExp): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'CAMBRIAN_STORE_LOCKED' && pattern.test(message ?? '');
}

describe('store lock', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records pid, host, command and start time, and removes the file on release', () => {
    const path = lockPath();
    const lock = acquireStoreLock(path);
    const holder = readLockHolder(path);
    assert.equal(holder?.pid, process.pid);
    assert.equal(holder?.hostname, hostname());
    assert.equal(holder?.command, process.argv.join(' '));
    assert.ok(!Number.isNaN(Date.parse(holder?.startedAt ?? '')));
    lock.release();
    lock.release();
    assert.equal(existsSync(path), false);
  });

  it('refuses a second holder, even in the same process', () => {
    const path = lockPath();
    const lock = acquireStoreLock(path);
    try {
      assert.throws(() => acquireStoreLock(path), (error) => isLocked(error, /this same process/));
    } finally {
      lock.release();
    }
    acquireStoreLock(path).release();
  });

  it('never treats a lock from another host as stale', () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: 1, hostname: 'build-server-7', command: 'cambrian run', startedAt: '2026-01-01T00:00:00Z', token: 't' }));
    assert.throws(() => acquireStoreLock(path), (error) => isLocked(error, /pid 1 on host build-server-7 \(cambrian run/));
  });

  it('takes over a lock whose pid is dead, or whose file is garbage, and leaves no temp files', async () => {
    const child = execFile(process.execPath, ['-e', ''], { timeout: 30_000 });
    await new Promise((resolve) => child.once('exit', resolve));
    const stale = lockPath();
    writeFileSync(stale, JSON.stringify({ pid: child.pid, hostname: hostname(), command: 'old', startedAt: '', token: 'old' }));
    acquireStoreLock(stale).release();
    const garbage = lockPath();
    writeFileSync(garbage, '{"pid": 12');
    acquireStoreLock(garbage).release();
    assert.deepEqual(readdirSync(dir).filter((name) => !name.endsWith('.lock')), [], 'no temp or moved-aside files remain');
    assert.equal(existsSync(stale) || existsSync(garbage), false);
  });

  it('does not remove a lock that someone else has taken since', () => {
    const path = lockPath();
    const lock = acquireStoreLock(path);
    const foreign = JSON.stringify({ pid: 1, hostname: 'elsewhere', command: 'other', startedAt: '', token: 'theirs' });
    writeFileSync(path, foreign);
    lock.release();
    assert.equal(readLockHolder(path)?.token, 'theirs');
  });
});
