import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.ts';
import { withReferenceTable } from '../../src/config/reference.ts';
import { MINIMAL_CONFIG } from './fixtures.ts';

const fromRoot = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe('generated config artefacts', () => {
  it('schema/cambrian.schema.json is what the zod schema generates (run `npm run schema`)', async () => {
    assert.equal(await readFile(fromRoot('schema/cambrian.schema.json'), 'utf8'), configJsonSchemaText());
  });

  it('the key table in docs/guide/config.md is current (run scripts/write-config-reference.ts)', async () => {
    const doc = await readFile(fromRoot('docs/guide/config.md'), 'utf8');
    assert.equal(doc, withReferenceTable(doc));
  });

  it('requires only what a user must write, and rejects unknown keys', () => {
    const schema = configJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { required?: string[]; additionalProperties?: unknown }>;
    };
    assert.deepEqual([...schema.required].sort(), ['evaluator', 'evolve', 'fitness', 'goal', 'metrics']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.properties.evolve?.required, ['include']);
    assert.equal(schema.properties.evaluator?.additionalProperties, false);
    const minimal = parseYaml(MINIMAL_CONFIG) as Record<string, unknown>;
    for (const key of schema.required) assert.ok(key in minimal, `${key} is in the minimal config`);
  });
});
