import { describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { toChatHistory } from '../../../src/models/local/llama-history.ts';

describe('toChatHistory', () => {
  it('ends a user turn with an empty model response to generate', () => {
    expect(toChatHistory([new SystemMessage('Be brief.'), new HumanMessage('Hi')])).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: [] },
    ]);
  });

  it('puts tool results into the function calls of the response that made them, and continues that response', () => {
    const history = toChatHistory([
      new HumanMessage('Add 2 and 3, and 4 and 5'),
      new AIMessage({
        content: 'Adding.',
        tool_calls: [
          { id: 'c1', name: 'add', args: { a: 2, b: 3 }, type: 'tool_call' },
          { id: 'c2', name: 'add', args: { a: 4, b: 5 }, type: 'tool_call' },
        ],
      }),
      new ToolMessage({ tool_call_id: 'c2', content: '9' }),
      new ToolMessage({ tool_call_id: 'c1', content: '5' }),
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'Add 2 and 3, and 4 and 5' },
      {
        type: 'model',
        response: [
          'Adding.',
          { type: 'functionCall', name: 'add', params: { a: 2, b: 3 }, result: '5', startsNewChunk: true },
          { type: 'functionCall', name: 'add', params: { a: 4, b: 5 }, result: '9' },
        ],
      },
    ]);
  });

  it('gives a call with no tool message a placeholder result and starts a new response after a later user turn', () => {
    const history = toChatHistory([
      new HumanMessage('One'),
      new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'look', args: {}, type: 'tool_call' }] }),
      new HumanMessage('Two'),
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'One' },
      { type: 'model', response: [{ type: 'functionCall', name: 'look', params: {}, result: '(no result)', startsNewChunk: true }] },
      { type: 'user', text: 'Two' },
      { type: 'model', response: [] },
    ]);
  });
});
