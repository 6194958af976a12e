import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import { UserError } from '../agent/errors.ts';

/**
 * The model recording format, version 1: JSON lines. Line 1 is a `RecordingHeader`; every further
 * line is one `RecordedExchange`, in the order the calls completed. Requests and responses are
 * stored in a provider-neutral form, so a recording made with one provider replays anywhere.
 * A change that old readers would misread needs a new version and a new fixture under
 * `test/fixtures/`; optional fields may be added within a version.
 */
export const RECORDING_FORMAT_VERSION = 1;

export interface RecordingHeader {
  type: 'gantry-recording';
  version: typeof RECORDING_FORMAT_VERSION;
  /** When the recording was started, as an ISO 8601 timestamp. */
  createdAt: string;
}

/** A tool call inside a request: an earlier assistant turn the run sends back to the model. */
export interface RecordedRequestToolCall {
  id: string;
  name: string;
  /** The parsed arguments; the raw text when the model sent JSON that did not parse. */
  args: unknown;
}

export interface RecordedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text parts of the message, joined; other parts (images) are not recorded. */
  content: string;
  toolCalls?: RecordedRequestToolCall[];
  /** For a `tool` message, the id of the call it answers. */
  toolCallId?: string;
}

/** A tool bound to the model, as the model saw it. */
export interface RecordedTool {
  name: string;
  description: string;
  /** The JSON schema of the tool's arguments. */
  parameters: Record<string, unknown>;
}

export interface RecordedRequest {
  messages: RecordedMessage[];
  tools: RecordedTool[];
}

/** A tool call the model made in a response. */
export interface RecordedResponseToolCall {
  /** Empty when the model sent no id. */
  id: string;
  name: string;
  /** The arguments exactly as the model sent them, so invalid JSON replays faithfully. */
  args: string;
}

export interface RecordedResponse {
  content: string;
  toolCalls: RecordedResponseToolCall[];
  /** Token counts as the provider reported them; absent when it reported none. */
  usage?: { inputTokens: number; outputTokens: number };
  finishReason?: string;
  /** The model name the provider reported serving, used for pricing. */
  model?: string;
}

export interface RecordedExchange {
  /** 0-based position of the exchange in the recording. */
  index: number;
  request: RecordedRequest;
  response: RecordedResponse;
}

/** A recording read into memory. */
export interface Recording {
  /** The file it was read from, for error messages. */
  file: string;
  header: RecordingHeader;
  exchanges: RecordedExchange[];
}

const requestToolCallSchema = z.object({ id: z.string(), name: z.string(), args: z.unknown() });

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  toolCalls: z.array(requestToolCallSchema).optional(),
  toolCallId: z.string().optional(),
});

const requestSchema = z.object({
  messages: z.array(messageSchema),
  tools: z.array(
    z.object({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()) }),
  ),
});

const responseSchema = z.object({
  content: z.string(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), args: z.string() })),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).optional(),
  finishReason: z.string().optional(),
  model: z.string().optional(),
});

const exchangeSchema = z.object({
  type: z.literal('exchange'),
  index: z.number().int(),
  request: requestSchema,
  response: responseSchema,
});

const headerSchema = z.object({
  type: z.literal('gantry-recording'),
  version: z.literal(RECORDING_FORMAT_VERSION),
  createdAt: z.string(),
});

/** The header line, without its newline. */
export function formatHeader(createdAt: Date): string {
  const header: RecordingHeader = {
    type: 'gantry-recording',
    version: RECORDING_FORMAT_VERSION,
    createdAt: createdAt.toISOString(),
  };
  return JSON.stringify(header);
}

/** One exchange line, without its newline. */
export function formatExchange(exchange: RecordedExchange): string {
  return JSON.stringify({ type: 'exchange', ...exchange });
}

/**
 * Parses the text of a recording file. Throws a `UserError` naming the file and line for an
 * unknown version, a line that is not JSON, a line of the wrong shape, or exchanges out of order.
 */
