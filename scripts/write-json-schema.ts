// Writes schema/cambrian.schema.json from the zod schema (`npm run schema`). A test fails when the
// committed file differs from what this would write, so run it after every schema change.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from '../src/config/json-schema.ts';

const target = fileURLToPath(new URL('../schema/cambrian.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
