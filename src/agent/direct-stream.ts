import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { RunnableBinding } from '@langchain/core/runnables';
import type { ChatRunnable } from './model-call.ts';

/** Keys of a LangChain RunnableConfig: they steer callbacks and tracing, not the model request. */
const RUNNABLE_CONFIG_KEYS = ['callbacks', 'tags', 'metadata', 'runName', 'configurable', 'recursionLimit', 'maxConcurrency', 'runId', 'timeout'];
const TRACING_VARIABLES = ['LANGSMITH_TRACING', 'LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING', 'LANGCHAIN_TRACING_V2'];

/**
 * LangChain's `stream()` wraps each call in callback plumbing and merges every chunk into a
 * running total, re-parsing the partial tool-call JSON on each one, which is quadratic in the
 * number of chunks. Gantry assembles the reply itself, so when nothing listens to LangChain
 * callbacks (no handlers, no LangSmith tracing) it reads the model's own chunk stream,
 * `_streamResponseChunks`, the method every streaming LangChain chat model implements. Anything
 * else keeps LangChain's standard path, so tracing still sees every call.
 */
export function directChatRunnable(runnable: ChatRunnable, env: NodeJS.ProcessEnv = process.env): ChatRunnable {
  let model: unknown = runnable;
  let bound: Record<string, unknown> = {};
  if (RunnableBinding.isRunnableBinding(runnable)) {
    const binding = runnable as unknown as RunnableBinding<unknown, unknown>;
    model = binding.bound;
    bound = { ...binding.config, ...binding.kwargs };
    if (binding.configFactories?.length) return runnable;
  }
  if (!(model instanceof BaseChatModel) || !streamsNatively(model)) return runnable;
  if (hasCallbacks(model.callbacks) || hasCallbacks(bound.callbacks) || tracingEnabled(env)) return runnable;
  const callOptions = Object.fromEntries(Object.entries(bound).filter(([key]) => !RUNNABLE_CONFIG_KEYS.includes(key)));
  const chatModel = model;
  return {
    async stream(messages, options) {
      return readChunks(chatModel, messages, { ...callOptions, ...options });
    },
  };
}

async function* readChunks(model: BaseChatModel, messages: BaseMessage[], options: Record<string, unknown>): AsyncGenerator<BaseMessage> {
  const signal = options.signal as AbortSignal | undefined;
  signal?.throwIfAborted();
  for await (const chunk of model._streamResponseChunks(messages, options as BaseChatModel['ParsedCallOptions'])) {
    signal?.throwIfAborted();
    // LangChain's stream() folds generationInfo (finish_reason, for some providers) into the metadata.
    if (chunk.generationInfo) chunk.message.response_metadata = { ...chunk.generationInfo, ...chunk.message.response_metadata };
    yield chunk.message;
  }
  signal?.throwIfAborted();
}

function streamsNatively(model: BaseChatModel): boolean {
  return model._streamResponseChunks !== BaseChatModel.prototype._streamResponseChunks && !model.disableStreaming;
}

function hasCallbacks(callbacks: unknown): boolean {
  if (callbacks === undefined || callbacks === null) return false;
  if (Array.isArray(callbacks)) return callbacks.length > 0;
  return true;
}

function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  return TRACING_VARIABLES.some((name) => env[name]?.toLowerCase() === 'true');
}
