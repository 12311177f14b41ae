// A deterministic local code embedding: hashed, signed features of tokens, identifier parts, token-class
// n-grams and numeric literal values, L2-normalised. No model, no download; callers cache it by blob SHA.
import { fileExtension, identifierParts, numericValue, tokenize, type Token } from './tokenize.ts';

export const EMBEDDING_DIM = 256;

/** Relative weights of the feature families. Numbers weigh a lot on purpose: a numeric-only mutation
 *  changes nothing else, and its children must still land in different cells. */
const WEIGHT = {
  path: 0.5,
  token: 1,
  identifierPart: 0.5,
  ngram: 0.5,
  number: 1.5,
  numberFine: 0.75,
  numberMagnitude: 0.5,
  numberInContext: 1.5,
  string: 0.5,
  stringWord: 0.25,
  commentWord: 0.15,
} as const;

/** Log-magnitude bins per decade for the smooth numeric feature (nearby values share weight). */
const MAGNITUDE_BINS_PER_DECADE = 4;

const KEYWORDS = new Set(
  ('if else elif for while do return function def class const let var import from export new this self ' +
    'try catch except finally throw raise async await yield lambda in of not and or is true false null none ' +
    'undefined static public private struct fn pub impl match case switch break continue type interface').split(' '),
);

export function embedText(path: string, content: string): number[] {
  const features = new Map<string, number>();
  const add = (feature: string, weight: number): void => {
    features.set(feature, (features.get(feature) ?? 0) + weight);
  };

  add(`ext:${fileExtension(path)}`, WEIGHT.path);
  for (const segment of path.split('/')) if (segment) add(`path:${segment}`, WEIGHT.path);

  const classes: string[] = [];
  let context = ''; // the identifier a number most likely belongs to (`radius = 0.5` → radius)
  for (const token of tokenize(path, content)) {
    if (token.kind === 'comment') {
      addWords(token.text, 'comment-word', WEIGHT.commentWord, add);
      continue;
    }
    classes.push(tokenClass(token));
    if (token.kind === 'ident') {
      add(`token:${token.text}`, WEIGHT.token);
      const parts = identifierParts(token.text);
      if (parts.length > 1) for (const part of parts) add(`part:${part}`, WEIGHT.identifierPart);
      if (!KEYWORDS.has(token.text.toLowerCase())) context = token.text;
    } else if (token.kind === 'number') {
      addNumber(token.text, context, add);
    } else if (token.kind === 'string') {
      add(`string:${token.text.slice(0, 64)}`, WEIGHT.string);
      addWords(token.text, 'string-word', WEIGHT.stringWord, add);
    } else {
      add(`token:${token.text}`, WEIGHT.token);
      if (token.text === ';' || token.text === '{' || token.text === '}') context = '';
    }
  }
  for (let i = 0; i + 1 < classes.length; i++) {
    add(`2g:${classes[i]} ${classes[i + 1]}`, WEIGHT.ngram);
    if (i + 2 < classes.length) add(`3g:${classes[i]} ${classes[i + 1]} ${classes[i + 2]}`, WEIGHT.ngram);
  }

  const vector = new Array<number>(EMBEDDING_DIM).fill(0);
  for (const [feature, weight] of features) {
    const h = hash32(feature);
    // Square root: a token repeated 100 times should not drown out one changed constant.
    vector[h % EMBEDDING_DIM]! += (h & 0x80000000 ? -1 : 1) * Math.sqrt(weight);
  }
  return normalise(vector);
}

export function combineEmbeddings(parts: Array<{ vector: number[]; weight: number }>): number[] {
  const sum = new Array<number>(EMBEDDING_DIM).fill(0);
  for (const { vector, weight } of parts) {
    if (vector.length !== EMBEDDING_DIM) throw new Error(`embedding has ${vector.length} dims, expected ${EMBEDDING_DIM}`);
    if (!(weight > 0)) continue;
    for (let i = 0; i < EMBEDDING_DIM; i++) sum[i]! += weight * vector[i]!;
  }
  return normalise(sum);
}

function tokenClass(token: Token): string {
  switch (token.kind) {
    case 'ident':
      return KEYWORDS.has(token.text.toLowerCase()) ? token.text.toLowerCase() : 'ID';
    case 'number':
      return 'NUM';
    case 'string':
      return 'STR';
    default:
      return token.text;
  }
}

function addNumber(literal: string, context: string, add: (feature: string, weight: number) => void): void {
  const value = numericValue(literal);
  if (value === null) {
    add(`number:${literal}`, WEIGHT.number);
    return;
  }
  const coarse = value === 0 ? '0' : value.toPrecision(2);
  add(`number:${coarse}`, WEIGHT.number);
  add(`number-fine:${value === 0 ? '0' : value.toPrecision(3)}`, WEIGHT.numberFine);
  add(`number-in:${context}=${coarse}`, WEIGHT.numberInContext);
  if (value === 0) {
    add(`magnitude:${context}=zero`, WEIGHT.numberMagnitude);
    return;
  }
  // Spread the weight over the two nearest log-magnitude bins so that close values share features:
  // this gives PCA a smooth axis along which a numeric parameter's children are ordered.
  const position = Math.log10(Math.abs(value)) * MAGNITUDE_BINS_PER_DECADE;
  const low = Math.floor(position);
  const fraction = position - low;
  const sign = value < 0 ? '-' : '+';
  add(`magnitude:${context}=${sign}${low}`, WEIGHT.numberMagnitude * (1 - fraction));
  add(`magnitude:${context}=${sign}${low + 1}`, WEIGHT.numberMagnitude * fraction);
}

function addWords(text: string, family: string, weight: number, add: (feature: string, weight: number) => void): void {
  for (const word of text.match(/[\p{L}_][\p{L}\p{N}_]*/gu) ?? []) add(`${family}:${word.toLowerCase()}`, weight);
}

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 so low bits and the sign bit are well mixed. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function normalise(vector: number[]): number[] {
  let norm = 0;
  for (const v of vector) norm += v * v;
  if (norm === 0) return vector; // nothing to embed (empty path and content): the zero vector
  const inverse = 1 / Math.sqrt(norm);
  return vector.map((v) => v * inverse);
}
