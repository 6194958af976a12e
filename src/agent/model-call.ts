import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ToolCallRequest, ModelReply } from './records.ts';
import { estimateTokens, type Usage } from './usage.ts';
import { describeError, ModelCallError } from './errors.ts';
import { DEFAULT_MODEL_RETRIES, DEFAULT_RETRY_INITIAL_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from './constants.ts';
import { abortableSleep } from './abort.ts';

/** The one method of a (tool-bound) LangChain chat model the loop uses. */
export interface ChatRunnable {
  stream(messages: BaseMessage[], options: { signal: AbortSignal; stop?: string[] }): Promise<AsyncIterable<BaseMessage | AIMessageChunk>>;
}

/** How transient model failures are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** Delay before the first retry; doubles each time (default 500 ms). */
  initialDelayMs?: number;
  /** Longest delay between attempts, also the cap for a server's Retry-After (default 8 s). */
  maxDelayMs?: number;
}

export interface ModelCallOptions {
  runnable: ChatRunnable;
  messages: BaseMessage[];
  signal: AbortSignal;
  stop?: string[];
  retry?: RetryPolicy;
  /** Prefix for generated tool-call ids when a server sends none. */
  idPrefix: string;
  onDelta(text: string): void;
  onRetry(info: { attempt: number; delayMs: number; error: string }): void;
}

/** The reply plus facts the loop needs but the step record does not keep. */
export interface ModelCallResult {
  reply: ModelReply;
  /** The model name the server reported, for pricing. */
  servedModel?: string;
}

/**
 * Streams one model reply, retrying transient failures (429, 5xx, dropped connections) with
 * exponential backoff. Always uses `.stream()`: LangChain's non-streaming path may estimate
 * tokens with a tokenizer that it downloads, and Gantry never downloads anything.
 */
export async function callModel(options: ModelCallOptions): Promise<ModelCallResult> {
  const maxRetries = options.retry?.maxRetries ?? DEFAULT_MODEL_RETRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      return await streamOnce(options);
    } catch (error) {
      if (options.signal.aborted) throw error;
      const transient = isTransientModelError(error);
      if (!transient || attempt > maxRetries) {
        const attempts = attempt === 1 ? '' : ` after ${attempt} attempts`;
        throw new ModelCallError(`The model call failed${attempts}: ${describeModelError(error)}`, {
          cause: error,
          context: { attempts: attempt, transient },
        });
      }
      const delayMs = retryDelay(error, attempt, options.retry);
      options.onRetry({ attempt, delayMs, error: describeModelError(error) });
      await abortableSleep(delayMs, options.signal);
    }
  }
}

async function streamOnce(options: ModelCallOptions): Promise<ModelCallResult> {
  const started = performance.now();
  const stream = await options.runnable.stream(options.messages, { signal: options.signal, stop: options.stop });
  const assembler = new ReplyAssembler(options.idPrefix);
  for await (const chunk of stream) {
    const text = assembler.add(chunk);
    if (text) options.onDelta(text);
  }
  return assembler.finish({ messages: options.messages, durationMs: performance.now() - started });
}

interface PartialToolCall {
  id: string;
  name: string;
  argsText: string;
}

/** Accumulates streamed chunks into one provider-neutral reply. */
class ReplyAssembler {
  #text = '';
  #calls = new Map<string | number, PartialToolCall>();
  #inputTokens = 0;
  #outputTokens = 0;
  #sawUsage = false;
  #finishReason: string | undefined;
  #servedModel: string | undefined;
  readonly #idPrefix: string;

  constructor(idPrefix: string) {
    this.#idPrefix = idPrefix;
  }

