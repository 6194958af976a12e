import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { abortableSleep } from '../agent/abort.ts';

/** A tool call the scripted model will make. A string `args` is sent as raw text (even invalid JSON). */
export interface ScriptedToolCall {
  name: string;
  args?: unknown;
  id?: string;
}

export interface ScriptedMessage {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Reported usage; omit it to test the runtime's local estimate. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Waits this long before replying (abortable), to test timeouts and cancellation. */
  delayMs?: number;
}

/** One queued reply: text, a message with tool calls, an error to throw, or a function of the request. */
export type ScriptedReply =
  | string
  | ScriptedMessage
  | Error
  | ((request: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>);

/** Everything the model was asked, kept for assertions. */
export interface ScriptedRequest {
  messages: BaseMessage[];
  /** The tools bound with `bindTools`, as given. */
  tools: unknown[];
  stop?: string[];
}

export interface ScriptedChatModelOptions extends BaseChatModelParams {
  replies: ScriptedReply[];
  /** Set false to simulate a model without native tool calling (no `bindTools`). Default true. */
  toolCalling?: boolean;
  /** Characters per streamed text chunk (default 8); tool arguments stream in two halves. */
  chunkSize?: number;
}

interface ScriptedCallOptions extends BaseChatModelCallOptions {
  tools?: unknown[];
}

/**
 * A chat model that replies from a script: replies are queued up front, tool calls included, and
 * every request is recorded. It streams like a real provider (text in chunks, tool arguments
 * split across chunks, usage in the last chunk), so it exercises the same code paths.
 */
export class ScriptedChatModel extends BaseChatModel<ScriptedCallOptions> {
  readonly requests: ScriptedRequest[] = [];
  readonly #replies: ScriptedReply[];
  readonly #chunkSize: number;
  readonly #total: number;

  constructor(options: ScriptedChatModelOptions) {
    super(options);
    this.#replies = [...options.replies];
    this.#total = options.replies.length;
    this.#chunkSize = options.chunkSize ?? 8;
    if (options.toolCalling !== false) {
      this.bindTools = (tools: BindToolsInput[], kwargs?: Partial<ScriptedCallOptions>) =>
        this.withConfig({ ...kwargs, tools } as Partial<ScriptedCallOptions>);
    }
  }

  /** Replies not used yet. */
  get remaining(): number {
    return this.#replies.length;
  }

  override _llmType(): string {
    return 'scripted';
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const request: ScriptedRequest = { messages, tools: options.tools ?? [], ...(options.stop ? { stop: options.stop } : {}) };
    this.requests.push(request);
    const message = await this.#nextMessage(request);
    if (message.delayMs) await abortableSleep(message.delayMs, options.signal);
    const text = message.text ?? '';
    for (let offset = 0; offset < text.length; offset += this.#chunkSize) {
      const piece = text.slice(offset, offset + this.#chunkSize);
      yield new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
      await runManager?.handleLLMNewToken(piece);
    }
    for (const [index, call] of (message.toolCalls ?? []).entries()) {
      const argsText = typeof call.args === 'string' ? call.args : JSON.stringify(call.args ?? {});
      const half = Math.ceil(argsText.length / 2);
      const id = call.id ?? `scripted_${this.requests.length}_${index}`;
      yield toolChunk({ index, id, name: call.name, args: argsText.slice(0, half) });
      if (half < argsText.length) yield toolChunk({ index, args: argsText.slice(half) });
    }
    const last = new AIMessageChunk({
      content: '',
      response_metadata: { finish_reason: message.toolCalls?.length ? 'tool_calls' : 'stop', model_name: 'scripted' },
      ...(message.usage
        ? {
            usage_metadata: {
              input_tokens: message.usage.inputTokens,
              output_tokens: message.usage.outputTokens,
              total_tokens: message.usage.inputTokens + message.usage.outputTokens,
            },
          }
        : {}),
    });
    yield new ChatGenerationChunk({ text: '', message: last });
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    let aggregate: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options)) {
      aggregate = aggregate ? aggregate.concat(chunk) : chunk;
    }
    return { generations: aggregate ? [aggregate] : [] };
  }

  async #nextMessage(request: ScriptedRequest): Promise<ScriptedMessage> {
    let reply = this.#replies.shift();
    if (reply === undefined) {
      throw new Error(
        `ScriptedChatModel has no reply left for request ${this.requests.length} (it was given ${this.#total}). ` +
          'Queue more replies, or check why the agent called the model again.',
      );
    }
    while (typeof reply === 'function') reply = await reply(request);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'string' ? { text: reply } : reply;
  }
}

function toolChunk(fields: { index: number; id?: string; name?: string; args: string }): ChatGenerationChunk {
  return new ChatGenerationChunk({
    text: '',
    message: new AIMessageChunk({ content: '', tool_call_chunks: [{ ...fields, type: 'tool_call_chunk' }] }),
  });
}
