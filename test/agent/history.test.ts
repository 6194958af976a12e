import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { compactSteps, fitHistory, shortenText, type ConversationHistory, type HistoryTurn } from '../../src/agent/history.ts';
import { textOf } from '../../src/agent/model-call.ts';
import { reactPlanner } from '../../src/agent/planners/react.ts';
import { toolCallingPlanner } from '../../src/agent/planners/tool-calling.ts';
import type { StepRecord } from '../../src/agent/records.ts';

const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };

function toolStep(index: number, output: string, id = `c${index}`): StepRecord {
  return {
    index,
    reply: { text: '', toolCalls: [{ id, name: 'calculator', argsText: '{"expression":"1+1"}' }], usage, durationMs: 1 },
    toolCalls: [{ id, name: 'calculator', args: { expression: '1+1' }, output, durationMs: 1 }],
  };
}

function finalStep(index: number, text: string): StepRecord {
  return { index, reply: { text, toolCalls: [], usage, durationMs: 1 }, toolCalls: [], final: text };
}

/** A turn of about `chars / 4` tokens: a tool call whose output is `chars` long, then the answer. */
function turn(n: number, chars = 0): HistoryTurn {
  const steps = chars > 0 ? [toolStep(0, 'r'.repeat(chars), `t${n}`), finalStep(1, `answer ${n}`)] : [finalStep(0, `answer ${n}`)];
  return { runId: `run-${n}`, input: `question ${n}`, steps, output: `answer ${n}`, stopReason: 'final' };
}

function describeMessages(messages: BaseMessage[]): string[] {
  return messages.map((message) => {
    if (message instanceof ToolMessage) return `tool(${message.tool_call_id}): ${textOf(message)}`;
    if (message instanceof AIMessage && message.tool_calls?.length) return `ai calls ${message.tool_calls.map((call) => call.id).join(',')}`;
    return `${message.getType()}: ${textOf(message)}`;
  });
}

describe('fitHistory', () => {
  it('keeps the most recent turns that fit, whole, and reports the older ones as omitted', () => {
    const history: ConversationHistory = { turns: [turn(1), turn(2), turn(3)] };
    // Each turn costs ceil(("question n" + "answer n").length / 4) = 5 tokens.
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 10 } });
    expect(fitted.turns.map((entry) => entry.runId)).toEqual(['run-2', 'run-3']);
    expect(fitted.turns.every((entry) => !entry.answerOnly)).toBe(true);
    expect(fitted.omitted.map((entry) => entry.runId)).toEqual(['run-1']);
    expect(fitHistory({ history, options: { maxHistoryTokens: 1_000 } }).omitted).toEqual([]);
  });

  it('reduces a turn that does not fit whole to its question and answer, never to part of its steps', () => {
    const history: ConversationHistory = { turns: [turn(1, 400), turn(2)] };
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 20 } });
    expect(fitted.turns.map(({ runId, answerOnly, steps }) => ({ runId, answerOnly, steps: steps.length }))).toEqual([
      { runId: 'run-1', answerOnly: true, steps: 0 },
      { runId: 'run-2', answerOnly: undefined, steps: 1 },
    ]);
    expect(fitted.omitted).toEqual([]);
  });

  it('counts the summary against the budget and passes it on', () => {
    const history: ConversationHistory = { summary: 's'.repeat(24), turns: [turn(1), turn(2)] };
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 12 } });
    expect(fitted.summary).toBe('s'.repeat(24));
    expect(fitted.turns.map((entry) => entry.runId)).toEqual(['run-2']);
    expect(fitted.omitted.map((entry) => entry.runId)).toEqual(['run-1']);
  });

  it('stops at the first turn that does not fit, so the kept turns are contiguous', () => {
    const history: ConversationHistory = { turns: [turn(1), { ...turn(2), input: 'q'.repeat(400), output: 'a'.repeat(400) }, turn(3)] };
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 50 } });
    expect(fitted.turns.map((entry) => entry.runId)).toEqual(['run-3']);
    expect(fitted.omitted.map((entry) => entry.runId)).toEqual(['run-1', 'run-2']);
  });

  it('shortens long tool output of earlier turns, keeping its start and end', () => {
    const output = `START${'x'.repeat(5_000)}END`;
    const history: ConversationHistory = { turns: [{ ...turn(1), steps: [toolStep(0, output), finalStep(1, 'answer 1')] }] };
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 10_000, maxOldToolOutputChars: 100 } });
    const shortened = fitted.turns[0]!.steps[0]!.toolCalls[0]!.output!;
    expect(shortened).toBe(shortenText(output, 100));
    expect(shortened.startsWith('START')).toBe(true);
    expect(shortened.endsWith('END')).toBe(true);
    expect(shortened).toContain('[… 4,908 characters of this earlier tool output omitted …]');
    // The stored turn itself is untouched.
    expect(history.turns[0]!.steps[0]!.toolCalls[0]!.output).toBe(output);
  });
});

