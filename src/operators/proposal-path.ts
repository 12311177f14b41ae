// The one gate every path from a model or an agent passes before anything reads or writes it: a
// repository path is relative, '/'-separated, in canonical form (no empty, '.' or '..' segments),
// outside any `.git` directory and free of control and glob characters. Bad paths are rejected,
// never repaired: `src/./c.js` that silently became `src/c.js` would hide a confused model.

export type PathCheck = { ok: true } | { ok: false; reason: string };

const CONTROL = /[\u0000-\u001f\u007f]/;
const GLOB = /[*?[\]{}]/;
const DRIVE = /^[A-Za-z]:/;

/** Why `path` cannot be part of a proposal, or null when it is a clean repository path. */
export function proposalPathProblem(path: string): string | null {
  const shown = JSON.stringify(path);
  if (path.length === 0) return 'a proposal names an empty path';
  if (CONTROL.test(path)) return `path ${shown} contains a control character`;
  if (path.includes('\\')) return `path ${shown} contains a backslash (paths use '/' separators)`;
  if (path.startsWith('/') || DRIVE.test(path)) return `path ${shown} is absolute (paths are relative to the repository root)`;
  if (GLOB.test(path)) return `path ${shown} contains a glob character (one of * ? [ ] { })`;
  const segments = path.split('/');
  if (segments.includes('')) return `path ${shown} has an empty segment ('//' or a trailing '/')`;
  if (segments.some((s) => s === '.' || s === '..')) return `path ${shown} has a '.' or '..' segment (it must be in canonical form)`;
  if (segments.some(isGitDirName)) return `path ${shown} is inside a .git directory`;
  return null;
}

/** The first bad path among a proposal's paths. */
export function checkProposalPaths(paths: Iterable<string>): PathCheck {
  for (const path of paths) {
    const problem = proposalPathProblem(path);
    if (problem !== null) return { ok: false, reason: problem };
  }
  return { ok: true };
}

/**
 * `.git` in any case, also as file systems that fold names see it: NTFS drops trailing dots and
 * spaces and knows the short name `git~1` (the same names git's own verify_path refuses).
 */
function isGitDirName(segment: string): boolean {
  const folded = segment.toLowerCase().replace(/[. ]+$/, '');
  return folded === '.git' || folded === 'git~1';
}
