// materializeTree on its own: files with their executable bit whatever the umask, links as links,
// only what differs rewritten, nothing trusted that it did not write itself, and tree paths that
// could not be written safely (`..`, absolute, `.git` in any case) refused before anything is touched.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { materializeTree, UnsafeTreePathError, type Manifest } from '../../src/git/materialize.ts';
import type { TreeEntry } from '../../src/git/port.ts';
import { createTempDir } from '../support/temp-repo.ts';

const exec = promisify(execFile);

describe('materializeTree', () => {
  let scratch: { dir: string; cleanup(): Promise<void> };
  let dir: string;
  const blobs = new Map<string, string>([
    ['1'.repeat(40), 'plain\n'],
    ['2'.repeat(40), '#!/bin/sh\necho hi\n'],
    ['3'.repeat(40), '../plain.txt'],
    ['4'.repeat(40), 'changed\n'],
  ]);
  const readBlob = async (blob: string): Promise<Buffer> => Buffer.from(blobs.get(blob) ?? assert.fail(`unknown blob ${blob}`));
  const entries: TreeEntry[] = [
    { path: 'plain.txt', mode: '100644', blob: '1'.repeat(40) },
    { path: 'bin/run.sh', mode: '100755', blob: '2'.repeat(40) },
    { path: 'bin/link', mode: '120000', blob: '3'.repeat(40) },
  ];

  beforeEach(async () => {
    scratch = await createTempDir('cambrian-materialize-');
    dir = join(scratch.dir, 'tree');
    await mkdir(dir);
  });
  afterEach(() => scratch.cleanup());

  it('writes files with their executable bit and links as links, whatever the umask', async () => {
    const umask = process.umask(0o077);
    try {
      const stats = await materializeTree(dir, entries, new Map(), readBlob);
      assert.deepEqual(stats, { written: 3, removed: 0, kept: 0 });
    } finally {
      process.umask(umask);
    }
    assert.equal((await stat(join(dir, 'plain.txt'))).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, 'bin/run.sh'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(dir, 'bin'))).mode & 0o777, 0o755);
    assert.ok((await lstat(join(dir, 'bin/link'))).isSymbolicLink());
    assert.equal(await readlink(join(dir, 'bin/link')), '../plain.txt');
    const { stdout } = await exec(join(dir, 'bin/run.sh'));
    assert.equal(stdout, 'hi\n');
  });

  it('keeps what it wrote and did not change, and rewrites only what differs', async () => {
    const manifest: Manifest = new Map();
    await materializeTree(dir, entries, manifest, readBlob);
    assert.deepEqual(await materializeTree(dir, entries, manifest, readBlob), { written: 0, removed: 0, kept: 3 });

    const changed = entries.map((e) => (e.path === 'plain.txt' ? { ...e, blob: '4'.repeat(40) } : e));
    assert.deepEqual(await materializeTree(dir, changed, manifest, readBlob), { written: 1, removed: 1, kept: 2 });
    assert.equal(await readFile(join(dir, 'plain.txt'), 'utf8'), 'changed\n');

    // A mode change alone (chmod) is noticed too.
    await chmod(join(dir, 'bin/run.sh'), 0o644);
    assert.deepEqual(await materializeTree(dir, changed, manifest, readBlob), { written: 1, removed: 1, kept: 2 });
    assert.equal((await stat(join(dir, 'bin/run.sh'))).mode & 0o777, 0o755);
  });

  it('does not trust a file it did not write, even with the right content', async () => {
    await writeFile(join(dir, 'plain.txt'), 'plain\n');
    const manifest: Manifest = new Map();
    assert.deepEqual(await materializeTree(dir, entries, manifest, readBlob), { written: 3, removed: 1, kept: 0 });
    assert.equal(manifest.size, 3);
  });

  it('refuses to work through a directory that was swapped for a link', async () => {
    const outside = join(scratch.dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'precious.txt'), 'mine\n');
    const link = join(scratch.dir, 'link');
    await symlink(outside, link);
    await assert.rejects(materializeTree(link, entries, new Map(), readBlob), /no longer a directory/);
    assert.deepEqual(await readdir(outside), ['precious.txt']);
  });

  for (const path of ['a/../b', '../escape', '/etc/passwd', '.git/config', 'sub/.GIT/hooks/pre-commit', 'a//b', './a', 'a/.', '', 'a\\b', 'nul\0byte']) {
    it(`refuses the unsafe path ${JSON.stringify(path)} before touching the directory`, async () => {
      await writeFile(join(dir, 'existing.txt'), 'kept\n');
      const unsafe = [...entries, { path, mode: '100644', blob: '1'.repeat(40) }];
      await assert.rejects(materializeTree(dir, unsafe, new Map(), readBlob), (error) => error instanceof UnsafeTreePathError && error.path === path);
      assert.deepEqual(await readdir(dir), ['existing.txt']);
    });
  }
});
