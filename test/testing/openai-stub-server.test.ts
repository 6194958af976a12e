import { ChatOpenAI } from '@langchain/openai';
import type { AIMessageChunk } from '@langchain/core/messages';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply } from '../../src/testing/openai-stub-server.ts';

// Nothing in these tests may leave the machine: LangChain can try to download tokenizer files.
const realFetch = globalThis.fetch;
const offMachineRequests: string[] = [];
beforeAll(() => {
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith('http://127.0.0.1:')) {
      offMachineRequests.push(url);
      return Promise.reject(new Error(`Test tried to reach the network: ${url}`));
    }
    return realFetch(input, init);
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
  expect(offMachineRequests).toEqual([]);
});

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function start(replies: Parameters<typeof startOpenAIStub>[0]['replies'], extra: { chunkSize?: number; delayMs?: number } = {}) {
  stub = await startOpenAIStub({ replies, ...extra });
  return stub;
}

function postCompletion(baseURL: string, body: unknown): Promise<Response> {
  return fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
    body: JSON.stringify(body),
  });
}

/** Parses a JSON response body, typed loosely so tests can reach into it. */
function readJson(response: Response): Promise<any> {
  return response.json();
}

/** Reads an SSE body into its `data:` payloads, parsed, with `[DONE]` kept as a string. */
async function readEvents(response: Response): Promise<any[]> {
  const text = await response.text();
  expect(text.endsWith('\n\n')).toBe(true);
  return text.trimEnd().split('\n\n').map((event) => {
    expect(event.startsWith('data: ')).toBe(true);
    const data = event.slice('data: '.length);
    return data === '[DONE]' ? data : JSON.parse(data);
  });
}

const userMessage = [{ role: 'user', content: 'What is 1 + 2?' }];

describe('startOpenAIStub over raw fetch, non-streaming', () => {
  it('answers a text reply as a chat.completion echoing the model', async () => {
    const { baseURL } = await start([{ content: 'Three.', usage: { promptTokens: 11, completionTokens: 2 } }]);
    const response = await postCompletion(baseURL, { model: 'my-model', messages: userMessage });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await readJson(response)).toEqual({
      id: 'chatcmpl-stub-0',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'my-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Three.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 },
      system_fingerprint: null,
    });
  });

  it('answers tool calls with null content, default ids and finish_reason tool_calls, arguments verbatim', async () => {
    const { baseURL } = await start([
      { toolCalls: [{ name: 'add', arguments: '{"a":1,"b":2}' }, { id: 'mine', name: 'broken', arguments: '{"a":' }] },
    ]);
    const body = await readJson(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }));
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        { id: 'call_0_0', type: 'function', function: { name: 'add', arguments: '{"a":1,"b":2}' } },
        { id: 'mine', type: 'function', function: { name: 'broken', arguments: '{"a":' } },
      ],
    });
    expect(body.choices[0].finish_reason).toBe('tool_calls');
  });

  it('estimates usage at one token per 4 characters when none is scripted', async () => {
    const { baseURL } = await start([{ content: 'abcdefghi', toolCalls: [{ name: 'add', arguments: '{}' }] }]);
    const requestBody = { model: 'stub-model', messages: userMessage };
    const body = await readJson(await postCompletion(baseURL, requestBody));
    const promptTokens = Math.ceil(JSON.stringify(requestBody).length / 4);
    // 9 content characters + "add" + "{}" = 14 characters.
    expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 4, total_tokens: promptTokens + 4 });
    expect(body.choices[0].message.content).toBe('abcdefghi');
  });

  it('records each request body and headers in order', async () => {
    const { baseURL, requests } = await start([{ content: 'one' }, { content: 'two' }]);
    await readJson(await postCompletion(baseURL, { model: 'a', messages: userMessage }));
    await readJson(await postCompletion(baseURL, { model: 'b', messages: [] }));
    expect(requests.map((request) => request.body)).toEqual([
      { model: 'a', messages: userMessage },
      { model: 'b', messages: [] },
    ]);
    expect(requests[0]?.headers.authorization).toBe('Bearer test');
  });
});

