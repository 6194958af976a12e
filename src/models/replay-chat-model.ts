import { readFileSync } from 'node:fs';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { describeError, ReplayMismatchError, UserError } from '../agent/errors.ts';
import {
  describeRequestDifference,
  normaliseRequest,
  parseRecording,
  type RecordedResponse,
  type Recording,
} from './recording-format.ts';

export interface ReplayChatModelFields extends BaseChatModelParams {
  /** The recording to serve, as `parseRecording` returns it. */
  recording: Recording;
}

/** Where a replay stands; shared by a model and its tool-bound copies, as one run's calls are. */
interface ReplayCursor {
  recording: Recording;
  next: number;
}

/** How many pieces a recorded text is streamed in, so consumers see real deltas. */
const TEXT_CHUNKS = 3;

/**
 * A chat model that answers from a recording made with `RecordingChatModel`, offline and
 * deterministically. Each call must send the request recorded at that point, in order; anything
 * else (a changed prompt, tool, or message) throws a `ReplayMismatchError` that names the first
 * difference, as does a call past the end of the recording. It never counts tokens with a
 * tokenizer: usage comes from the recording.
 */
export class ReplayChatModel extends BaseChatModel {
  readonly #fields: ReplayChatModelFields;
  #cursor: ReplayCursor;
  #tools: BindToolsInput[] = [];

  /** Reads a recording file; throws a `UserError` naming the file (and line) when it cannot. */
  static fromFile(file: string, fields: BaseChatModelParams = {}): ReplayChatModel {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UserError(`Cannot read the recording ${file}: ${describeError(error)}`, { cause: error });
    }
    return new ReplayChatModel({ ...fields, recording: parseRecording({ text, file }) });
  }

  constructor(fields: ReplayChatModelFields) {
    super(fields);
    this.#fields = fields;
    this.#cursor = { recording: fields.recording, next: 0 };
  }

  /** Recorded exchanges not served yet; a complete replay ends at 0. */
  get remainingExchanges(): number {
    return this.#cursor.recording.exchanges.length - this.#cursor.next;
  }

  _llmType(): string {
    return 'replay';
  }

  /**
   * Returns a replay model whose requests include these tools, sharing this model's place in the
   * recording. Other binding options (such as `tool_choice`) are not part of recorded requests.
   */
  override bindTools(tools: BindToolsInput[], _kwargs?: Partial<BaseChatModelCallOptions>): ReplayChatModel {
    const bound = new ReplayChatModel(this.#fields);
    bound.#cursor = this.#cursor;
    bound.#tools = tools;
    return bound;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    options.signal?.throwIfAborted();
    for (const chunk of replayChunks(this.#take(messages))) {
      options.signal?.throwIfAborted();
      const generation = new ChatGenerationChunk({ message: chunk, text: chunk.text });
      yield generation;
      await runManager?.handleLLMNewToken(chunk.text, undefined, undefined, undefined, undefined, { chunk: generation });
    }
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    options.signal?.throwIfAborted();
    const message = replayChunks(this.#take(messages)).reduce((whole, chunk) => whole.concat(chunk));
    return { generations: [{ message, text: message.text }] };
  }

  /** Checks the live request against the next recorded one and moves past it. */
  #take(messages: BaseMessage[]): RecordedResponse {
    const { recording, next } = this.#cursor;
    const { file, exchanges } = recording;
    const exchange = exchanges[next];
    if (exchange === undefined) {
      throw new ReplayMismatchError(
        `Replay of ${file} ran past its end: the run made model call ${next} (counting from 0), but the ` +
          `recording holds only ${exchanges.length}. The run now makes more calls than when it was recorded; ` +
          `if that is intended, re-record with --record ${file}.`,
        { context: { file, exchange: next } },
      );
    }
    const difference = describeRequestDifference({
      recorded: exchange.request,
      live: normaliseRequest({ messages, tools: this.#tools }),
    });
    if (difference !== undefined) {
      throw new ReplayMismatchError(
        `Replay of ${file} does not match at exchange ${next}: ${difference}\n` +
          `The run sent the model a request the recording does not contain; if the change is intended, ` +
          `re-record with --record ${file}.`,
        { context: { file, exchange: next } },
      );
    }
    this.#cursor.next++;
    return exchange.response;
  }
}

/**
 * The recorded reply as a stream: the text in a few pieces, one chunk per tool call with its raw
 * argument text, then usage and finish reason (kept out of earlier chunks, since LangChain
 * concatenates repeated metadata strings).
 */
function replayChunks(response: RecordedResponse): AIMessageChunk[] {
  const text = splitText(response.content).map((piece) => new AIMessageChunk({ content: piece }));
  const toolCalls = response.toolCalls.map(
    (call, index) =>
      new AIMessageChunk({
        content: '',
        tool_call_chunks: [{ type: 'tool_call_chunk', index, id: call.id || undefined, name: call.name, args: call.args }],
      }),
  );
  const responseMetadata: Record<string, unknown> = {};
  if (response.finishReason !== undefined) responseMetadata.finish_reason = response.finishReason;
  if (response.model !== undefined) responseMetadata.model_name = response.model;
  const usage = response.usage;
  const last = new AIMessageChunk({
    content: '',
    response_metadata: responseMetadata,
    usage_metadata: usage && {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  });
  return [...text, ...toolCalls, last];
}

/** Splits by code points, so no piece ends inside a surrogate pair. */
function splitText(text: string): string[] {
  const points = Array.from(text);
  const size = Math.ceil(points.length / TEXT_CHUNKS);
  const pieces: string[] = [];
  for (let start = 0; start < points.length; start += size) pieces.push(points.slice(start, start + size).join(''));
  return pieces;
}
