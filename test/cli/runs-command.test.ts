import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequestRecord } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

let stub: OpenAIStub;
let home: string;
let env: NodeJS.ProcessEnv;

/** One calculator call, then the answer, whatever earlier process asked before. */
function reply(request: StubRequestRecord): StubReply {
  const toolResults = (request.body.messages as { role: string }[]).filter((message) => message.role === 'tool').length;
  return toolResults === 0
    ? { toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{"expression":"6*7"}' }], usage: { promptTokens: 40, completionTokens: 10 } }
    : { content: 'It is 42.', usage: { promptTokens: 60, completionTokens: 5 } };
}

beforeEach(async () => {
  stub = await startOpenAIStub({ replies: reply });
  home = mkdtempSync(join(tmpdir(), 'gantry-runs-'));
  env = { GANTRY_HOME: home };
});

afterEach(async () => {
  await stub.close();
  rmSync(home, { recursive: true, force: true });
});

function model(): string[] {
  return ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
}

async function listed(): Promise<Record<string, unknown>[]> {
  const run = await gantry(['runs', 'list', '--json'], { env });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

describe('gantry run: saved runs', () => {
  it('saves every run with its options (not the per-invocation ones) and says how to resume it', async () => {
    const run = await gantry(['run', ...model(), '--tools', 'calculator', '--max-steps', '4', '--input', 'Six sevens?', '--trace', join(home, 't.jsonl')], { env });
    expect(run.code).toBe(0);
    const [saved] = await listed();
    expect(saved).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'final',
      agent: null,
      input: 'Six sevens?',
      steps: 2,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stopReason: 'final',
    });
    const id = saved!.id as string;
    expect(run.stderr.split('\n')[0]).toBe(`Run ${id.slice(0, 8)} (if it is interrupted: gantry run --resume ${id.slice(0, 8)})`);

    const shown = JSON.parse((await gantry(['runs', 'show', id.slice(0, 6), '--json'], { env })).stdout);
    expect(shown.options).toEqual({ model: 'openai:stub-model', baseUrl: stub.baseURL, tools: 'calculator', maxSteps: 4 });
    expect(shown.steps.map((step: { toolCalls: { output: string }[] }) => step.toolCalls.map((call) => call.output))).toEqual([['42'], []]);
    expect(shown).toMatchObject({ id, status: 'final', output: 'It is 42.', usage: { inputTokens: 100, outputTokens: 15, totalTokens: 115 } });
  });

  it('does not save a run given --no-save', async () => {
    const run = await gantry(['run', ...model(), '--no-save', '--input', 'Six sevens?'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('gantry run --resume');
    const list = await gantry(['runs', 'list'], { env });
    expect(list).toEqual({ code: 0, stdout: 'No saved runs. gantry run saves every run unless it is given --no-save.\n', stderr: '' });
  });

  it('resumes a run stopped by its step budget with a higher budget given now', async () => {
    const stopped = await gantry(['run', ...model(), '--max-steps', '1', '--input', 'Six sevens?', '--json'], { env });
    expect(stopped.code).toBe(1);
    const [saved] = await listed();
    expect(saved).toMatchObject({ status: 'max_steps', steps: 1 });

    const human = await gantry(['runs', 'show', saved!.id as string], { env });
    expect(human.stdout).toContain('Step 1:\n  → calculator {"expression":"6*7"} ← 42\nStopped (max_steps): ');
    expect(human.stdout).toContain(`Resume with: gantry run --resume ${(saved!.id as string).slice(0, 8)}\n`);

    const resumed = await gantry(['run', '--resume', saved!.id as string, '--max-steps', '3'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe('It is 42.\n');
    expect(resumed.stderr.split('\n')[0]).toBe(`Resuming run ${(saved!.id as string).slice(0, 8)} from step 2 (0 tool calls reused)`);
    expect(stub.requests).toHaveLength(2);
    expect(await listed()).toEqual([expect.objectContaining({ id: saved!.id, status: 'final', steps: 2 })]);
    const shown = JSON.parse((await gantry(['runs', 'show', saved!.id as string, '--json'], { env })).stdout);
    expect(shown.options).toEqual({ model: 'openai:stub-model', baseUrl: stub.baseURL, maxSteps: 1 });
  });

  it('refuses to resume a finished run, an unknown one, or one given a new input', async () => {
    await gantry(['run', ...model(), '--input', 'Six sevens?'], { env });
    const [saved] = await listed();
    const id = saved!.id as string;
    expect(await gantry(['run', '--resume', id], { env })).toEqual({ code: 2, stdout: '', stderr: `gantry: Run ${id} already finished; its answer: It is 42.\n` });
    expect(await gantry(['run', '--resume', 'beef0000'], { env })).toMatchObject({
      code: 2,
      stderr: 'gantry: No saved run has an id starting with "beef0000". List the saved runs with: gantry runs list\n',
    });
    expect(await gantry(['run', '--resume', id, '--input', 'other'], { env })).toMatchObject({
      code: 2,
      stderr: 'gantry: --input cannot be used with --resume: a resumed run continues with the input it was started with.\n',
    });
    expect(await gantry(['run', 'math', '--resume', id], { env })).toMatchObject({
      code: 2,
      stderr: 'gantry: AGENT cannot be used with --resume: a resumed run continues with the agent it was started with.\n',
    });
  });

  it('lists runs as a table, newest first', async () => {
    await gantry(['run', ...model(), '--input', 'First task'], { env });
    await gantry(['run', 'math', ...model(), '--input', 'Second\ntask'], { env });
    const table = await gantry(['runs', 'list', '--limit', '5'], { env });
    const [first, second] = await listed();
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ID        STATUS  AGENT  STEPS  STARTED           INPUT');
    expect(lines.slice(1).map((line) => line.replace(/\d{4}-\d\d-\d\d \d\d:\d\d/, 'DATE'))).toEqual([
      `${(first!.id as string).slice(0, 8)}  final   math   2      DATE  Second task`,
      `${(second!.id as string).slice(0, 8)}  final   -      2      DATE  First task`,
    ]);
  });

  it('deletes a run by prefix and prunes old ones', async () => {
    await gantry(['run', ...model(), '--input', 'First task'], { env });
    await gantry(['run', ...model(), '--input', 'Second task'], { env });
    const [newest, oldest] = await listed();
    const deleted = await gantry(['runs', 'delete', (newest!.id as string).slice(0, 8)], { env });
    expect(deleted).toEqual({ code: 0, stdout: `Deleted run ${newest!.id}.\n`, stderr: '' });
    expect((await listed()).map((run) => run.id)).toEqual([oldest!.id]);
    // Saved moments ago: younger than a day, so kept.
    expect((await gantry(['runs', 'prune', '--older-than', '1'], { env })).stdout).toMatch(/^Deleted 0 runs last saved before /);
    expect((await listed()).map((run) => run.id)).toEqual([oldest!.id]);
    expect((await gantry(['runs', 'prune'], { env })).code).toBe(2);
  });

  it('says when there is no such run to show', async () => {
    expect(await gantry(['runs', 'show', 'abcd'], { env })).toEqual({ code: 2, stdout: '', stderr: `gantry: No runs are saved under ${home} yet.\n` });
  });
});
