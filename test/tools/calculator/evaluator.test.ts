import { describe, expect, it } from 'vitest';
import { DISABLED_FUNCTIONS, evaluateHardened } from '../../../src/tools/calculator/evaluator.ts';

function evaluate(expression: string, precision = 64) {
  return evaluateHardened({ expression, precision });
}

/** The result text of a successful evaluation; fails the test with the error otherwise. */
function result(expression: string, precision = 64): string {
  const evaluation = evaluate(expression, precision);
  if (!evaluation.ok) throw new Error(`${expression} failed: ${evaluation.error}`);
  return evaluation.result;
}

function error(expression: string): string {
  const evaluation = evaluate(expression);
  if (evaluation.ok) throw new Error(`${expression} succeeded with ${evaluation.result}`);
  return evaluation.error;
}

describe('exact arithmetic', () => {
  it('keeps decimals and big integers exact', () => {
    expect(evaluate('0.1 + 0.2')).toEqual({ ok: true, result: '0.3', type: 'BigNumber' });
    expect(result('2^100')).toEqual((2n ** 100n).toString());
    expect(result('12345678901234567890 * 98765432109876543210')).toEqual(
      (12345678901234567890n * 98765432109876543210n).toString(),
    );
    expect(result('factorial(40)')).toEqual(factorial(40n).toString());
    expect(result('123456789012345678901234567890')).toEqual('123456789012345678901234567890');
    expect(result('(1 + 5%) ^ 10 * 2500')).toEqual('4072.236566943603515625');
  });

  it('rounds values that cannot be exact to 20 significant digits', () => {
    expect(result('1/3')).toEqual('0.33333333333333333333');
    expect(result('sqrt(2)')).toEqual('1.4142135623730950488');
    expect(result('pi')).toEqual('3.1415926535897932385');
    expect(result('r = 3; pi * r^2')).toEqual('28.274333882308139146');
    // More integer digits than the precision: possibly rounded, so shown like any rounded value.
    expect(result('2^300')).toEqual('2.0370359763344860863e+90');
    expect(result('factorial(50)')).toEqual('3.0414093201713378044e+64');
    expect(result('factorial(50)', 100)).toEqual(factorial(50n).toString());
  });

  it('writes powers of ten and tiny values in exponent notation', () => {
    expect(result('10^20')).toEqual('100000000000000000000');
    expect(result('10^21')).toEqual('1e+21');
    expect(result('10^1000')).toEqual('1e+1000');
    expect(result('0.000001')).toEqual('0.000001');
    expect(result('1e-10')).toEqual('1e-10');
  });

  it('reports infinities, NaN and a positive zero', () => {
    expect(result('1/0')).toEqual('Infinity');
    expect(result('-1/0')).toEqual('-Infinity');
    expect(result('0/0')).toEqual('NaN');
    expect(result('-0')).toEqual('0');
  });

  it('follows the precision option', () => {
    expect(result('1/3', 10)).toEqual('0.3333333333');
    expect(result('2^100', 10)).toEqual('1.2676506e+30');
    expect(result('2^100', 100)).toEqual('1267650600228229401496703205376');
  });
});

