import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Llama, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/agent/errors.ts';
import { TINY_ANSWER_SCRIPT, TINY_TOOL_CALL_SCRIPT, qwenToolCallScript, writeTinyLlamaGguf, type TinyModelInfo } from '../../src/testing/tiny-gguf.ts';

// node-llama-cpp is an optional dependency: without it only the writer's own tests run.
// An optional dependency that `npm ci` installs wherever it can: a missing one fails these tests
// (the import throws) unless GANTRY_SKIP_LLAMA_TESTS=1 says this machine cannot have it.
const skipLlama = process.env.GANTRY_SKIP_LLAMA_TESTS === '1';
const nodeLlamaCpp = skipLlama ? undefined : await import('node-llama-cpp');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gantry-tiny-gguf-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('writeTinyLlamaGguf (the file)', () => {
  it('writes a GGUF v3 header, metadata and aligned tensor data', async () => {
    const info = await writeTinyLlamaGguf({ file: join(folder, 'header.gguf'), kind: 'random' });
    const bytes = await readFile(info.file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.subarray(0, 4).toString('latin1')).toEqual('GGUF');
    expect(view.getUint32(4, true)).toEqual(3);
    expect(view.getBigUint64(8, true)).toEqual(15n); // 12 llama tensors and the three qwen2 attention biases.
    expect(view.getBigUint64(16, true)).toEqual(24n);
    expect(bytes.length).toEqual(info.bytes);
    expect(bytes.length % 32).toEqual(0);
  });

  it('makes the same bytes from the same options and different weights from another seed', async () => {
    const first = await readFile((await writeTinyLlamaGguf({ file: join(folder, 'seed-a.gguf'), kind: 'random', seed: 7 })).file);
    const again = await readFile((await writeTinyLlamaGguf({ file: join(folder, 'seed-b.gguf'), kind: 'random', seed: 7 })).file);
    const other = await readFile((await writeTinyLlamaGguf({ file: join(folder, 'seed-c.gguf'), kind: 'random', seed: 8 })).file);
    expect(again.equals(first)).toEqual(true);
    expect(other.length).toEqual(first.length);
    expect(other.equals(first)).toEqual(false);
  });

  it('describes the vocabulary and the script', async () => {
    const info = await writeTinyLlamaGguf({ file: join(folder, 'describe.gguf'), kind: 'scripted' });
    expect(info.scriptText).toEqual('<tool_call>\n{"name": "add", "arguments": {"a": 2, "b": 3}}\n</tool_call>');
    expect(info.answerText).toEqual('The answer is 5.');
    expect(info.scriptTokens.map((id) => info.tokens[id])).toEqual([...TINY_TOOL_CALL_SCRIPT]);
    expect(info.answerTokens.map((id) => info.tokens[id])).toEqual([...TINY_ANSWER_SCRIPT]);
    expect(info.tokens[info.specialTokens.eos]).toEqual('<|im_end|>');
    expect(info.tokens[info.specialTokens.bos]).toEqual('<|endoftext|>');
    expect(info.tokens.slice(0, 256).every((token, byte) => token === String.fromCharCode(byte))).toEqual(true);
  });

  it('builds tool-call scripts with node-llama-cpp\'s JSON spacing', () => {
    expect(qwenToolCallScript({ name: 'lookup', args: { query: 'cats', limit: [1, 2] } })).toEqual([
      '<tool_call>', '\n{"name": "', 'lookup', '", "arguments": ', '{"query": "cats", "limit": [1, 2]}', '}\n', '</tool_call>',
    ]);
  });

  it('rejects scripts the successor construction cannot follow', async () => {
    const file = join(folder, 'invalid.gguf');
    await expect(writeTinyLlamaGguf({ file, kind: 'scripted', script: ['a', 'b'], answer: ['b'] })).rejects.toThrow(UserError);
    await expect(writeTinyLlamaGguf({ file, kind: 'scripted', script: ['a', 'b'], answer: ['b'] })).rejects.toThrowErrorMatchingInlineSnapshot(`[UserError: writeTinyLlamaGguf: script piece "b" appears twice; the next token depends only on the current one, so every piece of script and answer must be distinct.]`);
    await expect(writeTinyLlamaGguf({ file, kind: 'scripted', script: ['a', '\n'] })).rejects.toThrow(UserError);
    await expect(writeTinyLlamaGguf({ file, kind: 'scripted', script: [] })).rejects.toThrow(UserError);
  });
});

