import { afterAll, describe, expect, it } from 'vitest';
import { createAgent, createCodeInterpreter, UserError } from '../../../src/index.ts';
import { ScriptedChatModel } from '../../../src/testing/index.ts';
import type { ToolFailure } from '../../../src/tools/tool.ts';
import { gantry } from '../../cli/cli-harness.ts';

const interpreter = createCodeInterpreter({ workers: 1, maxOutputChars: 500 });
afterAll(() => interpreter.close());

async function call(input: { code: string; session?: string; reset?: boolean; language?: 'javascript' | 'typescript'; timeoutMs?: number }, runId = 'run-a') {
  const output = (await interpreter.execute(input, { toolCallId: 'c', runId, signal: new AbortController().signal, context: undefined })) as string | ToolFailure;
  return typeof output === 'string' ? output : `FAILED ${output.error}`;
}

describe('code_interpreter', () => {
  it('returns the last value, console output and the duration', async () => {
    const output = await call({ code: `console.log('hi', { a: 1 }); console.error('careful'); [1, 2].map((n) => n * 21)` });
    expect(output).toMatch(/^result: \[ 21, 42 \]\nstdout:\nhi \{ a: 1 \}\nstderr:\ncareful\nduration: \d+ ms$/);
  });

  it('keeps notebook state per session and per run', async () => {
    await call({ code: 'const rate = 0.2; function tax(x) { return x * rate; }', session: 'nb' });
    expect(await call({ code: 'tax(50)', session: 'nb' })).toMatch(/^result: 10\n/);
    expect(await call({ code: 'const rate = 0.5; tax(50)', session: 'nb' })).toMatch(/^result: 25\n/);
    expect(await call({ code: 'typeof tax', session: 'other' })).toMatch(/^result: 'undefined'\n/);
    expect(await call({ code: 'typeof tax', session: 'nb' }, 'run-b')).toMatch(/^result: 'undefined'\n/);
  });

  it('resets a session on request', async () => {
    await call({ code: 'let counter = 41', session: 'r' });
    expect(await call({ code: '', session: 'r', reset: true })).toBe('Session "r" was reset.');
    expect(await call({ code: 'typeof counter', session: 'r' })).toMatch(/^result: 'undefined'\n/);
  });

  it('supports top-level await and TypeScript', async () => {
    const output = await call({ code: `interface P { x: number }\nconst p: P = { x: await Promise.resolve(6) };\np.x * 7` });
    expect(output).toMatch(/^result: 42\n/);
  });

  it('renders non-JSON values readably', async () => {
    expect(await call({ code: 'new Map([["a", 1]])' })).toMatch(/^result: Map\(1\) \{ 'a' => 1 \}\n/);
    expect(await call({ code: '10n ** 20n' })).toMatch(/^result: 100000000000000000000n\n/);
    expect(await call({ code: '(function named() {})' })).toMatch(/^result: \[Function: named\]\n/);
    expect(await call({ code: 'undefined' })).toMatch(/^result: undefined\n/);
    expect(await call({ code: 'const quiet = 1;' })).toMatch(/^result: \(no value: the code did not end with an expression\)\n/);
  });

  it('reports errors with a stack trimmed to the user code', async () => {
    const output = await call({ code: 'const a = 1;\nfunction boom() {\n  return missing + a;\n}\nboom()' });
    expect(output).toMatch(/^FAILED error \(runtime\): ReferenceError: missing is not defined\n\s+at boom \(cell-\d+\.js:3:\d+\)/);
    expect(output).not.toMatch(/node:|isolated-vm|sandbox-worker/);
    expect(await call({ code: 'let x = ;' })).toMatch(/^FAILED error \(syntax\): .*1:8/);
  });

  it('validates its input and its options', async () => {
    expect(() => createCodeInterpreter({ timeoutMs: 0 })).toThrow(UserError);
    expect(() => createCodeInterpreter({ timeoutMs: 70_000 })).toThrow('above maxTimeoutMs');
    expect(interpreter.schema.safeParse({ code: '1', timeoutMs: 120_000 }).success).toBe(false);
    expect(interpreter.schema.safeParse({ code: '1', session: '../x' }).success).toBe(false);
  });

  it('gives an agent notebook sessions that end with the run', async () => {
    const tool = createCodeInterpreter({ workers: 1 });
    try {
      const model = new ScriptedChatModel({
        replies: [
          { toolCalls: [{ name: 'code_interpreter', args: { code: 'const eggs = 16 - 3 - 4;' } }] },
          { toolCalls: [{ name: 'code_interpreter', args: { code: 'eggs * 2' } }] },
          'She makes $18 every day.',
        ],
      });
      const result = await createAgent({ model, tools: [tool] }).run('Janet’s ducks lay 16 eggs...');
      expect(result.steps[1]!.toolCalls[0]!.output).toMatch(/^result: 18\n/);
      expect(tool.pool.sessionCount).toBe(0);
    } finally {
      await tool.close();
    }
  });

  it('works from the CLI', async () => {
    const run = await gantry(['tools', 'call', 'code_interpreter', '--args', '{"code":"Math.max(...[3, 9, 4])"}']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^result: 9\nduration: \d+ ms\n$/);
    const failed = await gantry(['tools', 'call', 'code_interpreter', '--args', '{"code":"null.x"}']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^Tool "code_interpreter" failed: error \(runtime\): TypeError: Cannot read properties of null/);
  });
});
