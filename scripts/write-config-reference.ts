// Regenerates the key reference table inside docs/guide/config.md from the config schema. A test
// fails when the committed document is out of date, so run it after every schema change.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReferenceTable } from '../src/config/reference.ts';

const target = fileURLToPath(new URL('../docs/guide/config.md', import.meta.url));
writeFileSync(target, withReferenceTable(readFileSync(target, 'utf8')));
process.stdout.write(`updated ${target}\n`);
