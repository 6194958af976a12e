import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReplies } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function serve(replies: StubReplies): Promise<string[]> {
  stub = await startOpenAIStub({ replies });
  return ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
}

const calculatorThenAnswer: StubReplies = [
  { toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{"expression":"2^100"}' }], usage: { promptTokens: 40, completionTokens: 10 } },
  { content: '2^100 is 1267650600228229401496703205376.', usage: { promptTokens: 80, completionTokens: 15 } },
];

describe('gantry run', () => {
  it('exits 2 with help on configuring a model when none is configured', async () => {
    const run = await gantry(['run', '--input', 'hi'], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No model is configured. Pass --model PROVIDER:MODEL or set GANTRY_MODEL');
    expect(run.stdout).toBe('');
  });

  it('exits 2 when the OpenAI key is missing and no base URL is given', async () => {
    const run = await gantry(['run', '--model', 'openai:gpt-4.1-mini', '--input', 'hi'], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('OPENAI_API_KEY is not set.');
  });

  it('prints exactly one JSON object with --json', async () => {
    const args = await serve(calculatorThenAnswer);
    const run = await gantry(['run', ...args, '--input', 'What is 2^100?', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      runId: expect.any(String),
      output: '2^100 is 1267650600228229401496703205376.',
      stopReason: 'final',
      steps: [
        { toolCalls: [{ name: 'calculator', args: { expression: '2^100' }, output: '1267650600228229401496703205376' }] },
        { toolCalls: [] },
      ],
      usage: { inputTokens: 120, outputTokens: 25 },
    });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the answer on stdout and tool calls on stderr, without colour under NO_COLOR', async () => {
    const args = await serve(calculatorThenAnswer);
    const run = await gantry(['run', ...args, '--input', 'What is 2^100?']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('2^100 is 1267650600228229401496703205376.\n');
    expect(run.stderr).toContain('→ calculator {"expression":"2^100"}');
    expect(run.stderr).toContain('← 1267650600228229401496703205376');
    expect(run.stderr).toMatch(/2 steps · 145 tokens · [\d.]+ s/);
    expect(run.stderr).not.toContain('\x1b[');
  });

  it('reads the input from stdin and uses GANTRY_MODEL', async () => {
    stub = await startOpenAIStub({ replies: [{ content: 'Hello from stdin.' }] });
    const run = await gantry(['run', '--base-url', stub.baseURL], { stdin: 'Say hello.\n', env: { GANTRY_MODEL: 'openai:stub-model' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Hello from stdin.\n');
    expect(stub.requests[0]!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Say hello.\n' });
    expect(stub.requests[0]!.body.model).toBe('stub-model');
  });

  it('exits 1 when a budget stops the run', async () => {
    const args = await serve([calculatorThenAnswer[0]!]);
    const run = await gantry(['run', ...args, '--input', 'go', '--max-steps', '1', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ stopReason: 'max_steps', error: 'The run reached its limit of 1 steps without a final answer.' });
  });

  it('stops at --max-cost with a --price for a model the table does not know', async () => {
    const args = await serve(Array.from({ length: 5 }, () => calculatorThenAnswer[0]!));
    // Each step: 40 input and 10 output tokens at $1,000 / $2,000 per million = $0.06.
    const run = await gantry(['run', ...args, '--input', 'go', '--price', '1000,2000', '--max-cost', '0.1', '--json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.stopReason).toBe('max_cost');
    expect(result.steps).toHaveLength(2);
    expect(result.usage.costUsd).toBeCloseTo(0.12, 10);
    const unpriced = await gantry(['run', ...args, '--input', 'go', '--max-cost', '0.1']);
    expect(unpriced.code).toBe(2);
    expect(unpriced.stderr).toContain("limits.maxCostUsd needs the model's price, and none is known for stub-model.");
    const badPrice = await gantry(['run', ...args, '--input', 'go', '--price', 'cheap']);
    expect(badPrice.code).toBe(2);
  });

  it('appends the events to --trace as JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-trace-'));
    const trace = join(dir, 'trace.jsonl');
    const args = await serve(calculatorThenAnswer);
    await gantry(['run', ...args, '--input', 'What is 2^100?', '--trace', trace], { env: { OPENAI_API_KEY: 'sk-test-secret-value' } });
    expect(stub!.requests[0]!.headers.authorization).toBe('Bearer sk-test-secret-value');
    const events = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'run_start', schemaVersion: 1, input: 'What is 2^100?', tools: ['calculator', 'code_interpreter', 'web_search', 'web_fetch', 'browser'], model: 'stub-model' });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', result: { stopReason: 'final' } });
    expect(events.filter((event) => event.type === 'tool_call_end')).toHaveLength(1);
    expect(readFileSync(trace, 'utf8')).not.toContain('sk-test-secret-value');
  });

  it('records a run with --record and replays it offline with --model replay:FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-record-'));
    const recording = join(dir, 'run.jsonl');
    const args = await serve(calculatorThenAnswer);
    const recorded = await gantry(['run', ...args, '--input', 'What is 2^100?', '--json', '--record', recording]);
    await stub!.close();
    stub = undefined;

    const replayed = await gantry(['run', '--model', `replay:${recording}`, '--input', 'What is 2^100?', '--json']);
    expect(replayed.code).toBe(0);
    const { runId: _a, ...first } = JSON.parse(recorded.stdout);
    const { runId: _b, ...second } = JSON.parse(replayed.stdout);
    expect(second).toEqual(first);

    const drifted = await gantry(['run', '--model', `replay:${recording}`, '--input', 'What is 2^101?', '--json']);
    expect(drifted.code).toBe(1);
    const result = JSON.parse(drifted.stdout);
    expect(result.stopReason).toBe('error');
    expect(result.error).toContain('does not match at exchange 0');
    expect(result.error).toContain('re-record with --record');
  });

  it('runs an example agent by name and a custom agent module by path', async () => {
    const args = await serve([{ content: 'Answer: 5.6 USD' }]);
    const math = await gantry(['run', 'math', ...args, '--input', 'pens?']);
    expect(math.code).toBe(0);
    expect(stub!.requests[0]!.body.messages[0].content).toContain('You solve math word problems.');
    expect(stub!.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['calculator']);
    await stub!.close();

    const echoArgs = await serve([{ toolCalls: [{ name: 'echo', arguments: '{"text":"hi"}' }] }, { content: 'Echoed.' }]);
    const echo = await gantry(['run', 'test/fixtures/agents/echo-agent.ts', ...echoArgs, '--input', 'echo hi', '--tools', 'echo,calculator']);
    expect(echo.code).toBe(0);
    expect(echo.stderr).toContain('← hi');
    expect(stub!.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['echo', 'calculator']);
  });

  it('runs the pal example: the model writes a program and the sandbox runs it', async () => {
    const program = 'const money = 23;\nconst bagels = 5 * 3;\nmoney - bagels';
    const args = await serve([
      { toolCalls: [{ id: 'c1', name: 'code_interpreter', arguments: JSON.stringify({ code: program }) }] },
      { content: 'She has $8 left.\nAnswer: 8' },
    ]);
    const run = await gantry(['run', 'pal', ...args, '--input', 'Olivia has $23 and buys five $3 bagels. What is left?', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.steps[0].toolCalls[0]).toMatchObject({ name: 'code_interpreter', output: expect.stringMatching(/^result: 8\nduration: \d+ ms$/) });
    expect(stub!.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['code_interpreter']);
    expect(stub!.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'c1' });
  });

  it('rejects unknown agents, tools and options with exit 2', async () => {
    const unknownAgent = await gantry(['run', 'nope', '--model', 'openai:x', '--input', 'hi']);
    expect(unknownAgent.code).toBe(2);
    expect(unknownAgent.stderr).toMatch(/Unknown agent "nope"\. Example agents: assistant, librarian, math, pal, researcher;/);
    const unknownTool = await gantry(['run', '--tools', 'calculator,teleport', '--model', 'openai:x', '--input', 'hi']);
    expect(unknownTool.code).toBe(2);
    expect(unknownTool.stderr).toContain('Unknown built-in tool "teleport". Built-in tools: calculator, code_interpreter, web_search, web_fetch, browser.');
    const badOption = await gantry(['run', '--max-steps', 'many']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("option '--max-steps <n>' argument 'many' is invalid");
    const badSpec = await gantry(['run', '--model', 'gpt-4o', '--input', 'hi']);
    expect(badSpec.code).toBe(2);
    expect(badSpec.stderr).toContain('Invalid model spec "gpt-4o": expected PROVIDER:MODEL');
  });

  it('shows help with examples', async () => {
    const run = await gantry(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: gantry run [options] [agent]');
    expect(run.stdout).toContain('Examples:');
  });
});