describe('the syntax the tool description promises', () => {
  it.each([
    ['5 km to mile', '3.1068559611866698481 mile'],
    ['60 km/h to m/s', '16.666666666666666667 m / s'],
    ['100 degF to degC', '37.777777777777777778 degC'],
    ['3 ft + 4 inch', '3.3333333333333333333 ft'],
    ['2 hour to minute', '120 minute'],
    ['1 GB to MB', '1000 MB'],
    ['5 km + 3 m', '5.003 km'],
  ])('converts units: %s = %s', (expression, expected) => {
    expect(evaluate(expression)).toEqual({ ok: true, result: expected, type: 'Unit' });
  });

  it.each([
    ['15%', '0.15'],
    ['80 * 15%', '12'],
    ['200 + 10%', '220'],
    ['200 - 10%', '180'],
    ['5 % 3', '2'],
    ['10 mod 3', '1'],
  ])('handles percentages and remainders: %s = %s', (expression, expected) => {
    expect(result(expression)).toEqual(expected);
  });

  it.each([
    ['det([1, 2; 3, 4])', '-2'],
    ['inv([1, 2; 3, 4])', '[[-2, 1], [1.5, -0.5]]'],
    ['[1, 2] * [3; 4]', '[11]'],
    ['[1, 2; 3, 4] * [5; 6]', '[[17], [39]]'],
    ['transpose([1, 2; 3, 4])', '[[1, 3], [2, 4]]'],
    ['[1, 2; 3, 4]^2', '[[7, 10], [15, 22]]'],
    ['dot([1, 2, 3], [4, 5, 6])', '32'],
    ['cross([1, 0, 0], [0, 1, 0])', '[0, 0, 1]'],
    ['identity(2)', '[[1, 0], [0, 1]]'],
    ['size([1, 2; 3, 4])', '[2, 2]'],
    ['[1/3, 2]', '[0.33333333333333333333, 2]'],
  ])('computes with matrices: %s = %s', (expression, expected) => {
    expect(result(expression)).toEqual(expected);
  });

  it.each([
    ['sqrt(16)', '4'], ['cbrt(27)', '3'], ['nthRoot(27, 3)', '3'], ['abs(-2.5)', '2.5'],
    ['exp(1)', '2.7182818284590452354'], ['log(e)', '1'], ['log(100, 10)', '2'], ['log10(1000)', '3'],
    ['log2(8)', '3'], ['sin(pi/6)', '0.5'], ['sin(30 deg)', '0.5'], ['tan(45 deg)', '1'],
    ['asin(1)', '1.5707963267948966192'], ['factorial(20)', '2432902008176640000'], ['5!', '120'],
    ['gcd(12, 18)', '6'], ['lcm(4, 6)', '12'], ['combinations(10, 3)', '120'], ['permutations(5, 2)', '20'],
    ['isPrime(97)', 'true'], ['round(3.14159, 2)', '3.14'], ['round(1/3, 4)', '0.3333'], ['floor(-2.5)', '-3'],
    ['ceil(2.1)', '3'], ['max(3, 7, 2)', '7'], ['sum([1, 2, 3])', '6'], ['prod([1, 2, 3, 4])', '24'],
    ['mean([1, 2, 3, 4])', '2.5'], ['median([1, 2, 3, 4])', '2.5'], ['mode([1, 2, 2, 3])', '[2]'],
    ['std([1, 2, 3, 4])', '1.2909944487358056284'], ['variance([1, 2, 3, 4])', '1.6666666666666666667'],
    ['1.5e6', '1500000'], ['2 < 1', 'false'], ['0.1 + 0.2 == 0.3', 'true'],
  ])('applies functions: %s = %s', (expression, expected) => {
    expect(result(expression)).toEqual(expected);
  });

  it('returns complex numbers, strings and booleans with their types', () => {
    expect(evaluate('sqrt(-4)')).toEqual({ ok: true, result: '2i', type: 'Complex' });
    expect(evaluate('2 + 3i')).toEqual({ ok: true, result: '2 + 3i', type: 'Complex' });
    expect(evaluate('hex(255)')).toEqual({ ok: true, result: '0xff', type: 'string' });
    expect(evaluate('2 == 2')).toEqual({ ok: true, result: 'true', type: 'boolean' });
  });

  it('shows one line per visible statement, and keeps nothing between calls', () => {
    expect(evaluate('1 + 1\n2 * 3')).toEqual({ ok: true, result: '2\n6', type: 'ResultSet' });
    expect(result('x = 5')).toEqual('5');
    expect(error('x')).toMatchInlineSnapshot(
      `"Undefined symbol x. Use numbers, units and functions such as sqrt, log, sin; variables exist only within one expression (r = 2; pi * r^2)."`,
    );
  });
});

describe('errors the model can act on', () => {
  it('names unknown symbols and functions', () => {
    expect(error('foo + 1')).toMatchInlineSnapshot(
      `"Undefined symbol foo. Use numbers, units and functions such as sqrt, log, sin; variables exist only within one expression (r = 2; pi * r^2)."`,
    );
    expect(error('15% of 80')).toMatchInlineSnapshot(
      `"Undefined symbol of. Use numbers, units and functions such as sqrt, log, sin; variables exist only within one expression (r = 2; pi * r^2)."`,
    );
    expect(error('sqr(4)')).toMatchInlineSnapshot(
      `"Undefined function sqr. Use the functions listed in the tool description, such as sqrt, log, round, det."`,
    );
  });

  it('marks the position of a syntax error', () => {
    expect(error('2 +* 3')).toMatchInlineSnapshot(`"Syntax error: Value expected (char 4), marked ⟨here⟩: 2 +⟨here⟩* 3"`);
    expect(error('2 * (3 + ')).toMatchInlineSnapshot(
      `"Syntax error: Unexpected end of expression (char 10), marked ⟨here⟩: 2 * (3 + ⟨here⟩"`,
    );
    expect(error(`${'1 + '.repeat(30)}* 2`)).toMatchInlineSnapshot(
      `"Syntax error: Value expected (char 121), marked ⟨here⟩: …1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + ⟨here⟩* 2"`,
    );
  });

  it('explains type and unit mismatches, recursion and values that are not numbers', () => {
    expect(error('1 kg + 1 m')).toMatchInlineSnapshot(`"Cannot evaluate the expression: Units do not match."`);
    expect(error('1 hour + 30 min')).toMatchInlineSnapshot(
      `"Cannot evaluate the expression: Unexpected type of argument in function multiplyScalar (expected: BigNumber or Unit or number or bigint or Fraction or string or boolean or Complex, actual: function, index: 1). A function name was used as a value: call it with parentheses, e.g. sqrt(4); for minutes write minute, not min."`,
    );
    expect(error('f(x) = f(x); f(1)')).toMatchInlineSnapshot(
      `"The expression recursed too deeply (maximum call stack size exceeded); a function that calls itself never stops."`,
    );
    expect(error('sqrt')).toMatchInlineSnapshot(
      `"The expression is a function, not a value: call it with arguments, e.g. sqrt(16) rather than sqrt."`,
    );
    expect(error('a = 1;')).toMatchInlineSnapshot(
      `"The expression produced no value. A statement ending in ";" hides its result: remove the last semicolon."`,
    );
  });

  it('cuts a result longer than 10,000 characters and says what to ask for', () => {
    const evaluation = evaluate('ones(200, 60)');
    if (!evaluation.ok) throw new Error(evaluation.error);
    const [kept, note] = evaluation.result.split('…\n');
    expect(kept).toHaveLength(10_000);
    expect(kept?.startsWith('[[1, 1, 1')).toBe(true);
    expect(note).toMatchInlineSnapshot(
      `"[Result cut at 10000 of 36400 characters. Ask for a smaller part instead: a few rows, a sum, a count, or a rounded value.]"`,
    );
  });
});

