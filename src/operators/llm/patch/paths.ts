// Recognises the file path a model writes before an edit, in the spellings models actually use:
// `pack.js`, `File: pack.js`, `**src/pack.js**`, `### src/pack.js:` or a fence info string.

const FENCE = /^\s*(`{3,}|~{3,})\s*(\S*)\s*$/;

/** A fence line (``` or ```lang), with its marker and info string. */
export function parseFence(line: string): { marker: string; info: string } | null {
  const m = FENCE.exec(line);
  return m ? { marker: m[1]!, info: m[2]! } : null;
}

/**
 * The path named by one line, or null when the line is prose. A bare word without '.' or '/' is a
 * path only when it names a known file (e.g. `Makefile`), so "Changes:" is not taken for a file.
 */
export function pathFromLine(line: string, known: ReadonlySet<string> = new Set()): string | null {
  let text = line.trim();
  text = text.replace(/^#+\s*/, '');
  text = text.replace(/^[-*]\s+/, '');
  text = text.replace(/^\*\*(.*)\*\*$/, '$1').replace(/^\*(.*)\*$/, '$1');
  text = text.replace(/^(?:file(?:name)?|path)\s*:\s*/i, '');
  text = text.replace(/^\*\*(.*)\*\*$/, '$1');
  text = text.replace(/^`+|`+$/g, '');
  text = text.replace(/:$/, '').trim();
  text = text.replace(/^\.\//, '');
  if (text.length === 0 || /\s/.test(text) || !/[A-Za-z0-9]/.test(text)) return null;
  if (!/^[\w.\-/@+~]+$/.test(text)) return null;
  if (text.includes('.') || text.includes('/') || known.has(text)) return text;
  return null;
}

/**
 * Resolve a path the model wrote against the files it was shown: exact, else the one known file
 * that ends with it (a model often writes `pack.js` for `src/pack.js`). Unknown paths pass through.
 */
export function resolvePath(path: string, known: readonly string[]): string {
  if (known.length === 0 || known.includes(path)) return path;
  const suffixed = known.filter((k) => k.endsWith('/' + path));
  return suffixed.length === 1 ? suffixed[0]! : path;
}
