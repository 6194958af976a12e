import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, tool } from '../../src/index.ts';
import { ScriptedChatModel } from '../../src/testing/index.ts';

const lookup = tool({
  name: 'lookup',
  description: 'Looks up a word.',
  schema: z.object({ word: z.string() }),
  execute: ({ word }) => `${word}: a large feline`,
});

describe('the react planner', () => {
  it('is chosen automatically for a model that cannot bind tools, and runs Thought/Action/Observation', async () => {
    const model = new ScriptedChatModel({
      toolCalling: false,
      replies: [
        'Thought: I should look it up.\nAction: lookup\nAction Input: {"word": "lion"}\nObservation: made up',
        'Thought: I know it now.\nFinal Answer: A lion is a large feline.',
      ],
    });
    const agent = createAgent({ model, tools: [lookup], instructions: 'Define words.' });
    expect(agent.planner.name).toBe('react');
    const result = await agent.run('What is a lion?');
    expect(result.stopReason).toBe('final');
    expect(result.output).toBe('A lion is a large feline.');
    expect(result.steps[0]!.toolCalls).toEqual([
      { id: 'react_0', name: 'lookup', args: { word: 'lion' }, output: 'lion: a large feline', durationMs: expect.any(Number) },
    ]);

    const [system, human, ai, observation] = model.requests[1]!.messages;
    expect(system!.text).toContain('Define words.');
    expect(system!.text).toContain('- lookup: Looks up a word.\n  Arguments (JSON schema): {"type":"object","properties":{"word":{"type":"string"}},"required":["word"]}');
    expect(human!.text).toBe('What is a lion?');
    // The invented observation is cut from the model's own turn; the real one follows.
    expect(ai!.text).toBe('Thought: I should look it up.\nAction: lookup\nAction Input: {"word": "lion"}');
    expect(observation!.text).toBe('Observation: lion: a large feline');
    expect(model.requests[0]!.stop).toEqual(['\nObservation:']);
    expect(model.requests[0]!.tools).toEqual([]);
  });

  it('wraps a bare Action Input for a tool with one string argument', async () => {
    const model = new ScriptedChatModel({ replies: ['Action: lookup\nAction Input: "tiger"', 'Final Answer: done'] });
    const result = await createAgent({ model, tools: [lookup], planner: 'react' }).run('tiger?');
    expect(result.steps[0]!.toolCalls[0]!.output).toBe('tiger: a large feline');
  });

  it('feeds malformed actions and unknown tools back as observations', async () => {
    const model = new ScriptedChatModel({
      replies: ['Thought: hmm\nAction:\nAction Input: {}', 'Action: search\nAction Input: {"q": "x"}', 'Final Answer: gave up'],
    });
    const result = await createAgent({ model, tools: [lookup], planner: 'react' }).run('go');
    expect(result.stopReason).toBe('final');
    expect(result.steps[0]!.planError).toContain('The Action line has no tool name.');
    expect(result.steps[1]!.toolCalls[0]!.error).toBe('Unknown tool "search". Available tools: lookup. Call one of them by its exact name.');
    const messages = model.requests[2]!.messages.map((message) => message.text);
    expect(messages[3]).toMatch(/^Observation: Error: The Action line has no tool name\./);
    expect(messages[5]).toBe('Observation: Error: Unknown tool "search". Available tools: lookup. Call one of them by its exact name.');
  });

  it('refuses the tool-calling planner for a model without tool calling', () => {
    const model = new ScriptedChatModel({ toolCalling: false, replies: [] });
    expect(() => createAgent({ model, tools: [lookup], planner: 'tool-calling' })).toThrow(/cannot bind tools/);
  });
});