describe('compactSteps', () => {
  it('keeps the last steps whole and shortens older tool output, the same copy each time', () => {
    const long = 'y'.repeat(3_000);
    const steps = [toolStep(0, long), toolStep(1, long), toolStep(2, long)];
    const compacted = compactSteps({ steps, options: { recentStepsKeptWhole: 2, maxOldToolOutputChars: 50 } });
    expect(compacted.map((step) => step.toolCalls[0]!.output!.length)).toEqual([shortenText(long, 50).length, 3_000, 3_000]);
    expect(compacted[1]).toBe(steps[1]);
    expect(compactSteps({ steps, options: { recentStepsKeptWhole: 2, maxOldToolOutputChars: 50 } })[0]).toBe(compacted[0]);
    expect(compactSteps({ steps: steps.slice(0, 2) })).toEqual(steps.slice(0, 2));
  });
});

describe('history in the planners\' prompts', () => {
  const history: ConversationHistory = { summary: 'The user is Ada.', turns: [turn(1, 40), turn(2)] };

  it('tool-calling: summary in the system message, each tool call followed by its result', () => {
    const fitted = fitHistory({ history, options: { maxHistoryTokens: 1_000 } });
    const messages = toolCallingPlanner.messages({ instructions: 'Be brief.', input: 'question 3', steps: [], tools: [], history: fitted });
    expect(describeMessages(messages)).toEqual([
      'system: Be brief.\n\nSummary of the earlier conversation with this user (written from the earlier turns; ask again if a detail is missing):\nThe user is Ada.',
      'human: question 1',
      'ai calls t1',
      `tool(t1): ${'r'.repeat(40)}`,
      'ai: answer 1',
      'human: question 2',
      'ai: answer 2',
      'human: question 3',
    ]);
  });

  it('tool-calling: a turn without step records is sent as its question and answer', () => {
    const fitted = fitHistory({ history: { turns: [{ runId: 'imported', input: 'hi', output: 'hello', steps: [] }] } });
    expect(fitted.turns[0]!.answerOnly).toBe(true);
    const messages = toolCallingPlanner.messages({ input: 'again', steps: [], tools: [], history: fitted });
    expect(describeMessages(messages)).toEqual(['human: hi', 'ai: hello', 'human: again']);
  });

  it('tool-calling: an answer-only turn is the question and the answer, with no dangling call', () => {
    const fitted = fitHistory({ history: { turns: [turn(1, 4_000), turn(2)] }, options: { maxHistoryTokens: 20 } });
    const messages = toolCallingPlanner.messages({ input: 'question 3', steps: [], tools: [], history: fitted });
    expect(describeMessages(messages)).toEqual(['human: question 1', 'ai: answer 1', 'human: question 2', 'ai: answer 2', 'human: question 3']);
  });

  it('react: summary in the system prompt, earlier turns as Thought/Action/Observation text', () => {
    const reactTurn: HistoryTurn = {
      runId: 'r',
      input: 'question 1',
      output: 'two',
      steps: [
        { ...toolStep(0, '2', 'react_0'), reply: { text: 'Thought: add\nAction: calculator\nAction Input: {"expression":"1+1"}', toolCalls: [], usage, durationMs: 1 } },
        finalStep(1, 'Thought: done\nFinal Answer: two'),
      ],
    };
    const fitted = fitHistory({ history: { summary: 'The user is Ada.', turns: [reactTurn, { ...turn(2), steps: [] }] }, options: { maxHistoryTokens: 1_000 } });
    const messages = reactPlanner.messages({ instructions: 'Be brief.', input: 'question 3', steps: [], tools: [], history: fitted });
    const system = textOf(messages[0]!);
    expect(system.startsWith('Be brief.\n\nSummary of the earlier conversation with this user')).toBe(true);
    expect(system).toContain('The user is Ada.');
    expect(describeMessages(messages.slice(1))).toEqual([
      'human: question 1',
      'ai: Thought: add\nAction: calculator\nAction Input: {"expression":"1+1"}',
      'human: Observation: 2',
      'ai: Thought: done\nFinal Answer: two',
      'human: question 2',
      'ai: Final Answer: answer 2',
      'human: question 3',
    ]);
    const answerOnly = fitHistory({ history: { turns: [reactTurn] }, options: { maxHistoryTokens: 8 } });
    expect(describeMessages(reactPlanner.messages({ input: 'q', steps: [], tools: [], history: answerOnly }).slice(1))).toEqual([
      'human: question 1',
      'ai: Final Answer: two',
      'human: q',
    ]);
  });
});
