// Reads an evaluator's metrics: a JSON object of finite numbers from $CAMBRIAN_METRICS_FILE when
// the evaluator wrote one, else from the last non-empty stdout line. The file is candidate-writable:
// it is read no-follow, regular-file-only and bounded, and its rejections quote nothing from it.
import type { Metrics } from '../core/types.ts';
import { readCandidateFile } from './candidate-file.ts';

export type MetricsParse = { ok: true; metrics: Metrics } | { ok: false; reason: string };

export const METRICS_HINT =
  'print a JSON object of numbers as the last stdout line, e.g. `print(json.dumps({"score": 1.0}))`, ' +
  'or write it to $CAMBRIAN_METRICS_FILE';

// Python's json.dumps writes bare NaN / Infinity, which JSON.parse rejects. They are swapped for
// tagged strings (outside string literals only) so the error can name the offending key.
/** Bounds on what an evaluator may report: a metrics object is a handful of numbers. */
export const METRICS_LIMITS = {
  fileBytes: 256 * 1024,
  keys: 1_000,
  keyChars: 128,
  /** |value| above this is refused: sums and means of such numbers overflow to Infinity. */
  absValue: 1e300,
} as const;

const NON_FINITE_TAG = '\u0000cambrian-non-finite:';
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

function parseLenient(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (token) => (token.startsWith('"') ? token : JSON.stringify(NON_FINITE_TAG + token))));
}

/** `quote: false` for text from a candidate-writable file: say what kind of thing, never its content. */
function describe(value: unknown, quote: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote ? `a string (${JSON.stringify(value.slice(0, 40))})` : 'a string';
  if (typeof value === 'number') return quote ? `a number (${String(value)})` : 'a number out of range';
  return `a ${typeof value}${quote ? ` (${String(value)})` : ''}`;
}

/** A key is named in a reason only when it looks like a metric name (never a quoted file's content). */
const SHOWABLE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Validates parsed JSON as metrics; `origin` says where it came from, for the reason. With
 * `quote: false` nothing of the value is repeated in a reason beyond metric-like key names.
 */
export function validateMetrics(value: unknown, origin: string, quote = true): MetricsParse {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `${origin} is ${describe(value, quote)}, not a JSON object of metrics; ${METRICS_HINT}` };
  }
  const entries = Object.entries(value);
  if (entries.length > METRICS_LIMITS.keys) {
    return { ok: false, reason: `${origin} has ${entries.length} keys; at most ${METRICS_LIMITS.keys} metrics are accepted` };
  }
  const metrics: Metrics = {};
  for (const [index, [key, raw]] of entries.entries()) {
    const name = quote || SHOWABLE_KEY.test(key) ? `metric \`${key.length > 64 ? `${key.slice(0, 64)}…` : key}\`` : `metric #${index + 1}`;
    if (key.length > METRICS_LIMITS.keyChars) {
      return { ok: false, reason: `${origin}: metric #${index + 1} has a name longer than ${METRICS_LIMITS.keyChars} characters` };
    }
    // Control characters (NUL above all, which Postgres refuses in text) never make a metric name.
    if (/[\u0000-\u001f\u007f]/.test(key)) {
      return { ok: false, reason: `${origin}: metric #${index + 1} has a control character in its name` };
    }
    if (typeof raw === 'string' && raw.startsWith(NON_FINITE_TAG)) {
      return { ok: false, reason: `${name} is ${raw.slice(NON_FINITE_TAG.length)}; metrics must be finite numbers` };
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw) || Math.abs(raw) > METRICS_LIMITS.absValue) {
      const what = typeof raw === 'number' && Number.isFinite(raw) ? `beyond ±${METRICS_LIMITS.absValue}` : describe(raw, quote);
      return { ok: false, reason: `${name} is ${what}; metrics must be finite numbers` };
    }
    metrics[key] = raw;
  }
  return { ok: true, metrics };
}

/** Parses one JSON text (a file's content or a stdout line) as metrics; see validateMetrics for `quote`. */
export function parseMetricsText(text: string, origin: string, quote = true): MetricsParse {
  let value: unknown;
  try {
    value = parseLenient(text.trim());
  } catch {
    if (!quote) return { ok: false, reason: `${origin} is not JSON; ${METRICS_HINT}` };
    const shown = text.trim().length > 120 ? `${text.trim().slice(0, 120)}…` : text.trim();
    return { ok: false, reason: `${origin} is not JSON (${JSON.stringify(shown)}); ${METRICS_HINT}` };
  }
  return validateMetrics(value, origin, quote);
}

export function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trim() !== '') return lines[i];
  }
  return undefined;
}

/** Metrics of one stage run: the metrics file wins when it exists and is not empty. */
export async function readStageMetrics(metricsFile: string, stdout: string): Promise<MetricsParse> {
  let fileText: string | undefined;
  const read = await readCandidateFile(metricsFile, METRICS_LIMITS.fileBytes);
  if (read.ok) fileText = read.bytes.toString('utf8');
  else if (!read.missing) return { ok: false, reason: `$CAMBRIAN_METRICS_FILE ${read.reason}` };
  if (fileText !== undefined && fileText.trim() !== '') return parseMetricsText(fileText, '$CAMBRIAN_METRICS_FILE', false);
  const line = lastNonEmptyLine(stdout);
  if (line === undefined) return { ok: false, reason: `evaluator printed nothing on stdout and wrote no metrics file; ${METRICS_HINT}` };
  return parseMetricsText(line, 'the last stdout line');
}
