import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool as langchainTool, StructuredTool } from '@langchain/core/tools';
import { ToolMessage } from '@langchain/core/messages';
import { createAgent, hasToolCall, tool, UserError, type AgentEvent } from '../../src/index.ts';
import { ScriptedChatModel } from '../../src/testing/index.ts';

const add = tool({
  name: 'add',
  description: 'Adds two numbers.',
  schema: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('createAgent: the loop', () => {
  it('returns a final answer without tools', async () => {
    const model = new ScriptedChatModel({ replies: [{ text: 'Hello there.', usage: { inputTokens: 10, outputTokens: 3 } }] });
    const result = await createAgent({ model }).run('hi');
    expect(result.output).toBe('Hello there.');
    expect(result.stopReason).toBe('final');
    expect(result.steps).toHaveLength(1);
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 3, totalTokens: 13 });
  });

  it('runs a tool call and feeds the result back to the model', async () => {
    const model = new ScriptedChatModel({
      replies: [{ toolCalls: [{ name: 'add', args: { a: 2, b: 40 }, id: 'c1' }] }, 'It is 42.'],
    });
    const agent = createAgent({ model, tools: [add], instructions: 'Be brief.' });
    const result = await agent.run('2 + 40?');
    expect(result.output).toBe('It is 42.');
    expect(result.steps[0]!.toolCalls).toEqual([{ id: 'c1', name: 'add', args: { a: 2, b: 40 }, output: '42', durationMs: expect.any(Number) }]);
    const second = model.requests[1]!.messages;
    expect(second.map((message) => message.getType())).toEqual(['system', 'human', 'ai', 'tool']);
    expect((second[3] as ToolMessage).tool_call_id).toBe('c1');
    expect(second[3]!.text).toBe('42');
    expect(model.requests[0]!.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'add',
          description: 'Adds two numbers.',
          parameters: {
            type: 'object',
            properties: { a: { type: 'number' }, b: { type: 'number' } },
            required: ['a', 'b'],
          },
        },
      },
    ]);
  });

  it('emits a JSON-serialisable event stream in order, and run() returns the run_end result', async () => {
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] }, 'Two.'] });
    const events = await collect(createAgent({ model, tools: [add] }).stream('1+1'));
    const types = events.map((event) => event.type).filter((type) => type !== 'model_delta');
    expect(types).toEqual([
      'run_start', 'step_start', 'model_message', 'tool_call_start', 'tool_call_end', 'step_end',
      'step_start', 'model_message', 'step_end', 'run_end',
    ]);
    expect(events.filter((event) => event.type === 'model_delta').map((event) => (event as { text: string }).text).join('')).toBe('Two.');
    for (const event of events) expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    const runEnd = events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>;
    expect(runEnd.result.output).toBe('Two.');
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
  });

  it('runs parallel calls concurrently up to the cap and returns results in call order', async () => {
    let running = 0;
    let peak = 0;
    const slow = tool({
      name: 'slow',
      description: 'Waits, then echoes.',
      schema: z.object({ ms: z.number(), label: z.string() }),
      execute: async ({ ms, label }) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running--;
        return label;
      },
    });
    const calls = [80, 10, 60, 5, 30].map((ms, index) => ({ name: 'slow', args: { ms, label: `r${index}` } }));
    const model = new ScriptedChatModel({ replies: [{ toolCalls: calls }, 'done'] });
    const result = await createAgent({ model, tools: [slow], limits: { toolConcurrency: 2 } }).run('go');
    expect(result.steps[0]!.toolCalls.map((call) => call.output)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(peak).toBe(2);
    const toolMessages = model.requests[1]!.messages.filter((message) => message.getType() === 'tool');
    expect(toolMessages.map((message) => message.text)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('accepts LangChain tools unchanged', async () => {
    const multiply = langchainTool(({ a, b }: { a: number; b: number }) => String(a * b), {
      name: 'multiply',
      description: 'Multiplies.',
      schema: z.object({ a: z.number(), b: z.number() }),
    });
    class Shout extends StructuredTool {
      name = 'shout';
      description = 'Upper-cases text.';
      schema = z.object({ text: z.string() });
      async _call({ text }: { text: string }) {
        return text.toUpperCase();
      }
    }
    const model = new ScriptedChatModel({
      replies: [
        { toolCalls: [{ name: 'multiply', args: { a: 6, b: 7 } }, { name: 'shout', args: { text: 'hi' } }, { name: 'multiply', args: { a: 'x' } }] },
        'ok',
      ],
    });
    const result = await createAgent({ model, tools: [multiply, new Shout()] }).run('go');
    const [product, shouted, invalid] = result.steps[0]!.toolCalls;
    expect(product!.output).toBe('42');
    expect(shouted!.output).toBe('HI');
    expect(invalid!.error).toContain('field "a"');
    expect(invalid!.error).toContain('field "b": required but missing');
  });

  it('stops early when a stop condition such as hasToolCall is met', async () => {
    const submit = tool({ name: 'submit', description: 'Submit.', schema: z.object({ answer: z.string() }), execute: () => 'submitted' });
    const model = new ScriptedChatModel({ replies: [{ text: 'Submitting.', toolCalls: [{ name: 'submit', args: { answer: '7' } }] }] });
    const result = await createAgent({ model, tools: [submit], stopWhen: [hasToolCall('submit')] }).run('go');
    expect(result.stopReason).toBe('final');
    expect(result.output).toBe('Submitting.');
    expect(model.remaining).toBe(0);
  });

  it('rejects bad configuration with a UserError', () => {
    const model = new ScriptedChatModel({ replies: [] });
    expect(() => createAgent({ model, limits: { maxSteps: 0 } })).toThrow(UserError);
    expect(() => createAgent({ model, tools: [add, add] })).toThrow('Two tools are named "add"');
    expect(() => createAgent({ model: {} as never })).toThrow('LangChain chat model');
    expect(() => tool({ name: 'bad name', description: '', schema: z.object({}), execute: () => 1 })).toThrow('Invalid tool name');
  });
});

describe('run end', () => {
  it('tells tools the run ended, and reports a tool that fails to clean up', async () => {
    const ended: string[] = [];
    const keeper = tool({
      name: 'keeper',
      description: 'Keeps per-run state.',
      schema: z.object({}),
      execute: (_input, { runId }) => `run ${runId}`,
      onRunEnd: (runId) => {
        ended.push(runId);
      },
    });
    const leaky = tool({
      name: 'leaky',
      description: 'Fails to clean up.',
      schema: z.object({}),
      execute: () => 'ok',
      onRunEnd: () => {
        throw new Error('could not close');
      },
    });
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'keeper', args: {} }] }, 'done'] });
    const result = await createAgent({ model, tools: [keeper, leaky] }).run('go', { runId: 'run-7' });
    expect(result.steps[0]!.toolCalls[0]!.output).toBe('run run-7');
    expect(ended).toEqual(['run-7']);
    expect(result.cleanupErrors).toEqual(['leaky: could not close']);
  });
});

describe('sources', () => {
  it('collects the sources tools record, without duplicates', async () => {
    const read = tool({
      name: 'read',
      description: 'Reads a page.',
      schema: z.object({ url: z.string() }),
      execute: ({ url }, { recordSource }) => {
        recordSource?.({ url, title: 'A page' });
        recordSource?.({ url, title: 'A page' });
        recordSource?.({ url, quote: 'a passage' });
        return 'text';
      },
    });
    const model = new ScriptedChatModel({ replies: [{ toolCalls: [{ name: 'read', args: { url: 'https://example.org/a' } }] }, 'done'] });
    const result = await createAgent({ model, tools: [read] }).run('go');
    expect(result.sources).toEqual([
      { url: 'https://example.org/a', title: 'A page' },
      { url: 'https://example.org/a', quote: 'a passage' },
    ]);
  });
});
