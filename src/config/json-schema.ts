// The JSON Schema of cambrian.yaml, generated from the zod schema (editors validate and complete the
// file with it). Input view: keys with defaults are optional, as a user writes them. Draft-07, the
// dialect editors (yaml-language-server, VS Code) support best.
import { z } from 'zod';
import { configSchema } from './schema.ts';

export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: 'cambrian.yaml',
    description: 'Configuration of a Cambrian run. Reference: docs/guide/config.md.',
    ...withoutKey(generated, '$schema'),
  };
}

/** The file content of schema/cambrian.schema.json: stable key order, two-space indent, final newline. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _omitted, ...rest } = value;
  return rest;
}
