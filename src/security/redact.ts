// Secret scrubbing: the values of secrets Cambrian knows (every llm `apiKeyEnv`, environment variables
// named like keys/tokens/passwords, database URL passwords) become `***` in text. Pure: the caller
// hands over the environment; the composition root builds one redactor and passes it down.
import type { CambrianConfig } from '../config/schema.ts';

export const REDACTED = '***';

/** Values shorter than this are not treated as secrets: `pass` or `admin` would blank common words. */
export const MIN_SECRET_CHARS = 8;

export interface Redactor {
  /** `text` with every known secret (and every URL password) replaced by `***`. */
  redact(text: string): string;
  /** Strings anywhere in plain objects and arrays redacted; returns `value` itself when nothing changed. */
  redactDeep<T>(value: T): T;
  /** How many distinct secret values are known (their encoded variants not counted). */
  readonly secrets: number;
}

export interface RedactorSources {
  env?: Record<string, string | undefined>;
  /** Only `llm.models[].apiKeyEnv` names secrets today. */
  config?: Pick<CambrianConfig, 'llm'>;
  databaseUrl?: string;
}

/**
 * A name segment (split on anything not a letter or digit) that ends with one of these marks a
 * secret: OPENAI_API_KEY, GITHUB_TOKEN, PGPASSWORD, npm's `_authToken`. Whole segments rather than
 * substrings, so GIT_AUTHOR_NAME, KEYBOARD or PASSENGER_* are not taken for secrets.
 */
const SECRET_NAME_SUFFIXES = [
  'KEY', 'KEYS', 'TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWD', 'PASS', 'PASSPHRASE',
  'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'AUTHORIZATION', 'PRIVATE', 'COOKIE',
];

/** Names that match the pattern but hold a path or a socket, never a secret value. */
const NOT_SECRET_NAMES = new Set(['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'XAUTHORITY', 'KRB5CCNAME']);

/** `scheme://user:password@`: the password of any URL in any text, known or not. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)([^\s@/?#]+)@/gi;

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET_NAMES.has(upper)) return false;
  return upper.split(/[^A-Z0-9]+/).some((segment) => SECRET_NAME_SUFFIXES.some((suffix) => segment.endsWith(suffix)));
}

/** Paths (a credentials *file*), numbers and booleans are configuration, not secrets. */
function looksLikeSecretValue(value: string): boolean {
  if (value.length < MIN_SECRET_CHARS) return false;
  if (/^(\/|~\/|\.\.?\/|[A-Za-z]:\\)/.test(value)) return false;
  if (/^[0-9.+-]+$/.test(value)) return false;
  return !/^(true|false|yes|no)$/i.test(value);
}

function urlPassword(text: string): string | null {
  try {
    const url = new URL(text);
    return url.password ? decodeURIComponent(url.password) : null;
  } catch {
    return null;
  }
}

/** The secret's values as a candidate might print them: raw, JSON-escaped, URL-encoded, base64. */
function variants(secret: string): string[] {
  const out = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  out.push(base64, base64.replace(/=+$/, ''));
  return out.filter((v) => v.length >= MIN_SECRET_CHARS);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function collectSecrets(sources: RedactorSources): string[] {
  const env = sources.env ?? {};
  const found = new Set<string>();
  const add = (value: string | undefined | null): void => {
    const trimmed = value?.trim();
    if (trimmed && trimmed.length >= MIN_SECRET_CHARS) found.add(trimmed);
  };
  // Configured keys count whatever their variable is called.
  for (const model of sources.config?.llm?.models ?? []) if (model.apiKeyEnv) add(env[model.apiKeyEnv]);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isSecretName(name) && looksLikeSecretValue(value.trim())) add(value);
    // DATABASE_URL, CAMBRIAN_DATABASE_URL, REDIS_URL, …: whatever the name, a URL's password.
    if (value.includes('://')) add(urlPassword(value));
  }
  if (sources.databaseUrl) add(urlPassword(sources.databaseUrl));
  return [...found];
}

export function createRedactor(sources: RedactorSources = {}): Redactor {
  const secrets = collectSecrets(sources);
  const all = [...new Set(secrets.flatMap(variants))].sort((a, b) => b.length - a.length);
  // One alternation, longest first, so a secret containing another is replaced whole.
  const known = all.length > 0 ? new RegExp(all.map(escapeRegExp).join('|'), 'g') : null;

  const redact = (text: string): string => {
    let out = known ? text.replace(known, REDACTED) : text;
    if (out.includes('://')) out = out.replace(URL_PASSWORD, `$1${REDACTED}@`);
    return out;
  };

  const redactDeep = <T>(value: T): T => mapStrings(value, redact) as T;

  return { redact, redactDeep, secrets: secrets.length };
}

/** A redactor that changes nothing (for tests and callers that have no environment). */
export const NO_REDACTION: Redactor = { redact: (text) => text, redactDeep: (value) => value, secrets: 0 };

/**
 * `value` with every string mapped by `mapText` (and, given `mapKey`, every plain-object key):
 * arrays and plain objects are copied only where something changed, so an untouched value keeps its
 * identity; Dates, Buffers and class instances pass through as they are.
 */
export function mapStrings(value: unknown, mapText: (text: string) => string, mapKey?: (key: string) => string): unknown {
  if (typeof value === 'string') return mapText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const next = mapStrings(value[i], mapText, mapKey);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  // Dates, Buffers, class instances pass through untouched; records are plain objects.
  if (proto !== Object.prototype && proto !== null) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
    const [k, v] = [mapKey ? mapKey(key) : key, mapStrings(item, mapText, mapKey)];
    if (k !== key || v !== item) changed = true;
    return [k, v];
  });
  return changed ? Object.fromEntries(entries) : value;
}

/**
 * An error with its message, hint and stack redacted in place (the CLI prints them); returns it.
 * Errors are mutated rather than copied so their class and `code` survive.
 */
export function redactError<E>(error: E, redactor: Redactor): E {
  if (!(error instanceof Error)) return error;
  const writable = error as Error & { hint?: unknown };
  const fix = (key: 'message' | 'stack' | 'hint'): void => {
    const current = writable[key];
    if (typeof current !== 'string') return;
    const next = redactor.redact(current);
    if (next !== current) Object.defineProperty(writable, key, { value: next, writable: true, configurable: true, enumerable: key === 'hint' });
  };
  fix('message');
  fix('stack');
  fix('hint');
  return error;
}
