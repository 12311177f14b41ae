// Applies parsed edits (replace a quoted region, or write a whole file) to the parent's files,
// all-or-nothing: the first edit that cannot be applied fails the whole reply with feedback.
import type { FileChange } from '../../../core/types.ts';
import { locate, trimBlankEdges } from './match.ts';

export type FileEdit =
  | {
      kind: 'replace';
      path: string;
      search: string[];
      replace: string[];
      /** How the model's reply names this edit in feedback, e.g. 'SEARCH/REPLACE block 2'. */
      label: string;
      /** 0-based line the model claimed (diff hunk header); only breaks ties. */
      hintLine?: number;
    }
  | { kind: 'write'; path: string; content: string | null; label: string };

export type PatchFailure = { ok: false; reason: string; diagnostic?: string };
export type Parsed<T> = { ok: true; value: T } | PatchFailure;
export type ReadFile = (path: string) => Promise<string | null>;

export async function applyEdits(edits: readonly FileEdit[], read: ReadFile): Promise<{ ok: true; changes: FileChange[] } | PatchFailure> {
  const original = new Map<string, string | null>();
  const current = new Map<string, string | null>();
  const load = async (path: string): Promise<string | null> => {
    if (!current.has(path)) {
      const content = await read(path);
      original.set(path, content);
      current.set(path, content);
    }
    return current.get(path)!;
  };

  for (const edit of edits) {
    const before = await load(edit.path);
    if (edit.kind === 'write') {
      current.set(edit.path, edit.content);
      continue;
    }
    const result = applyReplace(edit, before);
    if (!result.ok) return result;
    current.set(edit.path, result.value);
  }

  const changes: FileChange[] = [];
  for (const [path, content] of current) {
    if (content !== original.get(path)) changes.push({ path, content });
  }
  if (changes.length === 0) {
    return { ok: false, reason: 'the edits leave every file unchanged', diagnostic: 'Your edits change nothing: the REPLACE text equals the SEARCH text. Make an actual change.' };
  }
  return { ok: true, changes };
}

function applyReplace(edit: Extract<FileEdit, { kind: 'replace' }>, before: string | null): Parsed<string> {
  const where = `${edit.label} (${edit.path})`;
  if (trimBlankEdges(edit.search).length === 0) {
    if (before === null || before.trim() === '') return { ok: true, value: joinLines(edit.replace) };
    return {
      ok: false,
      reason: `${where} has an empty SEARCH section but ${edit.path} already exists`,
      diagnostic: `${where}: an empty SEARCH section only creates a new file. ${edit.path} exists; quote the lines to replace in SEARCH.`,
    };
  }
  if (before === null) {
    return {
      ok: false,
      reason: `${where} edits ${edit.path}, which does not exist in the parent`,
      diagnostic: `${edit.path} does not exist. Edit one of the files shown, or create a new file with an empty SEARCH section.`,
    };
  }
  const lines = before.split('\n');
  const found = locate(lines, edit.search, edit.replace, edit.hintLine);
  if (!found.ok) {
    return { ok: false, reason: `${where} ${found.message}`, diagnostic: `${where} could not be applied: it ${found.message}.\n${found.diagnostic}` };
  }
  lines.splice(found.start, found.length, ...found.replacement);
  return { ok: true, value: lines.join('\n') };
}

function joinLines(lines: readonly string[]): string {
  const body = trimBlankEdges(lines);
  return body.length === 0 ? '' : body.join('\n') + '\n';
}

/** Normalise a path as models write it: `./x`, `a/x` is left alone (diff parsing strips prefixes). */
export function cleanPath(raw: string): string {
  return raw.trim().replace(/^\.\//, '');
}
