import { z } from 'zod';
import { UserError } from '../../agent/errors.ts';
import { tool, type Tool, type ToolFailure } from '../tool.ts';
import {
  DEFAULT_CALCULATOR_TIMEOUT_MS,
  DEFAULT_MAX_EXPRESSION_LENGTH,
  DEFAULT_PRECISION,
  MAX_PRECISION,
} from './defaults.ts';
import { describeCalculator } from './description.ts';
import { EvaluationWorker } from './evaluation-worker.ts';
import type { CalculatorResult } from './format-result.ts';

export interface CalculatorOptions {
  /** Longest expression accepted, in characters; a longer one is refused with a message naming the limit. Default 1000. */
  maxExpressionLength?: number;
  /** Computing time allowed per call, in milliseconds; a slower expression is stopped and reported. Default 2000. */
  timeoutMs?: number;
  /** Significant digits of the BigNumber arithmetic; integers and decimals up to this length stay exact. Default 64. */
  precision?: number;
}

export interface EvaluateExpressionOptions extends CalculatorOptions {
  /** Aborting stops the evaluation and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The calculator's input: one expression, described for the model. */
export const calculatorInput = z.object({
  expression: z
    .string()
    .describe(
      'One math expression in mathjs syntax, e.g. "(1 + 5%) ^ 10 * 2500", "5 km to mile" or "det([1, 2; 3, 4])". ' +
        'Only the expression: no words, no "=" at the end.',
    ),
});

export type CalculatorInput = z.infer<typeof calculatorInput>;

type CalculatorSettings = Required<CalculatorOptions>;

const DEFAULT_SETTINGS: CalculatorSettings = {
  maxExpressionLength: DEFAULT_MAX_EXPRESSION_LENGTH,
  timeoutMs: DEFAULT_CALCULATOR_TIMEOUT_MS,
  precision: DEFAULT_PRECISION,
};

/** Serves `calculator` and `evaluateExpression`; its process starts on first use. */
const defaultWorker = new EvaluationWorker({ precision: DEFAULT_PRECISION });

/**
 * Evaluates a math expression in the calculator's worker, without the tool wrapper. Resolves with
 * `{ ok: true, result, type }` or a `ToolFailure` whose message tells the model what to change
 * (syntax, unknown symbol, length, time or memory limit); rejects with `signal.reason` on abort
 * and with a `UserError` for invalid options.
 */
export async function evaluateExpression(
  expression: string,
  options: EvaluateExpressionOptions = {},
): Promise<CalculatorResult | ToolFailure> {
  const settings = resolveSettings(options);
  return calculate({ worker: defaultWorker, expression, settings, signal: options.signal });
}

/**
 * Creates a `calculator` tool with its own worker process (started on first use). The model gets
 * the value as text (`1267650600228229401496703205376`, `3.1068559611866698481 mile`) or a
 * failure it can act on. Throws a `UserError` for invalid options.
 */
export function createCalculator(options: CalculatorOptions = {}): Tool<CalculatorInput, string | ToolFailure> {
  const settings = resolveSettings(options);
  return calculatorTool({ settings, worker: new EvaluationWorker({ precision: settings.precision }) });
}

/** The built-in calculator with the default limits: 1000 characters, 2000 ms, 64 digits. */
export const calculator: Tool<CalculatorInput, string | ToolFailure> = calculatorTool({
  settings: DEFAULT_SETTINGS,
  worker: defaultWorker,
});

function calculatorTool({ settings, worker }: { settings: CalculatorSettings; worker: EvaluationWorker }) {
  return tool({
    name: 'calculator',
    description: describeCalculator(settings),
    schema: calculatorInput,
    async execute({ expression }, { signal }): Promise<string | ToolFailure> {
      const evaluation = await calculate({ worker, expression, settings, signal });
      return evaluation.ok ? evaluation.result : evaluation;
    },
  });
}

async function calculate({ worker, expression, settings, signal }: {
  worker: EvaluationWorker;
  expression: string;
  settings: CalculatorSettings;
  signal: AbortSignal | undefined;
}): Promise<CalculatorResult | ToolFailure> {
  if (expression.trim() === '') {
    return { ok: false, error: 'The expression is empty. Send one math expression, e.g. "2 * (3 + 4)" or "5 km to mile".' };
  }
  if (expression.length > settings.maxExpressionLength) {
    return {
      ok: false,
      error:
        `The expression is ${expression.length} characters long; the calculator accepts at most ${settings.maxExpressionLength}. ` +
        'Split the calculation into steps and call the calculator once per step.',
    };
  }
  return worker.evaluate({ expression, precision: settings.precision, timeoutMs: settings.timeoutMs, signal });
}

function resolveSettings(options: CalculatorOptions): CalculatorSettings {
  const settings = {
    maxExpressionLength: options.maxExpressionLength ?? DEFAULT_SETTINGS.maxExpressionLength,
    timeoutMs: options.timeoutMs ?? DEFAULT_SETTINGS.timeoutMs,
    precision: options.precision ?? DEFAULT_SETTINGS.precision,
  };
  assertInteger({ name: 'maxExpressionLength', value: settings.maxExpressionLength, min: 1, max: Number.MAX_SAFE_INTEGER });
  // setTimeout fires at once for delays beyond 2^31 - 1 ms.
  assertInteger({ name: 'timeoutMs', value: settings.timeoutMs, min: 1, max: 2 ** 31 - 1 });
  assertInteger({ name: 'precision', value: settings.precision, min: 1, max: MAX_PRECISION });
  return settings;
}

function assertInteger({ name, value, min, max }: { name: string; value: number; min: number; max: number }): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`Calculator option ${name} must be an integer from ${min} to ${max}; got ${String(value)}.`, {
      context: { option: name, value },
    });
  }
}
