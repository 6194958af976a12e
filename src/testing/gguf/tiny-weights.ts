// The tensors of the tiny one-block models: seeded random ones, and hand-set "scripted" ones whose
// greedy output is a fixed token sequence.
import type { GgufTensor } from './gguf-writer.ts';

export interface TinyShape {
  embeddingLength: number;
  headCount: number;
  feedForwardLength: number;
  vocabSize: number;
  architecture: 'qwen2' | 'llama';
}

/** A weight matrix in ggml's layout: `dims` = [inputs, outputs], so output row `o` starts at `o * inputs`. */
class Matrix {
  readonly data: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  constructor(inputs: number, outputs: number) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.data = new Float32Array(inputs * outputs);
  }
  set(output: number, input: number, value: number): void {
    this.data[output * this.inputs + input] = value;
  }
}

interface BlockTensors {
  tokenEmbedding: Matrix; // [embedding, vocab]: row t is token t's embedding.
  query: Matrix; key: Matrix; value: Matrix; attentionOutput: Matrix;
  gate: Matrix; up: Matrix; down: Matrix;
  output: Matrix; // [embedding, vocab]: row t gives token t's logit.
}

function emptyTensors(shape: TinyShape): BlockTensors {
  const { embeddingLength: width, feedForwardLength: ffn, vocabSize } = shape;
  return {
    tokenEmbedding: new Matrix(width, vocabSize),
    query: new Matrix(width, width), key: new Matrix(width, width), value: new Matrix(width, width), attentionOutput: new Matrix(width, width),
    gate: new Matrix(width, ffn), up: new Matrix(width, ffn), down: new Matrix(ffn, width),
    output: new Matrix(width, vocabSize),
  };
}

/** Lays the tensors out under llama.cpp's names; norms are all ones and biases all zeros. */
function toGguf(shape: TinyShape, tensors: BlockTensors): GgufTensor[] {
  const width = shape.embeddingLength;
  const ones = () => new Float32Array(width).fill(1);
  const matrix = (name: string, value: Matrix): GgufTensor => ({ name, dims: [value.inputs, value.outputs], data: value.data });
  const result: GgufTensor[] = [
    matrix('token_embd.weight', tensors.tokenEmbedding),
    { name: 'output_norm.weight', dims: [width], data: ones() },
    matrix('output.weight', tensors.output),
    { name: 'blk.0.attn_norm.weight', dims: [width], data: ones() },
    matrix('blk.0.attn_q.weight', tensors.query),
    matrix('blk.0.attn_k.weight', tensors.key),
    matrix('blk.0.attn_v.weight', tensors.value),
    matrix('blk.0.attn_output.weight', tensors.attentionOutput),
    { name: 'blk.0.ffn_norm.weight', dims: [width], data: ones() },
    matrix('blk.0.ffn_gate.weight', tensors.gate),
    matrix('blk.0.ffn_up.weight', tensors.up),
    matrix('blk.0.ffn_down.weight', tensors.down),
  ];
  if (shape.architecture === 'qwen2') {
    for (const name of ['q', 'k', 'v']) result.push({ name: `blk.0.attn_${name}.bias`, dims: [width], data: new Float32Array(width) });
  }
  return result;
}

/**
 * Gaussian weights from a seeded PRNG, so the same seed always gives the same file. Embedding
 * dimension 0 is a large constant that the output layer turns into a bias towards `preferredTokens`:
 * without it, strings and numbers under a JSON grammar would rarely end.
 */
export function randomWeights({ shape, seed, preferredTokens }: { shape: TinyShape; seed: number; preferredTokens: readonly number[] }): GgufTensor[] {
  const next = gaussian(seed);
  const tensors = emptyTensors(shape);
  const fill = (target: Matrix, scale: number) => {
    for (let index = 0; index < target.data.length; index++) target.data[index] = next() * scale;
  };
  fill(tensors.tokenEmbedding, 1);
  for (const target of [tensors.query, tensors.key, tensors.value, tensors.attentionOutput, tensors.gate, tensors.up, tensors.down, tensors.output]) fill(target, 1 / Math.sqrt(target.inputs));
  for (let token = 0; token < shape.vocabSize; token++) {
    tensors.tokenEmbedding.set(token, 0, 4);
    tensors.output.set(token, 0, 0);
  }
  for (const token of preferredTokens) tensors.output.set(token, 0, 2);
  return toGguf(shape, tensors);
}

/**
 * Weights whose greedy continuation is fixed. Each token embeds as a one-hot "which token" plus a
 * constant dimension; the output layer maps each scripted piece to its successor, any other token
 * to the first piece of `script`, and the last piece to `endToken`. One attention head looks for
 * `toolResponseToken` anywhere before (its key is the only non-zero one) and, when found, writes a
 * "seen" dimension that switches the start from `script` to `answer`. The FFN is zero. RMS norms
 * only rescale these sparse vectors, so the margins below survive them.
 */
export function scriptedWeights({ shape, scriptTokens, answerTokens, endToken, toolResponseToken, newlineToken }: {
  shape: TinyShape; scriptTokens: readonly number[]; answerTokens: readonly number[]; endToken: number; toolResponseToken: number; newlineToken: number;
}): GgufTensor[] {
  const width = shape.embeddingLength;
  const headWidth = width / shape.headCount;
  const pieces = [...scriptTokens, ...answerTokens];
  const other = pieces.length, constant = other + 1, seen = other + 2, flag = other + 3;
  const tensors = emptyTensors(shape);

  for (let token = 0; token < shape.vocabSize; token++) {
    const index = pieces.indexOf(token);
    tensors.tokenEmbedding.set(token, index >= 0 ? index : other, 1);
    tensors.tokenEmbedding.set(token, constant, 1);
    if (token === toolResponseToken) tensors.tokenEmbedding.set(token, flag, 1);
  }

  // After the attention RMS norm, a two-dimension token has sqrt(width/2) in each active dimension and
  // the flag token (three dimensions) sqrt(width/3). The query/key dimension is the last of head 0,
  // which sits in the last rotary pair for both RoPE layouts: with the huge base it barely rotates.
  const queryKeyDimension = headWidth - 1;
  const targetScore = 40;
  const queryKeyGain = Math.sqrt((targetScore * Math.sqrt(headWidth)) / (Math.sqrt(width / 2) * Math.sqrt(width / 3)));
  tensors.query.set(queryKeyDimension, constant, queryKeyGain);
  tensors.key.set(queryKeyDimension, flag, queryKeyGain);
  tensors.value.set(0, flag, 1 / Math.sqrt(width / 3));
  tensors.attentionOutput.set(seen, 0, 1);

  const gain = 3;
  const successor = (from: readonly number[], position: number) => from[position + 1] ?? endToken;
  for (const sequence of [scriptTokens, answerTokens]) {
    sequence.forEach((token, position) => tensors.output.set(successor(sequence, position), pieces.indexOf(token), 2 * gain));
  }
  tensors.output.set(scriptTokens[0]!, other, gain);
  if (answerTokens.length > 0) {
    tensors.output.set(scriptTokens[0]!, seen, -gain);
    tensors.output.set(answerTokens[0]!, seen, gain);
  }
  // A small preference for the scripted pieces, then "\n", decides among the tokens a grammar still
  // allows when it rules out the successor (node-llama-cpp's function-call grammars end the name
  // with "\n" and the arguments with "\n\n\n\n").
  for (const token of scriptTokens) tensors.output.set(token, constant, 0.3);
  tensors.output.set(newlineToken, constant, 0.15);
  return toGguf(shape, tensors);
}

/** Standard normal samples from mulberry32 and Box-Muller. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (((value ^ (value >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