describe.skipIf(skipLlama)('writeTinyLlamaGguf (loaded by node-llama-cpp)', () => {
  const api = nodeLlamaCpp!;
  let llama: Llama;
  let random: TinyModelInfo;
  let scripted: TinyModelInfo;

  beforeAll(async () => {
    llama = await api.getLlama({ gpu: false, build: 'never', logLevel: api.LlamaLogLevel.warn });
    random = await writeTinyLlamaGguf({ file: join(folder, 'random.gguf'), kind: 'random' });
    scripted = await writeTinyLlamaGguf({ file: join(folder, 'scripted.gguf'), kind: 'scripted' });
  });
  afterAll(async () => {
    await llama?.dispose();
  });

  /** Loads a model with a one-thread context, runs `use`, and disposes both. */
  async function withModel<T>(file: string, use: (loaded: { model: LlamaModel; sequence: LlamaContextSequence }) => Promise<T>): Promise<T> {
    const model = await llama.loadModel({ modelPath: file });
    // Chat prompts are long in a byte-level vocabulary without merges (one token per byte), so the
    // context must hold the function-calling system prompt of the Qwen wrapper (about 800 tokens).
    const context = await model.createContext({ contextSize: 2048, threads: 1 });
    try {
      return await use({ model, sequence: context.getSequence() });
    } finally {
      await context.dispose();
      await model.dispose();
    }
  }

  it('reads back the metadata and tensor shapes with node-llama-cpp\'s GGUF parser', async () => {
    const parsed = await api.readGgufFileInfo(scripted.file, { readTensorInfo: true });
    expect(parsed.version).toEqual(3);
    expect(parsed.metadata.general.architecture).toEqual('qwen2');
    const metadata = parsed.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(metadata.qwen2!.embedding_length).toEqual(scripted.embeddingLength);
    expect(metadata.qwen2!.block_count).toEqual(1);
    expect((metadata.tokenizer!.ggml as { tokens: string[] }).tokens.length).toEqual(scripted.vocabSize);
    expect(metadata.tokenizer!.chat_template).toEqual(scripted.chatTemplate);
    expect(parsed.tensorInfo!.map((tensor) => [tensor.name, tensor.dimensions.map(Number)]).slice(0, 4)).toEqual([
      ['token_embd.weight', [scripted.embeddingLength, scripted.vocabSize]],
      ['output_norm.weight', [scripted.embeddingLength]],
      ['output.weight', [scripted.embeddingLength, scripted.vocabSize]],
      ['blk.0.attn_norm.weight', [scripted.embeddingLength]],
    ]);
  });

  it('loads the random model, round-trips any text through its tokenizer and generates N tokens', async () => {
    await withModel(random.file, async ({ model, sequence }) => {
      const text = 'Grüße, 世界! 🙂 {"a": [1, 2]}\n\t<tool_call>';
      expect(model.detokenize(model.tokenize(text))).toEqual(text);
      const tokens: number[] = [];
      const completion = new api.LlamaCompletion({ contextSequence: sequence });
      await completion.generateCompletion('Hello', { maxTokens: 16, onToken: (chunk) => tokens.push(...chunk) });
      expect(tokens.length).toEqual(16);
    });
  });

  it('gives schema-valid JSON from the random model under a JSON-schema grammar', async () => {
    await withModel(random.file, async ({ sequence }) => {
      const grammar = await llama.createGrammarForJsonSchema({
        type: 'object',
        properties: { ok: { type: 'boolean' }, colour: { enum: ['red', 'green'] }, count: { type: 'integer' }, note: { type: 'string' } },
      } as const);
      const completion = new api.LlamaCompletion({ contextSequence: sequence });
      for (const seed of [1, 2, 3]) {
        const text = await completion.generateCompletion('Reply in JSON', { grammar, temperature: 0.8, seed, maxTokens: 300 });
        const value = grammar.parse(text);
        expect(Object.keys(value)).toEqual(['ok', 'colour', 'count', 'note']);
        expect([typeof value.ok, ['red', 'green'].includes(value.colour), Number.isInteger(value.count), typeof value.note]).toEqual(['boolean', true, true, 'string']);
        await sequence.clearHistory();
      }
    });
  });

  it('makes greedy completion of the scripted model emit exactly the script, token by token', async () => {
    await withModel(scripted.file, async ({ sequence }) => {
      const tokens: number[] = [];
      const completion = new api.LlamaCompletion({ contextSequence: sequence });
      const result = await completion.generateCompletionWithMeta('Anything at all: 2 + 3?\n', { temperature: 0, maxTokens: 50, onToken: (chunk) => tokens.push(...chunk) });
      expect([result.response, result.metadata.stopReason]).toEqual([scripted.scriptText, 'eogToken']);
      expect(tokens).toEqual(scripted.scriptTokens);
      await sequence.clearHistory();
      const answer = await completion.generateCompletion('Earlier: <tool_response>\n5\n</tool_response>\n', { temperature: 0, maxTokens: 50 });
      expect(answer).toEqual(scripted.answerText);
    });
  });

  it('makes the Qwen chat wrapper call a function natively, then answer from its result', async () => {
    await withModel(scripted.file, async ({ sequence }) => {
      const session = new api.LlamaChatSession({ contextSequence: sequence });
      expect(session.chatWrapper.wrapperName).toEqual('Qwen');
      const calls: unknown[] = [];
      const add = api.defineChatSessionFunction({
        description: 'Adds two numbers.',
        params: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
        handler: (params) => {
          calls.push(params);
          return params.a + params.b;
        },
      });
      const answer = await session.prompt('What is 2 + 3?', { functions: { add }, temperature: 0, maxTokens: 100 });
      expect(calls).toEqual([{ a: 2, b: 3 }]);
      expect(answer).toEqual('The answer is 5.');
      session.dispose({ disposeSequence: false });
    });
  });

  it('returns the call from LlamaChat.generateResponse, as an adapter sees it, for a custom tool', async () => {
    const file = join(folder, 'lookup.gguf');
    await writeTinyLlamaGguf({ file, kind: 'scripted', script: qwenToolCallScript({ name: 'lookup', args: { query: 'cats' } }), answer: ['Cats', ' purr', '.'] });
    await withModel(file, async ({ sequence }) => {
      const chat = new api.LlamaChat({ contextSequence: sequence });
      const functions = { lookup: { description: 'Looks a word up.', params: { type: 'object', properties: { query: { type: 'string' } } } } } as const;
      const history: Parameters<typeof chat.generateResponse>[0] = [{ type: 'user', text: 'Tell me about cats.' }, { type: 'model', response: [] }];
      const call = await chat.generateResponse(history, { functions, temperature: 0 });
      expect(call.metadata.stopReason).toEqual('functionCalls');
      expect(call.functionCalls?.map(({ functionName, params }) => ({ functionName, params }))).toEqual([{ functionName: 'lookup', params: { query: 'cats' } }]);
      const withResult: Parameters<typeof chat.generateResponse>[0] = [
        { type: 'user', text: 'Tell me about cats.' },
        { type: 'model', response: [{ type: 'functionCall', name: 'lookup', params: { query: 'cats' }, result: 'Small felines.' }] },
      ];
      const reply = await chat.generateResponse(withResult, { functions, temperature: 0 });
      expect([reply.response, reply.metadata.stopReason]).toEqual(['Cats purr.', 'eogToken']);
      chat.dispose({ disposeSequence: false });
    });
  });

  // Not checked here: with the llama architecture node-llama-cpp resolves its JinjaTemplate wrapper,
  // after comparing the template with every other wrapper (about 1.4 s on the 2-core machine).
  it('also writes a llama-architecture model', async () => {
    const info = await writeTinyLlamaGguf({ file: join(folder, 'llama.gguf'), kind: 'scripted', architecture: 'llama', script: ['Hello', ' world'], answer: [] });
    await withModel(info.file, async ({ sequence }) => {
      const completion = new api.LlamaCompletion({ contextSequence: sequence });
      expect(await completion.generateCompletion('Say it', { temperature: 0, maxTokens: 10 })).toEqual('Hello world');
    });
  });
});
