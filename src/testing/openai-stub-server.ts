import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { HashEmbeddings } from './hash-embeddings.ts';

/**
 * A local OpenAI-compatible Chat Completions server that answers with scripted replies, so agents
 * can be tested over the wire (real HTTP, real SSE, the real OpenAI client) without the network.
 *
 * ```ts
 * const stub = await startOpenAIStub({ replies: [{ toolCalls: [{ name: 'add', arguments: '{"a":1,"b":2}' }] }, { content: '3' }] });
 * const model = new ChatOpenAI({ model: 'stub-model', apiKey: 'test', configuration: { baseURL: stub.baseURL }, maxRetries: 0 });
 * // ... run the agent, then inspect stub.requests ...
 * await stub.close();
 * ```
 *
 * It also serves `POST /v1/embeddings` (with `HashEmbeddings` unless told otherwise), so
 * `OpenAIEmbeddings` pointed at `stub.baseURL` works offline too.
 */

/** One tool call of a scripted reply. */
export interface StubToolCall {
  /** Sent as the call's id. Default: `call_<request index>_<position>`. */
  id?: string;
  /** The function name the "model" calls. */
  name: string;
  /** The raw arguments text, sent verbatim: it may be invalid JSON or empty, to test repair paths. */
  arguments: string;
}

/** A successful scripted completion. */
export interface StubCompletion {
  /** The assistant text. Omit it (or leave it empty) for a reply that only calls tools. */
  content?: string;
  /** Tool calls, sent as parallel calls with indexes 0, 1, 2… in this order. */
  toolCalls?: StubToolCall[];
  /**
   * Token counts to report. Default: a rough estimate of one token per 4 characters, counting the
   * raw request body for the prompt and the content plus each call's name and arguments for the
   * completion (always rounded up).
   */
  usage?: { promptTokens: number; completionTokens: number };
  /** Default: `tool_calls` when the reply has tool calls, otherwise `stop`. */
  finishReason?: string;
}

/** A scripted HTTP failure, such as a 429 rate limit or a 500. */
export interface StubHttpError {
  /** The HTTP status code. */
  status: number;
  /** The response body: a string is sent as is, anything else as JSON. Default: an OpenAI-style error object. */
  body?: unknown;
  /** Extra response headers, such as `retry-after`. */
  headers?: Record<string, string>;
}

/** Resets the TCP connection (RST) without answering, so the client sees ECONNRESET. */
export interface StubConnectionReset {
  resetConnection: true;
}

/** What the stub answers to one chat completions request. */
export type StubReply = StubCompletion | StubHttpError | StubConnectionReset;

/** A chat completions request the stub received. */
export interface StubRequestRecord {
  /** The parsed JSON body: `model`, `messages`, `tools`, `stream`, `stream_options`… */
  body: any;
  /** The request headers, lower-cased by Node. */
  headers: Record<string, string | string[] | undefined>;
}

/** Scripts the replies: a list used in order, or a function of the request and its 0-based index. */
export type StubReplies = StubReply[] | ((request: StubRequestRecord, index: number) => StubReply | Promise<StubReply>);

export interface OpenAIStubOptions {
  /**
   * The replies, one per chat completions request. A list that runs out answers HTTP 500 with a
   * message naming the request index; so does a function that throws. Default: none.
   */
  replies?: StubReplies;
  /** Characters per streamed content or arguments delta. Default 4 (about one token, like OpenAI). */
  chunkSize?: number;
  /**
   * Pause in milliseconds before a non-streaming body and between streamed chunks, so tests can
   * watch partial streams or cancel mid-reply. Default 0: each response is written in one go.
   */
  delayMs?: number;
  /**
   * Computes the vectors `/v1/embeddings` returns. Default: `HashEmbeddings` (deterministic, with
   * the request's `dimensions`, else 384). A custom embedder's vectors are cut to `dimensions`.
   */
  embeddings?: EmbeddingsInterface;
}

