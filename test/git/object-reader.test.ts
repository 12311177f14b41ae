// The long-lived cat-file reader: answers in order, reports missing objects, survives being killed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BatchObjectReader } from '../../src/git/object-reader.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

describe('BatchObjectReader', () => {
  let repo: TempRepo;
  let reader: BatchObjectReader;
  const big = 'x'.repeat(3 * 1024 * 1024) + '\n';

  before(async () => {
    repo = await createTempRepo({ 'a.txt': 'a\n', 'big.txt': big, 'dir/b.txt': 'b\n' });
    reader = new BatchObjectReader(repo.dir, 5_000);
  });
  after(async () => {
    await reader.close();
    await repo.cleanup();
  });

  it('returns contents and types in request order, including a multi-megabyte blob', async () => {
    const [a, large, tree, missing] = await Promise.all([
      reader.contents(`${repo.head}:a.txt`),
      reader.contents(`${repo.head}:big.txt`),
      reader.info(`${repo.head}:dir`),
      reader.contents(`${repo.head}:nope.txt`),
    ]);
    assert.equal(a?.content.toString(), 'a\n');
    assert.equal(a?.type, 'blob');
    assert.equal(large?.content.length, big.length);
    assert.equal(large?.content.toString(), big);
    assert.equal(tree?.type, 'tree');
    assert.equal(missing, null);
  });

  it('restarts after its process is killed', async () => {
    assert.ok(await reader.info(repo.head));
    const firstPid = reader.pid;
    assert.ok(firstPid);
    process.kill(firstPid, 'SIGKILL');
    // Give the close event a moment; a request made before it arrives may fail, never hang.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await reader.contents(`${repo.head}:a.txt`);
    assert.equal(again?.content.toString(), 'a\n');
    assert.notEqual(reader.pid, firstPid);
  });

  it('fails queued requests when the process dies mid-flight, then recovers', async () => {
    await reader.info(repo.head);
    const pid = reader.pid;
    assert.ok(pid);
    const pending = reader.contents(`${repo.head}:big.txt`);
    process.kill(pid, 'SIGKILL');
    // Either the answer made it out before the kill or the request fails with a git error.
    await pending.then(
      (found) => assert.equal(found?.content.length, big.length),
      (error: { code: string }) => assert.equal(error.code, 'CAMBRIAN_GIT_FAILED'),
    );
    assert.equal((await reader.contents(`${repo.head}:a.txt`))?.content.toString(), 'a\n');
  });

  it('does not keep Node alive when idle', async () => {
    const child = await import('node:child_process');
    const script = `
      import { BatchObjectReader } from ${JSON.stringify(new URL('../../src/git/object-reader.ts', import.meta.url).href)};
      const reader = new BatchObjectReader(${JSON.stringify(repo.dir)});
      const found = await reader.info('HEAD');
      console.log(found.type);
    `;
    const proc = child.spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const [code] = await once(proc, 'close');
    clearTimeout(timer);
    assert.equal(code, 0, 'the process exited on its own without close()');
    assert.equal(out.trim(), 'commit');
  });
});
