import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Llama, LlamaChat, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { describeError, UserError } from '../../agent/errors.ts';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * One chat sequence of a loaded model and the lock that serialises its use. Reusing the same
 * sequence for every call keeps the evaluated prompt in its KV cache, so the next step of an agent
 * only evaluates the tokens that follow the common prefix.
 */
export interface LlamaChatSlot {
  readonly module: NodeLlamaCpp;
  readonly model: LlamaModel;
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  /** Runs `task` once every earlier task on this slot has finished. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

export interface LlamaSlotOptions {
  /** Path of the GGUF file. */
  modelPath: string;
  /** Threads for evaluation (default: the machine's available parallelism). */
  threads?: number;
  /** Context window in tokens (default: the model's own, capped at 8,192). */
  contextSize?: number;
  /** Called once, when the slot is first created (that is where the slow first prompt comes). */
  onCreate?: () => void;
}

const DEFAULT_MAX_CONTEXT_SIZE = 8192;

let modulePromise: Promise<NodeLlamaCpp> | undefined;
let llamaPromise: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();
const slots = new Map<string, Promise<LlamaChatSlot>>();

/**
 * Imports node-llama-cpp on first use only: it is an optional dependency with ~730 MB of native
 * binaries, and nothing but a local model needs it.
 */
export async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  modulePromise ??= import('node-llama-cpp').catch((error: unknown) => {
    modulePromise = undefined;
    throw new UserError(
      'Local models need the optional dependency node-llama-cpp, which could not be loaded ' +
        `(${describeError(error)}). Install it with "npm install node-llama-cpp" (about 730 MB of prebuilt ` +
        'llama.cpp binaries on Linux x64), or use a model served over an OpenAI-compatible API instead.',
      { cause: error },
    );
  });
  return modulePromise;
}

/**
 * The process-wide llama.cpp runtime. GPU probing is off on Linux and Windows, where it misfired
 * on machines without a GPU, and nothing is ever compiled or downloaded (`build: "never"`). The
 * thread cap is the core count: node-llama-cpp's default of at least 4 made a 2-core machine
 * 250 times slower.
 */
export async function getLlamaRuntime(): Promise<Llama> {
  llamaPromise ??= (async () => {
    const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
    const useGpu = process.platform === 'darwin' ? 'auto' : false;
    try {
      return await getLlama({ gpu: useGpu, build: 'never', logLevel: LlamaLogLevel.warn, maxThreads: availableParallelism(), progressLogs: false });
    } catch (error) {
      throw new UserError(
        `node-llama-cpp is installed but its prebuilt llama.cpp binary could not be loaded on ${process.platform}-${process.arch}: ` +
          `${describeError(error)}. Reinstall node-llama-cpp, or use a model served over an OpenAI-compatible API.`,
        { cause: error },
      );
    }
  })().catch((error: unknown) => {
    llamaPromise = undefined;
    throw error;
  });
  return llamaPromise;
}

/** Loads a GGUF file once per process; later calls with the same path share the model. */
export async function loadLlamaModel(options: { modelPath: string }): Promise<LlamaModel> {
  const modelPath = resolve(options.modelPath);
  let loading = models.get(modelPath);
  if (!loading) {
    loading = loadModelFile(modelPath);
    models.set(modelPath, loading);
    loading.catch(() => models.delete(modelPath));
  }
  return loading;
}

async function loadModelFile(modelPath: string): Promise<LlamaModel> {
  // A model file that is missing or empty (an interrupted download) must fail here, clearly.
  if (!existsSync(modelPath) || !statSync(modelPath).isFile() || statSync(modelPath).size === 0) {
    throw new UserError(`The model file ${modelPath} does not exist or is empty. Check the path, or pull the model again.`);
  }
  const llama = await getLlamaRuntime();
  try {
    return await llama.loadModel({ modelPath });
  } catch (error) {
    throw new UserError(`node-llama-cpp could not load ${modelPath}: ${describeError(error)}. Is it a GGUF model file?`, { cause: error });
  }
}

/**
 * The chat slot for a model file and context settings, created on first use. Every caller with
 * the same settings shares it, and with it the cached prompt prefix.
 */
export async function getLlamaChatSlot(options: LlamaSlotOptions): Promise<LlamaChatSlot> {
  const modelPath = resolve(options.modelPath);
  const threads = options.threads ?? availableParallelism();
  const key = JSON.stringify([modelPath, threads, options.contextSize ?? null]);
  let creating = slots.get(key);
  if (!creating) {
    creating = createSlot({ ...options, modelPath, threads });
    slots.set(key, creating);
    creating.catch(() => slots.delete(key));
  }
  return creating;
}

async function createSlot(options: LlamaSlotOptions & { threads: number }): Promise<LlamaChatSlot> {
  const module = await importNodeLlamaCpp();
  const model = await loadLlamaModel({ modelPath: options.modelPath });
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT_SIZE);
  const context = await model.createContext({ contextSize, threads: options.threads, sequences: 1 });
  const sequence = context.getSequence();
  const chat = new module.LlamaChat({ contextSequence: sequence });
  options.onCreate?.();
  let tail: Promise<unknown> = Promise.resolve();
  return {
    module,
    model,
    sequence,
    chat,
    exclusive<T>(task: () => Promise<T>): Promise<T> {
      const run = tail.then(task, task);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** Frees every loaded model and context (tests call this in `afterAll`). */
export async function disposeLlamaModels(): Promise<void> {
  const pending = [...slots.values()];
  slots.clear();
  for (const slot of await Promise.allSettled(pending)) {
    if (slot.status === 'fulfilled') {
      slot.value.chat.dispose();
      await slot.value.sequence.context.dispose();
    }
  }
  const loaded = [...models.values()];
  models.clear();
  for (const model of await Promise.allSettled(loaded)) {
    if (model.status === 'fulfilled') await model.value.dispose();
  }
}
