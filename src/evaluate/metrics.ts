// Reads an evaluator's metrics: a JSON object of finite numbers from $CAMBRIAN_METRICS_FILE when
// the evaluator wrote one, else from the last non-empty stdout line. Every rejection names the key.
import { readFile } from 'node:fs/promises';
import type { Metrics } from '../core/types.ts';

export type MetricsParse = { ok: true; metrics: Metrics } | { ok: false; reason: string };

export const METRICS_HINT =
  'print a JSON object of numbers as the last stdout line, e.g. `print(json.dumps({"score": 1.0}))`, ' +
  'or write it to $CAMBRIAN_METRICS_FILE';

// Python's json.dumps writes bare NaN / Infinity, which JSON.parse rejects. They are swapped for
// tagged strings (outside string literals only) so the error can name the offending key.
const NON_FINITE_TAG = '\u0000cambrian-non-finite:';
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

function parseLenient(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (token) => (token.startsWith('"') ? token : JSON.stringify(NON_FINITE_TAG + token))));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  return `a ${typeof value} (${String(value)})`;
}

/** Validates parsed JSON as metrics; `origin` says where it came from, for the reason. */
export function validateMetrics(value: unknown, origin: string): MetricsParse {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `${origin} is ${describe(value)}, not a JSON object of metrics; ${METRICS_HINT}` };
  }
  const metrics: Metrics = {};
  for (const [key, raw] of Object.entries(value)) {
    if (typeof raw === 'string' && raw.startsWith(NON_FINITE_TAG)) {
      return { ok: false, reason: `metric \`${key}\` is ${raw.slice(NON_FINITE_TAG.length)}; metrics must be finite numbers` };
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      return { ok: false, reason: `metric \`${key}\` is ${describe(raw)}; metrics must be finite numbers` };
    }
    metrics[key] = raw;
  }
  return { ok: true, metrics };
}

/** Parses one JSON text (a file's content or a stdout line) as metrics. */
export function parseMetricsText(text: string, origin: string): MetricsParse {
  let value: unknown;
  try {
    value = parseLenient(text.trim());
  } catch {
    const shown = text.trim().length > 120 ? `${text.trim().slice(0, 120)}…` : text.trim();
    return { ok: false, reason: `${origin} is not JSON (${JSON.stringify(shown)}); ${METRICS_HINT}` };
  }
  return validateMetrics(value, origin);
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
  try {
    fileText = await readFile(metricsFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { ok: false, reason: `could not read $CAMBRIAN_METRICS_FILE: ${(error as Error).message}` };
    }
  }
  if (fileText !== undefined && fileText.trim() !== '') return parseMetricsText(fileText, '$CAMBRIAN_METRICS_FILE');
  const line = lastNonEmptyLine(stdout);
  if (line === undefined) return { ok: false, reason: `evaluator printed nothing on stdout and wrote no metrics file; ${METRICS_HINT}` };
  return parseMetricsText(line, 'the last stdout line');
}
