import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, tool, type AgentEvent } from '../../src/index.ts';
import { ScriptedChatModel } from '../../src/testing/index.ts';

const add = tool({
  name: 'add',
  description: 'Adds two numbers.',
  schema: z.object({ a: z.number().describe('first'), b: z.number() }),
  execute: ({ a, b }) => a + b,
});
const now = tool({ name: 'now', description: 'Returns a fixed time.', schema: z.object({}), execute: () => '12:00' });

function statusError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

describe('bad tool calls go back to the model', () => {
  it('explains invalid JSON, schema failures, empty arguments, unknown tools, throws and timeouts', async () => {
    const boom = tool({ name: 'boom', description: 'Always fails.', schema: z.object({}), execute: () => { throw new Error('disk on fire'); } });
    const hang = tool({
      name: 'hang',
      description: 'Never finishes on its own.',
      schema: z.object({}),
      timeoutMs: 50,
      execute: (_input, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    const model = new ScriptedChatModel({
      replies: [
        {
          toolCalls: [
            { name: 'add', args: '{"a": 1,' },
            { name: 'add', args: { a: 'one', b: 2 } },
            { name: 'add', args: '' },
            { name: 'now', args: '' },
            { name: 'sub', args: { a: 1 } },
            { name: 'boom', args: {} },
            { name: 'hang', args: {} },
            { name: 'add', args: '[1, 2]' },
          ],
        },
        'Recovered.',
      ],
    });
    const result = await createAgent({ model, tools: [add, now, boom, hang] }).run('go');
    expect(result.stopReason).toBe('final');
    const errors = result.steps[0]!.toolCalls.map((call) => call.error ?? `OK: ${call.output}`);
    expect(errors).toMatchInlineSnapshot(`
      [
        "The arguments for tool "add" are not valid JSON (Expected double-quoted property name in JSON at position 8 (line 1 column 9)). You sent: {"a": 1,
      Send one JSON object matching this schema: {"type":"object","properties":{"a":{"type":"number","description":"first"},"b":{"type":"number"}},"required":["a","b"]}",
        "Invalid arguments for tool "add":
      - field "a": Invalid input: expected number, received string (you sent "one")
      Fix these fields and call the tool again.",
        "Invalid arguments for tool "add":
      - field "a": required but missing (Invalid input: expected number)
      - field "b": required but missing (Invalid input: expected number)
      Fix these fields and call the tool again.",
        "OK: 12:00",
        "Unknown tool "sub". Available tools: add, now, boom, hang. Call one of them by its exact name.",
        "Tool "boom" failed: disk on fire",
        "Tool "hang" did not finish within 50 ms and was cancelled. Try a smaller or simpler request, or another approach.",
        "The arguments for tool "add" must be a JSON object, but you sent [1,2].
      Send one JSON object matching this schema: {"type":"object","properties":{"a":{"type":"number","description":"first"},"b":{"type":"number"}},"required":["a","b"]}",
      ]
    `);
    const toolMessages = model.requests[1]!.messages.filter((message) => message.getType() === 'tool');
    expect(toolMessages).toHaveLength(8);
    expect(toolMessages[0]!.text.startsWith('Error: The arguments for tool "add" are not valid JSON')).toBe(true);
  });

  it('returns a ToolFailure value to the model as an error', async () => {
    const lookup = tool({ name: 'lookup', description: 'Finds a record.', schema: z.object({ id: z.string() }), execute: () => ({ ok: false as const, error: 'no record with that id' }) });
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'lookup', args: { id: 'x' } }] }, 'Not found.'] });
    const result = await createAgent({ model, tools: [lookup] }).run('find x');
    expect(result.steps[0]!.toolCalls[0]!.error).toBe('Tool "lookup" failed: no record with that id');
  });

  it('ends the run with a clear error after too many failing steps in a row', async () => {
    const bad = { toolCalls: [{ name: 'add', args: '{oops' }] };
    const model = new ScriptedChatModel({ replies: [bad, bad, bad, 'never reached'] });
    const result = await createAgent({ model, tools: [add], limits: { maxConsecutiveFailures: 3 } }).run('go');
    expect(result.stopReason).toBe('error');
    expect(result.steps).toHaveLength(3);
    expect(result.error!.name).toBe('ModelBehaviorError');
    expect(result.error!.message).toMatch(/^The run stopped after 3 steps in a row whose tool calls all failed\. Last error: The arguments for tool "add" are not valid JSON/);
    expect(model.remaining).toBe(1);
  });

  it('resets the failure count after a successful call', async () => {
    const bad = { toolCalls: [{ name: 'add', args: '{oops' }] };
    const good = { toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] };
    const model = new ScriptedChatModel({ replies: [bad, bad, good, bad, bad, 'done'] });
    const result = await createAgent({ model, tools: [add], limits: { maxConsecutiveFailures: 3 } }).run('go');
    expect(result.stopReason).toBe('final');
    expect(result.steps).toHaveLength(6);
  });
});

