// A small, language-agnostic lexer for the code embedding: identifiers, numbers, strings, comments
// and punctuation. It needs to be robust and fast, not exact; unknown syntax degrades to punctuation.

export type TokenKind = 'ident' | 'number' | 'string' | 'comment' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
}

/** Languages whose line comments start with '#' (and where '//' may be an operator, as in Python). */
const HASH_COMMENT_EXTENSIONS = new Set([
  'py', 'pyi', 'sh', 'bash', 'zsh', 'rb', 'pl', 'r', 'jl', 'nim', 'yaml', 'yml', 'toml', 'cfg', 'ini', 'conf', 'mk', 'cmake',
]);

const STRING = String.raw`"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + '`(?:[^`\\\\]|\\\\.)*`';
const NUMBER = String.raw`0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[a-zA-Z]*`;
const IDENT = String.raw`[\p{L}_$][\p{L}\p{N}_$]*`;
const PUNCT = String.raw`=>|===|!==|==|!=|<=|>=|&&|\|\||\?\?|\+\+|--|\*\*|->|::|<<|>>|\+=|-=|\*=|/=|\.\.\.|[^\s\p{L}\p{N}_$]`;

function lexer(hashComments: boolean): RegExp {
  const comment = hashComments ? String.raw`#[^\n]*` : String.raw`//[^\n]*|/\*[\s\S]*?\*/`;
  // Group order is the precedence: comments before punctuation, numbers before identifiers.
  return new RegExp(`(\\s+)|(${comment})|(${STRING})|(${NUMBER})|(${IDENT})|(${PUNCT})`, 'gu');
}

const C_LIKE = lexer(false);
const HASH_LIKE = lexer(true);

export function fileExtension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'Makefile' || base === 'makefile') return 'mk';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function tokenize(path: string, content: string): Token[] {
  const re = HASH_COMMENT_EXTENSIONS.has(fileExtension(path)) ? HASH_LIKE : C_LIKE;
  re.lastIndex = 0;
  const tokens: Token[] = [];
  let match: RegExpExecArray | null;
  while ((match = re.exec(content)) !== null) {
    if (match[1] !== undefined) continue;
    const text = match[0];
    if (match[2] !== undefined) tokens.push({ kind: 'comment', text });
    else if (match[3] !== undefined) {
      // A triple-quoted string standing alone is a docstring: treat it like a comment.
      const docstring = text.startsWith('"""') || text.startsWith("'''");
      tokens.push({ kind: docstring ? 'comment' : 'string', text });
    } else if (match[4] !== undefined) tokens.push({ kind: 'number', text });
    else if (match[5] !== undefined) tokens.push({ kind: 'ident', text });
    else tokens.push({ kind: 'punct', text });
  }
  return tokens;
}

/** Splits `maxIterCount`, `max_iter_count` and `HTTPServer2` into lower-case parts. */
export function identifierParts(identifier: string): string[] {
  return identifier
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[\s_$]+/u)
    .filter((part) => part.length > 0)
    .map((part) => part.toLowerCase());
}

/** The numeric value of a literal such as `1_000`, `0x1F`, `2.5e-3f` or `10n`; null when unparseable. */
export function numericValue(literal: string): number | null {
  let text = literal.replace(/_/g, '');
  if (!/^0[xXbBoO]/.test(text)) text = text.replace(/[a-df-zA-DF-Z]+$/, '').replace(/[eE]$/, '');
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
