import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import {
  BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from '@langchain/core/language_models/base';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { Runnable } from '@langchain/core/runnables';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import type { ChatHistoryItem, GbnfJsonSchema, LlamaChatResponse } from 'node-llama-cpp';
import { EventChannel } from '../../agent/channel.ts';
import { ModelBehaviorError } from '../../agent/errors.ts';
import type { FunctionDefinition } from '../../tools/router.ts';
import { toChatHistory } from './llama-history.ts';
import { getLlamaChatSlot, type LlamaChatSlot } from './llama-runtime.ts';
import { restoreOptionalFields, toGrammarSchema } from './llama-schema.ts';
import { structuredOutputRunnable } from './llama-structured-output.ts';
import { planTools, withForcedCallInstruction, type ToolChoice, type ToolPlan } from './llama-tool-choice.ts';

export interface LlamaCppChatModelOptions extends BaseChatModelParams {
  /** Path of a GGUF model file. */
  modelPath: string;
  /** CPU threads for evaluation (default: `os.availableParallelism()`; tests use 1). */
  threads?: number;
  /** Context window in tokens (default: the model's training context, capped at 8,192). */
  contextSize?: number;
  /**
   * Sampling temperature (default 0: greedy decoding, so an agent's tool calls are reproducible;
   * small local models also call tools more reliably without sampling noise).
   */
  temperature?: number;
  /** Most tokens per reply (default 2,048): a small model can otherwise ramble to the end of its context. */
  maxTokens?: number;
  /** Sampling seed, used when `temperature` is above 0. */
  seed?: number;
  /** The name reported in replies and traces (default: the file name without `.gguf`). */
  modelName?: string;
  /** Receives the one-time notice that the first prompt may be slow (default: a line on stderr). */
  logger?: (message: string) => void;
}

export interface LlamaCppCallOptions extends BaseChatModelCallOptions {
  /** Tools bound with `bindTools`, as OpenAI-style function definitions. */
  tools?: FunctionDefinition[];
  /** `auto` (default), `none`, `required`/`any`, or a tool name: a forced call goes through a JSON grammar. */
  tool_choice?: ToolChoice;
  /** A JSON schema the reply must match (set by `withStructuredOutput`): the text is then that JSON. */
  responseSchema?: Record<string, unknown>;
}

const DEFAULT_MAX_TOKENS = 2048;
const warnedModels = new Set<string>();

/**
 * A LangChain chat model running a GGUF file in-process with node-llama-cpp. Tools use the
 * model's native function calling through its chat wrapper; forced tool choice and structured
 * output use grammar-constrained JSON. Calls for the same file share one context sequence behind
 * a lock, so each agent step only evaluates what follows the prompt prefix it has in common with
 * the step before.
 */
export class LlamaCppChatModel extends BaseChatModel<LlamaCppCallOptions, AIMessageChunk> {
  readonly modelPath: string;
  readonly modelName: string;
  readonly threads: number | undefined;
  readonly contextSize: number | undefined;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly seed: number | undefined;
  readonly #logger: (message: string) => void;

  constructor(options: LlamaCppChatModelOptions) {
    super(options);
    this.modelPath = options.modelPath;
    this.modelName = options.modelName ?? basename(options.modelPath).replace(/\.gguf$/i, '');
    this.threads = options.threads;
    this.contextSize = options.contextSize;
    this.temperature = options.temperature ?? 0;
    this.maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.seed = options.seed;
    this.#logger = options.logger ?? ((message) => process.stderr.write(`${message}\n`));
  }

  override _llmType(): string {
    return 'llama-cpp';
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<LlamaCppCallOptions>): Runnable<BaseLanguageModelInput, AIMessageChunk, LlamaCppCallOptions> {
    const definitions = tools.map((tool) => convertToOpenAITool(tool) as FunctionDefinition);
    return this.withConfig({ ...kwargs, tools: definitions });
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const plan = options.responseSchema ? ({ type: 'none' } as const) : planTools({ tools: options.tools ?? [], toolChoice: options.tool_choice });
    const slot = await this.#slot();
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const channel = new EventChannel<ChatGenerationChunk>({ onStart: () => {}, onCancel: () => stop.abort() });
    const finished = slot
      .exclusive(() => this.#generate({ slot, messages, options, plan, signal, onText: (text) => channel.push(textChunk(text)) }))
      .then(
        (chunks) => {
          for (const chunk of chunks) channel.push(chunk);
          channel.close();
        },
        (error: unknown) => channel.close({ value: error }),
      );
    try {
      for await (const chunk of channel) {
        yield chunk;
        if (chunk.text) await runManager?.handleLLMNewToken(chunk.text);
      }
    } finally {
      stop.abort();
      await finished;
    }
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    let aggregate: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      aggregate = aggregate ? aggregate.concat(chunk) : chunk;
    }
    return { generations: aggregate ? [aggregate] : [] };
  }

  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    schema: unknown,
    config?: StructuredOutputMethodOptions<boolean>,
  ): Runnable<BaseLanguageModelInput, RunOutput> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    return structuredOutputRunnable<RunOutput>({
      schema,
      includeRaw: config?.includeRaw === true,
      bind: (responseSchema) => this.withConfig({ responseSchema }),
    });
  }

  async #slot(): Promise<LlamaChatSlot> {
    return getLlamaChatSlot({
      modelPath: this.modelPath,
      threads: this.threads,
      contextSize: this.contextSize,
      onCreate: () => {
        if (warnedModels.has(this.modelPath)) return;
        warnedModels.add(this.modelPath);
        this.#logger(`Running ${this.modelName} in-process on the CPU: the first prompt may take tens of seconds; later steps reuse its cache.`);
      },
    });
  }

  /** One generation on the locked slot; returns the chunks that come after the streamed text. */
  async #generate(fields: {
    slot: LlamaChatSlot;
    messages: BaseMessage[];
    options: LlamaCppCallOptions;
    plan: ToolPlan;
    signal: AbortSignal;
    onText: (text: string) => void;
  }): Promise<ChatGenerationChunk[]> {
    const { slot, options, plan, signal } = fields;
    let history: ChatHistoryItem[] = toChatHistory(fields.messages);
    const grammarSchema = options.responseSchema ? toGrammarSchema(options.responseSchema) : plan.type === 'forced' ? plan.envelope : undefined;
    if (plan.type === 'forced') history = withForcedCallInstruction({ history, tools: plan.tools });
    const grammar = grammarSchema ? await slot.model.llama.createGrammarForJsonSchema<GbnfJsonSchema>(grammarSchema) : undefined;
    const meterBefore = slot.sequence.tokenMeter.getState();
    const common = {
      signal,
      maxTokens: this.maxTokens,
      temperature: this.temperature,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
      ...(options.stop?.length ? { customStopTriggers: options.stop } : {}),
      // Forced calls stream no text: their JSON becomes a tool call at the end.
      onTextChunk: plan.type === 'forced' ? undefined : fields.onText,
    };
    const response: LlamaChatResponse<any> = grammar
      ? await slot.chat.generateResponse(history, { ...common, grammar })
      : plan.type === 'native'
        ? await slot.chat.generateResponse(history, { ...common, functions: plan.functions })
        : await slot.chat.generateResponse(history, common);
    const used = slot.sequence.tokenMeter.diff(meterBefore);
    const outputTokens = used.usedOutputTokens;
    const promptTokens = Math.max(slot.sequence.nextTokenIndex - outputTokens, used.usedInputTokens);
    const calls = plan.type === 'forced' ? [forcedCall({ text: response.response, plan })] : nativeCalls({ response, tools: options.tools ?? [] });
    const chunks = calls.map((call, index) => toolCallChunk({ index, ...call }));
    chunks.push(
      new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({
          content: '',
          response_metadata: { finish_reason: finishReason({ response, calls: calls.length }), model_name: this.modelName },
          usage_metadata: {
            input_tokens: promptTokens,
            output_tokens: outputTokens,
            total_tokens: promptTokens + outputTokens,
            input_token_details: { cache_read: Math.max(0, promptTokens - used.usedInputTokens) },
          },
        }),
      }),
    );
    return chunks;
  }
}

