import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { ReplayMismatchError, UserError } from '../../src/agent/errors.ts';
import { RecordingChatModel } from '../../src/models/recording-chat-model.ts';
import { ReplayChatModel } from '../../src/models/replay-chat-model.ts';
import { normaliseRequest, normaliseResponse, parseRecording } from '../../src/models/recording-format.ts';

const FIXTURE = 'test/fixtures/recording-v1.jsonl';

/** What the scripted model saw on each call. */
interface SeenCall {
  messages: BaseMessage[];
  tools: BindToolsInput[];
  signal: AbortSignal | undefined;
}

/** A streaming chat model that plays scripted chunks, one script entry per call. */
class ScriptedChatModel extends BaseChatModel {
  readonly script: (AIMessageChunk[] | Error)[];
  readonly seen: SeenCall[];
  tools: BindToolsInput[] = [];

  constructor(script: (AIMessageChunk[] | Error)[], seen: SeenCall[] = []) {
    super({});
    this.script = script;
    this.seen = seen;
  }

  _llmType(): string {
    return 'scripted';
  }

  override bindTools(tools: BindToolsInput[]): ScriptedChatModel {
    const bound = new ScriptedChatModel(this.script, this.seen);
    bound.tools = tools;
    return bound;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
  ): AsyncGenerator<ChatGenerationChunk> {
    this.seen.push({ messages, tools: this.tools, signal: options.signal });
    const next = this.script.shift();
    if (next === undefined) throw new Error('The script has no more replies.');
    if (next instanceof Error) throw next;
    for (const chunk of next) yield new ChatGenerationChunk({ message: chunk, text: chunk.text });
  }

  override async _generate(): Promise<ChatResult> {
    throw new Error('The scripted model only streams.');
  }
}

const calculator = {
  type: 'function',
  function: {
    name: 'calculator',
    description: 'Evaluates an arithmetic expression.',
    parameters: {
      type: 'object',
      properties: { expression: { type: 'string' } },
      required: ['expression'],
    },
  },
};

/** Two replies: text and two tool calls (the second with invalid JSON), then a final answer. */
function conversationScript(): AIMessageChunk[][] {
  return [
    [
      new AIMessageChunk({ content: 'Let me ' }),
      new AIMessageChunk({ content: 'compute that.' }),
      new AIMessageChunk({
        content: '',
        tool_call_chunks: [{ type: 'tool_call_chunk', index: 0, id: 'call_1', name: 'calculator', args: '{"expression"' }],
      }),
      new AIMessageChunk({ content: '', tool_call_chunks: [{ type: 'tool_call_chunk', index: 0, args: ': "6*7"}' }] }),
      new AIMessageChunk({
        content: '',
        tool_call_chunks: [{ type: 'tool_call_chunk', index: 1, id: 'call_2', name: 'calculator', args: '{"expression": 2+2}' }],
      }),
      new AIMessageChunk({
        content: '',
        response_metadata: { finish_reason: 'tool_calls', model_name: 'scripted-1' },
        usage_metadata: { input_tokens: 20, output_tokens: 10, total_tokens: 30 },
      }),
    ],
    [
      new AIMessageChunk({ content: '6*7 is 42; ' }),
      new AIMessageChunk({ content: 'I could not compute 2+2.' }),
      new AIMessageChunk({
        content: '',
        response_metadata: { finish_reason: 'stop', model_name: 'scripted-1' },
        usage_metadata: { input_tokens: 40, output_tokens: 6, total_tokens: 46 },
      }),
    ],
  ];
}

const firstRequest = (): BaseMessage[] => [
  new SystemMessage('You are a careful assistant.'),
  new HumanMessage('What is 6*7 and 2+2?'),
];

/** The second request: the first plus the model's reply and both tool results. */
const secondRequest = (reply: BaseMessage): BaseMessage[] => [
  ...firstRequest(),
  reply,
  new ToolMessage({ content: '42', tool_call_id: 'call_1' }),
  new ToolMessage({ content: 'Error: the arguments are not valid JSON.', tool_call_id: 'call_2' }),
];

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ chunks: AIMessageChunk[]; message: AIMessageChunk }> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, message: chunks.reduce((whole, chunk) => whole.concat(chunk)) };
}

/** Records the two-exchange conversation: the first call streamed, the second invoked. */
async function recordConversation(file: string) {
  const inner = new ScriptedChatModel(conversationScript());
  const model = new RecordingChatModel({ model: inner, file }).bindTools([calculator]);
  const first = (await collect(await model.stream(firstRequest()))).message;
  const second = await model.invoke(secondRequest(first));
  return { first, second, inner };
}

