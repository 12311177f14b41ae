// Edits a commit's tree in memory and serialises only the trees on changed paths, giving the same
// trees `read-tree` + `update-index --index-info` + `write-tree` would: same entries, order, modes.
import type { PreparedObject } from './loose-objects.ts';

/** One entry of a raw tree object: `<mode> <name>\0<binary oid>`. Names stay bytes (not always UTF-8). */
export interface RawTreeEntry {
  mode: string;
  name: Buffer;
  oid: Buffer;
}

interface Entry {
  mode: string;
  name: Buffer;
  /** Null for a directory that has been edited (its `node` holds the new contents). */
  oid: Buffer | null;
  node?: DirectoryNode;
}

/** A directory being edited, keyed by the name's bytes (latin1 keeps them exact). */
type DirectoryNode = Map<string, Entry>;

export const TREE_MODE = '40000';

export function parseRawTree(raw: Buffer, oidBytes: number): RawTreeEntry[] {
  const entries: RawTreeEntry[] = [];
  let at = 0;
  while (at < raw.length) {
    const space = raw.indexOf(0x20, at);
    const nul = space < 0 ? -1 : raw.indexOf(0x00, space);
    if (nul < 0 || nul + 1 + oidBytes > raw.length) throw new Error(`malformed tree object at byte ${at}`);
    entries.push({ mode: raw.toString('latin1', at, space), name: raw.subarray(space + 1, nul), oid: raw.subarray(nul + 1, nul + 1 + oidBytes) });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/**
 * The mode the index gives an entry read from a tree (git's create_ce_mode): non-canonical file
 * modes from old repositories become 100644/100755 whenever their tree is rewritten.
 */
function canonicalMode(mode: string): string {
  const bits = Number.parseInt(mode, 8);
  switch (bits & 0o170000) {
    case 0o040000:
      return TREE_MODE;
    case 0o120000:
      return '120000';
    case 0o160000:
      return '160000';
    default:
      return bits & 0o100 ? '100755' : '100644';
  }
}

/** Whether a raw mode names a directory (old trees may spell it zero-padded, `040000`). */
function isTreeMode(mode: string): boolean {
  return (Number.parseInt(mode, 8) & 0o170000) === 0o040000;
}

/** Git's tree order: bytes of the name, a directory compared as if its name ended in '/'. */
function compareEntries(a: Entry, b: Entry): number {
  const keyA = a.mode === TREE_MODE ? Buffer.concat([a.name, SLASH]) : a.name;
  const keyB = b.mode === TREE_MODE ? Buffer.concat([b.name, SLASH]) : b.name;
  return Buffer.compare(keyA, keyB);
}
const SLASH = Buffer.from('/');

export class TreeEditor {
  private readonly root: DirectoryNode;

  /**
   * @param rootTree raw body of the parent commit's tree
   * @param loadTree raw body of a tree by hex oid (prefetched trees make this immediate)
   */
  constructor(
    rootTree: Buffer,
    private readonly loadTree: (oid: string) => Promise<Buffer>,
    private readonly oidBytes = 20,
  ) {
    this.root = this.toNode(rootTree);
  }

  /**
   * Puts a blob at `path`. As with `update-index --index-info`, whatever is in the way is replaced:
   * a file where a directory must go, or a directory where the file goes.
   */
  async write(path: string, mode: string, blobOid: string): Promise<void> {
    const segments = path.split('/');
    const name = segments.pop() as string;
    let node = this.root;
    for (const segment of segments) {
      const key = latin1Key(segment);
      const entry = node.get(key);
      if (entry !== undefined && isTreeMode(entry.mode)) {
        node = await this.open(entry);
      } else {
        const child: DirectoryNode = new Map();
        node.set(key, { mode: TREE_MODE, name: Buffer.from(segment, 'utf8'), oid: null, node: child });
        node = child;
      }
    }
    node.set(latin1Key(name), { mode, name: Buffer.from(name, 'utf8'), oid: Buffer.from(blobOid, 'hex') });
  }

  /** Removes the file (or symlink, or gitlink) at `path`; a directory or a missing path is left alone. */
  async remove(path: string): Promise<void> {
    const segments = path.split('/');
    const name = segments.pop() as string;
    let node = this.root;
    for (const segment of segments) {
      const entry = node.get(latin1Key(segment));
      if (entry === undefined || !isTreeMode(entry.mode)) return;
      node = await this.open(entry);
    }
    const key = latin1Key(name);
    const entry = node.get(key);
    if (entry !== undefined && !isTreeMode(entry.mode)) node.delete(key);
  }

  /**
   * Serialises every edited tree (children first, empty ones dropped, as the index cannot hold an
   * empty directory); returns the new root tree and the objects to store. The root is always
   * written, even when empty.
   */
  finish(prepare: (body: Buffer) => PreparedObject): { tree: string; objects: PreparedObject[] } {
    const objects: PreparedObject[] = [];
    const serialise = (node: DirectoryNode): PreparedObject | null => {
      const entries: Entry[] = [];
      for (const entry of node.values()) {
        if (entry.node !== undefined) {
          const child = serialise(entry.node);
          if (child !== null) entries.push({ mode: TREE_MODE, name: entry.name, oid: Buffer.from(child.oid, 'hex') });
        } else {
          entries.push({ ...entry, mode: canonicalMode(entry.mode) });
        }
      }
      if (entries.length === 0 && node !== this.root) return null;
      entries.sort(compareEntries);
      const body = Buffer.concat(entries.flatMap((entry) => [Buffer.from(`${entry.mode} `, 'latin1'), entry.name, NUL, entry.oid as Buffer]));
      const object = prepare(body);
      objects.push(object);
      return object;
    };
    const root = serialise(this.root) as PreparedObject;
    return { tree: root.oid, objects };
  }

  /** Turns an unedited directory entry into an editable node (once). */
  private async open(entry: Entry): Promise<DirectoryNode> {
    if (entry.node === undefined) {
      entry.node = this.toNode(await this.loadTree((entry.oid as Buffer).toString('hex')));
      entry.oid = null;
    }
    return entry.node;
  }

  private toNode(raw: Buffer): DirectoryNode {
    const node: DirectoryNode = new Map();
    for (const entry of parseRawTree(raw, this.oidBytes)) node.set(entry.name.toString('latin1'), { ...entry });
    return node;
  }
}
const NUL = Buffer.from([0]);

function latin1Key(segment: string): string {
  return Buffer.from(segment, 'utf8').toString('latin1');
}
