// Checks that the drizzle schema (src/store/schema.ts) and the database the migrations built agree:
// the same tables, the same columns with compatible types and nullability, and every declared index.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import type { OpenDatabase } from '../../src/store/open.ts';
import { rowsOf } from '../../src/store/repos/db.ts';
import { allTables } from '../../src/store/schema.ts';

/** Serial types are integers with a sequence default once created. */
const SERIAL_AS: Record<string, string> = { bigserial: 'bigint', serial: 'integer', smallserial: 'smallint' };

export async function assertSchemaMatchesDatabase(database: OpenDatabase): Promise<void> {
  const columns = rowsOf<{ table_name: string; column_name: string; type: string; not_null: boolean }>(
    await database.db.execute(sql`
      SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`),
  );
  const indexes = new Set(
    rowsOf<{ indexname: string }>(await database.db.execute(sql`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`)).map((row) => row.indexname),
  );
  const actual = new Map(columns.map((column) => [`${column.table_name}.${column.column_name}`, column]));
  const declared = new Set<string>();
  for (const table of allTables) {
    const config = getTableConfig(table);
    for (const column of config.columns) {
      const key = `${config.name}.${column.name}`;
      declared.add(key);
      const found = actual.get(key);
      assert.ok(found, `the migrations never create ${key}, which schema.ts declares`);
      const sqlType = column.getSQLType();
      assert.equal(found.type, SERIAL_AS[sqlType] ?? sqlType, `type of ${key}`);
      assert.equal(found.not_null, column.notNull, `nullability of ${key}`);
    }
    for (const index of config.indexes) {
      const name = index.config.name;
      assert.ok(name && indexes.has(name), `the migrations never create index ${name ?? '(unnamed)'} on ${config.name}`);
    }
    for (const primaryKey of config.primaryKeys) assert.ok(indexes.has(primaryKey.getName()), `primary key ${primaryKey.getName()}`);
  }
  const undeclared = [...actual.keys()].filter((key) => !declared.has(key));
  assert.deepEqual(undeclared, [], 'columns in the database that schema.ts does not declare');
}
