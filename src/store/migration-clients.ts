// Adapts each driver's native client to the migrator's raw-SQL session. Migrations need multi-statement
// scripts, which drizzle's prepared queries cannot run.
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import type { MigrationClient, MigrationSession } from './migrate.ts';

export function pgliteMigrationClient(client: PGlite): MigrationClient {
  return {
    transaction: (fn) =>
      client.transaction((tx) =>
        fn({
          exec: async (script) => void (await tx.exec(script)),
          query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
        }),
      ),
  };
}

export function postgresMigrationClient(client: postgres.Sql): MigrationClient {
  return {
    async transaction<T>(fn: (session: MigrationSession) => Promise<T>): Promise<T> {
      // Captured rather than returned: begin() types its result as an unwrapped promise array.
      let result!: T;
      await client.begin(async (tx) => {
        result = await fn({
          exec: async (script) => void (await tx.unsafe(script)),
          query: async <Row>(text: string, params: unknown[] = []) => [...(await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as Row[],
        });
      });
      return result;
    },
  };
}
