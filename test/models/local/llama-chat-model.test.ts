import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk } from '@langchain/core/messages';
import { createAgent } from '../../../src/agent/agent.ts';
import { UserError } from '../../../src/agent/errors.ts';
import { tool } from '../../../src/tools/tool.ts';
import { toModelJsonSchema } from '../../../src/tools/validation.ts';
import { LlamaCppChatModel } from '../../../src/models/local/llama-chat-model.ts';
import { disposeLlamaModels } from '../../../src/models/local/llama-runtime.ts';
import { writeTinyLlamaGguf, type TinyModelInfo } from '../../../src/testing/tiny-gguf.ts';

// node-llama-cpp is an optional dependency, but `npm ci` installs it on every platform it supports,
// so its absence fails these tests rather than hiding them; GANTRY_SKIP_LLAMA_TESTS=1 skips them
// on a machine where it cannot be installed.
const available = process.env.GANTRY_SKIP_LLAMA_TESTS !== '1';

const ADD_DEFINITION = {
  type: 'function' as const,
  function: {
    name: 'add',
    description: 'Adds two numbers.',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  },
};

describe.skipIf(!available)('LlamaCppChatModel', () => {
  let dir: string;
  let random: TinyModelInfo;
  let scripted: TinyModelInfo;
  const notices: string[] = [];
  const randomModel = (fields: { maxTokens?: number } = {}) =>
    new LlamaCppChatModel({ modelPath: random.file, threads: 1, maxTokens: fields.maxTokens ?? 16, logger: (message) => notices.push(message) });
  const scriptedModel = () => new LlamaCppChatModel({ modelPath: scripted.file, threads: 1, maxTokens: 64, logger: (message) => notices.push(message) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-llama-'));
    random = await writeTinyLlamaGguf({ file: join(dir, 'random.gguf'), kind: 'random' });
    scripted = await writeTinyLlamaGguf({ file: join(dir, 'scripted.gguf'), kind: 'scripted' });
  });

  afterAll(async () => {
    await disposeLlamaModels();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams text in several chunks, reports usage, and reuses the cached prompt on the next call', async () => {
    const model = randomModel();
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream([new HumanMessage('Hello there')])) chunks.push(chunk);
    const textChunks = chunks.filter((chunk) => typeof chunk.content === 'string' && chunk.content.length > 0);
    expect(textChunks.length).toBeGreaterThan(1);
    const last = chunks.at(-1)!;
    expect(last.response_metadata.model_name).toBe('random');
    const usage = last.usage_metadata!;
    expect(usage.input_tokens).toBeGreaterThan(5);
    expect(usage.output_tokens).toBeGreaterThan(1);
    expect(usage.output_tokens).toBeLessThanOrEqual(16);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);

    // Greedy decoding of the same prompt gives the same text, and the prompt comes from the cache.
    const again = await model.invoke([new HumanMessage('Hello there')]);
    expect(again.content).toBe(textChunks.map((chunk) => chunk.content).join(''));
    expect(again.usage_metadata!.input_tokens).toBe(usage.input_tokens);
    expect(again.usage_metadata!.input_token_details?.cache_read).toBeGreaterThan(0);
  });

  it('warns once per model file that the first prompt may be slow', () => {
    expect(notices.filter((notice) => notice.includes('random')).length).toBe(1);
    expect(notices[0]).toContain('first prompt may take tens of seconds');
  });

  it('returns schema-valid structured output, with optional fields absent rather than null', async () => {
    const schema = z.object({
      title: z.string().max(40),
      count: z.number().int(),
      flags: z.object({ a: z.boolean().optional(), b: z.boolean().optional(), c: z.boolean().optional(), d: z.boolean().optional() }),
      note: z.enum(['x', 'y']).optional(),
    });
    const structured = randomModel({ maxTokens: 200 }).withStructuredOutput(schema, { includeRaw: true });
    const { raw, parsed } = await structured.invoke([new HumanMessage('Describe something.')]);
    expect(schema.safeParse(parsed).success).toBe(true);
    const rawValue = JSON.parse(raw.content as string) as { flags: Record<string, unknown>; note: unknown };
    // The grammar generates every key; those the model set to null must be gone from the result.
    for (const [key, value] of Object.entries(rawValue.flags)) {
      expect(key in parsed.flags).toBe(value !== null);
    }
    expect('note' in parsed).toBe(rawValue.note !== null);
    expect(JSON.stringify(parsed)).not.toContain('null');
  });

  it('forces a tool call through a grammar when tool_choice names a tool, with optional arguments absent rather than null', async () => {
    const weather = {
      type: 'function' as const,
      function: {
        name: 'weather',
        description: 'The weather in a city.',
        parameters: toModelJsonSchema(z.object({ city: z.string().max(12), unit: z.enum(['c', 'f']).optional(), days: z.enum(['1', '2']).optional() })),
      },
    };
    const bound = randomModel({ maxTokens: 200 }).bindTools([ADD_DEFINITION, weather], { tool_choice: 'weather' });
    const message = await bound.invoke([new HumanMessage('Weather?')]);
    expect(message.content).toBe('');
    expect(message.response_metadata.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toHaveLength(1);
    const [call] = message.tool_calls!;
    expect(call!.name).toBe('weather');
    expect(typeof call!.args.city).toBe('string');
    for (const key of ['unit', 'days']) {
      if (key in call!.args) expect(['c', 'f', '1', '2']).toContain(call!.args[key]);
    }
    expect(JSON.stringify(call!.args)).not.toContain('null');
  });

  it('forces some tool call when tool_choice is "required"', async () => {
    const bound = randomModel({ maxTokens: 200 }).bindTools([{ ...ADD_DEFINITION, function: { ...ADD_DEFINITION.function, name: 'noop', parameters: { type: 'object', properties: {} } } }], {
      tool_choice: 'required',
    });
    const message = await bound.invoke([new HumanMessage('Do something.')]);
    expect(message.tool_calls!.map((call) => [call.name, call.args])).toEqual([['noop', {}]]);
  });

  it('turns a native tool call in the model chat format into a LangChain tool call, and answers after the result', async () => {
    const bound = scriptedModel().bindTools([ADD_DEFINITION]);
    const first = await bound.invoke([new HumanMessage('What is 2 + 3?')]);
    expect(first.content).toBe('');
    expect(first.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'add', args: { a: 2, b: 3 }, type: 'tool_call' }]);
    expect(first.response_metadata.finish_reason).toBe('tool_calls');

    const second = await bound.invoke([
      new HumanMessage('What is 2 + 3?'),
      new AIMessage({ content: '', tool_calls: first.tool_calls }),
      new ToolMessage({ tool_call_id: first.tool_calls![0]!.id!, content: '5' }),
    ]);
    expect(second.content).toBe(scripted.answerText);
    expect(second.tool_calls).toEqual([]);
  });

  it('runs a tool-call round trip through createAgent', async () => {
    const calls: unknown[] = [];
    const add = tool({
      name: 'add',
      description: 'Adds two numbers.',
      schema: z.object({ a: z.number(), b: z.number() }),
      execute: ({ a, b }) => {
        calls.push({ a, b });
        return String(a + b);
      },
    });
    const agent = createAgent({ model: scriptedModel(), tools: [add], instructions: 'Use the tools.' });
    const result = await agent.run('What is 2 + 3?');
    expect(result.stopReason).toBe('final');
    expect(result.output).toBe('The answer is 5.');
    expect(calls).toEqual([{ a: 2, b: 3 }]);
    expect(result.steps.map((step) => step.toolCalls.map((call) => [call.name, call.args, call.output]))).toEqual([[['add', { a: 2, b: 3 }, '5']], []]);
    expect(result.usage.estimated).toBeUndefined();
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('stops generating when the signal is aborted, and the model is usable afterwards', async () => {
    const model = randomModel({ maxTokens: 1000 });
    const controller = new AbortController();
    let received = 0;
    const reading = (async () => {
      for await (const chunk of await model.stream([new HumanMessage('Go on forever.')], { signal: controller.signal })) {
        if (chunk.content) received++;
        if (received === 2) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(received).toBeLessThan(10);
    const after = await randomModel({ maxTokens: 4 }).invoke([new HumanMessage('Hello there')]);
    expect(after.usage_metadata!.output_tokens).toBeGreaterThan(0);
  });

  it('refuses a model file that does not exist with a UserError', async () => {
    const model = new LlamaCppChatModel({ modelPath: join(dir, 'missing.gguf'), threads: 1, logger: () => {} });
    await expect(model.invoke([new HumanMessage('Hi')])).rejects.toThrow(UserError);
  });
});
