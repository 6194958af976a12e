import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { basename } from 'node:path';
import { UserError } from '../agent/errors.ts';
import { RecordingChatModel } from './recording-chat-model.ts';
import { ReplayChatModel } from './replay-chat-model.ts';
import { ensureModelFile } from './local/download.ts';
import { isLocalModelSpec, parseLocalModelSpec } from './local/local-model-spec.ts';

/** Settings that decide which model a run uses. Nothing here has a default model. */
export interface ModelSettings {
  /** `provider:model`, e.g. `openai:gpt-4.1-mini`, `anthropic:claude-sonnet-4-0`, `replay:run.jsonl`. */
  spec?: string;
  /** An OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio) for `openai:` specs. */
  baseUrl?: string;
  /**
   * Set false for OpenAI-compatible servers that cannot stream (SSE): requests are then made
   * without streaming. Default true.
   */
  stream?: boolean;
  /** Records every model request and response into this JSON-lines file. */
  recordFile?: string;
  /** Where `GANTRY_MODEL`, `OPENAI_API_KEY` and `OPENAI_BASE_URL` are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Local models (`local`, `llama:`): consent to a download given in advance (`--yes`). */
  yes?: boolean;
  /**
   * Local models: where a download asks for consent (stdin) and shows its notice and progress
   * (stderr). Without it, a model that is not cached yet cannot be downloaded.
   */
  io?: {
    stdin: NodeJS.ReadableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  };
  /** Cancels a local model's download. */
  signal?: AbortSignal;
}

export interface ResolvedModel {
  model: BaseChatModel;
  /** The spec as resolved, e.g. `openai:gpt-4.1-mini`. */
  spec: string;
  provider: string;
  /** The model name for pricing and traces. */
  name: string;
}

export const NO_MODEL_HELP =
  'No model is configured. Pass --model PROVIDER:MODEL or set GANTRY_MODEL, for example:\n' +
  '  --model local                                    (runs in-process on the CPU; downloads a 2.5 GB model once, with your consent)\n' +
  '  --model openai:gpt-4.1-mini                      (with OPENAI_API_KEY set)\n' +
  '  --model openai:llama3.1 --base-url http://localhost:11434/v1   (Ollama, no key needed)\n' +
  '  --model replay:recording.jsonl                   (replay a run recorded with --record)';

/** Splits `provider:model` at the first colon, so `openai:llama3.1:8b` keeps its tag. */
export function parseModelSpec(spec: string): { provider: string; name: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new UserError(
      `Invalid model spec ${JSON.stringify(spec)}: expected PROVIDER:MODEL, for example openai:gpt-4.1-mini or replay:run.jsonl.`,
    );
  }
  return { provider: spec.slice(0, colon).toLowerCase(), name: spec.slice(colon + 1) };
}

/**
 * Builds the chat model a spec names. `openai:` uses `@langchain/openai` against OpenAI or any
 * compatible server; `replay:FILE` serves a recording; other providers go through LangChain's
 * `initChatModel`, which needs the provider's package (e.g. `@langchain/anthropic`) installed.
 */
export async function resolveModel(settings: ModelSettings): Promise<ResolvedModel> {
  const env = settings.env ?? process.env;
  const spec = settings.spec?.trim() || env.GANTRY_MODEL?.trim();
  if (!spec) throw new UserError(NO_MODEL_HELP);
  if (isLocalModelSpec(spec)) return resolveLocalModel({ spec, settings, env });
  const { provider, name } = parseModelSpec(spec);
  const model = await createModel({ provider, name, settings, env });
  const recorded = settings.recordFile ? new RecordingChatModel({ model, file: settings.recordFile }) : model;
  return { model: recorded, spec: `${provider}:${name}`, provider, name };
}

/**
 * `local`, `local:small` and `llama:…` run in-process through node-llama-cpp: the file is found
 * in the cache (or downloaded once, with consent and a verified checksum), then loaded lazily.
 */
