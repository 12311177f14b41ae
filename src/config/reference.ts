// The key-by-key reference table of docs/guide/config.md, rendered from the generated JSON Schema
// so the docs state exactly the types, defaults and descriptions the loader enforces.
import { configJsonSchema } from './json-schema.ts';

export const REFERENCE_BEGIN = '<!-- BEGIN GENERATED: config reference (scripts/write-config-reference.ts) -->';
export const REFERENCE_END = '<!-- END GENERATED: config reference -->';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema | JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** The markdown table (header included), one row per key, nested keys as dotted paths. */
export function configReferenceTable(): string {
  const rows: Row[] = [];
  collectRows(configJsonSchema() as JsonSchema, '', rows);
  const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| Key | Type | Default | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.key}\` | ${escape(r.type)} | ${escape(r.default)} | ${escape(r.description)} |`),
  ].join('\n');
}

/** Replace the generated block of a markdown document (between the markers) with the current table. */
export function withReferenceTable(markdown: string): string {
  const begin = markdown.indexOf(REFERENCE_BEGIN);
  const end = markdown.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) throw new Error('config reference markers not found in the document');
  return `${markdown.slice(0, begin + REFERENCE_BEGIN.length)}\n${configReferenceTable()}\n${markdown.slice(end)}`;
}

function collectRows(schema: JsonSchema, prefix: string, rows: Row[]): void {
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    rows.push({
      key,
      type: typeName(property),
      default: required.has(name) ? '**required**' : defaultText(property),
      description: property.description ?? '',
    });
    for (const [suffix, child] of nestedObjects(property)) collectRows(child, key + suffix, rows);
  }
}

/** Objects whose keys get their own rows: sections, record values (`.<name>`), list items (`[]`). */
function nestedObjects(schema: JsonSchema): [string, JsonSchema][] {
  if (schema.properties && schema.type === 'object') return [['', schema]];
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && schema.additionalProperties.properties) {
    return [['.<name>', schema.additionalProperties]];
  }
  if (schema.type === 'array' && !Array.isArray(schema.items) && schema.items?.properties) return [['[]', schema.items]];
  return (schema.anyOf ?? []).flatMap(nestedObjects);
}

function typeName(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(typeName).join(' | ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  switch (schema.type) {
    case 'integer':
    case 'number':
      return `${schema.type}${bounds(schema)}`;
    case 'array':
      if (Array.isArray(schema.items)) return `[${schema.items.map(typeName).join(', ')}]`;
      return `list of ${schema.items ? typeName(schema.items) : 'any'}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
    case 'object':
      return schema.properties ? 'section' : 'map of name → section';
    default:
      return schema.type ?? 'any';
  }
}

function bounds(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${schema.maximum}`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

function defaultText(schema: JsonSchema): string {
  if (schema.default === undefined) return 'unset';
  if (schema.type === 'object' && schema.properties) return 'see keys below';
  return `\`${JSON.stringify(schema.default)}\``;
}
