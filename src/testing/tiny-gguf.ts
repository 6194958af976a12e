// Tiny GGUF model files for tests, since no real weights exist (or may be downloaded) here: a
// random-weight model for grammar-constrained output and a scripted one for native tool calls.
import { writeFile } from 'node:fs/promises';
import { UserError } from '../agent/errors.ts';
import { serializeGguf, type GgufValue } from './gguf/gguf-writer.ts';
import { buildTinyVocab, type TinyVocab } from './gguf/tiny-vocab.ts';
import { TINY_CHAT_TEMPLATE } from './gguf/tiny-chat-template.ts';
import { randomWeights, scriptedWeights, type TinyShape } from './gguf/tiny-weights.ts';

export { TINY_CHAT_TEMPLATE };

/**
 * The script pieces of one native tool call in Qwen's format, as node-llama-cpp's `QwenChatWrapper`
 * parses it: `<tool_call>\n{"name": "NAME", "arguments": ARGS}\n</tool_call>`. `ARGS` is written the way
 * node-llama-cpp writes JSON (Python's `json.dumps` spacing), which its function-call grammar accepts
 * as one token. The tool must be declared to node-llama-cpp with parameters that `args` satisfies:
 * the arguments are generated under that tool's grammar.
 */
export function qwenToolCallScript({ name, args }: { name: string; args: Record<string, unknown> }): string[] {
  return ['<tool_call>', '\n{"name": "', name, '", "arguments": ', pythonJsonDumps(args), '}\n', '</tool_call>'];
}

/** The default scripted reply: a native tool call of `add` with `{"a": 2, "b": 3}`. */
export const TINY_TOOL_CALL_SCRIPT: readonly string[] = qwenToolCallScript({ name: 'add', args: { a: 2, b: 3 } });

/** The default scripted answer, emitted once a tool result (a `<tool_response>` token) is in the context. */
export const TINY_ANSWER_SCRIPT: readonly string[] = ['The', ' answer', ' is', ' 5', '.'];

export interface TinyLlamaGgufOptions {
  /** Where to write the file (its folder must exist). Tests should use a temporary folder, never the repository. */
  file: string;
  /**
   * `random`: seeded random weights, biased towards `"` `,` `}` `]` so that strings and numbers under a
   * JSON grammar end within a few tokens; under a grammar its output is always grammar-valid.
   * `scripted`: greedy decoding emits `script` then `<|im_end|>` after any prompt, or `answer` then
   * `<|im_end|>` once the context contains a `<tool_response>` token.
   */
  kind: 'random' | 'scripted';
  /**
   * Pieces the scripted model emits, one token each (default `TINY_TOOL_CALL_SCRIPT`). Every piece of
   * `script` and `answer` must be distinct and non-empty, and none may be `"\n"` (prompts end with it).
   * Pieces longer than one ASCII character become user-defined tokens, which llama.cpp's tokenizer
   * matches anywhere in text, so they tokenize and detokenize as whole pieces.
   */
  script?: readonly string[];
  /** Pieces the scripted model emits once a `<tool_response>` token is in its context (default `TINY_ANSWER_SCRIPT`; `[]` for none). */
  answer?: readonly string[];
  /** Seed of the random weights (default 1). The same options always give the same bytes. */
  seed?: number;
  /** `tokenizer.chat_template` (default `TINY_CHAT_TEMPLATE`, a Qwen3-style ChatML template with tools). */
  chatTemplate?: string;
  /**
   * `qwen2` (default) makes node-llama-cpp pick its `QwenChatWrapper` for the default template, with
   * native function calling; `llama` has the same tensors without the attention biases, but
   * node-llama-cpp only uses its Qwen wrapper for Qwen architectures, so it falls back to a Jinja wrapper.
   */
  architecture?: 'qwen2' | 'llama';
  /** The model's context length (`<arch>.context_length`, default 2048). */
  contextLength?: number;
}

