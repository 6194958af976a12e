import { CHARS_PER_TOKEN_ESTIMATE } from './constants.ts';

/** Token and cost totals. `estimated` is true when any part came from the local estimate. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Present when the model's price is known (built-in table or the `pricing` option). */
  costUsd?: number;
  estimated?: boolean;
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
  if (a.costUsd !== undefined || b.costUsd !== undefined) sum.costUsd = (a.costUsd ?? 0) + (b.costUsd ?? 0);
  if (a.estimated || b.estimated) sum.estimated = true;
  return sum;
}

/**
 * A local token estimate from character counts, used only when the server reports no usage.
 * It never loads a tokenizer: tokenizers would mean a download, and Gantry never downloads.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE);
}