async function resolveLocalModel({ spec, settings, env }: { spec: string; settings: ModelSettings; env: NodeJS.ProcessEnv }): Promise<ResolvedModel> {
  if (settings.baseUrl) throw new UserError('--base-url applies to openai: models, not to local ones.');
  const parsed = parseLocalModelSpec(spec);
  const io = settings.io ?? { stdin: process.stdin, stderr: process.stderr };
  const { path } = await ensureModelFile({ spec: parsed, env, yes: settings.yes ?? false, io, ...(settings.signal ? { signal: settings.signal } : {}) });
  const { LlamaCppChatModel } = await import('./local/llama-chat-model.ts');
  const name = parsed.kind === 'catalog' ? parsed.entry.name : basename(path, '.gguf');
  const model = new LlamaCppChatModel({
    modelPath: path,
    modelName: name,
    ...localThreads(env),
    logger: (message) => io.stderr.write(`${message}\n`),
  });
  const recorded = settings.recordFile ? new RecordingChatModel({ model, file: settings.recordFile }) : model;
  return { model: recorded, spec, provider: 'local', name };
}

/** `GANTRY_LLAMA_THREADS` overrides the thread count (default: the machine's cores). */
function localThreads(env: NodeJS.ProcessEnv): { threads?: number } {
  const text = env.GANTRY_LLAMA_THREADS?.trim();
  if (!text) return {};
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`GANTRY_LLAMA_THREADS must be a positive whole number; got "${text}".`);
  return { threads };
}

async function createModel(options: {
  provider: string;
  name: string;
  settings: ModelSettings;
  env: NodeJS.ProcessEnv;
}): Promise<BaseChatModel> {
  const { provider, name, settings, env } = options;
  if (provider === 'openai') {
    return createOpenAIModel({ name, baseUrl: settings.baseUrl ?? env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, stream: settings.stream ?? true });
  }
  if (provider === 'replay') return ReplayChatModel.fromFile(name);
  if (settings.baseUrl) {
    throw new UserError(`--base-url applies to openai: models (OpenAI-compatible servers), not to ${provider}:.`);
  }
  return createLangChainModel({ provider, name });
}

async function createOpenAIModel(options: { name: string; baseUrl?: string; apiKey?: string; stream: boolean }): Promise<BaseChatModel> {
  const baseUrl = options.baseUrl?.trim() || undefined;
  if (baseUrl !== undefined && !/^https?:$/.test(URL.parse(baseUrl)?.protocol ?? '')) {
    throw new UserError(`Invalid base URL ${JSON.stringify(baseUrl)}: expected something like http://localhost:11434/v1.`);
  }
  if (!options.apiKey && baseUrl === undefined) {
    throw new UserError(
      'OPENAI_API_KEY is not set. Set it to use OpenAI, or point --base-url (or OPENAI_BASE_URL) at an ' +
        'OpenAI-compatible server such as Ollama, vLLM, LM Studio or llama.cpp.',
    );
  }
  // Loaded when a run needs it, so `gantry --version` and `gantry tools` start quickly.
  const { ChatOpenAI } = await import('@langchain/openai');
  return new ChatOpenAI({
    model: options.name,
    // Local servers ignore the key, but the OpenAI client refuses to start without one.
    apiKey: options.apiKey || 'not-needed',
    configuration: baseUrl === undefined ? {} : { baseURL: baseUrl },
    // Gantry retries transient failures itself, for every provider alike.
    maxRetries: 0,
    streamUsage: true,
    useResponsesApi: false,
    // Never `streaming: true`: LangChain then estimates tokens with a tokenizer it downloads.
    disableStreaming: !options.stream,
  });
}

async function createLangChainModel(options: { provider: string; name: string }): Promise<BaseChatModel> {
  const { initChatModel } = await import('langchain/chat_models/universal');
  try {
    return (await initChatModel(options.name, { modelProvider: options.provider, maxRetries: 0 })) as unknown as BaseChatModel;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `Cannot create a model for ${options.provider}:${options.name}: ${reason}\n` +
        `Install the provider's LangChain package (for example npm install @langchain/${options.provider}) ` +
        'and set its API key, or use openai:MODEL with --base-url for an OpenAI-compatible server.',
      { cause: error },
    );
  }
}