/** What a written tiny model contains. */
export interface TinyModelInfo {
  file: string;
  kind: 'random' | 'scripted';
  architecture: 'qwen2' | 'llama';
  /** Every token, by id, as it decodes (byte tokens are their byte as a one-character Latin-1 string). */
  tokens: readonly string[];
  /** Ids of the special tokens: `<|endoftext|>` is BOS and padding, `<|im_end|>` is EOS. */
  specialTokens: { bos: number; eos: number; pad: number; imStart: number; imEnd: number; toolResponse: number };
  chatTemplate: string;
  /** Embedding width, context length, vocabulary size. */
  embeddingLength: number;
  contextLength: number;
  vocabSize: number;
  /** The scripted pieces and their text (empty for `random`). */
  script: readonly string[];
  scriptText: string;
  answer: readonly string[];
  answerText: string;
  /** The token ids of `script` and `answer`, one per piece. */
  scriptTokens: readonly number[];
  answerTokens: readonly number[];
  /** Size of the file in bytes. */
  bytes: number;
}

/**
 * Writes a tiny GGUF model (one block, F32, about 100 kB, loads in tens of milliseconds) and
 * describes it. With the default chat template and the `qwen2` architecture, node-llama-cpp resolves
 * its `Qwen` chat wrapper, whose native function calls are
 * `<tool_call>\n{"name": "…", "arguments": {…}}\n</tool_call>`.
 *
 * Things to know when testing with these files:
 * - The vocabulary is byte-level BPE without merges: ordinary text costs one token per byte, so the
 *   Qwen wrapper's function-calling system prompt alone is about 800 tokens. Use a context of 2048.
 * - The scripted model follows its script whatever the prompt, at any temperature (its margins are
 *   wide), so a test cannot tell whether the prompt was right from the reply alone.
 * - It answers instead of calling once a `<tool_response>` token is anywhere in the context: the Qwen
 *   wrapper writes one before every function result. The text `<tool_response>` in a user message
 *   counts too, since the tokenizer matches user-defined tokens in plain text.
 * - Under node-llama-cpp's function calling, the arguments are generated under the declared tool's
 *   grammar; the scripted arguments piece only comes out if that grammar accepts it whole, so declare
 *   the tool with the properties of `args`, in the same order.
 * - Single-ASCII-character pieces reuse the byte token: a prompt that ends with one continues the script from there.
 */
export async function writeTinyLlamaGguf(options: TinyLlamaGgufOptions): Promise<TinyModelInfo> {
  const { file, kind, seed = 1, chatTemplate = TINY_CHAT_TEMPLATE, architecture = 'qwen2', contextLength = 2048 } = options;
  const script = kind === 'scripted' ? [...(options.script ?? TINY_TOOL_CALL_SCRIPT)] : [];
  const answer = kind === 'scripted' ? [...(options.answer ?? TINY_ANSWER_SCRIPT)] : [];
  if (kind === 'scripted') validatePieces({ script, answer });
  const vocab = buildTinyVocab({ pieces: [...script, ...answer] });
  const special = specialTokenIds(vocab);
  const scriptTokens = script.map((piece) => vocab.idOf.get(piece)!);
  const answerTokens = answer.map((piece) => vocab.idOf.get(piece)!);
  // One residual dimension per scripted piece plus four for the scripted circuit; at least 32 wide.
  const embeddingLength = Math.max(32, Math.ceil((script.length + answer.length + 4) / 8) * 8);
  const shape: TinyShape = { embeddingLength, headCount: 2, feedForwardLength: 64, vocabSize: vocab.stored.length, architecture };
  const weights = kind === 'random'
    ? randomWeights({ shape, seed, preferredTokens: ['"', ',', '}', ']'].map((text) => vocab.idOf.get(text)!) })
    : scriptedWeights({ shape, scriptTokens, answerTokens, endToken: special.imEnd, toolResponseToken: special.toolResponse, newlineToken: vocab.idOf.get('\n')! });
  const bytes = serializeGguf({ metadata: metadataOf({ shape, vocab, special, chatTemplate, contextLength, kind }), tensors: weights });
  await writeFile(file, bytes);
  return {
    file, kind, architecture,
    tokens: vocab.decoded,
    specialTokens: special,
    chatTemplate, embeddingLength, contextLength,
    vocabSize: vocab.stored.length,
    script, scriptText: script.join(''),
    answer, answerText: answer.join(''),
    scriptTokens, answerTokens,
    bytes: bytes.length,
  };
}