describe('budgets', () => {
  const loopForever = () => ({ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }], usage: { inputTokens: 100, outputTokens: 20 } });

  it('stops at max_steps and keeps the steps', async () => {
    const model = new ScriptedChatModel({ replies: Array.from({ length: 10 }, loopForever) });
    const result = await createAgent({ model, tools: [add], limits: { maxSteps: 3 } }).run('go');
    expect(result.stopReason).toBe('max_steps');
    expect(result.steps).toHaveLength(3);
    expect(result.steps.every((step) => step.toolCalls[0]!.output === '2')).toBe(true);
    expect(result.error).toEqual({ name: 'BudgetExceededError', message: 'The run reached its limit of 3 steps without a final answer.' });
  });

  it('defaults to 25 steps', async () => {
    const model = new ScriptedChatModel({ replies: Array.from({ length: 30 }, loopForever) });
    const result = await createAgent({ model, tools: [add] }).run('go');
    expect(result.stopReason).toBe('max_steps');
    expect(result.steps).toHaveLength(25);
  });

  it('stops at max_tokens', async () => {
    const model = new ScriptedChatModel({ replies: Array.from({ length: 10 }, loopForever) });
    const result = await createAgent({ model, tools: [add], limits: { maxTokens: 300 } }).run('go');
    expect(result.stopReason).toBe('max_tokens');
    expect(result.steps).toHaveLength(3);
    expect(result.usage.totalTokens).toBe(360);
  });

  it('stops at max_cost using the price table, and refuses a cost limit without a price', async () => {
    const model = new ScriptedChatModel({ replies: Array.from({ length: 10 }, loopForever) });
    const pricing = { 'my-model': { input: 1000, output: 2000 } };
    // Each step costs 100 * 1000 / 1e6 + 20 * 2000 / 1e6 = 0.14 USD.
    const result = await createAgent({ model, modelName: 'my-model', pricing, tools: [add], limits: { maxCostUsd: 0.3 } }).run('go');
    expect(result.stopReason).toBe('max_cost');
    expect(result.steps).toHaveLength(3);
    expect(result.usage.costUsd).toBeCloseTo(0.42, 10);
    expect(() => createAgent({ model, modelName: 'mystery-model', limits: { maxCostUsd: 1 } })).toThrow(/needs the model's price/);
  });

  it('prices well-known models from the built-in table', async () => {
    const model = new ScriptedChatModel({ replies: [{ text: 'hi', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } }] });
    const result = await createAgent({ model, modelName: 'gpt-4o-mini-2024-07-18' }).run('go');
    expect(result.usage.costUsd).toBeCloseTo(0.75, 10);
  });

  it('stops at the wall-clock timeout, cancelling the model call', async () => {
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { text: 'late', delayMs: 10_000 }] });
    const started = Date.now();
    const result = await createAgent({ model, tools: [add], limits: { timeoutMs: 200 } }).run('go');
    expect(result.stopReason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.steps).toHaveLength(1);
    expect(result.error!.message).toBe('The run exceeded its 200 ms time limit.');
  });
});

