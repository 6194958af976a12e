import { describe, expect, it } from 'vitest';
import type { AgentEvent, ToolCallEndEvent } from '../../../src/agent/events.ts';
import { episodeResultFromTrajectory, runEnvironmentEpisode } from '../../../src/env/agent/environment-agent.ts';
import { ScriptedChatModel, type ScriptedMessage } from '../../../src/testing/index.ts';
import { expertActions, FAKE_START, FakeHousehold } from './fake-environment.ts';

const usage = { inputTokens: 100, outputTokens: 10 };

function actReply(action: string): ScriptedMessage {
  return { toolCalls: [{ name: 'act', args: { action } }], usage };
}

describe('runEnvironmentEpisode in tools mode', () => {
  it('acts through the act tool until the task is done, counting invalid actions and tokens', async () => {
    const [first, ...rest] = expertActions({ type: 'clean', seed: 0 });
    const model = new ScriptedChatModel({ replies: [actReply('dance'), actReply('go to the cabinet 2'), ...rest.map(actReply)] });
    const environment = new FakeHousehold();
    const events: AgentEvent[] = [];
    const result = await runEnvironmentEpisode({ model, environment, reset: { taskId: 'clean', seed: 0 }, onEvent: (event) => events.push(event) });

    expect(first).toBe('go to cabinet 2');
    expect(result).toEqual({
      seed: 0,
      taskId: 'clean/0',
      taskType: 'clean',
      goal: 'put a clean mug in coffeemachine.',
      success: true,
      steps: 7,
      invalidActions: 1,
      actions: ['dance', 'go to cabinet 2', ...rest],
      groundings: [{ raw: 'go to the cabinet 2', action: 'go to cabinet 2', method: 'normalized' }],
      tokens: { inputTokens: 700, outputTokens: 70, totalTokens: 770 },
      runId: expect.any(String),
      stopReason: 'final',
    });
    // The run stopped because the episode ended: no model call after the last action.
    expect(model.remaining).toBe(0);
    expect(model.requests).toHaveLength(7);

    const ends = events.filter((event): event is ToolCallEndEvent => event.type === 'tool_call_end');
    expect(ends[1]!.output).toMatch(/^\(Interpreted "go to the cabinet 2" as "go to cabinet 2" \(normalized\)\.\)\nYou arrive at cabinet 2\./);
    expect(ends.at(-1)!.output).toBe('You put the mug 1 in/on the coffeemachine 1.\nThe episode is over: the task is done.');
    expect(events.at(-1)!.type).toBe('run_end');

    const [system, task] = model.requests[0]!.messages;
    expect(system!.text).toContain('Call the act tool with one command at a time');
    expect(task!.text).toBe(
      `${FAKE_START}\nYour task is to: put a clean mug in coffeemachine.\n` +
        'Admissible actions: go to cabinet 1, go to cabinet 2, go to coffeemachine 1, go to countertop 1, go to fridge 1, go to sinkbasin 1, inventory, look',
    );
  });

  it('stops at maxSteps without success', async () => {
    const model = new ScriptedChatModel({ replies: [actReply('look'), actReply('look'), actReply('look')] });
    const result = await runEnvironmentEpisode({ model, environment: new FakeHousehold(), limits: { maxSteps: 2 }, showAdmissible: false });
    expect({ success: result.success, steps: result.steps, stopReason: result.stopReason }).toEqual({ success: false, steps: 2, stopReason: 'max_steps' });
    expect(model.remaining).toBe(1);
    expect(model.requests[0]!.messages[1]!.text).toBe(`${FAKE_START}\nYour task is to: put a clean mug in coffeemachine.`);
  });

  it('stops normally when the environment truncates the episode', async () => {
    const model = new ScriptedChatModel({ replies: [actReply('look'), actReply('look'), actReply('look')] });
    const result = await runEnvironmentEpisode({ model, environment: new FakeHousehold({ maxSteps: 2 }) });
    expect({ success: result.success, steps: result.steps, stopReason: result.stopReason }).toEqual({ success: false, steps: 2, stopReason: 'final' });
  });

  it('puts demonstrations in the tool style into the system prompt', async () => {
    const model = new ScriptedChatModel({ replies: ['I give up.'] });
    const demonstration = {
      goal: 'put a mug in coffeemachine.',
      initialObservation: 'A room.',
      steps: [{ action: 'go to cabinet 2', observation: 'You see a mug 1.', valid: true }],
      success: true,
    };
    const result = await runEnvironmentEpisode({ model, environment: new FakeHousehold(), demonstrations: [demonstration], instructions: 'Be quick.' });
    expect(model.requests[0]!.messages[0]!.text).toBe(
      'Be quick.\n\nHere is an example.\n\nA room.\nYour task is to: put a mug in coffeemachine.\ngo to cabinet 2 → You see a mug 1.',
    );
    expect({ success: result.success, steps: result.steps, stopReason: result.stopReason }).toEqual({ success: false, steps: 0, stopReason: 'final' });
  });
});

