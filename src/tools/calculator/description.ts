import { DISPLAY_DIGITS } from './defaults.ts';

/**
 * The calculator's description, written for the model: what to use it for, the syntax that works
 * (checked by the tests), and the limits of one call.
 */
export function describeCalculator({ maxExpressionLength, timeoutMs, precision }: {
  maxExpressionLength: number;
  timeoutMs: number;
  precision: number;
}): string {
  return [
    'Evaluates a math expression exactly and returns its value as text. Use it for every calculation instead of working numbers out yourself.',
    `Numbers are exact decimals of up to ${precision} significant digits (0.1 + 0.2 gives 0.3${precision >= 31 ? ', 2^100 gives all 31 digits' : ''}). ` +
      `Values that cannot be exact (1/3, sqrt(2), pi) or have more digits are rounded and shown to ${Math.min(DISPLAY_DIGITS, precision)} significant digits; ` +
      'tiny leftovers such as 3e-64 from sin(pi) are rounding noise for 0.',
    'Operators: + - * / ^, n! (factorial), mod, parentheses, 1.5e6, comparisons (< <= == !=) giving true or false.',
    'Percent: 15% is 0.15; 80 * 15% = 12; 200 + 10% = 220 and 200 - 10% = 180 (adds or subtracts that share of the left side). Between two numbers, x % y is the remainder. "of" is not understood: write 15% * 80.',
    'Units: 5 km to mile, 60 km/h to m/s, 100 degF to degC, 3 ft + 4 inch, 2 hour to minute, 1 GB to MB. Write minute, not min (min is the minimum function).',
    'Matrices: [1, 2; 3, 4] (";" separates rows), products such as [1, 2; 3, 4] * [5; 6] and [1, 2] * [3; 4], det, inv, transpose, dot, cross, identity(3), size.',
    'Functions: sqrt, cbrt, nthRoot(x, n), abs, exp, log(x) (natural), log(x, base), log10, log2, sin, cos, tan, asin, acos, atan (radians, or degrees as sin(30 deg)), factorial, gcd, lcm, combinations(n, k), permutations(n, k), isPrime, round(x, digits), floor, ceil, min, max, sum, prod, mean, median, mode, std, variance. Constants: pi, e, i.',
    'Statements separated by ";" or new lines may define variables for that one call: r = 3; pi * r^2. Nothing is remembered between calls.',
    `Limits: ${maxExpressionLength} characters per expression and ${timeoutMs} ms of computing time.`,
    'An error says what to change: fix the expression and call again.',
  ].join('\n');
}
