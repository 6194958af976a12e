import { describe, expect, it } from 'vitest';
import { runEnvironmentEpisode } from '../../../src/env/agent/environment-agent.ts';
import { parsePlan } from '../../../src/env/agent/plan-mode.ts';
import { ScriptedChatModel } from '../../../src/testing/index.ts';
import { FakeHousehold } from './fake-environment.ts';

describe('parsePlan', () => {
  it('strips numbering, bullets, markers and prose', () => {
    expect(parsePlan('Here is the plan:\n\n1. go to cabinet 2\n2) take mug 1 from cabinet 2\nStep 3: go to sinkbasin 1\n- "look"\n\nGood luck!')).toEqual([
      'go to cabinet 2',
      'take mug 1 from cabinet 2',
      'go to sinkbasin 1',
      'look',
    ]);
    expect(parsePlan('```\n> go to fridge 1\nopen fridge 1\n```')).toEqual(['go to fridge 1', 'open fridge 1']);
    expect(parsePlan('1. look\n2. look\n3. look', { maxSteps: 2 })).toEqual(['look', 'look']);
  });
});

describe('plan mode', () => {
  it('runs the whole plan, keeps going after an invalid step, and reports executability', async () => {
    const plan = [
      '1. go to cabinet 2',
      '2. take mug 1 from cabinet 2',
      '3. heat mug 1 with microwave 1',
      '4. go to the coffee machine',
      '5. put mug 1 in/on coffeemachine 1',
      '6. look',
    ].join('\n');
    const model = new ScriptedChatModel({ replies: [{ text: plan, usage: { inputTokens: 50, outputTokens: 40 } }] });
    const environment = new FakeHousehold();
    const events: string[] = [];
    const result = await runEnvironmentEpisode({ model, environment, reset: { taskId: 'pick', seed: 2 }, mode: 'plan', onEvent: (event) => events.push(event.type) });

    expect(result).toEqual({
      seed: 2,
      taskId: 'pick/2',
      taskType: 'pick',
      goal: 'put a mug in coffeemachine.',
      success: true,
      steps: 5,
      invalidActions: 1,
      actions: ['go to cabinet 2', 'take mug 1 from cabinet 2', 'heat mug 1 with microwave 1', 'go to coffeemachine 1', 'put mug 1 in/on coffeemachine 1'],
      groundings: [{ raw: 'go to the coffee machine', action: 'go to coffeemachine 1', method: 'similarity', score: expect.any(Number) }],
      tokens: { inputTokens: 50, outputTokens: 40, totalTokens: 90 },
      runId: expect.any(String),
      stopReason: 'final',
      executability: 0.8,
    });
    expect(events[0]).toBe('run_start');
    expect(events.at(-1)).toBe('run_end');
    expect(model.requests[0]!.tools).toEqual([]);
    expect(model.requests[0]!.messages[1]!.text).toMatch(/Write the plan now: a numbered list of commands, one per line\.$/);
  });

  it('caps the plan at maxSteps and reports a failed plan', async () => {
    const model = new ScriptedChatModel({ replies: ['1. look\n2. dance\n3. look\n4. look'] });
    const result = await runEnvironmentEpisode({ model, environment: new FakeHousehold(), mode: 'plan', limits: { maxSteps: 3 } });
    expect({ success: result.success, steps: result.steps, actions: result.actions, executability: result.executability }).toEqual({
      success: false,
      steps: 3,
      actions: ['look', 'dance', 'look'],
      executability: 2 / 3,
    });
  });
});