describe('runEnvironmentEpisode in react mode', () => {
  it('alternates thoughts and actions in ReAct ALFWorld text', async () => {
    const actions = expertActions({ type: 'pick', seed: 1 });
    const model = new ScriptedChatModel({
      toolCalling: false,
      replies: [
        { text: 'think: To solve the task, I need to find and take a mug, then put it in coffeemachine.', usage },
        { text: '> go to the countertop', usage },
        { text: '', usage },
        ...actions.slice(1).map((text) => ({ text: `> ${text}`, usage })),
      ],
    });
    const environment = new FakeHousehold();
    const result = await runEnvironmentEpisode({ model, environment, reset: { taskId: 'pick', seed: 1 }, mode: 'react', showAdmissible: false });

    expect({ success: result.success, steps: result.steps, invalidActions: result.invalidActions, stopReason: result.stopReason }).toEqual({
      success: true,
      steps: 4,
      invalidActions: 0,
      stopReason: 'final',
    });
    expect(result.actions).toEqual(actions);
    expect(result.groundings).toEqual([{ raw: 'go to the countertop', action: 'go to countertop 1', method: 'similarity', score: expect.any(Number) }]);
    expect(result.tokens.totalTokens).toBe(6 * 110);
    expect(model.requests[0]!.stop).toEqual(['\n']);

    const last = model.requests.at(-1)!.messages.map((message) => [message.getType(), message.text]);
    expect(last.slice(1, 8)).toEqual([
      ['human', `${FAKE_START}\nYour task is to: put a mug in coffeemachine.`],
      ['ai', '> think: To solve the task, I need to find and take a mug, then put it in coffeemachine.'],
      ['human', 'OK.'],
      ['ai', '> go to the countertop'],
      ['human', '(Interpreted "go to the countertop" as "go to countertop 1" (similarity).)\nYou arrive at countertop 1. On the countertop 1, you see a mug 1.'],
      ['human', expect.stringMatching(/^The reply was empty\./)],
      ['ai', '> take mug 1 from countertop 1'],
    ]);
  });
});

describe('episodeResultFromTrajectory', () => {
  it('summarises a policy trajectory with zero tokens', () => {
    const result = episodeResultFromTrajectory({
      seed: 4,
      trajectory: {
        taskId: 'pick/4',
        taskType: 'pick',
        goal: 'put a mug in coffeemachine.',
        initialObservation: FAKE_START,
        steps: [
          { action: 'dance', observation: 'Nothing happens.', valid: false },
          { action: 'go to the fridge', grounded: 'go to fridge 1', observation: 'You arrive at fridge 1.', valid: true },
        ],
        success: false,
      },
    });
    expect(result).toEqual({
      seed: 4,
      taskId: 'pick/4',
      taskType: 'pick',
      goal: 'put a mug in coffeemachine.',
      success: false,
      steps: 2,
      invalidActions: 1,
      actions: ['dance', 'go to fridge 1'],
      groundings: [],
      tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    });
  });
});