/** A running stub. */
export interface OpenAIStub {
  /** The base URL to give an OpenAI client, like `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** Every chat completions request received so far, in arrival order. */
  requests: StubRequestRecord[];
  /** Every embeddings request received so far, in arrival order (kept apart from `requests`). */
  embeddingRequests: StubRequestRecord[];
  /** Stops listening and drops open connections, including idle keep-alive ones. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_CHUNK_SIZE = 4;
const CHARS_PER_TOKEN = 4;
const MODELS_BODY = JSON.stringify({
  object: 'list',
  data: [{ id: 'stub-model', object: 'model', created: 0, owned_by: 'gantry-stub' }],
});

/** Starts a stub on 127.0.0.1 on a free port. Resolves once it is listening. */
export async function startOpenAIStub(options: OpenAIStubOptions): Promise<OpenAIStub> {
  const requests: StubRequestRecord[] = [];
  const embeddingRequests: StubRequestRecord[] = [];
  const settings: StubSettings = {
    chunkSize: Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE),
    delayMs: options.delayMs ?? 0,
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  };
  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    handleRequest({ req, res, requests, embeddingRequests, replies: options.replies ?? [], settings }).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError({ res, status: 500, message: `OpenAI stub failed: ${String(error)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    embeddingRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface StubSettings {
  chunkSize: number;
  delayMs: number;
  embeddings?: EmbeddingsInterface;
}

const POST_PATHS = new Set(['/v1/chat/completions', '/v1/embeddings']);

async function handleRequest({ req, res, requests, embeddingRequests, replies, settings }: {
  req: IncomingMessage;
  res: ServerResponse;
  requests: StubRequestRecord[];
  embeddingRequests: StubRequestRecord[];
  replies: StubReplies;
  settings: StubSettings;
}): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'GET' && path === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS_BODY);
    return;
  }
  if (!POST_PATHS.has(path)) {
    sendError({ res, status: 404, message: `OpenAI stub: unknown path ${req.method} ${path}.` });
    return;
  }
  if (req.method !== 'POST') {
    sendError({ res, status: 405, message: `OpenAI stub: use POST for ${path}, not ${req.method}.` });
    return;
  }
  const rawBody = await readBody(req);
  let body: any;
  try {
    body = JSON.parse(rawBody);
  } catch {
    sendError({ res, status: 400, message: 'OpenAI stub: the request body is not valid JSON.' });
    return;
  }
  const record: StubRequestRecord = { body, headers: req.headers };
  if (path === '/v1/embeddings') {
    embeddingRequests.push(record);
    await sendEmbeddings({ res, body, settings });
    return;
  }
  const index = requests.push(record) - 1;
  const reply = await pickReply({ replies, record, index });
  if ('resetConnection' in reply) {
    req.socket.resetAndDestroy();
  } else if ('status' in reply) {
    sendHttpError({ res, reply });
  } else {
    const completion = describeCompletion({ reply, body, index, promptChars: rawBody.length });
    if (body.stream === true) await sendStream({ res, completion, includeUsage: body.stream_options?.include_usage === true, settings });
    else await sendJson({ res, completion, settings });
  }
}

async function pickReply({ replies, record, index }: {
  replies: StubReplies;
  record: StubRequestRecord;
  index: number;
}): Promise<StubReply> {
  if (typeof replies === 'function') {
    try {
      return await replies(record, index);
    } catch (error) {
      return stubFailure(`OpenAI stub: the replies function threw for request #${index}: ${String(error)}`);
    }
  }
  return replies[index] ?? stubFailure(
    `OpenAI stub: no scripted reply for request #${index} (0-based); only ${replies.length} were scripted. Add replies or check why the agent made an extra call.`,
  );
}

function stubFailure(message: string): StubHttpError {
  return { status: 500, body: { error: { message, type: 'stub_error', param: null, code: null } } };
}

