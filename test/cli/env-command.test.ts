import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpertPolicy } from '../../src/env/household/expert.ts';
import { HouseholdEnvironment } from '../../src/env/household/household-environment.ts';
import { playEpisode } from '../../src/env/policy.ts';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequestRecord } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

let stub: OpenAIStub | undefined;
const folders: string[] = [];
afterEach(async () => {
  await stub?.close();
  stub = undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** The expert's actions for a household task, computed here so the stub "model" can replay them. */
async function expertActions(taskId: string): Promise<{ goal: string; actions: string[] }> {
  const environment = new HouseholdEnvironment();
  const trajectory = await playEpisode({ environment, policy: createExpertPolicy(environment), reset: { taskId } });
  expect(trajectory.success).toBe(true);
  return { goal: trajectory.goal, actions: trajectory.steps.map((step) => step.action) };
}

type Message = { role: string; content: string | null };
const messagesOf = (request: StubRequestRecord) => request.body.messages as Message[];

describe('gantry env list', () => {
  it('lists the household simulator with its task families, and the remote forms', async () => {
    const listed = await gantry(['env', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { name: 'household', description: expect.stringContaining('ALFWorld'), taskTypes: ['pick', 'clean', 'heat', 'cool', 'examine', 'pick_two'] },
    ]);
    expect((await gantry(['env', 'list'])).stdout).toContain('stdio:COMMAND ARGS');
  });
});

describe('gantry env run', () => {
  it('runs the expert over every task family and prints the metrics as JSON', async () => {
    const run = await gantry(['env', 'run', 'household', '--policy', 'expert', '--episodes', '12', '--seed', '0', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect({ episodes: report.episodes, successRate: report.successRate, invalidActionRate: report.invalidActionRate }).toEqual({
      episodes: 12,
      successRate: 1,
      invalidActionRate: 0,
    });
    expect(Object.keys(report.byTaskType).sort()).toEqual(['clean', 'cool', 'examine', 'heat', 'pick', 'pick_two']);
    const first = await expertActions('pick/0');
    expect(report.results[0]).toMatchObject({ seed: 0, taskType: 'pick', taskId: 'pick/0', goal: first.goal, success: true, steps: first.actions.length, actions: first.actions });
  });

  it('keeps to one task family with --task, and the random policy rarely succeeds within the step limit', async () => {
    const run = await gantry(['env', 'run', '--policy', 'random', '--episodes', '3', '--seed', '7', '--task', 'heat', '--step-limit', '20', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.results.map((result: { taskId: string }) => result.taskId)).toEqual(['heat/7', 'heat/8', 'heat/9']);
    for (const result of report.results) expect(result.steps).toBeLessThanOrEqual(20);
  });

  it('lets a model act through the act tool, with expert demonstrations of the same family in its instructions', async () => {
    const task = await expertActions('cool/3');
    stub = await startOpenAIStub({
      replies: (request): StubReply => {
        const done = messagesOf(request).filter((message) => message.role === 'tool').length;
        return { toolCalls: [{ id: `a${done}`, name: 'act', arguments: JSON.stringify({ action: task.actions[done] }) }] };
      },
    });
    const folder = mkdtempSync(join(tmpdir(), 'gantry-env-'));
    folders.push(folder);
    const trace = join(folder, 'env.jsonl');
    const run = await gantry(
      ['env', 'run', 'household', '--policy', 'agent', '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--episodes', '1', '--seed', '3', '--task', 'cool', '--demos', '1', '--json', '--trace', trace],
      { env: { OPENAI_API_KEY: 'test' } },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ episodes: 1, successRate: 1, invalidActionRate: 0 });
    expect(report.results[0]).toMatchObject({ taskId: 'cool/3', success: true, actions: task.actions, stopReason: 'final' });
    expect(report.tokens.total).toBeGreaterThan(0);
    // The model was asked once per action and never after the episode ended.
    expect(stub.requests).toHaveLength(task.actions.length);
    // One demonstration, of the same family: a cooling task solved by the expert, action → observation.
    const system = messagesOf(stub.requests[0]!)[0]!.content!;
    expect(system).toContain('Here is an example.');
    expect(system).toMatch(/Your task is to: (put a cool \S+ in|cool some \S+ and put it in) /);
    expect(system).toMatch(/\ncool \S+ \d+ with fridge 1 → You cool the /);
    expect(messagesOf(stub.requests[0]!)[1]!.content).toContain(`Your task is to: ${task.goal}`);
    const events = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(events.filter((event) => event.type === 'tool_call_end')).toHaveLength(task.actions.length);
  });

  it('refuses combinations that cannot work, with a usage error', async () => {
    const expertRemote = await gantry(['env', 'run', 'stdio:python3 server.py', '--policy', 'expert']);
    expect(expertRemote.code).toBe(2);
    expect(expertRemote.stderr).toContain('The expert policy reads the built-in simulator\'s state');
    const modelWithoutAgent = await gantry(['env', 'run', '--policy', 'random', '--model', 'openai:x']);
    expect(modelWithoutAgent).toMatchObject({ code: 2, stderr: 'gantry: --model only apply with --policy agent.\n' });
    const badTask = await gantry(['env', 'run', '--policy', 'expert', '--task', 'juggle']);
    expect(badTask).toMatchObject({ code: 2, stderr: 'gantry: Unknown household task type "juggle". Types: pick, clean, heat, cool, examine, pick_two.\n' });
    expect((await gantry(['env', 'run', '--policy', 'sometimes'])).code).toBe(2);
    expect((await gantry(['env', 'run', '--policy', 'agent'])).stderr).toMatch(/model/i);
  });
});

describe('gantry env play', () => {
  it('plays an episode from piped commands and says when the task is done', async () => {
    const task = await expertActions('examine/4');
    const played = await gantry(['env', 'play', '--task', 'examine', '--seed', '4'], { stdin: ['help', ...task.actions, ''].join('\n') });
    expect(played.code).toBe(0);
    expect(played.stdout).toContain(`Your task is to: ${task.goal}`);
    expect(played.stdout).toContain('Admissible actions:\n  go to ');
    expect(played.stdout).toContain(`> ${task.actions[0]}\n`);
    expect(played.stdout.trimEnd().endsWith(`Task done in ${task.actions.length} steps.`)).toBe(true);
  });

  it('exits 1 when the player quits before the task is done', async () => {
    const played = await gantry(['env', 'play', '--seed', '1'], { stdin: 'look\nquit\n' });
    expect(played.code).toBe(1);
    expect(played.stdout.trimEnd().endsWith('Episode ended; the task is not done.')).toBe(true);
  });
});
