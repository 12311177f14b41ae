// The pre-initialised store template: built once, copied for new stores, ignored when it was made
// by another PGlite version or with another configuration.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_CONF } from '../../src/store/open.ts';
import { loadMigrations } from '../../src/store/migrate.ts';
import { buildStoreTemplate, copyTemplate, usableTemplate } from '../../src/store/template.ts';
import { createTempDir } from '../support/temp-repo.ts';

describe('store template', () => {
  let scratch: { dir: string; cleanup(): Promise<void> };
  let templateDir: string;
  before(async () => {
    scratch = await createTempDir('cambrian-template-');
    templateDir = join(scratch.dir, 'template');
    await buildStoreTemplate(PGLITE_CONF, templateDir);
  });
  after(() => scratch.cleanup());

  it('is a migrated database that a copy opens without initdb', async () => {
    const data = usableTemplate(PGLITE_CONF, templateDir);
    assert.ok(data, 'the template is usable');
    const copy = join(scratch.dir, 'copy');
    copyTemplate(data, copy);
    const db = await PGlite.create({ dataDir: copy, postgresqlconf: [...PGLITE_CONF] });
    try {
      const { rows } = await db.query<{ name: string }>('SELECT name FROM cambrian_migrations ORDER BY id');
      assert.deepEqual(rows.map((r) => r.name), loadMigrations().map((m) => m.name));
    } finally {
      await db.close();
    }
    assert.ok(existsSync(join(data, 'PG_VERSION')), 'the template itself is untouched');
  });

  it('is ignored when made by another PGlite version or with another configuration', () => {
    assert.equal(usableTemplate(['shared_buffers = 8MB'], templateDir), null);
    const infoPath = join(templateDir, 'template.json');
    const info = readFileSync(infoPath, 'utf8');
    try {
      writeFileSync(infoPath, info.replace(/"pglite": "[^"]+"/, '"pglite": "0.0.1"'));
      assert.equal(usableTemplate(PGLITE_CONF, templateDir), null);
    } finally {
      writeFileSync(infoPath, info);
    }
    assert.equal(usableTemplate(PGLITE_CONF, join(scratch.dir, 'nowhere')), null);
  });
});
