// A scripted local LLM server speaking real HTTP: OpenAI `POST …/chat/completions` and Anthropic
// `POST …/messages`, each as JSON or as a server-sent event stream. Tests, benches and the CLI demo
// point the real SDKs at it; a script decides every reply, and every request is recorded.
//
// Usage:
//   const server = await startLlmServer([{ text: 'hello' }, { status: 429, retryAfterSeconds: 1 }]);
//   // OpenAI-compatible model:    baseUrl: `${server.url}/v1`   (the SDK appends /chat/completions)
//   // Anthropic-compatible model: baseUrl: server.url           (the SDK appends /v1/messages)
//   … run code …
//   assert.equal(server.requests[0].headers.authorization, 'Bearer sk-test');
//   await server.close();
//
// The script is either a queue of replies (consumed in order; once empty every request gets a 500
// whose message says the script ran out) or a function of the request returning a reply.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which wire format a request used, decided by its path. */
export type LlmApi = 'openai' | 'anthropic';

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  api: LlmApi | 'unknown';
  method: string;
  path: string;
  /** The parsed JSON body (or the raw text when it was not JSON). */
  body: any;
  headers: IncomingHttpHeaders;
}

/** A successful completion. Token counts default to ceil(chars / 4) of the prompt and of `text`. */
export interface TextReply {
  text: string;
  tokensIn?: number;
  tokensOut?: number;
  /** Wait this long before sending anything (response headers included). */
  delayMs?: number;
  /** Streaming only: pause between chunks. */
  chunkDelayMs?: number;
}

/** An HTTP error in the provider's error format; 429 with `retryAfterSeconds` sets Retry-After. */
export interface StatusReply {
  status: number;
  retryAfterSeconds?: number;
  message?: string;
  delayMs?: number;
}

/** Waits `delayMs` and then answers `text` (default 'slow reply'): the shape for timeout tests. */
export interface SlowReply {
  delayMs: number;
  text?: undefined;
}

/** 200 with a body that is not valid JSON (JSON mode) or a broken event (stream mode). */
export interface MalformedReply {
  malformed: true;
  delayMs?: number;
}

/** Destroys the socket without answering (a network error for the client). */
export interface HangUpReply {
  hangUp: true;
  delayMs?: number;
}

export type Reply = TextReply | StatusReply | SlowReply | MalformedReply | HangUpReply;

export type ReplyFn = (request: RecordedRequest) => Reply | Promise<Reply>;

/** A queue of replies used in order, or a function deciding each reply. */
export type LlmScript = Reply[] | ReplyFn;