function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'gantry-recording-')), name);
}

/** The fields of a reply an agent acts on. */
function essentials(message: AIMessageChunk) {
  return {
    text: message.text,
    tool_calls: message.tool_calls,
    invalid_tool_calls: message.invalid_tool_calls,
    usage: message.usage_metadata && {
      input_tokens: message.usage_metadata.input_tokens,
      output_tokens: message.usage_metadata.output_tokens,
      total_tokens: message.usage_metadata.total_tokens,
    },
    finish_reason: message.response_metadata.finish_reason,
    model_name: message.response_metadata.model_name,
  };
}

describe('RecordingChatModel', () => {
  it('passes the inner model through and records each exchange', async () => {
    const file = tempFile('run.jsonl');
    const { first, second, inner } = await recordConversation(file);

    expect(first.text).toBe('Let me compute that.');
    expect(first.tool_calls).toEqual([
      { type: 'tool_call', id: 'call_1', name: 'calculator', args: { expression: '6*7' } },
    ]);
    expect(first.invalid_tool_calls).toEqual([
      { type: 'invalid_tool_call', id: 'call_2', name: 'calculator', args: '{"expression": 2+2}', error: 'Malformed args.' },
    ]);
    expect(second.text).toBe('6*7 is 42; I could not compute 2+2.');
    expect(inner.seen.map((call) => call.tools)).toEqual([[calculator], [calculator]]);

    const recording = parseRecording({ text: readFileSync(file, 'utf8'), file });
    expect(recording.exchanges.map((exchange) => exchange.response)).toEqual([
      {
        content: 'Let me compute that.',
        toolCalls: [
          { id: 'call_1', name: 'calculator', args: '{"expression": "6*7"}' },
          { id: 'call_2', name: 'calculator', args: '{"expression": 2+2}' },
        ],
        usage: { inputTokens: 20, outputTokens: 10 },
        finishReason: 'tool_calls',
        model: 'scripted-1',
      },
      {
        content: '6*7 is 42; I could not compute 2+2.',
        toolCalls: [],
        usage: { inputTokens: 40, outputTokens: 6 },
        finishReason: 'stop',
        model: 'scripted-1',
      },
    ]);
    expect(recording.exchanges[1]!.request.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: 'Let me compute that.',
        toolCalls: [
          { id: 'call_1', name: 'calculator', args: { expression: '6*7' } },
          { id: 'call_2', name: 'calculator', args: '{"expression": 2+2}' },
        ],
      },
      { role: 'tool', content: '42', toolCallId: 'call_1' },
      { role: 'tool', content: 'Error: the arguments are not valid JSON.', toolCallId: 'call_2' },
    ]);
  });

  it('writes the version 1 format of the committed fixture', async () => {
    const file = tempFile('run.jsonl');
    await recordConversation(file);
    const [header, ...exchanges] = readFileSync(file, 'utf8').split('\n');
    const [fixtureHeader, ...fixtureExchanges] = readFileSync(FIXTURE, 'utf8').split('\n');

    const { createdAt, ...rest } = JSON.parse(header!);
    expect(Number.isNaN(Date.parse(createdAt))).toBe(false);
    expect(rest).toEqual({ type: 'gantry-recording', version: 1 });
    expect(JSON.parse(fixtureHeader!)).toEqual({ ...rest, createdAt: '2025-01-01T00:00:00.000Z' });
    expect(exchanges).toEqual(fixtureExchanges);
  });

  it('does not record a failed call, and passes the abort signal on', async () => {
    const file = tempFile('run.jsonl');
    const inner = new ScriptedChatModel([new Error('HTTP 500'), ...conversationScript()]);
    const model = new RecordingChatModel({ model: inner, file });
    const controller = new AbortController();

    await expect(model.invoke(firstRequest(), { signal: controller.signal })).rejects.toThrow('HTTP 500');
    await model.invoke(firstRequest(), { signal: controller.signal });

    expect(inner.seen[0]!.signal?.aborted).toBe(false);
    controller.abort();
    expect(inner.seen[0]!.signal?.aborted).toBe(true);
    expect(parseRecording({ text: readFileSync(file, 'utf8'), file }).exchanges.map((exchange) => exchange.index)).toEqual([0]);
  });

  it('records a model that does not stream, keeping the raw text of invalid arguments', async () => {
    class WholeReplyModel extends BaseChatModel {
      _llmType(): string {
        return 'whole-reply';
      }
      override async _generate(): Promise<ChatResult> {
        const message = new AIMessage({
          content: 'Computing.',
          tool_calls: [{ type: 'tool_call', id: 'call_1', name: 'calculator', args: { expression: '6*7' } }],
          invalid_tool_calls: [{ type: 'invalid_tool_call', id: 'call_2', name: 'calculator', args: '{bad', error: 'Malformed args.' }],
        });
        return { generations: [{ message, text: message.text }] };
      }
    }
    const file = tempFile('nested/folder/run.jsonl');
    await new RecordingChatModel({ model: new WholeReplyModel({}), file }).invoke(firstRequest());

    expect(parseRecording({ text: readFileSync(file, 'utf8'), file }).exchanges[0]!.response).toEqual({
      content: 'Computing.',
      toolCalls: [
        { id: 'call_1', name: 'calculator', args: '{"expression":"6*7"}' },
        { id: 'call_2', name: 'calculator', args: '{bad' },
      ],
    });
  });

  it('records LangChain structured tools by their JSON schema', () => {
    const structured = tool(async ({ expression }) => expression, {
      name: 'calculator',
      description: 'Evaluates an arithmetic expression.',
      schema: z.object({ expression: z.string().describe('The expression.') }),
    });
    expect(normaliseRequest({ messages: [], tools: [structured] }).tools).toEqual([
      {
        name: 'calculator',
        description: 'Evaluates an arithmetic expression.',
        parameters: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: { expression: { type: 'string', description: 'The expression.' } },
          required: ['expression'],
          additionalProperties: false,
        },
      },
    ]);
  });
});