describe('hardening', () => {
  it.each(DISABLED_FUNCTIONS.filter((name) => name !== 'chain'))('refuses %s', (name) => {
    expect(error(`${name}("2 + 3")`)).toEqual(`Function ${name} is disabled in the calculator, which only computes values.`);
  });

  it('refuses chain, which mathjs already keeps out of expressions', () => {
    expect(error('chain(3)')).toMatchInlineSnapshot(
      `"Undefined function chain. Use the functions listed in the tool description, such as sqrt, log, round, det."`,
    );
  });

  it.each(['config({number: "number"})', 'typed("f", {})', 'map([1], config)', 'x = typed'])(
    'refuses config and typed, which cannot be replaced: %s',
    (expression) => {
      expect(error(expression)).toMatch(/^Function (config|typed) is disabled in the calculator/);
    },
  );

  it('keeps its configuration after attempts to change it', () => {
    error('config({number: "number", precision: 4})');
    error('import({sqrt: 1}, {override: true})');
    expect(result('1/3')).toEqual('0.33333333333333333333');
    expect(result('sqrt(16)')).toEqual('4');
  });

  it.each([
    ['[].constructor', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['"".constructor', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['{}["constructor"]', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['{}.__proto__', 'Cannot evaluate the expression: No access to property "__proto__".'],
    ['x = {}; x.__proto__.polluted = 1', 'Cannot evaluate the expression: No access to property "__proto__".'],
    ['f(x) = x; f.constructor', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['unit("5 km").constructor', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['bignumber(1).constructor', 'Cannot evaluate the expression: No access to property "constructor".'],
    ['ones(2, 2)._data', 'Cannot evaluate the expression: No access to property "_data".'],
    ['sqrt.call(1, 4)', 'Cannot evaluate the expression: No access to method "call".'],
    ['sqrt.bind', 'Cannot evaluate the expression: No access to property "bind".'],
    ['toString', 'Cannot evaluate the expression: Cannot access method "toString" as a property.'],
  ])('blocks access to JavaScript internals: %s', (expression, message) => {
    expect(error(expression)).toEqual(message);
  });

  it.each([
    '"".constructor.constructor("globalThis.pwned = 1")()',
    'cos.constructor("globalThis.pwned = 1")()',
    'f = cos.constructor; f("globalThis.pwned = 1")()',
    '[].constructor.constructor("globalThis.pwned = 1")()',
  ])('does not run code through the Function constructor: %s', (expression) => {
    expect(evaluate(expression).ok).toBe(false);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it('does not pollute Object.prototype through object literals', () => {
    expect(error('x = {"__proto__": {"polluted": 1}}; x.polluted')).toMatchInlineSnapshot(
      `"The expression produced no value. A statement ending in ";" hides its result: remove the last semicolon."`,
    );
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each(['this', 'globalThis', 'process', 'require'])('has no %s', (name) => {
    expect(error(`${name}`)).toEqual(
      `Undefined symbol ${name}. Use numbers, units and functions such as sqrt, log, sin; variables exist only within one expression (r = 2; pi * r^2).`,
    );
  });
});

function factorial(n: bigint): bigint {
  return n <= 1n ? 1n : n * factorial(n - 1n);
}