describe('cancellation', () => {
  it('reaches running tools through the AbortSignal and ends with aborted', async () => {
    let toolSawAbort = false;
    const wait = tool({
      name: 'wait',
      description: 'Waits until cancelled.',
      schema: z.object({}),
      execute: (_input, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            toolSawAbort = true;
            reject(new Error('stopped'));
          }),
        ),
    });
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'wait', args: {} }] }] });
    const controller = new AbortController();
    const agent = createAgent({ model, tools: [wait] });
    const events: AgentEvent[] = [];
    for await (const event of agent.stream('go', { signal: controller.signal })) {
      events.push(event);
      if (event.type === 'tool_call_start') setTimeout(() => controller.abort(), 20);
    }
    const end = events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>;
    expect(end.result.stopReason).toBe('aborted');
    expect(toolSawAbort).toBe(true);
    expect(end.result.steps[0]!.toolCalls[0]!.error).toBe('Tool "wait" failed: cancelled because the run was stopped');
  });

  it('reaches the model call', async () => {
    const model = new ScriptedChatModel({ replies: [{ text: 'slow', delayMs: 10_000 }] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await createAgent({ model }).run('go', { signal: controller.signal });
    expect(result.stopReason).toBe('aborted');
    expect(result.steps).toEqual([]);
  });

  it('cancels the run when the consumer stops iterating', async () => {
    let toolSawAbort = false;
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const wait = tool({
      name: 'wait',
      description: 'Waits until cancelled.',
      schema: z.object({}),
      execute: (_input, { signal }) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            toolSawAbort = true;
            resolve('x');
          });
          markStarted();
        }),
    });
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'wait', args: {} }] }] });
    for await (const event of createAgent({ model, tools: [wait] }).stream('go')) {
      if (event.type === 'tool_call_start') {
        await started;
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(toolSawAbort).toBe(true);
  });
});

describe('model errors', () => {
  it('retries transient failures with backoff, then succeeds', async () => {
    const model = new ScriptedChatModel({
      replies: [statusError(429, 'Rate limited'), statusError(503, 'Service Unavailable'), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'Fine.'],
    });
    const events: AgentEvent[] = [];
    for await (const event of createAgent({ model, retry: { initialDelayMs: 1 } }).stream('go')) events.push(event);
    const retries = events.filter((event) => event.type === 'model_retry');
    expect(retries.map((event) => (event as { error: string }).error)).toEqual(['HTTP 429: Rate limited', 'HTTP 503: Service Unavailable', 'socket hang up']);
    expect((events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>).result.output).toBe('Fine.');
  });

  it('ends with stopReason error after the retries run out', async () => {
    const model = new ScriptedChatModel({ replies: Array.from({ length: 3 }, () => statusError(500, 'Internal error')) });
    const result = await createAgent({ model, retry: { maxRetries: 2, initialDelayMs: 1 } }).run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error).toEqual({ name: 'ModelCallError', message: 'The model call failed after 3 attempts: HTTP 500: Internal error' });
  });

  it('does not retry a non-transient failure', async () => {
    const model = new ScriptedChatModel({ replies: [statusError(401, '401 Incorrect API key provided'), 'unused'] });
    const result = await createAgent({ model, retry: { initialDelayMs: 1 } }).run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error!.message).toBe('The model call failed: 401 Incorrect API key provided');
    expect(model.remaining).toBe(1);
  });

  it('estimates usage when the server reports none', async () => {
    const model = new ScriptedChatModel({ replies: ['abcdefgh'] });
    const result = await createAgent({ model }).run('abcd');
    expect(result.usage).toEqual({ inputTokens: 1, outputTokens: 2, totalTokens: 3, estimated: true });
  });
});
