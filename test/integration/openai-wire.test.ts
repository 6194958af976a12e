import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, resolveModel, tool, type AgentEvent } from '../../src/index.ts';
import { startOpenAIStub, type OpenAIStub, type StubReplies } from '../../src/testing/index.ts';

/**
 * The real model path: `openai:` specs resolve to @langchain/openai's ChatOpenAI, which talks
 * HTTP to a local OpenAI-compatible stub. No network beyond 127.0.0.1.
 */
let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const add = tool({
  name: 'add',
  description: 'Adds two numbers.',
  schema: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

async function agentAgainst(replies: StubReplies, options: { stream?: boolean; chunkSize?: number } = {}) {
  stub = await startOpenAIStub({ replies, chunkSize: options.chunkSize ?? 3 });
  const resolved = await resolveModel({ spec: 'openai:stub-model', baseUrl: stub.baseURL, stream: options.stream, env: {} });
  return createAgent({ model: resolved.model, modelName: resolved.name, tools: [add], retry: { initialDelayMs: 1 } });
}

describe('the OpenAI-compatible wire path', () => {
  it('streams SSE: text deltas, tool-call arguments split across chunks, parallel calls, usage in the final chunk', async () => {
    const agent = await agentAgainst([
      {
        content: 'Adding both.',
        toolCalls: [
          { id: 'call_a', name: 'add', arguments: '{"a": 20, "b": 22}' },
          { id: 'call_b', name: 'add', arguments: '{"a": 1, "b": 2}' },
        ],
        usage: { promptTokens: 50, completionTokens: 20 },
      },
      { content: 'The sums are 42 and 3.', usage: { promptTokens: 90, completionTokens: 9 } },
    ]);
    const events: AgentEvent[] = [];
    for await (const event of agent.stream('Add 20+22 and 1+2.')) events.push(event);
    const result = (events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>).result;

    expect(result.stopReason).toBe('final');
    expect(result.output).toBe('The sums are 42 and 3.');
    expect(result.steps[0]!.reply.toolCalls).toEqual([
      { id: 'call_a', name: 'add', argsText: '{"a": 20, "b": 22}' },
      { id: 'call_b', name: 'add', argsText: '{"a": 1, "b": 2}' },
    ]);
    expect(result.steps[0]!.toolCalls.map((call) => call.output)).toEqual(['42', '3']);
    expect(result.usage).toEqual({ inputTokens: 140, outputTokens: 29, totalTokens: 169 });
    const deltas = events.filter((event) => event.type === 'model_delta' && event.step === 1);
    expect(deltas.length).toBeGreaterThan(3);

    const [first, second] = stub!.requests.map((request) => request.body);
    expect(first.stream).toBe(true);
    expect(first.stream_options).toEqual({ include_usage: true });
    expect(first.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'add',
          description: 'Adds two numbers.',
          parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
        },
      },
    ]);
    expect(second.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(second.messages[1].tool_calls.map((call: { id: string; function: { arguments: string } }) => [call.id, JSON.parse(call.function.arguments)])).toEqual([
      ['call_a', { a: 20, b: 22 }],
      ['call_b', { a: 1, b: 2 }],
    ]);
    expect(second.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_a', content: '42' },
      { role: 'tool', tool_call_id: 'call_b', content: '3' },
    ]);
  });

  it('works with non-streaming requests for servers without SSE', async () => {
    const agent = await agentAgainst(
      [
        { toolCalls: [{ id: 'c1', name: 'add', arguments: '{"a":2,"b":3}' }], usage: { promptTokens: 10, completionTokens: 5 } },
        { content: 'Five.', usage: { promptTokens: 20, completionTokens: 2 } },
      ],
      { stream: false },
    );
    const result = await agent.run('2+3?');
    expect(result.output).toBe('Five.');
    expect(result.steps[0]!.toolCalls[0]!.output).toBe('5');
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 7, totalTokens: 37 });
    expect(stub!.requests.every((request) => !request.body.stream)).toBe(true);
  });

  it('feeds invalid and empty arguments from the server back to the model', async () => {
    const agent = await agentAgainst([
      { toolCalls: [{ id: 'c1', name: 'add', arguments: '{"a": 2,' }, { id: 'c2', name: 'add', arguments: '' }] },
      { content: 'Sorry.' },
    ]);
    const result = await agent.run('go');
    expect(result.steps[0]!.toolCalls.map((call) => call.error?.split('\n')[0])).toEqual([
      'The arguments for tool "add" are not valid JSON (Expected double-quoted property name in JSON at position 8 (line 1 column 9)). You sent: {"a": 2,',
      'Invalid arguments for tool "add":',
    ]);
    const toolMessages = stub!.requests[1]!.body.messages.filter((message: { role: string }) => message.role === 'tool');
    expect(toolMessages.map((message: { content: string }) => message.content.split('\n')[0])).toEqual([
      'Error: The arguments for tool "add" are not valid JSON (Expected double-quoted property name in JSON at position 8 (line 1 column 9)). You sent: {"a": 2,',
      'Error: Invalid arguments for tool "add":',
    ]);
  });

  it('retries 429, 5xx and a reset connection, then answers', async () => {
    const agent = await agentAgainst([
      { status: 429, body: { error: { message: 'Rate limit reached' } } },
      { status: 503 },
      { resetConnection: true },
      { content: 'Made it.' },
    ]);
    const events: AgentEvent[] = [];
    for await (const event of agent.stream('go')) events.push(event);
    const retries = events.filter((event): event is Extract<AgentEvent, { type: 'model_retry' }> => event.type === 'model_retry');
    expect(retries.map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(retries[0]!.error).toContain('429');
    expect((events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>).result.output).toBe('Made it.');
  });

  it('ends with a clear error on a non-transient HTTP error', async () => {
    const agent = await agentAgainst([{ status: 401, body: { error: { message: 'Incorrect API key provided' } } }]);
    const result = await agent.run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error!.message).toMatch(/^The model call failed: .*401.*Incorrect API key provided/);
    expect(stub!.requests).toHaveLength(1);
  });

  it('cancels a streaming request in flight when the run times out', async () => {
    stub = await startOpenAIStub({ replies: [{ content: 'x'.repeat(400) }], chunkSize: 1, delayMs: 20 });
    const resolved = await resolveModel({ spec: 'openai:stub-model', baseUrl: stub.baseURL, env: {} });
    const started = Date.now();
    const result = await createAgent({ model: resolved.model, limits: { timeoutMs: 300 } }).run('go');
    expect(result.stopReason).toBe('timeout');
    // 400 chunks 20 ms apart would take 8 s; the abort reaches the HTTP request.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('reports an unreachable server after retrying', async () => {
    const closed = await startOpenAIStub({ replies: [] });
    const baseURL = closed.baseURL;
    await closed.close();
    const resolved = await resolveModel({ spec: 'openai:stub-model', baseUrl: baseURL, env: {} });
    const result = await createAgent({ model: resolved.model, retry: { maxRetries: 1, initialDelayMs: 1 } }).run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error!.message).toMatch(/^The model call failed after 2 attempts: /);
  });
});
