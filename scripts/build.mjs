// Compiles src/ to dist/ (plain ESM JavaScript; the CLI runs it without a TypeScript loader) and
// copies the .mjs helpers that run as their own processes. Incremental: a build with nothing
// changed takes about a second. `npm run demo`, `npm test` and `npm run bench` build first.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

if (!existsSync(tsc)) {
  console.error('cambrian: TypeScript is not installed; run `npm ci` first');
  process.exit(1);
}
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
} catch {
  console.error('cambrian: the build failed (see the errors above)');
  process.exit(1);
}
function copyScripts(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) copyScripts(full);
    else if (name.endsWith('.mjs')) cpSync(full, join(dist, relative(src, full)));
  }
}
copyScripts(src);

// The pre-initialised store new repositories start from (src/store/template.ts): made once per
// installed PGlite version, so no run ever pays for initdb.
const { PGLITE_CONF } = await import('../dist/store/open.js');
const { usableTemplate, buildStoreTemplate } = await import('../dist/store/template.js');
if (usableTemplate(PGLITE_CONF) === null) {
  process.stderr.write('cambrian: preparing the embedded store template (once)…\n');
  await buildStoreTemplate(PGLITE_CONF);
}