  /** Adds a chunk and returns its new text. */
  add(message: BaseMessage): string {
    const text = textOf(message);
    this.#text += text;
    this.#addToolCalls(message);
    const usage = (message as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
    if (usage) {
      this.#sawUsage = true;
      this.#inputTokens += usage.input_tokens ?? 0;
      this.#outputTokens += usage.output_tokens ?? 0;
    }
    const metadata = message.response_metadata as { finish_reason?: unknown; model_name?: unknown } | undefined;
    if (typeof metadata?.finish_reason === 'string') this.#finishReason = metadata.finish_reason;
    if (typeof metadata?.model_name === 'string') this.#servedModel = metadata.model_name;
    return text;
  }

  #addToolCalls(message: BaseMessage): void {
    const chunks = (message as Partial<AIMessageChunk>).tool_call_chunks ?? [];
    if (chunks.length > 0) {
      for (const chunk of chunks) {
        const key = chunk.index ?? chunk.id ?? this.#calls.size;
        const call = this.#calls.get(key) ?? { id: '', name: '', argsText: '' };
        if (chunk.id && !call.id) call.id = chunk.id;
        if (chunk.name && chunk.name !== call.name) call.name += chunk.name;
        call.argsText += chunk.args ?? '';
        this.#calls.set(key, call);
      }
      return;
    }
    // A non-streaming model yields one whole message with parsed (and unparseable) calls.
    const whole = message as { tool_calls?: { id?: string; name: string; args: unknown }[]; invalid_tool_calls?: { id?: string; name?: string; args?: string }[] };
    for (const call of whole.tool_calls ?? []) {
      this.#calls.set(this.#calls.size, { id: call.id ?? '', name: call.name, argsText: JSON.stringify(call.args) });
    }
    for (const call of whole.invalid_tool_calls ?? []) {
      this.#calls.set(this.#calls.size, { id: call.id ?? '', name: call.name ?? '', argsText: call.args ?? '' });
    }
  }

  finish(options: { messages: BaseMessage[]; durationMs: number }): ModelCallResult {
    const toolCalls: ToolCallRequest[] = [...this.#calls.values()].map((call, index) => ({
      id: call.id || `${this.#idPrefix}_${index}`,
      name: call.name,
      argsText: call.argsText,
    }));
    const reply: ModelReply = {
      text: this.#text,
      toolCalls,
      usage: this.#usage(options.messages, toolCalls),
      durationMs: Math.round(options.durationMs * 100) / 100,
    };
    if (this.#finishReason) reply.finishReason = this.#finishReason;
    return { reply, servedModel: this.#servedModel };
  }

  #usage(messages: BaseMessage[], toolCalls: ToolCallRequest[]): Usage {
    if (this.#sawUsage) {
      return { inputTokens: this.#inputTokens, outputTokens: this.#outputTokens, totalTokens: this.#inputTokens + this.#outputTokens };
    }
    const inputTokens = messages.reduce((sum, message) => sum + estimateTokens(textOf(message)), 0);
    const outputText = this.#text + toolCalls.map((call) => call.name + call.argsText).join('');
    const outputTokens = estimateTokens(outputText);
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
  }
}

/**
 * The text parts of a message's content. Reading `message.text` would build LangChain's content
 * blocks, which on AI chunks parses the partial tool-call JSON each time.
 */
export function textOf(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TRANSIENT_NAMES = new Set(['APIConnectionError', 'APIConnectionTimeoutError', 'TimeoutError']);

/** 408, 409, 429, 5xx, and connection failures are worth another attempt; nothing else is. */
export function isTransientModelError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    if (typeof current !== 'object') return false;
    const { status, code, name } = current as { status?: unknown; code?: unknown; name?: unknown };
    if (typeof status === 'number') return status === 408 || status === 409 || status === 429 || status >= 500;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  }
  return false;
}

function describeModelError(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  const message = describeError(error);
  return typeof status === 'number' && !message.includes(String(status)) ? `HTTP ${status}: ${message}` : message;
}

function retryDelay(error: unknown, attempt: number, policy: RetryPolicy | undefined): number {
  const initial = policy?.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS;
  const max = policy?.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  const retryAfter = retryAfterMs(error);
  if (retryAfter !== undefined) return Math.min(retryAfter, max);
  const exponential = initial * 2 ** (attempt - 1);
  // Full jitter over the upper half keeps parallel runs from retrying in lockstep.
  return Math.round(Math.min(max, exponential) * (0.5 + Math.random() * 0.5));
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  const value =
    headers instanceof Headers ? headers.get('retry-after') : (headers as Record<string, string> | undefined)?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