describe('ReplayChatModel', () => {
  it('replays a recording through stream() and invoke() with the recorded responses', async () => {
    const file = tempFile('run.jsonl');
    const live = await recordConversation(file);

    // Stream the first exchange and invoke the second, then the other way round.
    const replay = ReplayChatModel.fromFile(file);
    const streamed = await collect(await replay.bindTools([calculator]).stream(firstRequest()));
    const invoked = await replay.bindTools([calculator]).invoke(secondRequest(streamed.message));
    expect(replay.remainingExchanges).toBe(0);

    const again = ReplayChatModel.fromFile(file).bindTools([calculator]);
    const invokedFirst = await again.invoke(firstRequest());
    const streamedSecond = await collect(await again.stream(secondRequest(invokedFirst)));

    expect(essentials(streamed.message)).toEqual(essentials(live.first));
    expect(essentials(invokedFirst)).toEqual(essentials(live.first));
    expect(essentials(invoked)).toEqual(essentials(live.second));
    expect(essentials(streamedSecond.message)).toEqual(essentials(live.second));
    expect(normaliseResponse(streamed.message)).toEqual(normaliseResponse(live.first));
    expect(normaliseResponse(invoked)).toEqual(normaliseResponse(live.second));
  });

  it('streams the text in several deltas and the tool calls as raw-argument chunks', async () => {
    const { chunks } = await collect(await ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]).stream(firstRequest()));
    expect(chunks.map((chunk) => chunk.text).filter((text) => text !== '')).toEqual(['Let me ', 'compute', ' that.']);
    expect(chunks.flatMap((chunk) => chunk.tool_call_chunks)).toEqual([
      { type: 'tool_call_chunk', index: 0, id: 'call_1', name: 'calculator', args: '{"expression": "6*7"}' },
      { type: 'tool_call_chunk', index: 1, id: 'call_2', name: 'calculator', args: '{"expression": 2+2}' },
    ]);
  });

  it('keeps replaying the committed version 1 fixture', async () => {
    const replay = ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]);
    const first = (await collect(await replay.stream(firstRequest()))).message;
    const second = await replay.invoke(secondRequest(first));

    expect(essentials(first)).toEqual({
      text: 'Let me compute that.',
      tool_calls: [{ type: 'tool_call', id: 'call_1', name: 'calculator', args: { expression: '6*7' } }],
      invalid_tool_calls: [
        { type: 'invalid_tool_call', id: 'call_2', name: 'calculator', args: '{"expression": 2+2}', error: 'Malformed args.' },
      ],
      usage: { input_tokens: 20, output_tokens: 10, total_tokens: 30 },
      finish_reason: 'tool_calls',
      model_name: 'scripted-1',
    });
    expect(essentials(second)).toEqual({
      text: '6*7 is 42; I could not compute 2+2.',
      tool_calls: [],
      invalid_tool_calls: [],
      usage: { input_tokens: 40, output_tokens: 6, total_tokens: 46 },
      finish_reason: 'stop',
      model_name: 'scripted-1',
    });
  });

  it('rejects a changed message, naming the exchange, the message and both values', async () => {
    const replay = ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]);
    const changed = [new SystemMessage('You are a careful assistant.'), new HumanMessage('What is 6*8 and 2+2?')];
    const error = await replay.invoke(changed).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReplayMismatchError);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Replay of test/fixtures/recording-v1.jsonl does not match at exchange 0: messages[1] (user): content differs.
        recorded: "What is 6*7 and 2+2?"
        live:     "What is 6*8 and 2+2?"
      The run sent the model a request the recording does not contain; if the change is intended, re-record with --record test/fixtures/recording-v1.jsonl."
    `);
    // A mismatch does not consume the exchange.
    await expect(replay.invoke(firstRequest())).resolves.toBeDefined();
  });

  it('rejects a changed tool and an extra message', async () => {
    const renamed = { ...calculator, function: { ...calculator.function, description: 'Does arithmetic.' } };
    const withTool = ReplayChatModel.fromFile(FIXTURE).bindTools([renamed]);
    await expect(withTool.invoke(firstRequest())).rejects.toThrowErrorMatchingInlineSnapshot(`
      [ReplayMismatchError: Replay of test/fixtures/recording-v1.jsonl does not match at exchange 0: tools[0] (calculator): description differs.
        recorded: "Evaluates an arithmetic expression."
        live:     "Does arithmetic."
      The run sent the model a request the recording does not contain; if the change is intended, re-record with --record test/fixtures/recording-v1.jsonl.]
    `);

    const withMessage = ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]);
    await expect(withMessage.invoke([...firstRequest(), new HumanMessage('Quickly, please.')])).rejects.toThrow(
      'messages[2] (user) is new: the recorded request has 2 messages, the live one 3.',
    );
  });

  it('rejects a call past the end of the recording', async () => {
    const replay = ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]);
    const first = await replay.invoke(firstRequest());
    await replay.invoke(secondRequest(first));
    const error = await replay.invoke(firstRequest()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReplayMismatchError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Replay of test/fixtures/recording-v1.jsonl ran past its end: the run made model call 2 (counting from 0), but the recording holds only 2. The run now makes more calls than when it was recorded; if that is intended, re-record with --record test/fixtures/recording-v1.jsonl."`,
    );
  });

  it('does not serve an exchange to an aborted call', async () => {
    const replay = ReplayChatModel.fromFile(FIXTURE).bindTools([calculator]);
    const controller = new AbortController();
    controller.abort();

    await expect(replay.invoke(firstRequest(), { signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(replay.remainingExchanges).toBe(2);
  });
});

describe('reading a recording', () => {
  const lines = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
  const write = (text: string): string => {
    const file = tempFile('bad.jsonl');
    writeFileSync(file, text);
    return file;
  };
  const readError = (file: string): string => {
    try {
      ReplayChatModel.fromFile(file);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return (error as Error).message.replaceAll(file, 'FILE');
    }
    throw new Error('The recording was read without an error.');
  };

  it('names the file and line of a line that is not JSON', () => {
    const file = write([lines[0], lines[1], '{"type":"exchange",'].join('\n'));
    expect(readError(file)).toMatchInlineSnapshot(
      `"Cannot read the recording FILE: line 3 is not valid JSON (Expected double-quoted property name in JSON at position 19 (line 1 column 20)). Re-record it with --record FILE."`,
    );
  });

  it('names the field of a line of the wrong shape', () => {
    const exchange = JSON.parse(lines[1]!);
    exchange.response.toolCalls[0].args = { expression: '6*7' };
    const file = write([lines[0], JSON.stringify(exchange)].join('\n'));
    expect(readError(file)).toContain(
      'line 2 has an invalid response.toolCalls[0].args: Invalid input: expected string, received object.',
    );
  });

  it('rejects a recording of an unknown version', () => {
    const file = write([lines[0]!.replace('"version":1', '"version":2'), lines[1]].join('\n'));
    expect(readError(file)).toContain(
      'line 1 declares recording format version 2, but this Gantry reads version 1.',
    );
  });

  it('rejects a file that is not a recording, and a missing file', () => {
    expect(readError(write('{"hello":"world"}\n'))).toContain('line 1 is not a Gantry recording header');
    expect(readError(write(''))).toContain('the file is empty');
    expect(readError(join(tmpdir(), 'gantry-no-such-recording.jsonl'))).toContain('ENOENT');
  });
});