/** JSON with `", "` and `": "` separators, like Python's `json.dumps` and node-llama-cpp's `jsonDumps`. */
function pythonJsonDumps(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .split('\n')
    .map((line) => (line.trim().endsWith(',') ? `${line.trim()} ` : line.trim()))
    .join('');
}

function validatePieces({ script, answer }: { script: readonly string[]; answer: readonly string[] }): void {
  if (script.length === 0) throw new UserError('writeTinyLlamaGguf: a scripted model needs at least one script piece; pass `script` or leave it out for the default tool call.');
  const seen = new Set<string>();
  for (const piece of [...script, ...answer]) {
    if (piece === '' || piece === '\n') throw new UserError(`writeTinyLlamaGguf: script piece ${JSON.stringify(piece)} is not allowed: pieces must be non-empty and not "\\n" (every chat prompt ends with that token).`);
    if (piece.startsWith('<|')) throw new UserError(`writeTinyLlamaGguf: script piece ${JSON.stringify(piece)} looks like a control token; the end of turn is added by the model itself.`);
    if (piece === '<tool_response>') throw new UserError('writeTinyLlamaGguf: "<tool_response>" cannot be a script piece: it is the token that switches the model from `script` to `answer`.');
    if (seen.has(piece)) throw new UserError(`writeTinyLlamaGguf: script piece ${JSON.stringify(piece)} appears twice; the next token depends only on the current one, so every piece of script and answer must be distinct.`);
    seen.add(piece);
  }
}

function specialTokenIds(vocab: TinyVocab): TinyModelInfo['specialTokens'] {
  const id = (text: string) => vocab.idOf.get(text)!;
  return { bos: id('<|endoftext|>'), eos: id('<|im_end|>'), pad: id('<|endoftext|>'), imStart: id('<|im_start|>'), imEnd: id('<|im_end|>'), toolResponse: id('<tool_response>') };
}

function metadataOf({ shape, vocab, special, chatTemplate, contextLength, kind }: {
  shape: TinyShape; vocab: TinyVocab; special: TinyModelInfo['specialTokens']; chatTemplate: string; contextLength: number; kind: string;
}): Array<[string, GgufValue]> {
  const arch = shape.architecture;
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  return [
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: `Gantry tiny ${kind} model` }],
    ['general.alignment', u32(32)],
    ['general.file_type', u32(0)],
    [`${arch}.context_length`, u32(contextLength)],
    [`${arch}.embedding_length`, u32(shape.embeddingLength)],
    [`${arch}.block_count`, u32(1)],
    [`${arch}.feed_forward_length`, u32(shape.feedForwardLength)],
    [`${arch}.attention.head_count`, u32(shape.headCount)],
    [`${arch}.attention.head_count_kv`, u32(shape.headCount)],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'float32', value: 1e-6 }],
    [`${arch}.rope.dimension_count`, u32(shape.embeddingLength / shape.headCount)],
    // A huge RoPE base leaves the last rotary pair of each head practically unrotated, which the
    // scripted model's position-independent attention relies on.
    [`${arch}.rope.freq_base`, { type: 'float32', value: 1e12 }],
    [`${arch}.vocab_size`, u32(shape.vocabSize)],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.stored }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: vocab.types }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: [] }],
    ['tokenizer.ggml.bos_token_id', u32(special.bos)],
    ['tokenizer.ggml.eos_token_id', u32(special.eos)],
    ['tokenizer.ggml.padding_token_id', u32(special.pad)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: chatTemplate }],
  ];
}