describe('startOpenAIStub over raw fetch, streaming', () => {
  it('streams content and parallel tool calls chunk by chunk, then usage and [DONE]', async () => {
    const { baseURL } = await start([
      {
        content: 'Let me add.',
        toolCalls: [
          { id: 'call_a', name: 'add', arguments: '{"a":1,"b":2}' },
          { id: 'call_b', name: 'add', arguments: '{"a":30,"b":4}' },
        ],
        usage: { promptTokens: 20, completionTokens: 7 },
      },
    ], { chunkSize: 5 });
    const response = await postCompletion(baseURL, {
      model: 'stub-model',
      messages: userMessage,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(response);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: 'chatcmpl-stub-0', object: 'chat.completion.chunk', model: 'stub-model' });
    }
    const deltas = chunks.slice(0, -2).map((chunk) => chunk.choices[0].delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Let m' },
      { content: 'e add' },
      { content: '.' },
      { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'add', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '1,"b"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ':2}' } }] },
      { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'add', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"a":' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '30,"b' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '":4}' } }] },
    ]);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-2).choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 });
  });

  it('opens a tool-call-only reply with role and the first call in one delta, and omits usage unless asked', async () => {
    const { baseURL } = await start([{ toolCalls: [{ id: 'c', name: 'noop', arguments: '' }] }]);
    const events = await readEvents(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage, stream: true }));
    expect(events.slice(0, -1).map((chunk) => chunk.choices[0])).toEqual([
      {
        index: 0,
        delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'noop', arguments: '' } }] },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
    ]);
    expect(events.slice(0, -1).some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('never splits a surrogate pair across content deltas', async () => {
    const { baseURL } = await start([{ content: 'a😀b😀' }], { chunkSize: 2 });
    const events = await readEvents(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage, stream: true }));
    const pieces = events.slice(1, -2).map((chunk) => chunk.choices[0].delta.content);
    expect(pieces).toEqual(['a😀', 'b😀']);
  });

  it('with delayMs, sends the chunks as separate writes that reassemble to the same stream', async () => {
    const { baseURL } = await start([{ content: 'Hello there' }], { delayMs: 5 });
    const response = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage, stream: true });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let reads = 0;
    let text = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      reads += 1;
      text += decoder.decode(read.value, { stream: true });
    }
    expect(reads).toBeGreaterThan(1);
    const content = text.trimEnd().split('\n\n').slice(0, -1)
      .map((event) => JSON.parse(event.slice('data: '.length)).choices[0].delta.content ?? '')
      .join('');
    expect(content).toBe('Hello there');
  });
});

describe('startOpenAIStub errors and other paths', () => {
  it('sends scripted HTTP errors with their body and headers, in stream mode too', async () => {
    const { baseURL } = await start([
      { status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '0' } },
      { status: 503 },
      { status: 502, body: 'bad gateway' },
    ]);
    const limited = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage, stream: true });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    expect(await readJson(limited)).toEqual({ error: { message: 'slow down' } });
    const unavailable = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage });
    expect(unavailable.status).toBe(503);
    expect(await readJson(unavailable)).toEqual({
      error: { message: 'OpenAI stub: scripted HTTP 503.', type: 'stub_error', param: null, code: null },
    });
    const gateway = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage });
    expect(gateway.status).toBe(502);
    expect(await gateway.text()).toBe('bad gateway');
  });

  it('answers 500 naming the request index once the scripted replies run out', async () => {
    const { baseURL } = await start([{ content: 'only one' }]);
    await readJson(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }));
    const response = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage });
    expect(response.status).toBe(500);
    expect((await readJson(response)).error.message).toMatchInlineSnapshot(
      `"OpenAI stub: no scripted reply for request #1 (0-based); only 1 were scripted. Add replies or check why the agent made an extra call."`,
    );
  });

  it('resets the connection so the client sees ECONNRESET, and keeps serving afterwards', async () => {
    const { baseURL } = await start([{ resetConnection: true }, { content: 'back' }]);
    const failure = await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    const body = await readJson(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }));
    expect(body.choices[0].message.content).toBe('back');
  });

  it('asks a replies function with the recorded request and its index, and reports its failures as 500', async () => {
    const seen: [unknown, number][] = [];
    const { baseURL } = await start((request, index): StubReply => {
      seen.push([request.body.messages, index]);
      if (index === 1) throw new Error('boom');
      return { content: `reply ${index}` };
    });
    const first = await readJson(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }));
    expect(first.choices[0].message.content).toBe('reply 0');
    const second = await postCompletion(baseURL, { model: 'stub-model', messages: [] });
    expect(second.status).toBe(500);
    expect((await readJson(second)).error.message).toBe('OpenAI stub: the replies function threw for request #1: Error: boom');
    expect(seen).toEqual([[userMessage, 0], [[], 1]]);
  });

  it('rejects a body that is not JSON with 400 and does not record it', async () => {
    const { baseURL, requests } = await start([]);
    const response = await fetch(`${baseURL}/chat/completions`, { method: 'POST', body: '{nope' });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.message).toBe('OpenAI stub: the request body is not valid JSON.');
    expect(requests).toEqual([]);
  });

  it('closes idempotently and stops accepting connections', async () => {
    const { baseURL, close } = await start([{ content: 'hi' }]);
    await readJson(await postCompletion(baseURL, { model: 'stub-model', messages: userMessage }));
    await close();
    await close();
    await expect(postCompletion(baseURL, { model: 'stub-model', messages: userMessage })).rejects.toThrow('fetch failed');
  });

  it('lists a model on GET /v1/models and answers 404 elsewhere', async () => {
    const { baseURL } = await start([]);
    expect(await readJson(await fetch(`${baseURL}/models`))).toEqual({
      object: 'list',
      data: [{ id: 'stub-model', object: 'model', created: 0, owned_by: 'gantry-stub' }],
    });
    const missing = await fetch(`${baseURL}/audio/speech`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.message).toBe('OpenAI stub: unknown path POST /v1/audio/speech.');
  });
});

