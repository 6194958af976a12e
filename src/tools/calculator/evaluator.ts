import { createRequire } from 'node:module';
import type { ConfigOptions, MathJsInstance, MathNode } from 'mathjs';
import { DisabledFunctionError, describeMathError } from './error-messages.ts';
import { formatResult, type Evaluation } from './format-result.ts';

/**
 * Functions replaced by stubs that throw, following the mathjs security guide
 * (https://mathjs.org/docs/expressions/security.html): `import` and `createUnit` change the
 * instance for every later call, `reviver` builds objects from JSON, and the rest parse strings
 * into expression trees that could be manipulated. None is needed to compute a value.
 */
export const DISABLED_FUNCTIONS = [
  'import', 'createUnit', 'reviver', 'evaluate', 'parse', 'compile', 'parser', 'simplify',
  'simplifyConstant', 'simplifyCore', 'derivative', 'resolve', 'rationalize', 'leafCount',
  'symbolicEqual', 'chain', 'help',
] as const;

/**
 * Functions mathjs itself calls internally, so they cannot be replaced like the ones above;
 * expressions naming them are refused before evaluation instead. `config` would change the
 * precision or number type for every later call on the reused worker.
 */
export const REFUSED_SYMBOLS: ReadonlySet<string> = new Set(['config', 'typed']);

/** A mathjs instance whose expressions cannot reach the functions above. */
export interface HardenedMath {
  /** The instance, used to inspect and format values; its dangerous functions are stubs. */
  readonly math: MathJsInstance;
  /** Evaluates one expression (or several, separated by `;` or newlines) in a fresh, empty scope. */
  evaluate(expression: string): unknown;
}

const require = createRequire(import.meta.url);
// mathjs's single-file build loads in about 0.1 s, where the default build reads ~1,000 files and
// takes about 1 s; every fresh worker (first call, and after each timeout) pays that cost.
const bundledMath = require('mathjs/lib/browser/math.js') as MathJsInstance;

/** Creates a BigNumber instance of mathjs with the dangerous functions out of reach. */
export function createHardenedMath(precision: number): HardenedMath {
  const math = createMathInstance({ number: 'BigNumber', precision });
  // Taken before the stubs replace it, so only this module can still parse. The guide keeps
  // `evaluate` instead; keeping `parse` gives the tree, checked for refused symbols first.
  const parse = math.parse;
  const stubs = Object.fromEntries(DISABLED_FUNCTIONS.map((name) => [name, disabledFunction(name)]));
  math.import(stubs, { override: true });
  return {
    math,
    evaluate(expression) {
      const node = parse(expression);
      refuseSymbols({ math, root: node });
      return node.compile().evaluate(new Map());
    },
  };
}

const instances = new Map<number, HardenedMath>();

/**
 * Evaluates one expression on the current thread and formats the value for the model. Never
 * throws: every failure comes back as a `ToolFailure` written for the model. There is no time
 * or memory limit here; run it in the calculator's worker for those.
 */
export function evaluateHardened({ expression, precision }: { expression: string; precision: number }): Evaluation {
  let hardened = instances.get(precision);
  if (!hardened) {
    hardened = createHardenedMath(precision);
    instances.set(precision, hardened);
  }
  try {
    const value = hardened.evaluate(expression);
    return formatResult({ value, math: hardened.math, precision });
  } catch (error) {
    return { ok: false, error: describeMathError({ error, expression }) };
  }
}

function createMathInstance(config: ConfigOptions): MathJsInstance {
  // An instance's `create` is bound to all of mathjs's factories, so it takes only the config;
  // the published types describe the top-level `create(factories, config)` instead.
  const create = bundledMath.create as unknown as (config: ConfigOptions) => MathJsInstance;
  return create(config);
}

function disabledFunction(name: string): () => never {
  return () => {
    throw new DisabledFunctionError(name);
  };
}

function refuseSymbols({ math, root }: { math: MathJsInstance; root: MathNode }): void {
  root.traverse((node) => {
    if (math.isSymbolNode(node) && REFUSED_SYMBOLS.has(node.name)) {
      throw new DisabledFunctionError(node.name);
    }
  });
}
