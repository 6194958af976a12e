/**
 * Turns what mathjs throws into messages a model can act on: what went wrong, where, and what to
 * send instead.
 */

const SYMBOL_HINT =
  'Use numbers, units and functions such as sqrt, log, sin; variables exist only within one expression (r = 2; pi * r^2).';

const FUNCTION_HINT = 'Use the functions listed in the tool description, such as sqrt, log, round, det.';

/** Thrown when an expression names a function the calculator disables; its message is final. */
export class DisabledFunctionError extends Error {
  constructor(functionName: string) {
    super(`Function ${functionName} is disabled in the calculator, which only computes values.`);
    this.name = new.target.name;
  }
}

/** Characters of the expression shown on each side of a syntax error. */
const EXCERPT_RADIUS = 40;

export function describeMathError({ error, expression }: { error: unknown; expression: string }): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DisabledFunctionError) return message;
  if (error instanceof SyntaxError) {
    const position = (error as SyntaxError & { char?: unknown }).char;
    return typeof position === 'number'
      ? `Syntax error: ${message}, marked ⟨here⟩: ${markPosition({ expression, position })}`
      : `Syntax error: ${withPeriod(message)}`;
  }
  const undefinedSymbol = /^Undefined symbol (\S+)$/.exec(message);
  if (undefinedSymbol) return `Undefined symbol ${undefinedSymbol[1]}. ${SYMBOL_HINT}`;
  const undefinedFunction = /^Undefined function (\S+)$/.exec(message);
  if (undefinedFunction) return `Undefined function ${undefinedFunction[1]}. ${FUNCTION_HINT}`;
  if (error instanceof RangeError && /call stack/i.test(message)) {
    return 'The expression recursed too deeply (maximum call stack size exceeded); a function that calls itself never stops.';
  }
  if (/actual: function/.test(message)) {
    return `Cannot evaluate the expression: ${withPeriod(message)} A function name was used as a value: call it with parentheses, e.g. sqrt(4); for minutes write minute, not min.`;
  }
  return `Cannot evaluate the expression: ${withPeriod(message)}`;
}

/** The expression around a 1-based character position, with the position marked. */
function markPosition({ expression, position }: { expression: string; position: number }): string {
  const index = Math.min(Math.max(position - 1, 0), expression.length);
  const start = Math.max(0, index - EXCERPT_RADIUS);
  const end = Math.min(expression.length, index + EXCERPT_RADIUS);
  const before = (start > 0 ? '…' : '') + expression.slice(start, index);
  const after = expression.slice(index, end) + (end < expression.length ? '…' : '');
  return `${before}⟨here⟩${after}`.replaceAll('\n', ' ');
}

function withPeriod(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}
