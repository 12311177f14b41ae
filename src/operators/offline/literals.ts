// Finds the numeric literals an offline operator may edit: plain decimal numbers in code (never in
// strings, comments or template strings), inside EVOLVE blocks when the file has them.
// JS/TS/TSX/Python are parsed with tree-sitter; other languages use a conservative regex scanner.
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { findBlocks } from '../scope.ts';

export interface NumericLiteral {
  /** Character offsets (UTF-16 code units, as String#slice uses) of the literal, minus sign included. */
  start: number;
  end: number;
  /** The source text between start and end, e.g. `-0.25` or `- 3`. */
  text: string;
  value: number;
  /** Written without a dot or exponent (`3`, not `3.0` or `3e0`): mutations must keep it integral. */
  isInteger: boolean;
}

export type LiteralLanguage = 'javascript' | 'typescript' | 'tsx' | 'python';

const EXTENSIONS: Record<string, LiteralLanguage> = {
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  py: 'python',
};

/** Plain decimal literals only: hex/octal/binary, bigint (`10n`), `1_000`, `3j` and legacy `07` are skipped. */
const DECIMAL = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const LEGACY_OCTAL = /^0\d/;

export function languageOf(path: string): LiteralLanguage | null {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSIONS[path.slice(dot + 1).toLowerCase()] ?? null);
}

/** Numeric literals of a file that lie in its editable regions, in source order. */
export async function findNumericLiterals(path: string, content: string): Promise<NumericLiteral[]> {
  const language = languageOf(path);
  const found = language === null ? scanWithRegex(content) : await scanWithTreeSitter(language, content);
  const regions = editableRegions(content);
  return found.filter((l) => regions.some(([from, to]) => l.start >= from && l.end <= to));
}

/** Character ranges that may be edited: each EVOLVE block's inner lines, or the whole file. */
function editableRegions(content: string): Array<[number, number]> {
  const blocks = findBlocks(content);
  if (blocks.length === 0) return [[0, content.length]];
  const lineStarts = [0];
  for (let i = 0; i < content.length; i++) if (content[i] === '\n') lineStarts.push(i + 1);
  return blocks.map((b) => [lineStarts[b.startLine]!, lineStarts[b.endLine]!]);
}

function toLiteral(content: string, start: number, end: number, digitsStart: number): NumericLiteral | null {
  const digits = content.slice(digitsStart, end);
  if (!DECIMAL.test(digits) || LEGACY_OCTAL.test(digits)) return null;
  const magnitude = Number(digits);
  if (!Number.isFinite(magnitude)) return null;
  const isInteger = !/[.eE]/.test(digits);
  if (isInteger && !Number.isSafeInteger(magnitude)) return null;
  return { start, end, text: content.slice(start, end), value: start < digitsStart ? -magnitude : magnitude, isInteger };
}

// ---------------------------------------------------------------------------------------------
// tree-sitter

interface Grammar {
  wasm: string;
  numberTypes: ReadonlySet<string>;
  negation: string;
  /** Ancestors whose numbers are not plain code (strings, template strings, type positions). */
  opaque: ReadonlySet<string>;
}

const JS_OPAQUE = new Set(['template_string', 'string', 'comment', 'regex']);
const TS_OPAQUE = new Set([...JS_OPAQUE, 'literal_type', 'type_annotation', 'enum_body']);
const GRAMMARS: Record<LiteralLanguage, Grammar> = {
  javascript: { wasm: 'tree-sitter-javascript/tree-sitter-javascript.wasm', numberTypes: new Set(['number']), negation: 'unary_expression', opaque: JS_OPAQUE },
  typescript: { wasm: 'tree-sitter-typescript/tree-sitter-typescript.wasm', numberTypes: new Set(['number']), negation: 'unary_expression', opaque: TS_OPAQUE },
  tsx: { wasm: 'tree-sitter-typescript/tree-sitter-tsx.wasm', numberTypes: new Set(['number']), negation: 'unary_expression', opaque: TS_OPAQUE },
  python: { wasm: 'tree-sitter-python/tree-sitter-python.wasm', numberTypes: new Set(['integer', 'float']), negation: 'unary_operator', opaque: new Set(['string', 'comment']) },
};

/** Contexts where a number is a name rather than a value: object keys, `1.5.toFixed()` receivers. */
function isNameLike(node: Node): boolean {
  const parent = node.parent;
  if (parent === null) return false;
  if (parent.type === 'pair' && parent.childForFieldName('key')?.id === node.id) return true;
  if (['member_expression', 'attribute'].includes(parent.type) && parent.childForFieldName('object')?.id === node.id) return true;
  return false;
}

