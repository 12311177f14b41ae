// Read-only navigation of the zod config schema by key path: which keys an object declares, and
// what kind of value lives at a path. Used for did-you-mean hints and to resolve CAMBRIAN_* names.
import type { z } from 'zod';

export type SchemaNode =
  | { kind: 'object'; keys: string[]; open: boolean; child: (key: string) => z.ZodType | undefined }
  | { kind: 'record'; value: z.ZodType }
  | { kind: 'array'; element: (index: number) => z.ZodType | undefined }
  | { kind: 'union'; options: z.ZodType[] }
  | { kind: 'leaf' };

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType & { def: Def };
  valueType?: z.ZodType;
  element?: z.ZodType;
  items?: z.ZodType[];
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return schema.def as unknown as Def;
}

/** Strip wrappers that do not change the shape of the value (optional, default, nullable, pipes). */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

export function describeNode(schema: z.ZodType): SchemaNode {
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'object': {
      const shape = def.shape ?? {};
      const catchall = def.catchall;
      const open = catchall !== undefined && catchall.def.type !== 'never';
      return { kind: 'object', keys: Object.keys(shape), open, child: (key) => shape[key] ?? (open ? catchall : undefined) };
    }
    case 'record':
      return { kind: 'record', value: def.valueType! };
    case 'array':
      return { kind: 'array', element: () => def.element };
    case 'tuple':
      return { kind: 'array', element: (index) => def.items?.[index] };
    case 'union':
      return { kind: 'union', options: def.options ?? [] };
    default:
      return { kind: 'leaf' };
  }
}

/** The schema at a key path (record keys and array indexes included), or undefined when none. */
export function schemaAt(root: z.ZodType, path: readonly (string | number)[]): z.ZodType | undefined {
  if (path.length === 0) return root;
  const [head, ...rest] = path;
  const node = describeNode(root);
  switch (node.kind) {
    case 'object': {
      const child = node.child(String(head));
      return child && schemaAt(child, rest);
    }
    case 'record':
      return schemaAt(node.value, rest);
    case 'array': {
      const element = typeof head === 'number' || /^\d+$/.test(String(head)) ? node.element(Number(head)) : undefined;
      return element && schemaAt(element, rest);
    }
    case 'union':
      for (const option of node.options) {
        const found = schemaAt(option, path);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Keys an object schema declares at `path` (empty when the path is not an object). */
export function knownKeysAt(root: z.ZodType, path: readonly (string | number)[]): string[] {
  const schema = schemaAt(root, path);
  if (!schema) return [];
  const node = describeNode(schema);
  return node.kind === 'object' ? node.keys : [];
}
