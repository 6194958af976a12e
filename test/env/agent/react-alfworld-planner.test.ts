import { describe, expect, it } from 'vitest';
import { ALFWORLD_FORMAT_REMINDER, reactAlfworldPlanner } from '../../../src/env/agent/react-alfworld-planner.ts';
import type { StepRecord } from '../../../src/agent/records.ts';

const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

function step(index: number, text: string, fields: Partial<StepRecord>): StepRecord {
  return { index, reply: { text, toolCalls: [], usage, durationMs: 0 }, toolCalls: [], ...fields };
}

describe('the ReAct ALFWorld planner', () => {
  it('turns think: lines into think calls and other lines into act calls', () => {
    const decide = (text: string) => reactAlfworldPlanner.decide({ reply: { text, toolCalls: [], usage, durationMs: 0 }, step: 3, tools: [] });
    expect(decide('think: First I need to find a mug.')).toEqual({
      type: 'act',
      calls: [{ id: 'alfworld_3', name: 'think', argsText: '{"thought":"First I need to find a mug."}' }],
    });
    expect(decide('\n> go to cabinet 2\nOn the cabinet 2, you see a mug 1.')).toEqual({
      type: 'act',
      calls: [{ id: 'alfworld_3', name: 'act', argsText: '{"action":"go to cabinet 2"}' }],
    });
    expect(decide('> Think: maybe the fridge')).toEqual({
      type: 'act',
      calls: [{ id: 'alfworld_3', name: 'think', argsText: '{"thought":"maybe the fridge"}' }],
    });
    expect(decide(' \n  ')).toEqual({ type: 'invalid', error: `The reply was empty. ${ALFWORLD_FORMAT_REMINDER}` });
    expect(reactAlfworldPlanner.stop).toEqual(['\n']);
  });

  it('rebuilds the transcript from the step records', () => {
    const steps = [
      step(0, 'think: I need a mug.', { toolCalls: [{ id: 'alfworld_0', name: 'think', args: {}, output: 'OK.', durationMs: 0 }] }),
      step(1, '> go to cabinet 2\n', { toolCalls: [{ id: 'alfworld_1', name: 'act', args: {}, output: 'You arrive at cabinet 2.', durationMs: 0 }] }),
      step(2, '', { planError: `The reply was empty. ${ALFWORLD_FORMAT_REMINDER}` }),
      step(3, 'look', { toolCalls: [{ id: 'alfworld_3', name: 'act', args: {}, error: 'Tool "act" failed: over', durationMs: 0 }] }),
    ];
    const messages = reactAlfworldPlanner.messages({ instructions: 'Solve it.', input: 'You are in a room.\nYour task is to: find a mug.', steps, tools: [] });
    expect(messages.map((message) => [message.getType(), message.text])).toEqual([
      ['system', 'Solve it.'],
      ['human', 'You are in a room.\nYour task is to: find a mug.'],
      ['ai', '> think: I need a mug.'],
      ['human', 'OK.'],
      ['ai', '> go to cabinet 2'],
      ['human', 'You arrive at cabinet 2.'],
      ['human', `The reply was empty. ${ALFWORLD_FORMAT_REMINDER}`],
      ['ai', '> look'],
      ['human', 'Error: Tool "act" failed: over'],
    ]);
  });
});
