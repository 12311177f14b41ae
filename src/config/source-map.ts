// Where a key path lives in the YAML text: line and column of a key or its value, so every config
// error can point at `cambrian.yaml:12:5`. Built on `yaml`'s document nodes and LineCounter.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  col: number;
}

export interface SourceMap {
  /**
   * Position of the value at `path`, or of the key itself with `{ key: true }`. When the path does
   * not exist in the file (a missing key), the position of its deepest existing ancestor.
   */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): SourcePosition | undefined;
}

export function createSourceMap(doc: Document, lineCounter: LineCounter): SourceMap {
  const position = (offset: number): SourcePosition => lineCounter.linePos(offset);
  return {
    locate(path, options = {}) {
      let node: unknown = doc.contents;
      let found: Node | undefined = isNodeWithRange(node) ? node : undefined;
      for (let i = 0; i < path.length; i++) {
        const segment = path[i]!;
        const isLast = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
          if (!pair) break;
          if (isLast && options.key && isNodeWithRange(pair.key)) return position(pair.key.range![0]);
          node = pair.value;
          // `key:` with no value has an empty null scalar (or none); point at the key then.
          const empty = !isNodeWithRange(node) || (isScalar(node) && node.value === null && node.source === '');
          if (!empty) found = node as Node;
          else if (isNodeWithRange(pair.key)) found = pair.key;
        } else if (isSeq(node) && typeof segment === 'number') {
          node = node.items[segment];
          if (!isNodeWithRange(node)) break;
          found = node;
        } else break;
      }
      return found?.range ? position(found.range[0]) : undefined;
    },
  };
}

function isNodeWithRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as Node).range);
}
