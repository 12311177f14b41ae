#!/usr/bin/env node
// Entry point: runs the compiled JavaScript in dist/ — no TypeScript loader on the runtime path.
// `npm ci` builds it (the `prepare` script); `npm run build` rebuilds after editing src/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `cambrian: the compiled CLI is missing (${fileURLToPath(entry)}).\n` +
      `  hint: run \`npm ci\` (or \`npm run build\`) in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