interface GeneratedCall {
  name: string;
  args: unknown;
}

function nativeCalls({ response, tools }: { response: LlamaChatResponse<any>; tools: readonly FunctionDefinition[] }): GeneratedCall[] {
  return (response.functionCalls ?? []).map((call: { functionName: string; params: unknown }) => {
    const tool = tools.find((candidate) => candidate.function.name === call.functionName);
    const args = call.params ?? {};
    return { name: call.functionName, args: tool ? restoreOptionalFields({ schema: tool.function.parameters, value: args }) : args };
  });
}

function forcedCall({ text, plan }: { text: string; plan: Extract<ToolPlan, { type: 'forced' }> }): GeneratedCall {
  let envelope: { name?: unknown; arguments?: unknown };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch (error) {
    throw new ModelBehaviorError(`The model's forced tool call was not complete JSON (it stopped after ${text.length} characters): ${text.slice(0, 200)}`, { cause: error });
  }
  const tool = plan.tools.find((candidate) => candidate.function.name === envelope.name);
  if (!tool) throw new ModelBehaviorError(`The model's forced tool call named an unknown tool: ${JSON.stringify(envelope.name)}.`);
  return { name: tool.function.name, args: restoreOptionalFields({ schema: tool.function.parameters, value: envelope.arguments ?? {} }) };
}

function finishReason({ response, calls }: { response: LlamaChatResponse<any>; calls: number }): string {
  if (calls > 0) return 'tool_calls';
  return response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
}

function textChunk(text: string): ChatGenerationChunk {
  return new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
}

function toolCallChunk({ index, name, args }: GeneratedCall & { index: number }): ChatGenerationChunk {
  const id = `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  return new ChatGenerationChunk({
    text: '',
    message: new AIMessageChunk({ content: '', tool_call_chunks: [{ index, id, name, args: JSON.stringify(args), type: 'tool_call_chunk' }] }),
  });
}
