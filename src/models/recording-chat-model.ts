import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { Runnable } from '@langchain/core/runnables';
import { describeError, ModelCallError, UserError } from '../agent/errors.ts';
import {
  formatExchange,
  formatHeader,
  normaliseRequest,
  normaliseResponse,
  type RecordedRequest,
  type RecordedResponse,
} from './recording-format.ts';

export interface RecordingChatModelFields extends BaseChatModelParams {
  /** The chat model whose requests and responses are recorded; it is called exactly as before. */
  model: BaseChatModel;
  /**
   * The JSON-lines file to record into (see `recording-format.ts`). It is created, replacing any
   * earlier recording, when the first exchange completes; missing folders are created too.
   */
  file: string;
}

/**
 * Wraps a chat model and appends every completed call (the request and the response) to a
 * recording that `ReplayChatModel` serves again later. Each exchange is written synchronously
 * when its stream ends, so a crash loses nothing recorded so far. A call that fails, is aborted,
 * or whose stream the caller abandons is not recorded: a replay reproduces successful calls only.
 * Exchanges are numbered in the order calls complete, so record runs whose model calls are
 * sequential.
 */
export class RecordingChatModel extends BaseChatModel {
  readonly #fields: RecordingChatModelFields;
  #runnable: Runnable<BaseLanguageModelInput, BaseMessage>;
  #tools: BindToolsInput[] = [];
  #recording: RecordingFile;

  constructor(fields: RecordingChatModelFields) {
    super(fields);
    this.#fields = fields;
    this.#runnable = fields.model;
    this.#recording = new RecordingFile(fields.file);
  }

  /** The file this model records into. */
  get file(): string {
    return this.#recording.path;
  }

  _llmType(): string {
    return 'recording';
  }

  /**
   * Binds tools to the wrapped model and returns a recording model around the result that writes
   * to the same file, continuing its exchange count. The tools become part of each recorded request.
   */
  override bindTools(tools: BindToolsInput[], kwargs?: Partial<BaseChatModelCallOptions>): RecordingChatModel {
    const { model } = this.#fields;
    if (model.bindTools === undefined) {
      throw new UserError(`The recorded model (${model._llmType()}) does not support tools, so it cannot bind them.`);
    }
    const bound = new RecordingChatModel(this.#fields);
    bound.#runnable = model.bindTools(tools, kwargs);
    bound.#tools = tools;
    bound.#recording = this.#recording;
    return bound;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    // Normalising first means a request the format cannot hold fails before it costs a model call.
    const request = normaliseRequest({ messages, tools: this.#tools });
    // This wrapper reports the call to callbacks itself; handing them to the inner model as well
    // would report every token twice.
    const stream = await this.#runnable.stream(messages, { ...options, callbacks: [] });
    let whole: AIMessageChunk | undefined;
    for await (const message of stream) {
      options.signal?.throwIfAborted();
      const chunk = toMessageChunk(message);
      whole = whole === undefined ? chunk : whole.concat(chunk);
      const generation = new ChatGenerationChunk({ message: chunk, text: chunk.text });
      yield generation;
      await runManager?.handleLLMNewToken(chunk.text, undefined, undefined, undefined, undefined, { chunk: generation });
    }
    options.signal?.throwIfAborted();
    if (whole === undefined) {
      throw new ModelCallError('The recorded model returned an empty stream, so there is no response to record.');
    }
    this.#recording.append({ request, response: normaliseResponse(whole) });
  }

  /** Drains the stream, so invoking records exactly what streaming records. */
  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let whole: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      whole = whole === undefined ? chunk : whole.concat(chunk);
    }
    // The stream yields at least one chunk or throws.
    return { generations: [whole!] };
  }
}

/** The file one recording session appends to, shared by a model and its tool-bound copies. */
class RecordingFile {
  readonly path: string;
  #nextIndex = 0;

  constructor(path: string) {
    this.path = path;
  }

  append({ request, response }: { request: RecordedRequest; response: RecordedResponse }): void {
    const line = formatExchange({ index: this.#nextIndex, request, response }) + '\n';
    try {
      if (this.#nextIndex === 0) {
        mkdirSync(dirname(this.path), { recursive: true });
        writeFileSync(this.path, formatHeader(new Date()) + '\n' + line);
      } else {
        appendFileSync(this.path, line);
      }
    } catch (error) {
      throw new UserError(`Cannot write the recording ${this.path}: ${describeError(error)}`, { cause: error });
    }
    this.#nextIndex++;
  }
}

/**
 * A model that does not stream yields one whole `AIMessage`; it is turned into a chunk (tool
 * calls included) so the stream can be concatenated like any other.
 */
function toMessageChunk(message: BaseMessage): AIMessageChunk {
  if (AIMessageChunk.isInstance(message)) return message;
  const response = normaliseResponse(message as AIMessageChunk);
  return new AIMessageChunk({
    content: message.content,
    id: message.id,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
    usage_metadata: (message as AIMessageChunk).usage_metadata,
    tool_call_chunks: response.toolCalls.map((call, index) => ({
      type: 'tool_call_chunk',
      index,
      id: call.id || undefined,
      name: call.name,
      args: call.args,
    })),
  });
}