export interface LlmServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  /** Every request received, in arrival order (also those that got errors). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts the server on an ephemeral port of 127.0.0.1. */
export async function startLlmServer(script: LlmScript): Promise<LlmServer> {
  const requests: RecordedRequest[] = [];
  const queue = Array.isArray(script) ? [...script] : null;
  const sockets = new Set<Socket>();

  const nextReply = async (request: RecordedRequest): Promise<Reply> => {
    if (queue === null) return (script as ReplyFn)(request);
    const reply = queue.shift();
    return reply ?? { status: 500, message: `llm-server script exhausted after ${requests.length - 1} replies` };
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`llm-server internal error: ${String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const api: RecordedRequest['api'] = path.endsWith('/chat/completions')
      ? 'openai'
      : path.endsWith('/messages')
        ? 'anthropic'
        : 'unknown';
    const record: RecordedRequest = {
      index: requests.length,
      api,
      method: req.method ?? 'GET',
      path,
      body: parseJson(raw),
      headers: req.headers,
    };
    requests.push(record);
    if (api === 'unknown' || record.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `llm-server: no route for ${record.method} ${path}` } }));
      return;
    }
    const reply = await nextReply(record);
    if ('delayMs' in reply && reply.delayMs !== undefined) {
      const stillOpen = await waitUnlessClosed(res, reply.delayMs);
      if (!stillOpen) return;
    }
    if ('hangUp' in reply) {
      req.socket.destroy();
      return;
    }
    const streaming = typeof record.body === 'object' && record.body?.stream === true;
    if ('malformed' in reply) {
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      const brokenEvent = api === 'openai' ? 'data: {"choices": [{"delta": {"content": "unterminated\n\n' : 'event: content_block_delta\ndata: {"type": "content_bl\n\n';
      res.end(streaming ? brokenEvent : '{"id": "broken", "choices": [');
      return;
    }
    if ('status' in reply) {
      sendError(res, api, reply);
      return;
    }
    const text = reply.text ?? 'slow reply';
    const usage = {
      tokensIn: 'tokensIn' in reply && reply.tokensIn !== undefined ? reply.tokensIn : estimateTokens(promptChars(record.body)),
      tokensOut: 'tokensOut' in reply && reply.tokensOut !== undefined ? reply.tokensOut : estimateTokens(text.length),
    };
    const chunkDelayMs = 'chunkDelayMs' in reply ? (reply.chunkDelayMs ?? 0) : 0;
    const model = String(record.body?.model ?? 'scripted');
    if (api === 'openai') {
      if (streaming) await streamOpenAi(res, model, text, usage, record.body?.stream_options?.include_usage === true, chunkDelayMs);
      else sendJson(res, openAiCompletion(model, text, usage));
    } else if (streaming) await streamAnthropic(res, model, text, usage, chunkDelayMs);
    else sendJson(res, anthropicMessage(model, text, usage));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Usage {
  tokensIn: number;
  tokensOut: number;
}

/** The estimate used whenever a reply gives no token counts: ceil(chars / 4). */
/** Every message of a recorded chat request, as one text (what a scripted reply reads the prompt from). */
export function promptOf(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as Array<{ content: unknown }>;
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Characters of every message's text (and Anthropic's `system`), as the token estimate counts them. */
function promptChars(body: any): number {
  let chars = typeof body?.system === 'string' ? body.system.length : 0;
  for (const message of Array.isArray(body?.messages) ? body.messages : []) {
    if (typeof message?.content === 'string') chars += message.content.length;
    else if (Array.isArray(message?.content)) {
      for (const part of message.content) if (typeof part?.text === 'string') chars += part.text.length;
    }
  }
  return chars;
}

function sendError(res: ServerResponse, api: LlmApi, reply: StatusReply): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
  const message = reply.message ?? `scripted status ${reply.status}`;
  const body =
    api === 'openai'
      ? { error: { message, type: reply.status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }
      : { type: 'error', error: { type: reply.status === 429 ? 'rate_limit_error' : 'api_error', message } };
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify(body));
}

function openAiCompletion(model: string, text: string, usage: Usage): unknown {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: usage.tokensIn, completion_tokens: usage.tokensOut, total_tokens: usage.tokensIn + usage.tokensOut },
  };
}

function anthropicMessage(model: string, text: string, usage: Usage): unknown {
  return {
    id: 'msg_scripted',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.tokensIn, output_tokens: usage.tokensOut },
  };
}

async function streamOpenAi(
  res: ServerResponse,
  model: string,
  text: string,
  usage: Usage,
  includeUsage: boolean,
  chunkDelayMs: number,
): Promise<void> {
  startEventStream(res);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 0, model, choices, ...extra })}\n\n`;
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
  for (const piece of splitText(text)) {
    if (!(await waitUnlessClosed(res, chunkDelayMs))) return;
    res.write(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  }
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  if (includeUsage) {
    const total = usage.tokensIn + usage.tokensOut;
    res.write(chunk([], { usage: { prompt_tokens: usage.tokensIn, completion_tokens: usage.tokensOut, total_tokens: total } }));
  }
  res.end('data: [DONE]\n\n');
}

async function streamAnthropic(res: ServerResponse, model: string, text: string, usage: Usage, chunkDelayMs: number): Promise<void> {
  startEventStream(res);
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const message = {
    id: 'msg_scripted',
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: usage.tokensIn, output_tokens: 1 },
  };
  res.write(event('message_start', { message }));
  res.write(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
  res.write(event('ping', {}));
  for (const piece of splitText(text)) {
    if (!(await waitUnlessClosed(res, chunkDelayMs))) return;
    res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  res.write(event('content_block_stop', { index: 0 }));
  res.write(event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.tokensOut } }));
  res.end(event('message_stop', {}));
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

/** Pieces of about 8 characters, so clients really accumulate several deltas. */
function splitText(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += 8) pieces.push(text.slice(i, i + 8));
  return pieces;
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Resolves true after `ms`, or false as soon as the client goes away (so slow replies never leak timers). */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