describe('startOpenAIStub through @langchain/openai', () => {
  function chatModel(baseURL: string): ChatOpenAI {
    return new ChatOpenAI({ model: 'stub-model', apiKey: 'test', configuration: { baseURL }, maxRetries: 0, streamUsage: true });
  }

  async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it('.stream() yields text deltas and usage from the final chunk', async () => {
    const { baseURL, requests } = await start([{ content: 'Hello, agent world!', usage: { promptTokens: 9, completionTokens: 5 } }]);
    const chunks = await collect(await chatModel(baseURL).stream('hi'));
    const textDeltas = chunks.map((chunk) => chunk.content).filter((content) => content !== '');
    expect(textDeltas).toEqual(['Hell', 'o, a', 'gent', ' wor', 'ld!']);
    const message = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(message.content).toBe('Hello, agent world!');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 5, total_tokens: 14 });
    expect(requests[0]?.body).toMatchObject({ model: 'stub-model', stream: true, stream_options: { include_usage: true } });
  });

  it('.stream() reassembles parallel tool calls whose arguments arrive in pieces', async () => {
    const { baseURL } = await start([
      {
        toolCalls: [
          { id: 'call_1', name: 'add', arguments: '{"a":1,"b":2}' },
          { id: 'call_2', name: 'multiply', arguments: '{"a":3,"b":4}' },
        ],
        usage: { promptTokens: 30, completionTokens: 12 },
      },
    ]);
    const chunks = await collect(await chatModel(baseURL).stream('add and multiply'));
    const argPieces = chunks.flatMap((chunk) => chunk.tool_call_chunks ?? []).filter((piece) => piece.index === 0).map((piece) => piece.args);
    expect(argPieces).toEqual(['', '{"a"', ':1,"', 'b":2', '}']);
    const message = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(message.tool_calls).toEqual([
      { id: 'call_1', name: 'add', args: { a: 1, b: 2 }, type: 'tool_call' },
      { id: 'call_2', name: 'multiply', args: { a: 3, b: 4 }, type: 'tool_call' },
    ]);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });
    expect(message.response_metadata.finish_reason).toBe('tool_calls');
  });

  it('.invoke() without streaming returns tool calls and usage', async () => {
    const { baseURL, requests } = await start([
      { toolCalls: [{ id: 'call_9', name: 'add', arguments: '{"a":5,"b":6}' }], usage: { promptTokens: 15, completionTokens: 8 } },
    ]);
    const message = await chatModel(baseURL).invoke('add 5 and 6');
    expect(message.tool_calls).toEqual([{ id: 'call_9', name: 'add', args: { a: 5, b: 6 }, type: 'tool_call' }]);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 15, output_tokens: 8, total_tokens: 23 });
    expect(requests[0]?.body.stream).toBe(false);
  });

  it('.invoke() reports arguments that are not JSON as an invalid tool call', async () => {
    const { baseURL } = await start([{ toolCalls: [{ id: 'call_x', name: 'add', arguments: '{"a":' }] }]);
    const message = await chatModel(baseURL).invoke('add');
    expect(message.tool_calls).toEqual([]);
    expect(message.invalid_tool_calls).toMatchObject([{ id: 'call_x', name: 'add', args: '{"a":' }]);
  });

  it('bindTools sends an OpenAI-format function tool in the request body', async () => {
    const { baseURL, requests } = await start([{ content: 'ok' }]);
    const addTool = {
      type: 'function' as const,
      function: {
        name: 'add',
        description: 'Adds two numbers.',
        parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      },
    };
    const chunks = await collect(await chatModel(baseURL).bindTools([addTool]).stream('add'));
    expect(chunks.map((chunk) => chunk.content).join('')).toBe('ok');
    expect(requests[0]?.body.tools).toEqual([addTool]);
  });
});
