import type { BigNumber, MathJsInstance } from 'mathjs';
import type { ToolFailure } from '../tool.ts';
import { DISPLAY_DIGITS, MAX_RESULT_CHARS } from './defaults.ts';

/** A successful evaluation: the value as text, ready for the model. */
export interface CalculatorResult {
  ok: true;
  /** The value, e.g. `1267650600228229401496703205376`, `3.1068559611866698481 mile`, `[[-2, 1], [1.5, -0.5]]`. */
  result: string;
  /** The mathjs type of the value: `BigNumber`, `Unit`, `DenseMatrix`, `Complex`, `boolean`, `string`, `ResultSet`, ... */
  type: string;
}

/** What one evaluation produces: a result, or a failure written for the model. */
export type Evaluation = CalculatorResult | ToolFailure;

const FUNCTION_RESULT =
  'The expression is a function, not a value: call it with arguments, e.g. sqrt(16) rather than sqrt.';
const NO_RESULT =
  'The expression produced no value. A statement ending in ";" hides its result: remove the last semicolon.';

/**
 * Renders a value for the model. Exact numbers are shown in full (`2^100`, `0.1 + 0.2` = `0.3`);
 * numbers that had to be rounded to `precision` digits (1/3, sqrt(2), pi) are shown to
 * `DISPLAY_DIGITS` significant digits. Several statements give one line per value.
 */
export function formatResult({ value, math, precision }: { value: unknown; math: MathJsInstance; precision: number }): Evaluation {
  const values = math.isResultSet(value) ? value.entries : [value];
  if (values.length === 0) return { ok: false, error: NO_RESULT };
  const last = values[values.length - 1];
  if (values.length === 1 && typeof last === 'function') return { ok: false, error: FUNCTION_RESULT };
  if (last === undefined || last === null) return { ok: false, error: NO_RESULT };
  const text = values.map((entry) => formatValue({ value: entry, math, precision })).join('\n');
  return { ok: true, result: capLength(text), type: typeName(math, values.length === 1 ? last : value) };
}

/** Like `math.typeOf`, which in the single-file build reports two classes by their minified names. */
function typeName(math: MathJsInstance, value: unknown): string {
  if (math.isResultSet(value)) return 'ResultSet';
  if (math.isIndex(value)) return 'Index';
  return math.typeOf(value);
}

function formatValue({ value, math, precision }: { value: unknown; math: MathJsInstance; precision: number }): string {
  // Strings come from format(), bin() or hex(); quotes around them would only be noise.
  if (typeof value === 'string') return value;
  return math.format(value, (scalar: unknown) => {
    if (math.isBigNumber(scalar)) return formatBigNumber({ value: scalar, precision });
    if (typeof scalar === 'number') return formatNumber(scalar);
    return math.format(scalar);
  });
}

function formatBigNumber({ value, precision }: { value: BigNumber; precision: number }): string {
  if (!value.isFinite()) return value.toString();
  if (value.isZero()) return '0';
  // Fewer significant digits than the precision means no rounding happened, unless the value has
  // more integer digits than the precision: those trailing zeros may be rounding.
  const exact = value.sd() < precision && value.e < precision;
  if (!exact) return value.toSignificantDigits(Math.min(DISPLAY_DIGITS, precision)).toString();
  const trailingZeros = value.e + 1 - value.sd();
  // Exact values print every digit, except powers like 10^1000 and tiny values, which read better as 1e+1000.
  return value.e > -7 && trailingZeros <= 20 ? value.toFixed() : value.toExponential();
}

/** Plain JavaScript numbers appear in complex numbers and a few functions; 15 digits hide binary noise. */
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

function capLength(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  return (
    `${text.slice(0, MAX_RESULT_CHARS)}…\n[Result cut at ${MAX_RESULT_CHARS} of ${text.length} characters. ` +
    'Ask for a smaller part instead: a few rows, a sum, a count, or a rounded value.]'
  );
}