export function parseRecording({ text, file }: { text: string; file: string }): Recording {
  const lines = text
    .split('\n')
    .map((content, index) => ({ content: content.trim(), number: index + 1 }))
    .filter((line) => line.content !== '');
  const [first, ...rest] = lines;
  if (first === undefined) {
    throw new UserError(`Cannot read the recording ${file}: the file is empty. Record one with --record ${file}.`);
  }
  const fail = (lineNumber: number, problem: string): never => {
    throw new UserError(
      `Cannot read the recording ${file}: line ${lineNumber} ${problem}. Re-record it with --record ${file}.`,
      { context: { file, line: lineNumber } },
    );
  };
  const headerValue = parseLine(first.content, (problem) => fail(first.number, problem));
  if ((headerValue as { type?: unknown } | null)?.type !== 'gantry-recording') {
    fail(first.number, 'is not a Gantry recording header (expected {"type":"gantry-recording",...})');
  }
  const version = (headerValue as { version?: unknown }).version;
  if (version !== RECORDING_FORMAT_VERSION) {
    fail(
      first.number,
      `declares recording format version ${JSON.stringify(version)}, but this Gantry reads version ${RECORDING_FORMAT_VERSION}`,
    );
  }
  const header = validate(headerSchema, headerValue, (problem) => fail(first.number, problem));
  const exchanges = rest.map((line, expected): RecordedExchange => {
    const value = parseLine(line.content, (problem) => fail(line.number, problem));
    const { index, request, response } = validate(exchangeSchema, value, (problem) => fail(line.number, problem));
    if (index !== expected) {
      fail(line.number, `holds exchange ${index} where exchange ${expected} belongs (lines removed or reordered?)`);
    }
    return { index, request, response } as RecordedExchange;
  });
  return { file, header, exchanges };
}

