import type { Usage } from '../agent/usage.ts';

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

export type PriceTable = Record<string, ModelPrice>;

/**
 * Public list prices (USD per 1M tokens, standard tier) of well-known models as published by
 * their providers in 2025. Prices change: pass `pricing` to override or extend this table.
 * A dated model name (`gpt-4o-2024-08-06`) matches its family by the longest prefix.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'o3': { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
};

/** Finds the price of a model by exact name, else by the longest known prefix. */
export function findPrice(model: string, table: PriceTable): ModelPrice | undefined {
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  if (table[name]) return table[name];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (name.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

export function costOf(usage: Pick<Usage, 'inputTokens' | 'outputTokens'>, price: ModelPrice): number {
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
