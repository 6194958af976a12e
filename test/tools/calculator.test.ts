import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAbortError } from '../../src/agent/errors.ts';
import { calculator, createCalculator, evaluateExpression } from '../../src/tools/calculator/calculator.ts';
import type { Tool, ToolExecuteOptions } from '../../src/tools/tool.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Takes about 10 s on a 2-core machine, far beyond the limits used here. */
const SLOW = 'det(ones(200, 200) + identity(200))';

function callOptions(signal = new AbortController().signal): ToolExecuteOptions {
  return { toolCallId: 'call_1', runId: 'test-run', signal, context: undefined };
}

async function execute(tool: Tool, expression: string, signal?: AbortSignal): Promise<unknown> {
  return tool.execute({ expression }, callOptions(signal));
}

describe('calculator tool', () => {
  it('is a gantry tool named calculator with a described string input', () => {
    expect(calculator.name).toEqual('calculator');
    expect(calculator.kind).toEqual('gantry-tool');
    expect(z.toJSONSchema(calculator.schema)).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        expression: {
          type: 'string',
          description:
            'One math expression in mathjs syntax, e.g. "(1 + 5%) ^ 10 * 2500", "5 km to mile" or "det([1, 2; 3, 4])". ' +
            'Only the expression: no words, no "=" at the end.',
        },
      },
      required: ['expression'],
      additionalProperties: false,
    });
    expect(calculator.schema.safeParse({ expression: 42 }).success).toBe(false);
  });

  it('tells the model its syntax and its limits', () => {
    const lines = calculator.description.split('\n');
    expect(lines[0]).toEqual(
      'Evaluates a math expression exactly and returns its value as text. Use it for every calculation instead of working numbers out yourself.',
    );
    expect(lines.find((line) => line.startsWith('Percent:'))).toEqual(
      'Percent: 15% is 0.15; 80 * 15% = 12; 200 + 10% = 220 and 200 - 10% = 180 (adds or subtracts that share of the left side). ' +
        'Between two numbers, x % y is the remainder. "of" is not understood: write 15% * 80.',
    );
    expect(lines.find((line) => line.startsWith('Limits:'))).toEqual(
      'Limits: 1000 characters per expression and 2000 ms of computing time.',
    );
    const custom = createCalculator({ maxExpressionLength: 200, timeoutMs: 500, precision: 16 }).description.split('\n');
    expect(custom.find((line) => line.startsWith('Limits:'))).toEqual(
      'Limits: 200 characters per expression and 500 ms of computing time.',
    );
    expect(custom[1]).toEqual(
      'Numbers are exact decimals of up to 16 significant digits (0.1 + 0.2 gives 0.3). Values that cannot be exact (1/3, sqrt(2), pi) ' +
        'or have more digits are rounded and shown to 16 significant digits; tiny leftovers such as 3e-64 from sin(pi) are rounding noise for 0.',
    );
  });

  it('returns the value as text', async () => {
    expect(await execute(calculator, '2^100')).toEqual('1267650600228229401496703205376');
    expect(await execute(calculator, '5 km to mile')).toEqual('3.1068559611866698481 mile');
    expect(await execute(calculator, 'inv([1, 2; 3, 4])')).toEqual('[[-2, 1], [1.5, -0.5]]');
    expect(await execute(calculator, '100 + 10%')).toEqual('110');
  });

  it('returns failures as data for the model', async () => {
    expect(await execute(calculator, 'sqrt(16')).toEqual({
      ok: false,
      error: 'Syntax error: Parenthesis ) expected (char 8), marked ⟨here⟩: sqrt(16⟨here⟩',
    });
    expect(await execute(calculator, '  ')).toEqual({
      ok: false,
      error: 'The expression is empty. Send one math expression, e.g. "2 * (3 + 4)" or "5 km to mile".',
    });
  });

  it('refuses an expression over the length limit, naming the limit and the length sent', async () => {
    const short = createCalculator({ maxExpressionLength: 10 });
    expect(await execute(short, '1 + 2 + 3 + 4')).toEqual({
      ok: false,
      error:
        'The expression is 13 characters long; the calculator accepts at most 10. ' +
        'Split the calculation into steps and call the calculator once per step.',
    });
  });

  it('stops an expression at its time limit (evaluation-worker.test.ts covers what happens next)', async () => {
    const quick = createCalculator({ timeoutMs: 200 });
    expect(await execute(quick, SLOW)).toEqual({
      ok: false,
      error:
        'Evaluation exceeded the 200 ms time limit and was stopped. ' +
        'Simplify the expression: smaller numbers, matrices or ranges, or fewer steps per call.',
    });
  });

  it('rejects with an abort when the run is cancelled', async () => {
    const controller = new AbortController();
    const pending = execute(calculator, SLOW, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const error = await pending.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isAbortError(error)).toBe(true);
    expect(await execute(calculator, '1 + 1')).toEqual('2');
  });

  it('computes with the precision it was given', async () => {
    expect(await execute(createCalculator({ precision: 10 }), '1/3')).toEqual('0.3333333333');
  });

  it('throws a UserError for invalid options', () => {
    expect(() => createCalculator({ timeoutMs: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[UserError: Calculator option timeoutMs must be an integer from 1 to 2147483647; got 0.]`,
    );
    expect(() => createCalculator({ precision: 2.5 })).toThrowErrorMatchingInlineSnapshot(
      `[UserError: Calculator option precision must be an integer from 1 to 10000; got 2.5.]`,
    );
    expect(() => createCalculator({ maxExpressionLength: Number.NaN })).toThrowErrorMatchingInlineSnapshot(
      `[UserError: Calculator option maxExpressionLength must be an integer from 1 to 9007199254740991; got NaN.]`,
    );
  });
});

describe('evaluateExpression', () => {
  it('returns the result with its type, or a failure', async () => {
    expect(await evaluateExpression('0.1 + 0.2')).toEqual({ ok: true, result: '0.3', type: 'BigNumber' });
    expect(await evaluateExpression('det([1, 2; 3, 4])', { precision: 20 })).toEqual({
      ok: true,
      result: '-2',
      type: 'BigNumber',
    });
    expect(await evaluateExpression('1 + 1', { maxExpressionLength: 3 })).toEqual({
      ok: false,
      error:
        'The expression is 5 characters long; the calculator accepts at most 3. ' +
        'Split the calculation into steps and call the calculator once per step.',
    });
  });

  it('rejects with the abort reason', async () => {
    const reason = new Error('stop');
    await expect(evaluateExpression('1 + 1', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('outside vitest, in plain Node', () => {
  it('runs from the TypeScript sources and lets the process exit on its own', async () => {
    const output = await runInNode(new URL('../../src/tools/calculator/calculator.ts', import.meta.url));
    expect(output).toEqual(EXPECTED_OUTPUT);
  });

  it('runs compiled to JavaScript, loading worker.js beside calculator.js', async () => {
    const root = await compileCalculator();
    try {
      expect(await readdir(join(root, 'src/tools/calculator'))).toContain('worker.js');
      const output = await runInNode(pathToFileURL(join(root, 'src/tools/calculator/calculator.js')));
      expect(output).toEqual(EXPECTED_OUTPUT);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

const EXPECTED_OUTPUT = [
  { ok: true, result: '1267650600228229401496703205376', type: 'BigNumber' },
  '3.1068559611866698481 mile',
];

/**
 * Imports the calculator in a fresh Node process, evaluates two expressions and prints them. The
 * process has to exit by itself: a worker process holding it open would hit the 15 s timeout.
 */
async function runInNode(moduleUrl: URL): Promise<unknown> {
  const script = `
    const { evaluateExpression, calculator } = await import(${JSON.stringify(moduleUrl.href)});
    const options = { toolCallId: 'call_1', signal: new AbortController().signal, context: undefined };
    const results = [await evaluateExpression('2^100'), await calculator.execute({ expression: '5 km to mile' }, options)];
    console.log(JSON.stringify(results));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: PROJECT_ROOT,
    timeout: 15_000,
  });
  return JSON.parse(stdout);
}

/**
 * Compiles the calculator and every file it imports to `.js` in a temporary copy of the project
 * layout, the way `tsc -p tsconfig.build.json` does (relative `.ts` imports become `.js`), without
 * depending on the rest of the project building.
 */
async function compileCalculator(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gantry-calculator-'));
  await writeFile(join(root, 'package.json'), '{ "type": "module" }');
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const pending = ['src/tools/calculator/calculator.ts', 'src/tools/calculator/worker.ts'];
  const compiled = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (compiled.has(file)) continue;
    compiled.add(file);
    const source = await readFile(join(PROJECT_ROOT, file), 'utf8');
    for (const [, specifier] of source.matchAll(/from '(\.{1,2}\/[^']+\.ts)'/g)) {
      pending.push(posix.normalize(posix.join(posix.dirname(file), specifier ?? '')));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
      },
    });
    const target = join(root, file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  return root;
}
