// Operators read commits through this narrow view of the Git port (never the user's working tree).
import type { Git } from '../git/port.ts';
import type { FileReader } from '../operators/port.ts';

/** `listings` (the session's cache) serves listFiles when given; commits never change. */
export function gitFileReader(git: Git, listings: Pick<Git, 'listFiles'> = git): FileReader {
  return {
    readFile: (commit, path) => git.readFile(commit, path),
    listFiles: async (commit) => (await listings.listFiles(commit)).map((e) => e.path),
    diff: (from, to, paths) => git.diff(from, to, paths),
    mergeFile: (base, ours, theirs) => git.mergeFile(base, ours, theirs),
    mergeBase: (a, b) => git.mergeBase(a, b),
  };
}
