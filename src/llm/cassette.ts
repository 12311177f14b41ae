// Record/replay of LLM interactions, so a run (or a test, or a demo) can be replayed without a model.
// One JSON file per interaction under <repo>/.cambrian/cassettes/, named by the request's key (model,
// messages, maxTokens, temperature) and the call's occurrence within the run (identical prompts replay
// in order). Files hold no headers and no keys.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CambrianError } from '../errors.ts';
import type { ChatMessage } from './port.ts';

export type CassetteMode = 'record' | 'replay';

/** What identifies an interaction: the configured model name and what was asked of it. */
export interface CassetteRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number | undefined;
}

export interface CassetteResponse {
  text: string;
  provider: string;
  tokensIn: number;
  tokensOut: number;
  usd: number;
  latencyMs: number;
}

export interface CassetteEntry extends CassetteResponse {
  version: 1;
  key: string;
  occurrence: number;
  purpose: string;
  request: CassetteRequest;
}

export function cassetteDir(repoRoot: string): string {
  return join(repoRoot, '.cambrian', 'cassettes');
}

/** sha256 of a canonical JSON (sorted keys, undefined temperature as null) of the request. */
export function cassetteKey(request: CassetteRequest): string {
  return digest(
    canonicalJson({
      model: request.model,
      messages: plainMessages(request.messages),
      maxTokens: request.maxTokens,
      temperature: request.temperature ?? null,
    }),
  );
}

/** What the caller asked, before a model was chosen: identical calls are numbered in order. */
export interface CassetteCall {
  messages: ChatMessage[];
  maxTokens: number | undefined;
  temperature: number | undefined;
}

export class Cassette {
  readonly mode: CassetteMode;
  readonly dir: string;
  private readonly occurrences = new Map<string, number>();
  private tempCounter = 0;

  constructor(options: { dir: string; mode: CassetteMode }) {
    this.dir = options.dir;
    this.mode = options.mode;
  }

  /**
   * Claims the occurrence number of a call (0 for the first call with these messages and options in
   * this run, 1 for the next …). Counted per call, not per model, so a replay finds the answer
   * whichever model gave it after failovers in the recording.
   */
  nextOccurrence(call: CassetteCall): number {
    const key = digest(canonicalJson({ messages: plainMessages(call.messages), maxTokens: call.maxTokens ?? null, temperature: call.temperature ?? null }));
    const occurrence = this.occurrences.get(key) ?? 0;
    this.occurrences.set(key, occurrence + 1);
    return occurrence;
  }

  /** The recorded answer for this request and occurrence, or null when there is none. */
  async lookup(request: CassetteRequest, occurrence: number): Promise<CassetteEntry | null> {
    try {
      return JSON.parse(await readFile(this.fileFor(cassetteKey(request), occurrence), 'utf8')) as CassetteEntry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** The error a replay miss raises: loud, naming the key and the purpose. */
  missError(request: CassetteRequest, occurrence: number, purpose: string): CambrianError {
    const key = cassetteKey(request);
    return new CambrianError(
      'CAMBRIAN_CASSETTE_MISS',
      `no recorded LLM answer for purpose '${purpose}' (model '${request.model}', key ${key}, occurrence ${occurrence}) in ${this.dir}`,
      { hint: 'the prompts changed since the cassette was recorded: record it again (cassette mode "record")' },
    );
  }

  /** Writes the interaction atomically (temp file + rename). */
  async record(request: CassetteRequest, occurrence: number, response: CassetteResponse, purpose: string): Promise<void> {
    const key = cassetteKey(request);
    const entry: CassetteEntry = {
      version: 1,
      key,
      occurrence,
      purpose,
      request: { model: request.model, messages: plainMessages(request.messages), maxTokens: request.maxTokens, temperature: request.temperature },
      text: response.text,
      provider: response.provider,
      tokensIn: response.tokensIn,
      tokensOut: response.tokensOut,
      usd: response.usd,
      latencyMs: response.latencyMs,
    };
    await mkdir(this.dir, { recursive: true });
    const file = this.fileFor(key, occurrence);
    const temp = `${file}.${process.pid}.${this.tempCounter++}.tmp`;
    await writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`);
    await rename(temp, file);
  }

  private fileFor(key: string, occurrence: number): string {
    return join(this.dir, `${key}-${occurrence}.json`);
  }
}

function plainMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