/** A completion with every default resolved, ready to render as JSON or as SSE chunks. */
interface ResolvedCompletion {
  id: string;
  created: number;
  model: string;
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function describeCompletion({ reply, body, index, promptChars }: {
  reply: StubCompletion;
  body: any;
  index: number;
  promptChars: number;
}): ResolvedCompletion {
  const content = reply.content ?? '';
  const toolCalls = (reply.toolCalls ?? []).map((call, position) => ({
    id: call.id ?? `call_${index}_${position}`,
    name: call.name,
    arguments: call.arguments,
  }));
  let completionChars = content.length;
  for (const call of toolCalls) completionChars += call.name.length + call.arguments.length;
  const promptTokens = reply.usage?.promptTokens ?? Math.ceil(promptChars / CHARS_PER_TOKEN);
  const completionTokens = reply.usage?.completionTokens ?? Math.ceil(completionChars / CHARS_PER_TOKEN);
  return {
    id: `chatcmpl-stub-${index}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'stub-model',
    content,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

async function sendJson({ res, completion, settings }: {
  res: ServerResponse;
  completion: ResolvedCompletion;
  settings: StubSettings;
}): Promise<void> {
  const hasToolCalls = completion.toolCalls.length > 0;
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: completion.content === '' && hasToolCalls ? null : completion.content,
    refusal: null,
  };
  if (hasToolCalls) {
    message.tool_calls = completion.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  const payload = JSON.stringify({
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: completion.finishReason }],
    usage: completion.usage,
    system_fingerprint: null,
  });
  if (settings.delayMs > 0) await sleep(settings.delayMs);
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
}

/**
 * Streams the completion the way OpenAI does: a first delta with the role, the content in
 * `chunkSize` pieces, each tool call opened by a chunk carrying its index, id, type, name and empty
 * arguments and continued by chunks carrying only the index and an arguments piece, a chunk with
 * the finish reason, an optional usage chunk with no choices, then `[DONE]`.
 */
async function sendStream({ res, completion, includeUsage, settings }: {
  res: ServerResponse;
  completion: ResolvedCompletion;
  includeUsage: boolean;
  settings: StubSettings;
}): Promise<void> {
  // OpenAI repeats these fields on every chunk, and sends `usage: null` on each when usage is requested.
  const envelope = `"id":${JSON.stringify(completion.id)},"object":"chat.completion.chunk","created":${completion.created},"model":${JSON.stringify(completion.model)},"system_fingerprint":null`;
  const usageField = includeUsage ? ',"usage":null' : '';
  const events: string[] = [];
  const pushChoice = (delta: unknown, finishReason: string | null) => {
    events.push(
      `data: {${envelope},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finishReason)}}]${usageField}}\n\n`,
    );
  };

  const [firstCall, ...otherCalls] = completion.toolCalls;
  if (completion.content !== '' || firstCall === undefined) {
    pushChoice({ role: 'assistant', content: '', refusal: null }, null);
    for (const piece of splitText(completion.content, settings.chunkSize)) pushChoice({ content: piece }, null);
    if (firstCall !== undefined) pushToolCall({ pushChoice, call: firstCall, index: 0, chunkSize: settings.chunkSize });
  } else {
    pushToolCall({ pushChoice, call: firstCall, index: 0, chunkSize: settings.chunkSize, openingDelta: { role: 'assistant', content: null } });
  }
  otherCalls.forEach((call, position) => pushToolCall({ pushChoice, call, index: position + 1, chunkSize: settings.chunkSize }));
  pushChoice({}, completion.finishReason);
  if (includeUsage) events.push(`data: {${envelope},"choices":[],"usage":${JSON.stringify(completion.usage)}}\n\n`);
  events.push('data: [DONE]\n\n');

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (settings.delayMs <= 0) {
    res.end(events.join(''));
    return;
  }
  for (const event of events) {
    await sleep(settings.delayMs);
    if (res.destroyed) return;
    res.write(event);
  }
  res.end();
}

function pushToolCall({ pushChoice, call, index, chunkSize, openingDelta = {} }: {
  pushChoice: (delta: unknown, finishReason: string | null) => void;
  call: ResolvedCompletion['toolCalls'][number];
  index: number;
  chunkSize: number;
  openingDelta?: Record<string, unknown>;
}): void {
  pushChoice(
    { ...openingDelta, tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] },
    null,
  );
  for (const piece of splitText(call.arguments, chunkSize)) {
    pushChoice({ tool_calls: [{ index, function: { arguments: piece } }] }, null);
  }
}

/** Splits text into pieces of `size` UTF-16 units, never between the two halves of a surrogate pair. */
function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * Answers an embeddings request like OpenAI: one vector per input, in input order, as JSON
 * numbers, or as base64 of little-endian float32 when `encoding_format` is `base64` (what the
 * OpenAI JS client asks for unless told otherwise).
 */
async function sendEmbeddings({ res, body, settings }: { res: ServerResponse; body: any; settings: StubSettings }): Promise<void> {
  const input: unknown = body?.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    sendError({ res, status: 400, message: 'OpenAI stub: "input" must be a string or a non-empty array of strings (token arrays are not supported).' });
    return;
  }
  const dimensions: unknown = body.dimensions;
  if (dimensions !== undefined && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) {
    sendError({ res, status: 400, message: 'OpenAI stub: "dimensions" must be a positive integer.' });
    return;
  }
  const format: unknown = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    sendError({ res, status: 400, message: `OpenAI stub: unsupported encoding_format ${JSON.stringify(format)}; use "float" or "base64".` });
    return;
  }
  const embedder = settings.embeddings ?? new HashEmbeddings(dimensions === undefined ? {} : { dimensions: dimensions as number });
  const vectors = (await embedder.embedDocuments(texts as string[])).map((vector) =>
    dimensions === undefined ? vector : vector.slice(0, dimensions as number),
  );
  const promptTokens = (texts as string[]).reduce((sum, text) => sum + Math.ceil(text.length / CHARS_PER_TOKEN), 0);
  const payload = JSON.stringify({
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? float32Base64(vector) : vector })),
    model: typeof body.model === 'string' ? body.model : 'stub-embeddings',
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
  if (settings.delayMs > 0) await sleep(settings.delayMs);
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
}

function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

function sendHttpError({ res, reply }: { res: ServerResponse; reply: StubHttpError }): void {
  if (reply.body === undefined) {
    sendError({ res, status: reply.status, message: `OpenAI stub: scripted HTTP ${reply.status}.`, headers: reply.headers });
    return;
  }
  const isText = typeof reply.body === 'string';
  res.writeHead(reply.status, { 'content-type': isText ? 'text/plain' : 'application/json', ...reply.headers });
  res.end(isText ? reply.body : JSON.stringify(reply.body));
}

function sendError({ res, status, message, headers }: {
  res: ServerResponse;
  status: number;
  message: string;
  headers?: Record<string, string> | undefined;
}): void {
  const body = JSON.stringify({ error: { message, type: 'stub_error', param: null, code: null } });
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  req.setEncoding('utf8');
  let body = '';
  for await (const piece of req) body += piece;
  return body;
}
