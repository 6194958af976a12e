import type { Evaluation } from './format-result.ts';

/** One expression for the worker process to evaluate. */
export interface EvaluationRequest {
  id: number;
  expression: string;
  precision: number;
}

/** What the worker process sends back: `ready` once mathjs is loaded, then one `result` per request. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; evaluation: Evaluation };