let runtime: Promise<{ parser: Parser; languages: Map<LiteralLanguage, Language> }> | null = null;

/** Initialise the wasm runtime once per process; grammars are loaded lazily and cached. */
async function loadRuntime() {
  runtime ??= (async () => {
    const require = createRequire(import.meta.url);
    const runtimeWasm = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtimeWasm });
    return { parser: new Parser(), languages: new Map<LiteralLanguage, Language>() };
  })();
  return runtime;
}

async function parserFor(language: LiteralLanguage): Promise<{ parser: Parser; lang: Language }> {
  const rt = await loadRuntime();
  let lang = rt.languages.get(language);
  if (lang === undefined) {
    lang = await Language.load(createRequire(import.meta.url).resolve(GRAMMARS[language].wasm));
    rt.languages.set(language, lang);
  }
  return { parser: rt.parser, lang };
}

async function scanWithTreeSitter(language: LiteralLanguage, content: string): Promise<NumericLiteral[]> {
  const grammar = GRAMMARS[language];
  const { parser, lang } = await parserFor(language);
  // One parser is shared: setLanguage and parse run in the same synchronous step, so concurrent
  // scans of different languages cannot interleave between them.
  const tree = parser.setLanguage(lang).parse(content);
  if (tree === null) return [];
  try {
    // web-tree-sitter parses a JS string as UTF-16, so startIndex/endIndex are String#slice offsets
    // (checked against astral and accented text in the tests); DECIMAL re-validates every slice.
    const out: NumericLiteral[] = [];
    for (const node of tree.rootNode.descendantsOfType([...grammar.numberTypes])) {
      if (hasOpaqueAncestor(node, grammar.opaque) || isNameLike(node)) continue;
      const parent = node.parent;
      const negated =
        parent !== null && parent.type === grammar.negation && parent.childCount === 2 &&
        parent.child(0)?.type === '-' && parent.child(1)?.id === node.id;
      const literal = negated
        ? toLiteral(content, parent.startIndex, node.endIndex, node.startIndex)
        : toLiteral(content, node.startIndex, node.endIndex, node.startIndex);
      if (literal !== null && (!negated || /^-\s*$/.test(content.slice(literal.start, node.startIndex)))) out.push(literal);
    }
    return out.sort((a, b) => a.start - b.start);
  } finally {
    tree.delete();
  }
}

function hasOpaqueAncestor(node: Node, opaque: ReadonlySet<string>): boolean {
  for (let n = node.parent; n !== null; n = n.parent) if (opaque.has(n.type)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Regex fallback for languages without a bundled grammar. Deliberately conservative: it skips
// anything that looks like a string ('…', "…", `…`, ending at a newline if unterminated) or a
// comment (//, #, /* */), numbers touching letters/dots/underscores (suffixes like 1.0f32, names
// like x1), and takes a minus sign only after an opening bracket, `=`, `,` or `:`. Missing a
// literal is cheap; editing a string or comment is not.

function scanWithRegex(content: string): NumericLiteral[] {
  const out: NumericLiteral[] = [];
  const n = content.length;
  let i = 0;
  while (i < n) {
    const c = content[i]!;
    const next = content[i + 1];
    if ((c === '/' && next === '/') || c === '#') {
      while (i < n && content[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const close = content.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(content, i);
    } else if (/[A-Za-z_$]/.test(c)) {
      while (i < n && /[\w$]/.test(content[i]!)) i++;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(next ?? ''))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(content.slice(i, i + 64))!;
      const end = i + match[0].length;
      const touching = /[\w$.]/.test(content[end] ?? '') || /[\w$.]/.test(content[i - 1] ?? '');
      if (!touching) {
        const start = minusStart(content, i);
        const literal = toLiteral(content, start, end, i);
        if (literal !== null) out.push(literal);
      }
      i = end;
      while (i < n && /[\w$.]/.test(content[i]!)) i++;
    } else i++;
  }
  return out;
}

function skipQuoted(content: string, open: number): number {
  const quote = content[open]!;
  let i = open + 1;
  while (i < content.length) {
    const c = content[i]!;
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else if (c === '\n' && quote !== '`') return i + 1;
    else i++;
  }
  return i;
}

/** Where the literal starts when it is negated in an unambiguous (non-binary) position. */
function minusStart(content: string, digitsStart: number): number {
  if (content[digitsStart - 1] !== '-') return digitsStart;
  let j = digitsStart - 2;
  while (j >= 0 && (content[j] === ' ' || content[j] === '\t')) j--;
  return j < 0 || '([{=,:'.includes(content[j]!) ? digitsStart - 1 : digitsStart;
}