function parseLine(content: string, fail: (problem: string) => never): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message})`);
  }
}

function validate<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  fail: (problem: string) => never,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? [])
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
  return fail(`has an invalid ${path || 'value'}: ${issue?.message ?? 'unexpected shape'}`);
}

/**
 * The provider-neutral form of a request: the messages and the tools bound to the model. Two
 * requests that would make the model answer differently have different normal forms.
 * Throws a `UserError` for a message or tool of a kind the format cannot represent.
 */
export function normaliseRequest({ messages, tools }: { messages: BaseMessage[]; tools: BindToolsInput[] }): RecordedRequest {
  // The JSON round trip drops `undefined` fields, so a live request compares equal to its stored copy.
  return JSON.parse(
    JSON.stringify({ messages: messages.map((message) => normaliseMessage(message)), tools: tools.map(normaliseTool) }),
  ) as RecordedRequest;
}

const ROLES: Record<string, RecordedMessage['role']> = {
  system: 'system',
  developer: 'system',
  human: 'user',
  user: 'user',
  ai: 'assistant',
  assistant: 'assistant',
  tool: 'tool',
};

function normaliseMessage(message: BaseMessage): RecordedMessage {
  // A generic ChatMessage carries its role in `role`; every other class in `type`.
  const kind = message.type === 'generic' ? String((message as { role?: unknown }).role) : message.type;
  const role = ROLES[kind];
  if (role === undefined) {
    throw new UserError(
      `Cannot record a "${kind}" message: recordings hold system, user, assistant and tool messages only.`,
    );
  }
  const normal: RecordedMessage = { role, content: message.text };
  if (role === 'assistant') {
    const { tool_calls = [], invalid_tool_calls = [] } = message as AIMessage;
    const toolCalls = [
      ...tool_calls.map((call) => ({ id: call.id ?? '', name: call.name, args: call.args })),
      ...invalid_tool_calls.map((call) => ({ id: call.id ?? '', name: call.name ?? '', args: call.args ?? '' })),
    ];
    if (toolCalls.length > 0) normal.toolCalls = toolCalls;
  }
  const toolCallId = (message as { tool_call_id?: unknown }).tool_call_id;
  if (role === 'tool' && typeof toolCallId === 'string') normal.toolCallId = toolCallId;
  return normal;
}

function normaliseTool(tool: BindToolsInput): RecordedTool {
  // Returns OpenAI-format tools as they are and converts LangChain tools (and zod-schema objects).
  const definition = convertToOpenAITool(tool) as { function?: { name?: unknown; description?: string; parameters?: unknown } };
  const fn = definition.function;
  if (typeof fn?.name !== 'string') {
    throw new UserError(
      'Cannot record a tool that is neither a LangChain tool nor an OpenAI-format {type:"function", function:{...}} object.',
    );
  }
  return {
    name: fn.name,
    description: fn.description ?? '',
    parameters: (fn.parameters ?? {}) as Record<string, unknown>,
  };
}

/**
 * The provider-neutral form of a whole model reply (a streamed reply concatenated first). Tool-call
 * arguments keep the exact text the model streamed when the message has `tool_call_chunks`; an
 * `AIMessage` yields its parsed arguments re-serialised and the raw text of its invalid calls.
 */
export function normaliseResponse(message: AIMessage | AIMessageChunk): RecordedResponse {
  const response: RecordedResponse = { content: message.text, toolCalls: responseToolCalls(message) };
  if (message.usage_metadata) {
    response.usage = {
      inputTokens: message.usage_metadata.input_tokens,
      outputTokens: message.usage_metadata.output_tokens,
    };
  }
  const metadata = message.response_metadata as { finish_reason?: unknown; model_name?: unknown } | undefined;
  if (typeof metadata?.finish_reason === 'string') response.finishReason = metadata.finish_reason;
  if (typeof metadata?.model_name === 'string') response.model = metadata.model_name;
  return response;
}

function responseToolCalls(message: AIMessage | AIMessageChunk): RecordedResponseToolCall[] {
  const chunks = 'tool_call_chunks' in message ? (message.tool_call_chunks ?? []) : [];
  if (chunks.length === 0) {
    return [
      ...(message.tool_calls ?? []).map((call) => ({ id: call.id ?? '', name: call.name, args: JSON.stringify(call.args) })),
      ...(message.invalid_tool_calls ?? []).map((call) => ({ id: call.id ?? '', name: call.name ?? '', args: call.args ?? '' })),
    ];
  }
  // `concat` has merged the chunks of each call (by index, else id), so one chunk is one call.
  return chunks.map((chunk) => ({ id: chunk.id ?? '', name: chunk.name ?? '', args: chunk.args ?? '' }));
}

/**
 * Compares a live request with the recorded one. Returns `undefined` when they match, else a
 * description of the first difference: where it is (`messages[2] (user) content`), and a short
 * excerpt of both values around the first differing character.
 */
export function describeRequestDifference({ recorded, live }: { recorded: RecordedRequest; live: RecordedRequest }): string | undefined {
  return (
    describeListDifference({
      list: 'messages',
      recorded: recorded.messages,
      live: live.messages,
      label: (message) => message.role,
      fields: ['role', 'content', 'toolCalls', 'toolCallId'],
    }) ??
    describeListDifference({
      list: 'tools',
      recorded: recorded.tools,
      live: live.tools,
      label: (tool) => tool.name,
      fields: ['name', 'description', 'parameters'],
    })
  );
}

function describeListDifference<Item extends object>({
  list,
  recorded,
  live,
  label,
  fields,
}: {
  list: string;
  recorded: Item[];
  live: Item[];
  label: (item: Item) => string;
  fields: (keyof Item & string)[];
}): string | undefined {
  for (let index = 0; index < Math.min(recorded.length, live.length); index++) {
    const was = recorded[index]!;
    const now = live[index]!;
    const field = fields.find((name) => !isDeepStrictEqual(was[name], now[name]));
    if (field !== undefined) {
      return `${list}[${index}] (${label(was)}): ${field} differs.\n${excerptPair(was[field], now[field])}`;
    }
  }
  if (recorded.length === live.length) return undefined;
  const index = Math.min(recorded.length, live.length);
  const [longer, change] = live.length > recorded.length ? [live, 'is new'] : [recorded, 'is missing'];
  return (
    `${list}[${index}] (${label(longer[index]!)}) ${change}: the recorded request has ${recorded.length} ${list}, ` +
    `the live one ${live.length}.`
  );
}

const EXCERPT_BEFORE = 20;
const EXCERPT_LENGTH = 60;

/** Two aligned lines showing both values from a little before their first difference. */
function excerptPair(recorded: unknown, live: unknown): string {
  const quoted = typeof recorded === 'string' && typeof live === 'string';
  const [was, now] = [recorded, live].map((value) =>
    typeof value === 'string' ? value : value === undefined ? '(absent)' : JSON.stringify(value),
  ) as [string, string];
  let first = 0;
  while (first < was.length && was[first] === now[first]) first++;
  const start = Math.max(0, first - EXCERPT_BEFORE);
  const excerpt = (text: string): string => {
    const body = text.slice(start, start + EXCERPT_LENGTH);
    const shown = quoted ? JSON.stringify(body) : body;
    return `${start > 0 ? '…' : ''}${shown}${start + EXCERPT_LENGTH < text.length ? '…' : ''}`;
  };
  return `  recorded: ${excerpt(was)}\n  live:     ${excerpt(now)}`;
}
